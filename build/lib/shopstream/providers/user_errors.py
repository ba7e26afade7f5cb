"""Errors the user can fix, shown by `pulumi` as their one sentence instead of a Python traceback.

Pulumi's dynamic-provider server (`python -m pulumi.dynamic`, the module run as `__main__` in the
provider process) wraps every create/read/update/delete in a decorator that aborts the gRPC call with
`traceback.format_exc()`: so a rejected token or a Shopify outage reached the CLI as a stack of frames.
The decorator looks `traceback` up in its module's globals when it runs, so `install()` puts a stand-in
there whose `format_exc()` returns just the message for a `UserFacingError` and the real traceback for
anything else (real bugs keep theirs).  It only acts inside that server process, is idempotent, and is
called when the provider modules are imported (which the server does to unpickle a provider).
"""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])


class UserFacingError(Exception):
    """A failure with a complete, user-facing sentence (no secret in it): printed without a traceback."""


def user_facing(*kinds: type[Exception]) -> Callable[[F], F]:
    """Decorator: the error types the user can fix leave the method as a UserFacingError, unchained."""

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            except kinds as err:
                raise UserFacingError(str(err)) from None

        return cast(F, wrapper)

    return decorate


class _CleanTraceback:
    """`traceback` for the dynamic-provider server: the message alone for a UserFacingError."""

    def __init__(self, real: ModuleType) -> None:
        self._real = real

    def format_exc(self, *args: Any, **kwargs: Any) -> str:
        error = sys.exc_info()[1]
        if isinstance(error, UserFacingError):
            return str(error)
        return str(self._real.format_exc(*args, **kwargs))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def install() -> bool:
    """Patch the running dynamic-provider server, if this is one; True when it is (now) patched."""
    server = sys.modules.get("__main__")
    if server is None or not hasattr(server, "DynamicResourceProviderServicer"):
        return False
    current = getattr(server, "traceback", None)
    if isinstance(current, _CleanTraceback):
        return True
    if current is not traceback:
        return False  # a Pulumi version that formats errors differently: leave it alone
    server.traceback = _CleanTraceback(traceback)  # type: ignore[attr-defined]
    return True


install()
