#!/usr/bin/env bash
# Makes the checkout ready to run: a .venv with the pinned Python packages and a working Pulumi toolchain in
# .venv/bin (pulumi, pulumi-language-python + pulumi-language-python-exec, pulumi-resource-pulumi-python).
# Idempotent: a second run takes seconds. Called by both README commands (demo and tests) and by .ci/run.
#
# get.pulumi.com and GitHub downloads are unreachable here, so the CLI is built from the Go module proxy
# (toolchain/pulumi-build pins the version) and cached outside the repo, keyed by version. The Python
# language host is our own small gRPC server (toolchain/python_language_host.py): Pulumi's Go host module is
# not served by the proxy. See README "Toolchain" and ../shared/reference/pulumi-offline.md.
set -euo pipefail

PULUMI_VERSION=3.274.1   # keep in step with toolchain/pulumi-build/go.mod
ACTIONLINT_VERSION=1.7.12  # the workflow linter the tests run on .github/workflows
GO_VERSION=go1.26.8      # fetched through the module proxy by GOTOOLCHAIN when the local go is older

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$root/.venv"
cache_root=${SHOPSTREAM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/shopstream}
say() { printf '[bootstrap] %s\n' "$*" >&2; }
die() { printf '[bootstrap] error: %s\n' "$*" >&2; exit 1; }

