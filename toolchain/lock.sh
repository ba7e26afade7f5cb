#!/usr/bin/env bash
# Regenerates requirements.lock (every package, transitive ones included, with hashes for every platform)
# from the pins in requirements.txt (runtime, also pyproject's dependencies) and requirements-dev.txt.
# Run it after changing a pin; the bootstrap installs from the lock with `pip --require-hashes`.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=${SHOPSTREAM_CACHE:-$HOME/.cache/shopstream}/lock-tools
[[ -x $tools/bin/uv ]] || { python3 -m venv "$tools" && "$tools/bin/pip" install -q uv==0.13.9; }
"$tools/bin/uv" pip compile requirements-dev.txt --generate-hashes --universal --python-version 3.11 \
  --no-header -o requirements.lock -q
echo "requirements.lock: $(grep -c '==' requirements.lock) packages"
