"""Whether the Pulumi engine that started this provider process is still there (Linux /proc).

The engine runs a dynamic provider as `pulumi` → `sh pulumi-resource-pulumi-python` → `python -m
pulumi.dynamic`.  When the CLI is killed (SIGKILL, an OOM kill, a lost runner), the language host
ends the provider within a fraction of a second (toolchain/python_language_host.py); in that fraction
the provider's threads must not start a write to Shopify or AEP that nobody will record in the state.
So before every request, `shopstream.providers.http.send` asks `engine_alive()`: the provider's parent
(the `sh`) must still have the parent it had when this module was imported (the engine).  A re-parented `sh`
means the engine is gone.  Outside that process layout (tests calling providers in-process) the check
stays true.  Reading one small /proc file costs microseconds.
"""

from __future__ import annotations

import os
from pathlib import Path


def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 4 is the parent pid; the command name (field 2) may hold spaces, so split after its ")".
    fields = stat[stat.rfind(")") + 2 :].split()
    return int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else None


_PARENT = os.getppid()
_ENGINE = _parent_of(_PARENT)


class EngineGone(Exception):
    """The Pulumi engine of this provider process has died: no more writes."""


def engine_alive() -> bool:
    if _ENGINE is None or _ENGINE <= 1:
        return True  # nothing known to watch
    return _parent_of(_PARENT) == _ENGINE
