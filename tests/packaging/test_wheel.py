"""The wheel holds every runtime package under the one name `shopstream`, and works on its own: installed
into a fresh venv (with the locked dependencies but not this checkout), `shopstream --help`,
`shopstream --version` and `python -m shopstream.stackfile check` run (issue 10)."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from shopstream.toolchain import REPO

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # No build isolation: setuptools comes from the locked venv, so the build needs no network.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    (built,) = out.glob("shopstream-*.whl")
    return built


def test_the_wheel_installs_one_top_level_package_with_its_data(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names}
    assert top == {"shopstream", f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info"}
    for needed in (
        "shopstream/cli.py",
        "shopstream/providers/shopify/webhook.py",
        "shopstream/emulator/server.py",
        "shopstream/policy/PulumiPolicy.yaml",
        "shopstream/policy/__main__.py",
        "shopstream/stackfile/stackfile.schema.json",
        "shopstream/shopify_api/topics.py",
        "shopstream/aep_api/errors.py",
        "shopstream/program/build.py",
    ):
        assert needed in names, f"{needed} is not in the wheel"
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    for requirement in ("pulumi==", "pulumi-policy==", "requests==", "click==", "graphql-core=="):
        assert f"Requires-Dist: {requirement}" in metadata


def test_the_installed_wheel_runs_without_this_checkout(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    # The locked dependencies without downloading them again: the test venv's site-packages as a plain
    # path (its .pth files, among them this checkout's editable install, are not processed).
    (site / "locked-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    python = venv / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "--ignore-installed",  # the checkout's editable install is visible through the .pth
            "-q",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    where = subprocess.run(
        [
            str(python),
            "-c",
            "import shopstream; print(shopstream.__file__)",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert where.returncode == 0, where.stderr
    where_file = where.stdout.split()
    assert where_file[0].startswith(str(venv)), (
        f"shopstream came from {where_file[0]}, not the installed wheel"
    )

    helped = subprocess.run(
        [str(venv / "bin" / "shopstream"), "--help"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert helped.returncode == 0, helped.stderr
    assert "preview" in helped.stdout and "drift" in helped.stdout and "Traceback" not in helped.stderr
    version = subprocess.run(
        [str(venv / "bin" / "shopstream"), "--version"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert version.returncode == 0 and "0.1.0" in version.stdout, version.stdout + version.stderr

    stack = tmp_path / "stacks" / "demo.yaml"
    stack.parent.mkdir()
    stack.write_text((REPO / "stacks" / "local.yaml").read_text())
    checked = subprocess.run(
        [str(python), "-m", "shopstream.stackfile", "check", str(stack)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0 and "OK" in checked.stdout, checked.stdout + checked.stderr
    stack.write_text("shopify:\n  api_version: 2026-10\nshops:\n  acme:\n    topics: [order/create]\n")
    refused = subprocess.run(
        [str(python), "-m", "shopstream.stackfile", "check", str(stack)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 1 and "order/create" in refused.stdout + refused.stderr
    assert "Traceback" not in refused.stdout + refused.stderr
