#!/usr/bin/env bash
# tests/find-python.sh 3.12: the path of a CPython 3.12 interpreter (on PATH, or installed by pyenv), or the reason
# there is none on stdout and exit 1. pyenv's shims do not count; PYENV_ROOT or `pyenv root` says where pyenv is.
set -uo pipefail
version="$1"
found=$(command -v "python$version" 2>/dev/null | grep -v /shims/ || true)
if [[ -z "$found" ]]; then
    root="${PYENV_ROOT:-$(pyenv root 2>/dev/null || true)}"
    if [[ -n "$root" ]]; then
        found=$(ls -d "$root"/versions/"$version".*/bin/"python$version" 2>/dev/null | sort -V | tail -n 1)
    fi
fi
if [[ -z "$found" ]] || ! "$found" -c 'import sys' 2>/dev/null; then
    echo "no Python $version here (install it, e.g. pyenv install $version)"
    exit 1
fi
echo "$found"
