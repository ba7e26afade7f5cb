"""shopstream.shopify_api.webhook_signature: base64 HMAC-SHA256 of the raw body (Shopify's
X-Shopify-Hmac-Sha256)."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from shopstream.shopify_api.webhook_signature import sign, verify

# RFC 4231 test case 2 (HMAC-SHA256, key "Jefe"), hex digest from the RFC, base64-encoded as Shopify
# sends it. An independent vector: it does not come from the code under test.
RFC4231_BODY = b"what do ya want for nothing?"
RFC4231_KEY = "Jefe"
RFC4231_HEX = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
RFC4231_BASE64 = "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM="

# A Shopify-style body (the docs' order sample shape) and secret.
BODY = b'{"id":820982911946154508,"email":"jon@example.com","note":"Caf\xc3\xa9"}'
SECRET = "hush"


def test_rfc4231_vector():
    assert base64.b64encode(bytes.fromhex(RFC4231_HEX)).decode() == RFC4231_BASE64
    assert sign(RFC4231_BODY, RFC4231_KEY) == RFC4231_BASE64
    assert verify(RFC4231_BODY, RFC4231_KEY, RFC4231_BASE64)


def test_matches_shopifys_documented_recipe():
    # Shopify's Ruby sample: Base64.strict_encode64(OpenSSL::HMAC.digest('sha256', secret, data)).
    expected = base64.b64encode(hmac.new(SECRET.encode(), BODY, hashlib.sha256).digest()).decode()
    assert sign(BODY, SECRET) == expected
    assert len(expected) == 44 and expected.endswith("=")


def test_verify_accepts_surrounding_whitespace():
    assert verify(BODY, SECRET, f"  {sign(BODY, SECRET)}\t")


@pytest.mark.parametrize(
    ("body", "secret", "header"),
    [
        (BODY + b" ", SECRET, None),  # one extra byte (re-serialised JSON)
        (BODY.replace(b"820982911946154508", b"820982911946154509"), SECRET, None),  # tampered value
        (BODY, "hush2", None),  # wrong secret
        (BODY, SECRET, ""),  # empty header
        (BODY, SECRET, "not base64 at all"),
        (BODY, SECRET, "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM="),  # someone else's signature
        (BODY, SECRET, "\udcff\ud800"),  # undecodable header characters: no exception
        (BODY, "", "x"),  # no secret: never verifies
    ],
)
def test_verify_rejects(body, secret, header):
    value = sign(BODY, SECRET) if header is None else header
    assert verify(body, secret, value) is False


def test_verify_rejects_missing_header_and_hex_encoding():
    assert verify(BODY, SECRET, None) is False
    hex_digest = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    assert verify(BODY, SECRET, hex_digest) is False  # OAuth-style hex is not the webhook encoding


def test_empty_secret_cannot_verify_its_own_signature():
    assert verify(BODY, "", sign(BODY, "")) is False
