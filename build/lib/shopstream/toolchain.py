"""Where the project's Pulumi toolchain lives and the environment every `pulumi` run gets."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = REPO / ".venv" / "bin"
PULUMI = VENV_BIN / "pulumi"
TOOLCHAIN_FILES = (
    "pulumi",
    "pulumi-language-python",
    "pulumi-language-python-exec",
    "pulumi-resource-pulumi-python",
)


class ToolchainMissing(RuntimeError):
    pass


def require_toolchain() -> None:
    """A missing toolchain is an error with what to do, never a silent skip."""
    missing = [name for name in TOOLCHAIN_FILES if not os.access(VENV_BIN / name, os.X_OK)]
    if missing:
        raise ToolchainMissing(
            f"the Pulumi toolchain is incomplete ({', '.join(missing)} missing from {VENV_BIN}); "
            "run toolchain/bootstrap.sh (both README commands do)."
        )


def toolchain_environment(base: Mapping[str, str]) -> dict[str, str]:
    """What every `pulumi` run of the project needs on top of `base`: the offline switches, our venv first
    on PATH, and the venv's Python for dynamic providers."""
    return {
        "PATH": f"{VENV_BIN}{os.pathsep}{base.get('PATH', '')}",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_PYTHON_CMD": str(VENV_BIN / "python"),
    }


def pulumi_environment(
    base: Mapping[str, str], *, home: Path, backend_url: str | None, passphrase_file: Path | None = None
) -> dict[str, str]:
    """`base` without its PULUMI_* variables, plus the offline switches, our venv first on PATH, and the
    given Pulumi home, backend (None: whatever `pulumi login` chose) and passphrase file."""
    env = {key: value for key, value in base.items() if not key.startswith("PULUMI_")}
    env.update(toolchain_environment(base))
    env["PULUMI_HOME"] = str(home)
    if backend_url is not None:
        env["PULUMI_BACKEND_URL"] = backend_url
    if passphrase_file is not None:
        env["PULUMI_CONFIG_PASSPHRASE_FILE"] = str(passphrase_file)
    return env
