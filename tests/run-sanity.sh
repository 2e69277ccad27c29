#!/usr/bin/env bash
# Run `ansible-test sanity` on a copy of the collection's own files (git-tracked plus untracked
# files that are not ignored), laid out as ansible_collections/fleetops/upgrade under .build/sanity.
# Works offline: ansible-test's pip bootstrap script is replaced by tests/sanity/get_pip_standin.py.
# The copy keeps its tests/output/ between runs, so ansible-test reuses its delegation venv there;
# the per-test sanity venvs are cached by ansible-test itself in ~/.ansible/test/venv.
# Extra arguments are passed to ansible-test, e.g. tests/run-sanity.sh --test pep8 -v
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
venv_bin="$repo/.venv/bin"
python_version=3.11
build="$repo/.build/sanity/ansible_collections/fleetops/upgrade"

if [[ ! -x "$venv_bin/ansible-test" ]]; then
    echo "run-sanity: $venv_bin/ansible-test not found; run 'make venv' first" >&2
    exit 2
fi

install_pip_bootstrap() {
    local version cache
    version=$("$venv_bin/python" -c '
import types
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(types.SimpleNamespace(version="'"$python_version"'"))["pip"])')
    cache="$HOME/.ansible/test/cache/get_pip_${version//./_}.py"
    # A real get-pip.py found there works offline too; only install or refresh the stand-in.
    if [[ ! -f "$cache" ]] || grep -q 'Offline stand-in for the get-pip.py' "$cache"; then
        mkdir -p "$(dirname "$cache")"
        cp "$repo/tests/sanity/get_pip_standin.py" "$cache"
    fi
}

copy_collection() {
    mkdir -p "$build"
    # Remove everything from the last copy except ansible-test's output (it holds the venv).
    find "$build" -mindepth 1 -maxdepth 1 ! -name tests -exec rm -rf {} +
    if [[ -d "$build/tests" ]]; then
        find "$build/tests" -mindepth 1 -maxdepth 1 ! -name output -exec rm -rf {} +
    fi
    (cd "$repo" && git ls-files -z --cached --others --exclude-standard \
        | xargs -0 -r sh -c 'for f; do [ -e "$f" ] || [ -L "$f" ] && printf "%s\0" "$f"; done' sh \
        | tar --null --files-from=- --create --file=-) \
        | tar --extract --file=- --directory="$build"
    # ansible-test looks for version control upwards from the collection root; without a
    # repository of its own the copy would be seen as ignored files of this repository.
    git -C "$build" init --quiet
}

# ~/.ansible/test is shared by every checkout on this machine: two runs creating the same
# sanity venv at once would delete each other's half-built venv, so runs take turns.
mkdir -p "$HOME/.ansible/test"
exec 9>"$HOME/.ansible/test/fleetops-sanity.lock"
flock 9

install_pip_bootstrap
copy_collection
cd "$build"
"$venv_bin/ansible-test" sanity --venv --python "$python_version" "$@"
