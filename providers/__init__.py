"""The Pulumi program's providers: an alias of `shopstream.providers`, kept for existing states.

Pulumi pickles each dynamic provider into the state by reference (module and class name).  States
written before the runtime packages moved under `shopstream` reference `providers.shopify.webhook`
and `providers.aep.*`; this package makes every `providers.X` the very module `shopstream.providers.X`
(same objects, no second copy), so those states keep loading.  New states reference
`shopstream.providers…` directly.  It is not part of the wheel: it only serves Pulumi programs run from
this project's directory (and this repository's editable install).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType

_REAL = "shopstream.providers"


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, real: str) -> None:
        self._real = real

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(self._real)

    def exec_module(self, module: ModuleType) -> None:
        pass  # already executed under its real name


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith(__name__ + "."):
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(_REAL + fullname[len(__name__) :]))


if not any(isinstance(finder, _AliasFinder) for finder in sys.meta_path):
    sys.meta_path.insert(0, _AliasFinder())
