"""The ``X-Shopify-Hmac-Sha256`` webhook signature (reference §8).

Shopify signs every webhook delivery with the app's client secret: base64 of HMAC-SHA256 over the
**exact raw request body**. A receiver must verify the bytes it received, before any JSON parsing:
re-serialised JSON produces a different signature. Sans-I/O: used by the emulator's delivery worker
(signing), the AEP inlet emulator and webhook receivers (verifying).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

HMAC_HEADER = "X-Shopify-Hmac-Sha256"


def sign(body: bytes, secret: str) -> str:
    """The header value for ``body``: base64 (standard, padded) of HMAC-SHA256 keyed by ``secret``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(body: bytes, secret: str, header_value: str | None) -> bool:
    """True when ``header_value`` is the signature of ``body`` under ``secret``.

    Constant-time comparison (no timing oracle on how many leading characters match). A missing or empty
    header, or an empty secret, never verifies: an unconfigured secret must not accept unsigned bodies.
    Surrounding whitespace in the header is tolerated (some proxies fold or pad header values).
    """
    if not header_value or not secret:
        return False
    expected = sign(body, secret).encode("ascii")
    # "replace": a header with characters that cannot be encoded (lone surrogates) must fail, not raise.
    received = header_value.strip().encode("utf-8", "replace")
    return hmac.compare_digest(expected, received)
