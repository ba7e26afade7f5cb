"""The `platform:` section: the AEP pipeline whose inlet the subscriptions deliver to."""

from shopstream.aep_api.ids import DEFAULT_IMS_URL
from shopstream.stackfile import load_stack_file

PLATFORM = """\
shopify:
  api_version: "2026-10"
platform:
  platform_url: http://127.0.0.1:8787
  ims_org: ABC123@AdobeOrg
  sandbox: prod
  client_id: shopstream
  dataset_id: 0123456789abcdef01234567
  schema_id: https://ns.adobe.com/acme/schemas/orders
  flow_name: shopstream-orders
  mapping:
    - expression: concat("order-", id)
      destination: _id
    - source: email
      destination: _acme.email
shops:
  acme-eu:
    topics:
      - orders/create
      - {topic: orders/paid, address: "https://other.example.com/paid"}
"""


def test_platform_section_builds_the_pipeline_spec_and_topics_default_to_its_inlet(write) -> None:
    spec = load_stack_file(write(PLATFORM))
    assert spec.platform is not None
    assert spec.platform.platform_url == "http://127.0.0.1:8787"
    assert spec.platform.ims_url == DEFAULT_IMS_URL
    assert spec.verify_hmac is True
    assert spec.platform.mappings == (
        ("EXPRESSION", 'concat("order-", id)', "_id"),
        ("ATTRIBUTE", "email", "_acme.email"),
    )
    addresses = {t.topic: t.address for t in spec.shops[0].topics}
    assert addresses == {"orders/create": None, "orders/paid": "https://other.example.com/paid"}


def test_platform_mistakes_are_each_reported_with_line_and_what_is_allowed(write, problems_of) -> None:
    text = (
        PLATFORM.replace("platform_url: http://127.0.0.1:8787", "platform_url: http://aep.example.com")
        .replace("ABC123@AdobeOrg", "ABC123")
        .replace("    - source: email\n", "    - source: email\n      expression: lower(email)\n")
        .replace('  api_version: "2026-10"\n', '  api_version: "2026-10"\n  address: https://x.example.com\n')
    )
    problems = {p.field: (p.line, p.message) for p in problems_of(write(text))}
    assert problems["platform.platform_url"][1].endswith(
        "plain http:// only for loopback hosts (127.0.0.0/8, localhost, [::1])"
    )
    assert problems["platform.ims_org"] == (
        6,
        '"ABC123" is not valid; allowed: the IMS organization id, e.g. 0123456789ABCDEF01234567@AdobeOrg',
    )
    assert "exactly one of" in problems["platform.mapping[1]"][1]
    assert "inlet URL" in problems["shopify.address"][1]


def test_a_platform_section_missing_required_keys_names_them(write, problems_of) -> None:
    text = 'shopify:\n  api_version: "2026-10"\nplatform:\n  sandbox: prod\nshops: {}\n'
    messages = [p.message for p in problems_of(write(text)) if p.field == "platform"]
    for key in ("ims_org", "client_id", "dataset_id", "schema_id", "flow_name", "mapping"):
        assert f'missing required key "{key}"' in messages
