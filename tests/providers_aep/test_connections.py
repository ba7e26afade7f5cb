"""Base, source and target connection providers: create/read/diff/update/delete against the emulator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
import pytest

from shopstream.aep_api import kinds
from shopstream.providers.aep.base_connection import OUTPUT_KEYS, BaseConnectionProvider
from shopstream.providers.aep.settings import CONNECTION_KEYS
from shopstream.providers.aep.source_connection import SourceConnectionProvider
from shopstream.providers.aep.target_connection import TargetConnectionProvider
from tests.providers_aep.conftest import AepWorld, checked, configure

SECRET = "app-secret-0123456789abcdef"
XED = "application/vnd.adobe.xed-full+json;version=1"

MakeProvider = Callable[[type], Any]


def base_news(aep: AepWorld, **overrides: Any) -> dict[str, Any]:
    return {**aep.connection(), "name": "shop (base connection)", "hmac_secret": SECRET, **overrides}


def test_base_connection_lifecycle(aep: AepWorld, make_provider: MakeProvider) -> None:
    provider = make_provider(BaseConnectionProvider)
    props = checked(provider, base_news(aep))
    assert props["description"] == "" and props["scopes"] == "openid,AdobeID"

    created = provider.create(props)
    outs = created.outs
    assert set(outs) == {*CONNECTION_KEYS, "name", "description", "hmac_secret", *OUTPUT_KEYS}
    assert outs["connection_id"] == created.id and outs["adopted"] is False
    assert outs["etag"].startswith('"') and outs["state"] == "enabled"
    item = aep.client().get(kinds.BASE_CONNECTION, created.id)
    assert item is not None and item["auth"] == {
        "specName": "HMAC Authentication",
        "params": {"hmacSecret": "***"},
    }

    # Same program again: check + diff say nothing to do, and nothing is written.
    seq = aep.last_seq()
    again = checked(provider, base_news(aep), olds=props)
    assert provider.diff(created.id, outs, again).changes is False
    # Connection inputs are ignored by diff.
    moved = checked(provider, base_news(aep, scopes="openid", platform_url=aep.emulator.base_url + "/"))
    assert provider.diff(created.id, outs, moved).changes is False
    assert aep.writes(seq) == []

    # read: outputs and inputs as AEP has them (the secret stays the state's).
    read = provider.read(created.id, outs)
    assert read.id == created.id and read.outs["hmac_secret"] == SECRET
    assert read.inputs == {key: outs[key] for key in (*CONNECTION_KEYS, "name", "description", "hmac_secret")}

    # Rotating the secret is an in-place update: one PATCH of /auth/params with If-Match.
    rotated = checked(provider, base_news(aep, hmac_secret="rotated-secret-xyz"))
    diff = provider.diff(created.id, outs, rotated)
    assert diff.changes is True and diff.replaces == []
    seq = aep.last_seq()
    updated = provider.update(created.id, outs, rotated).outs
    assert updated["hmac_secret"] == "rotated-secret-xyz" and updated["etag"] != outs["etag"]
    assert [(r["method"], r["status"]) for r in aep.writes(seq)] == [("PATCH", 200)]

    provider.delete(created.id, updated)
    assert aep.client().get(kinds.BASE_CONNECTION, created.id) is None
    provider.delete(created.id, updated)  # already gone: fine
    assert provider.read(created.id, updated).id == ""


def test_base_connection_adopts_an_existing_one_and_sets_its_secret(
    aep: AepWorld, make_provider: MakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    logged: list[str] = []
    monkeypatch.setattr(pulumi.log, "info", lambda msg, *a, **k: logged.append(msg))
    provider = make_provider(BaseConnectionProvider)
    first = provider.create(checked(provider, base_news(aep)))
    seq = aep.last_seq()
    second = provider.create(checked(provider, base_news(aep, hmac_secret="other-secret")))
    assert second.id == first.id and second.outs["adopted"] is True
    # AEP masks the secret, so adoption cannot know it matches: it PATCHes /auth/params once.
    assert [r["method"] for r in aep.writes(seq)] == ["PATCH"]
    assert logged == [f"AEP: adopted existing base connection 'shop (base connection)' ({first.id})."]


def test_base_connection_check_failures(make_provider: MakeProvider, aep: AepWorld) -> None:
    provider = make_provider(BaseConnectionProvider)
    result = provider.check(
        {}, {**base_news(aep), "hmac_secret": "", "sandbox": "Prod", "ims_org": "", "name": " "}
    )
    reasons = {f.property: f.reason for f in result.failures}
    assert set(reasons) == {"hmac_secret", "sandbox", "ims_org", "name"}
    assert "lowercase" in reasons["sandbox"]
    bad_url = provider.check({}, base_news(aep, platform_url="http://platform.example.com"))
    assert [f.property for f in bad_url.failures] == ["platform_url"]


def test_base_connection_secret_never_reaches_error_text(aep: AepWorld, make_provider: MakeProvider) -> None:
    provider = make_provider(BaseConnectionProvider)
    props = checked(provider, base_news(aep))
    with pytest.raises(Exception) as caught:
        provider.update(
            "00000000-0000-0000-0000-000000000000", {**props, "etag": '"x"'}, {**props, "hmac_secret": "n"}
        )
    text = str(caught.value)
    assert "AEP has no base connection" in text and "pulumi refresh" in text
    assert SECRET not in text and aep.client_secret not in text


def source_news(aep: AepWorld, **overrides: Any) -> dict[str, Any]:
    return {**aep.connection(), "name": "shop (source)", "description": "Shopify orders", **overrides}


def test_source_connection_lifecycle(aep: AepWorld, make_provider: MakeProvider) -> None:
    base = make_provider(BaseConnectionProvider).create(
        checked(make_provider(BaseConnectionProvider), base_news(aep))
    )
    provider = make_provider(SourceConnectionProvider)
    props = checked(provider, source_news(aep, base_connection_id=base.id))
    created = provider.create(props)
    outs = created.outs
    assert outs["source_connection_id"] == created.id and outs["base_connection_id"] == base.id
    item = aep.client().get(kinds.SOURCE_CONNECTION, created.id)
    assert item is not None and item["baseConnectionId"] == base.id and item["data"] == {"format": "json"}

    assert (
        provider.diff(
            created.id, outs, checked(provider, source_news(aep, base_connection_id=base.id))
        ).changes
        is False
    )
    other = checked(provider, source_news(aep, base_connection_id="another-base"))
    assert provider.diff(created.id, outs, other).replaces == ["base_connection_id"]
    renamed = checked(provider, source_news(aep, base_connection_id=base.id, description=""))
    diff = provider.diff(created.id, outs, renamed)
    assert diff.changes is True and diff.replaces == []
    updated = provider.update(created.id, outs, renamed).outs
    item = aep.client().get(kinds.SOURCE_CONNECTION, created.id)
    assert item is not None and "description" not in item and updated["description"] == ""

    # Without a base connection (older tutorial layout) the body has no baseConnectionId.
    bare = provider.create(checked(provider, source_news(aep, name="bare")))
    assert bare.outs["base_connection_id"] is None
    item = aep.client().get(kinds.SOURCE_CONNECTION, bare.id)
    assert item is not None and "baseConnectionId" not in item


def target_news(aep: AepWorld, **overrides: Any) -> dict[str, Any]:
    return {
        **aep.connection(),
        "name": "shop (target)",
        "dataset_id": aep.dataset_id,
        "schema_id": aep.schema_id,
        "schema_version": "1",
        **overrides,
    }


def test_target_connection_lifecycle(aep: AepWorld, make_provider: MakeProvider) -> None:
    provider = make_provider(TargetConnectionProvider)
    props = checked(provider, target_news(aep))
    assert props["schema_version"] == XED
    created = provider.create(props)
    outs = created.outs
    item = aep.client().get(kinds.TARGET_CONNECTION, created.id)
    assert item is not None
    assert item["params"] == {"dataSetId": aep.dataset_id}
    assert item["data"] == {"format": "json", "schema": {"id": aep.schema_id, "version": XED}}

    same_spelled_differently = checked(provider, target_news(aep, schema_version=XED))
    assert provider.diff(created.id, outs, same_spelled_differently).changes is False
    other_dataset = aep.control.create_dataset(aep.org_id, "prod", "other", aep.schema_id)
    diff = provider.diff(created.id, outs, checked(provider, target_news(aep, dataset_id=other_dataset)))
    assert diff.replaces == ["dataset_id"]
    diff = provider.diff(created.id, outs, checked(provider, target_news(aep, schema_version="2")))
    assert diff.replaces == ["schema_version"]

    read = provider.read(created.id, outs)
    assert (
        read.inputs is not None
        and read.inputs["schema_version"] == XED
        and read.inputs["dataset_id"] == aep.dataset_id
    )


def test_target_connection_validates_the_dataset_first(aep: AepWorld, make_provider: MakeProvider) -> None:
    provider = make_provider(TargetConnectionProvider)
    seq = aep.last_seq()
    with pytest.raises(Exception) as caught:
        provider.create(checked(provider, target_news(aep, dataset_id="0123456789abcdef01234567")))
    assert str(caught.value) == (
        "AEP has no dataset 0123456789abcdef01234567 in sandbox prod: create the target dataset (Catalog) or "
        "fix dataset_id in the stack file."
    )
    other_schema = aep.control.create_schema(aep.org_id, "prod", "Other")
    with pytest.raises(Exception) as caught:
        provider.create(checked(provider, target_news(aep, schema_id=other_schema)))
    assert f"uses schema {aep.schema_id}, not {other_schema}" in str(caught.value)
    assert aep.writes(seq) == []


def test_deleting_a_connection_in_use_says_delete_the_flow_first(
    aep: AepWorld, make_provider: MakeProvider, pipeline_objects: dict[str, Any]
) -> None:
    provider = make_provider(TargetConnectionProvider)
    target = pipeline_objects["target"]
    with pytest.raises(Exception) as caught:
        provider.delete(target.id, target.outs)
    text = str(caught.value)
    subject = f'the target connection "shop (target)" (id {target.id})'
    assert text.startswith(f"AEP refused deleting {subject} because dataflows still use it")
    assert "FLOW-1447-400" in text and "delete those dataflows first" in text
    base = pipeline_objects["base"]
    with pytest.raises(Exception) as caught:
        make_provider(BaseConnectionProvider).delete(base.id, base.outs)
    assert "FLOW-1418-400" in str(caught.value)


def test_check_reports_a_missing_client_secret(aep: AepWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHOPSTREAM_AEP_CLIENT_SECRET", raising=False)
    provider = BaseConnectionProvider()
    configure(provider, "")  # no aepClientSecret in the stack config
    result = provider.check({}, base_news(aep))
    assert [(f.property, f.reason) for f in result.failures] == [
        (
            "client_id",
            "No AEP client secret: store the OAuth Server-to-Server credential's secret with "
            "`pulumi config set --secret aepClientSecret <client secret>` "
            "(or export SHOPSTREAM_AEP_CLIENT_SECRET for a one-off run).",
        )
    ]
