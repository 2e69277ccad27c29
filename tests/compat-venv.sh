#!/usr/bin/env bash
# tests/compat-venv.sh CORE PYTHON_VERSION [latest]: make (or reuse) .venv-core<CORE> with ansible-core CORE and the
# compat test tools, on a CPython PYTHON_VERSION found by tests/find-python.sh, from tests/constraints/core-<CORE>.txt
# (or the newest releases with `latest`, in .venv-core<CORE>-latest). Prints the venv's path; exit 3 with the reason
# when that Python is not on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
core="$1" version="$2" latest="${3:-}"
python=$(tests/find-python.sh "$version") || { echo "$python"; exit 3; }
venv=".venv-core$core${latest:+-latest}"
lock="tests/constraints/core-$core.txt"
if [[ ! -x "$venv/bin/ansible-playbook" || ( -z "$latest" && "$lock" -nt "$venv/bin/ansible-playbook" ) ]]; then
    rm -rf "$venv"
    "$python" -m venv "$venv" >&2
    if [[ -n "$latest" ]]; then
        "$venv/bin/pip" install --quiet -r tests/requirements-compat.txt "ansible-core==$core.*" >&2
    else
        "$venv/bin/pip" install --quiet -r tests/requirements-compat.txt -c "$lock" >&2
    fi
    touch "$venv/bin/ansible-playbook"
fi
echo "$venv"