ensure_debian_packages() {
  # python3-venv and git are the only system packages we need besides Go; install them when missing.
  local missing=()
  command -v git >/dev/null || missing+=(git)
  command -v python3 >/dev/null || missing+=(python3)
  python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
  command -v go >/dev/null || missing+=(golang-go)
  command -v curl >/dev/null || missing+=(curl)
  if ((${#missing[@]})); then
    command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get to install them; install them and rerun."
    say "installing Debian packages: ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# --- PostgreSQL server binaries (tests/backend_postgres/) ------------------------------------------------
ensure_postgresql() {
  # The team-backend tests start a throwaway server from Debian's binaries as Pulumi's postgres:// backend.
  # No system cluster: the tests run their own on a free loopback port, so none is created on 5432.
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null && return
  command -v apt-get >/dev/null || die "missing PostgreSQL (/usr/lib/postgresql/*/bin/initdb) and no apt-get to install it; install Debian's postgresql and rerun."
  say "installing Debian's postgresql (server binaries for the PostgreSQL backend tests; no cluster is created)"
  mkdir -p /etc/postgresql-common/createcluster.d
  echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.d/shopstream-no-main-cluster.conf
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
}
# --- end PostgreSQL ---------------------------------------------------------------------------------------

ensure_venv() {
  [[ -x "$venv/bin/python" ]] || { say "creating $venv"; python3 -m venv "$venv"; }
  local stamp="$venv/.shopstream-requirements.sha256" want
  want=$(cat "$root/requirements.lock" "$root/pyproject.toml" | sha256sum | cut -d' ' -f1)
  if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
    # The lock file pins every package, transitive ones included, with hashes (toolchain/lock.sh).
    say "installing the locked Python packages (requirements.lock, hashes checked)"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --require-hashes -r "$root/requirements.lock"
    PYTHONWARNINGS=ignore "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps --config-settings editable_mode=compat -e "$root"
    echo "$want" >"$stamp"
  fi
}

version_ok() {  # a v3 CLI not older than the Python SDK
  local v sdk
  v=$("$1" version 2>/dev/null | sed 's/^v//') || return 1
  sdk=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("pulumi"))')
  [[ $v == 3.* ]] && "$venv/bin/python" - "$v" "$sdk" <<'PY'
import sys
from packaging.version import Version
sys.exit(0 if Version(sys.argv[1].split("-")[0]) >= Version(sys.argv[2]) else 1)
PY
}

go_toolchain() {  # a local go older than the modules need fetches $GO_VERSION through the module proxy
  export GOTOOLCHAIN=${GOTOOLCHAIN:-auto}
  if ! go version | grep -Eq 'go1\.(2[6-9]|[3-9][0-9])'; then export GOTOOLCHAIN=$GO_VERSION; fi
}

build_cli() {  # $1 = cache dir for this version
  local dest=$1 work
  go_toolchain
  export GOFLAGS=${GOFLAGS:--mod=mod}
  work=$(mktemp -d "$cache_root/.build.XXXXXX")
  cp "$root/toolchain/pulumi-build/go.mod" "$root/toolchain/pulumi-build/go.sum" "$work/"
  say "building the Pulumi CLI v$PULUMI_VERSION from Go modules (first run only; about 10-20 minutes on 2 cores)"
  local total
  say "downloading Go modules (several hundred MB) and listing packages"
  total=$(cd "$work" && go list -deps github.com/pulumi/pulumi/pkg/v3/cmd/pulumi | wc -l)
  say "Go modules ready; compiling $total packages"
  # go build -v names each package as it is compiled: turn that into a progress line.
  (cd "$work" && go build -v -trimpath -tags osusergo,grpcnotrace \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
      -o "$work/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) 2>&1 |
    awk -v total="$total" '!/^#/ { n++; if (n % 50 == 0) printf "[bootstrap] compiled %d/%d packages\n", n, total > "/dev/stderr" } /^#|error|cannot/ { print > "/dev/stderr" }'
  [[ -x $work/pulumi ]] || die "the Pulumi CLI build failed (output above); fix the cause and rerun."
  mkdir -p "$dest"
  mv "$work/pulumi" "$dest/"
  rm -rf "$work"
  say "cached the CLI in $dest"
}

fetch_python_scripts() {  # $1 = cache dir: the two Python runtime scripts from the matching sdk/v3 module
  local dest=$1 sdk_dir
  sdk_dir=$(cd "$root/toolchain/pulumi-build" && GOFLAGS=-mod=mod go mod download -json "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION" |
    "$venv/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')
  mkdir -p "$dest"
  # Module cache files are read-only and lose the exec bit: copy them with mode 755.
  install -m 755 "$sdk_dir/python/cmd/pulumi-language-python-exec" "$dest/pulumi-language-python-exec"
  install -m 755 "$sdk_dir/python/dist/pulumi-resource-pulumi-python" "$dest/pulumi-resource-pulumi-python"
}

ensure_pulumi() {
  local bin="$venv/bin" cached="$cache_root/pulumi-v$PULUMI_VERSION-$(uname -s)-$(uname -m)" ambient
  ambient=$(PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$bin" | paste -sd:) command -v pulumi || true)
  if [[ -n $ambient ]] && version_ok "$ambient"; then
    ln -sf "$ambient" "$bin/pulumi"
  else
    [[ -x $cached/pulumi ]] || { mkdir -p "$cache_root"; build_cli "$cached"; }
    ln -f "$cached/pulumi" "$bin/pulumi" 2>/dev/null || cp -f "$cached/pulumi" "$bin/pulumi"
  fi
  [[ -x $cached/pulumi-resource-pulumi-python ]] || fetch_python_scripts "$cached"
  install -m 755 "$cached/pulumi-language-python-exec" "$bin/pulumi-language-python-exec"
  install -m 755 "$cached/pulumi-resource-pulumi-python" "$bin/pulumi-resource-pulumi-python"
  cat >"$bin/pulumi-language-python" <<EOF
#!/bin/sh
# Written by toolchain/bootstrap.sh: the Python language host (see toolchain/python_language_host.py).
exec "$bin/python" "$root/toolchain/python_language_host.py" --executor="$bin/pulumi-language-python-exec" --version=$PULUMI_VERSION "\$@"
EOF
  chmod 755 "$bin/pulumi-language-python"
  version_ok "$bin/pulumi" || die "$bin/pulumi does not report a v3 version at least as new as the Python SDK."
}

ensure_actionlint() {
  local cached="$cache_root/actionlint-v$ACTIONLINT_VERSION-$(uname -s)-$(uname -m)"
  if [[ ! -x $cached/actionlint ]]; then
    say "building actionlint v$ACTIONLINT_VERSION from Go modules"
    go_toolchain
    GOBIN="$cached" GOFLAGS= go install "github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION"
  fi
  ln -sf "$cached/actionlint" "$venv/bin/actionlint"
}

ensure_activate_env() {
  # Activating the venv is all a user needs: offline switches and the interpreter for dynamic providers.
  local marker="# shopstream: offline Pulumi settings"
  grep -qF "$marker" "$venv/bin/activate" && return
  cat >>"$venv/bin/activate" <<EOF
$marker
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_PYTHON_CMD="$venv/bin/python"
EOF
}

ensure_debian_packages
ensure_postgresql
ensure_venv
ensure_pulumi
ensure_actionlint
ensure_activate_env
say "ready: $("$venv/bin/pulumi" version) with $("$venv/bin/python" --version) in $venv"
