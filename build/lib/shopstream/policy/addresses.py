"""Rules for a webhook subscription's destination address (pure functions, no Pulumi).

Messages show only scheme://host[:port]: an address's path or query may carry a shared secret.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import SplitResult, urlsplit

from shopstream.shopify_api.addresses import is_loopback_host

# Hosts of Adobe's non-production streaming inlets, plus the emulator's: a production stack must never
# deliver there.  The pack config `nonProductionInletHosts` replaces this list.
DEFAULT_NON_PRODUCTION_INLET_HOSTS = (
    "dcs-int.adobedc.net",
    "dcs-stage.adobedc.net",
    "127.0.0.1",
    "localhost",
)


def _parts(address: str) -> SplitResult | None:
    try:
        parts = urlsplit(address)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return None
    return parts if parts.hostname else None


def _shown(parts: SplitResult) -> str:
    """The address without path, query or credentials (see the module docstring)."""
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port is not None else "")


def https_problem(address: str) -> str | None:
    """Why `address` is not https (or http to a loopback host, i.e. the emulator); None if it is fine."""
    parts = _parts(address)
    if parts is None:
        return "webhook address is not an absolute URL with a host"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and is_loopback_host(parts.hostname or ""):
        return None
    return (
        f"webhook address {_shown(parts)} must use https "
        "(plain http is allowed only to 127.0.0.1/localhost, for the emulator)"
    )


def _matches(host: str, listed: str) -> bool:
    host, listed = host.lower().rstrip("."), listed.lower().strip().rstrip(".")
    return bool(listed) and (host == listed or host.endswith("." + listed))


def production_problem(address: str, non_production_hosts: Iterable[str]) -> str | None:
    """Why a production stack must not deliver to `address`; None if it may.

    Production wants https to a real, production host: no http (not even to loopback), no loopback, and
    no host (or subdomain of a host) in `non_production_hosts`.
    """
    parts = _parts(address)
    if parts is None:
        return "webhook address is not an absolute URL with a host"
    host = parts.hostname or ""
    if is_loopback_host(host):
        return f"a production stack must not deliver to the loopback address {_shown(parts)}"
    listed = next((entry for entry in non_production_hosts if _matches(host, entry)), None)
    if listed is not None:
        return (
            f"a production stack must not deliver to {_shown(parts)}, a non-production inlet host "
            f"(listed as {listed} in nonProductionInletHosts)"
        )
    if parts.scheme != "https":
        return f"a production stack must deliver over https, not to {_shown(parts)}"
    return None
