"""Which hosts count as this machine: plain http:// (and the emulator) are allowed only to them."""

from __future__ import annotations

import ipaddress


def is_loopback_host(host: str) -> bool:
    """`localhost` or any loopback address (127.0.0.0/8, ::1), with or without IPv6 brackets."""
    host = host.strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
