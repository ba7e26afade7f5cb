"""shopstream.guardrails over plans made of `pulumi preview --json` steps (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from shopstream import guardrails
from shopstream.guardrails import DATAFLOW_REPLACE, MASS_DESTRUCTIVE_CHANGE, Violation, render_violations
from shopstream.plan import SUBSCRIPTION_TYPE as WEBHOOK_SUBSCRIPTION_TYPE
from shopstream.plan import Step, plan_stack

STACK_URN = "urn:pulumi:prod::shopstream::pulumi:pulumi:Stack::shopstream-prod"
PIPELINE = "shopstream:aep:ShopifyStreamingPipeline"


def urn(type_token: str, name: str) -> str:
    return f"urn:pulumi:prod::shopstream::{type_token}::{name}"


def sub_urn(name: str) -> str:
    return urn(WEBHOOK_SUBSCRIPTION_TYPE, name)


def step(op: str, resource_urn: str) -> dict[str, Any]:
    """A step shaped like `pulumi preview --json --show-sames` prints it (states trimmed)."""
    type_token = resource_urn.split("::")[2].split("$")[-1]
    state = {"urn": resource_urn, "custom": True, "type": type_token, "inputs": {}}
    result: dict[str, Any] = {"op": op, "urn": resource_urn, "detailedDiff": None}
    if op != "create":
        result["oldState"] = state
    if op != "delete":
        result["newState"] = state
    if op == "replace":
        result["replaceReasons"] = ["format"]
    return result


def plan(**ops: str) -> list[dict[str, Any]]:
    """The stack's own `same` step plus one step per subscription: plan(a="same", b="delete")."""
    return [step("same", STACK_URN), *(step(op, sub_urn(f"acme-eu/{name}")) for name, op in ops.items())]


def evaluate_plan(steps: list[dict[str, Any]], *, production: bool, **kwargs: Any) -> list[Violation]:
    plan_ = plan_stack("prod", [Step.from_json(s) for s in steps], production=production)
    return guardrails.evaluate_plan(plan_, **kwargs)


def codes(steps: list[dict[str, Any]], **kwargs: Any) -> list[str]:
    return [v.code for v in evaluate_plan(steps, **{"production": True, **kwargs})]


def test_a_plan_without_destruction_passes() -> None:
    assert codes(plan(a="same", b="update", c="create", d="same")) == []


def test_the_share_is_strictly_more_than_the_limit() -> None:
    # 1 of 4 is exactly 25%: allowed; 2 of 4 is 50%: refused.
    assert codes(plan(a="delete", b="same", c="same", d="same")) == []
    assert codes(plan(a="delete", b="replace", c="same", d="same")) == [MASS_DESTRUCTIVE_CHANGE]


def test_deletes_and_replaces_count_together_and_name_the_resources() -> None:
    [violation] = evaluate_plan(plan(a="delete", b="replace", c="same", d="update"), production=True)
    assert violation.code == MASS_DESTRUCTIVE_CHANGE
    assert set(violation.names) == {"acme-eu/a", "acme-eu/b"}
    assert "2 of the stack's 4 webhook subscriptions (50%)" in violation.message
    assert "25%" in violation.message and violation.message.endswith(".")


def test_the_share_is_configurable() -> None:
    steps = plan(a="delete", b="replace", c="same", d="same")
    assert codes(steps, max_destructive_share=0.5) == []
    assert codes(steps, max_destructive_share=0.49) == [MASS_DESTRUCTIVE_CHANGE]
    assert codes(plan(a="delete", b="same"), max_destructive_share=0.0) == [MASS_DESTRUCTIVE_CHANGE]


