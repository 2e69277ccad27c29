"""Modules that run on devices: Python 3.7+ syntax and the standard library only (plus Ansible's own module_utils)."""

import ast
import os
import sys

import pytest

from tests.conftest import ROOT, find_python

DEVICE_MODULES = ["hawkbit_artifact", "hawkbit_poll", "hawkbit_feedback", "hawkbit_confirmation", "hawkbit_config_data"]
PREFIX = "ansible_collections.fleetops.upgrade.plugins.module_utils."


def closure(module):
    """Files of the module and of every collection module_util it imports, transitively."""
    todo = [os.path.join(ROOT, "plugins", "modules", module + ".py")]
    seen = []
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.append(path)
        tree = ast.parse(open(path).read(), path)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                if node.level == 1:
                    todo.append(os.path.join(ROOT, "plugins", "module_utils", node.module + ".py"))
                elif node.module and node.module.startswith(PREFIX):
                    todo.append(os.path.join(ROOT, "plugins", "module_utils", node.module[len(PREFIX):] + ".py"))
    return seen


def unguarded_imports(path):
    """Top-level names imported outside ``try: ... except ImportError``."""
    tree = ast.parse(open(path).read(), path)
    guarded = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
                isinstance(h.type, ast.Name) and h.type.id == "ImportError" for h in node.handlers):
            for inner in node.body:
                for sub in ast.walk(inner):
                    guarded.add(id(sub))
    names = set()
    for node in ast.walk(tree):
        if id(node) in guarded:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("module", DEVICE_MODULES)
def test_device_modules_parse_as_python_3_7(module):
    files = closure(module)
    assert any(f.endswith("_hawkbit_http.py") for f in files)
    for path in files:
        ast.parse(open(path).read(), path, feature_version=(3, 7))


@pytest.mark.parametrize("module", DEVICE_MODULES)
def test_device_modules_need_only_the_standard_library(module):
    allowed = set(sys.stdlib_module_names) | {"ansible", "ansible_collections"}
    for path in closure(module):
        extra = unguarded_imports(path) - allowed
        assert not extra, "%s imports %s outside the standard library" % (os.path.relpath(path, ROOT), sorted(extra))


def test_the_check_itself_sees_a_non_stdlib_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import json\ntry:\n    import requests\nexcept ImportError:\n    requests = None\nimport yaml\n")
    assert unguarded_imports(str(sample)) == {"json", "yaml"}


@pytest.mark.parametrize("module", DEVICE_MODULES)
def test_module_files_parse_on_python_2_7_for_the_refusal(module, tmp_path):
    """Only the module file and _hawkbit_python.py run before the version check: they must compile on 2.7."""
    import subprocess
    python = find_python("2.7")
    if not python:
        pytest.skip("Python 2.7 is needed for this check (pyenv install 2.7)")
    for path in (os.path.join(ROOT, "plugins", "modules", module + ".py"),
                 os.path.join(ROOT, "plugins", "module_utils", "_hawkbit_python.py")):
        source = open(path).read()
        compiled = subprocess.run([python, "-c", "import sys; compile(sys.stdin.read(), %r, 'exec')" % path],
                                  input=source, capture_output=True, text=True, check=False)
        assert compiled.returncode == 0, compiled.stderr
