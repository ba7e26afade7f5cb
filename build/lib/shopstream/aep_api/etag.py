"""Flow Service etags (aep-platform-api.md §1.2, §2.4).

An etag comes back as a JSON string that itself contains double quotes (`"\"5000…0000\""`), and the
If-Match header must carry it exactly like that.  These helpers keep the quoting right whichever form
a caller (state, emulator, hand-written test) holds.
"""

from __future__ import annotations

from collections.abc import Mapping


def if_match(etag: str) -> str:
    """The If-Match header value: the etag as returned, quoted if a caller stripped the quotes."""
    etag = etag.strip()
    if etag.startswith('"') or etag.startswith('W/"'):
        return etag
    return f'"{etag}"'


def bare(etag: str) -> str:
    """The etag without weak marker and quotes, for comparisons."""
    etag = etag.strip().removeprefix("W/")
    return etag.strip('"')


def same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and bare(a) == bare(b)


def from_body(body: object) -> str | None:
    """`etag` of a create/patch answer or of an item, if present and a non-empty string."""
    if isinstance(body, Mapping):
        value = body.get("etag")
        if isinstance(value, str) and value.strip():
            return value
    return None
