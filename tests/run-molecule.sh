#!/usr/bin/env bash
# Run every molecule scenario under extensions/molecule against the simulators.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export ANSIBLE_COLLECTIONS_PATH="${ANSIBLE_COLLECTIONS_PATH:-$root/.build/collections}"
export PATH="$root/.venv/bin:$PATH"
export MOLECULE_NO_LOG=false
cd "$root/extensions"
for scenario in molecule/*/; do
  name="$(basename "$scenario")"
  echo "=== molecule test -s $name"
  molecule test -s "$name"
done
