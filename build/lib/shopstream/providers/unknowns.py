"""Values Pulumi does not know yet (during a preview, an output of a resource not created yet).

A dynamic provider's check and diff receive them either as the wire sentinel `rpc.UNKNOWN` or, for
secret or output-valued inputs, as a `pulumi.output.Unknown` object; both mean "computed later".
"""

from __future__ import annotations

from collections.abc import Mapping

from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN


def is_unknown(value: object) -> bool:
    """True when the value, or anything inside a list or mapping, is not known yet."""
    if isinstance(value, Unknown) or value == UNKNOWN:
        return True
    if isinstance(value, list):
        return any(is_unknown(item) for item in value)
    if isinstance(value, Mapping):
        return any(is_unknown(item) for item in value.values())
    return False