@pytest.mark.parametrize("share", [-0.1, 1.5])
def test_a_share_outside_0_to_1_is_a_programming_error(share: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        evaluate_plan([], production=True, max_destructive_share=share)


def test_creates_do_not_count_as_old_state() -> None:
    # 1 deleted of 2 existing = 50%, however many new subscriptions the plan adds.
    steps = plan(a="delete", b="same", c="create", d="create", e="create", f="create")
    assert codes(steps) == [MASS_DESTRUCTIVE_CHANGE]


def test_a_replacement_shown_as_several_steps_counts_once() -> None:
    replaced = sub_urn("acme-eu/a")
    steps = [
        *plan(b="same", c="same", d="same", e="same", f="same", g="same", h="same"),
        step("create-replacement", replaced),
        step("replace", replaced),
        step("delete-replaced", replaced),
    ]
    assert codes(steps) == []  # 1 of 8
    [violation] = evaluate_plan(steps, production=True, max_destructive_share=0.1)
    assert violation.names == ("acme-eu/a",)
    assert "1 of the stack's 8" in violation.message


def test_an_empty_old_state_never_trips_the_share() -> None:
    assert codes([step("create", STACK_URN), *plan(a="create", b="create")[1:]]) == []
    assert codes([]) == []


def test_non_production_stacks_have_no_guardrails() -> None:
    steps = [
        *plan(a="delete", b="delete"),
        step("replace", urn(f"{PIPELINE}$pulumi-python:dynamic/aep:Dataflow", "f")),
    ]
    assert evaluate_plan(steps, production=False) == []


def test_replacing_the_dataflow_is_flagged() -> None:
    flow = urn(f"{PIPELINE}$pulumi-python:dynamic/aep:Dataflow", "shopify-orders")
    [violation] = evaluate_plan([*plan(a="same"), step("replace", flow)], production=True)
    assert violation.code == DATAFLOW_REPLACE
    assert violation.names == ("shopify-orders",)
    assert "shopify-orders" in violation.message


def test_other_aep_changes_and_dataflow_updates_are_not_flagged() -> None:
    flow = urn("pulumi-python:dynamic/aep:Dataflow", "flow")
    steps = [
        *plan(a="same"),
        step("update", flow),
        step("replace", urn("pulumi-python:dynamic/aep:SourceConnection", "source")),
        step("replace", urn("pulumi-python:dynamic/aep:DataflowTemplate", "not-a-dataflow")),
    ]
    assert codes(steps) == []


def test_both_limits_are_reported_together() -> None:
    flow = urn("pulumi-python:dynamic/aep:Dataflow", "flow")
    steps = [*plan(a="delete", b="delete"), step("create-replacement", flow), step("delete-replaced", flow)]
    assert codes(steps) == [MASS_DESTRUCTIVE_CHANGE, DATAFLOW_REPLACE]


def test_step_type_reads_child_urns_and_prefers_the_state() -> None:
    child = urn(f"{PIPELINE}$pulumi-python:dynamic/aep:Dataflow", "f")
    assert Step.from_json({"op": "same", "urn": child}).type == "pulumi-python:dynamic/aep:Dataflow"
    with_state = {"op": "delete", "urn": child, "oldState": {"type": WEBHOOK_SUBSCRIPTION_TYPE}}
    assert Step.from_json(with_state).type == WEBHOOK_SUBSCRIPTION_TYPE


def test_render_lists_violations_resources_and_the_override() -> None:
    flow = urn("pulumi-python:dynamic/aep:Dataflow", "flow")
    violations = evaluate_plan([*plan(a="delete", b="delete"), step("replace", flow)], production=True)
    text = render_violations(violations)
    assert text.splitlines()[0] == "Refusing to run: this plan breaks the production guardrails."
    assert "[mass-destructive-change]" in text and "[dataflow-replace]" in text
    assert "acme-eu/a, acme-eu/b" in text and "resources: flow" in text
    assert text.splitlines()[-1] == "If this is intended, run again with --allow-destructive."
    assert render_violations([]) == ""


def test_render_shortens_long_resource_lists() -> None:
    steps = plan(**{f"t{i:02d}": "delete" for i in range(12)})
    text = render_violations(evaluate_plan(steps, production=True), override_flag="--yes-really")
    assert "acme-eu/t09 and 2 more" in text and "acme-eu/t10" not in text
    assert text.endswith("run again with --yes-really.")
