"""The collection reaches ansible-core only through what ansible-core offers plugin authors, so every minor from 2.16
to the newest release runs it: modules, ``ActionBase`` and the attributes ansible-core's own actions use, filter,
inventory and callback plugins, play keywords, and ``add_host``/``group_by``/``set_stats`` tasks.

Each test names what is banned and why; a test fails when a banned use comes back anywhere under ``plugins/`` or in
the playbooks and roles.
"""

import ast
import os

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
PLUGINS = os.path.join(ROOT, "plugins")

BANNED_MODULES = {
    "ansible.executor": "the executor is ansible-core's own machinery (task queue, workers, results)",
    "ansible.plugins.strategy": "third-party strategy plugins are deprecated (2.19) and will be removed",
    "ansible._internal": "private to ansible-core; changes in any release",
    "ansible.context": "CLIARGS are the CLI's parsed options, not a plugin interface (ansible_forks is the variable)",
}

# Attributes that belong to ansible-core, are not offered to plugin authors, and were used here before.
BANNED_ATTRIBUTES = {
    "raw_get": "HostVars.raw_get: read hostvars[host], as a template does",
    "CLIARGS": "context.CLIARGS: read the ansible_* magic variables",
    "add_host": "ActionBase.add_host is EXPERIMENTAL in ansible-core 2.21: use an ansible.builtin.add_host task",
    "add_group": "ActionBase.add_group is EXPERIMENTAL in ansible-core 2.21: use an ansible.builtin.group_by task",
    "get_finalize_task_args_context": "EXPERIMENTAL in ansible-core 2.21",
}

# Result keys that only ansible-core's builtin actions are documented to return; 2.21 ignores them from others.
BANNED_RESULT_KEYS = {"add_host", "add_group", "parent_groups", "ansible_stats"}

# Underscore attributes a plugin may use: those of ActionBase that ansible-core's own actions use.
ACTIONBASE_ATTRIBUTES = {
    "_task", "_templar", "_loader", "_connection", "_play_context", "_execute_module", "_supports_check_mode",
    "_supports_async", "_VALID_ARGS", "_requires_connection", "_compute_environment_string", "_display",
}

# What the developer guide offers inventory plugins (BaseInventoryPlugin, Constructable, Cacheable) and modules
# (AnsibleModule's _diff and _name, which ansible-core's own modules read).
INVENTORY_ATTRIBUTES = {"_read_config_data", "_compose", "_cache", "_set_composite_vars",
                        "_add_host_to_composed_groups", "_add_host_to_keyed_groups"}
MODULE_ATTRIBUTES = {"_diff", "_name"}
ALLOWED_PRIVATE = {
    "action": ACTIONBASE_ATTRIBUTES, "plugin_utils": ACTIONBASE_ATTRIBUTES, "inventory": INVENTORY_ATTRIBUTES,
    "module_utils": MODULE_ATTRIBUTES, "modules": MODULE_ATTRIBUTES,
}

# The one private import left, on purpose: a hawkbit_* module on a device whose Python is older than the collection's
# module_utils need (2.7, 3.6) reads its arguments with it only to fail with a clear message; no public way to read
# them without validating them against a spec that Python cannot import exists there.
ALLOWED_PRIVATE_IMPORTS = {"plugins/module_utils/_hawkbit_python.py": {"ansible.module_utils.basic._load_params"}}

BUILTIN_STRATEGIES = {"linear", "free", "host_pinned", "debug", "ansible.builtin.linear", "ansible.builtin.free",
                      "ansible.builtin.host_pinned", "ansible.builtin.debug"}


def python_files():
    for directory, _dirs, files in os.walk(PLUGINS):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(directory, name)
                with open(path) as handle:
                    yield os.path.relpath(path, ROOT), ast.parse(handle.read(), path)


PARSED = list(python_files())


def own_private_names():
    """Underscore names this collection defines itself (its own classes' attributes, functions and constants)."""
    names = set()
    for _path, tree in PARSED:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
    return {name for name in names if name.startswith("_")}


def plugin_type(path):
    """``action``, ``inventory``, ... for plugins/<type>/...; the sample of the last test is an action."""
    parts = path.split(os.sep)
    return parts[1] if len(parts) > 2 else "action"


def uses(check):
    found = []
    for path, tree in PARSED:
        for node in ast.walk(tree):
            reason = check(node, plugin_type(path), path)
            if reason:
                found.append("%s:%d: %s" % (path, node.lineno, reason))
    return found


def test_no_module_of_ansible_core_that_plugins_are_not_offered_is_imported():
    def check(node, _plugin_type, path):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + ["%s.%s" % (node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            return None
        for name in names:
            for banned, why in BANNED_MODULES.items():
                if name == banned or name.startswith(banned + "."):
                    return "imports %s (%s)" % (name, why)
            if name.startswith("ansible.") and any(part.startswith("_") and not part.startswith("__")
                                                   for part in name.split(".")[1:]) \
                    and name not in ALLOWED_PRIVATE_IMPORTS.get(path, ()):
                return "imports the private name %s" % name
        return None
    assert uses(check) == []


def test_no_attribute_of_ansible_core_that_plugins_are_not_offered_is_used():
    def check(node, kind, _path):
        if kind == "inventory" and node.__class__ is ast.Attribute and node.attr in ("add_host", "add_group"):
            return None  # self.inventory.add_host/add_group: the inventory plugin's own interface
        if isinstance(node, ast.Attribute) and node.attr in BANNED_ATTRIBUTES:
            return ".%s: %s" % (node.attr, BANNED_ATTRIBUTES[node.attr])
        return None
    assert uses(check) == []


def test_no_private_attribute_of_ansible_core_is_used_beyond_the_actionbase_ones():
    own = own_private_names()

    def check(node, kind, _path):
        if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                and node.attr not in own and node.attr not in ALLOWED_PRIVATE.get(kind, ())):
            return "._%s is private to ansible-core" % node.attr[1:]
        return None
    assert uses(check) == []


def test_no_result_key_that_only_builtin_actions_may_return():
    def check(node, _kind, _path):
        if isinstance(node, ast.keyword) and node.arg in BANNED_RESULT_KEYS:
            return "returns %s=" % node.arg
        if isinstance(node, ast.Constant) and node.value in BANNED_RESULT_KEYS:
            return "the result key %r" % node.value
        return None
    assert uses(check) == []


def test_no_strategy_plugin_of_our_own():
    assert not os.path.exists(os.path.join(PLUGINS, "strategy")), "plugins/strategy: third-party strategies are deprecated"


def yaml_files():
    for top in ("playbooks", "roles"):
        for directory, _dirs, files in os.walk(os.path.join(ROOT, top)):
            for name in files:
                if name.endswith((".yml", ".yaml")):
                    yield os.path.join(directory, name)


def strategies(data):
    if isinstance(data, dict):
        if "strategy" in data and ("hosts" in data or "import_playbook" in data):
            yield data["strategy"]
        for value in data.values():
            yield from strategies(value)
    elif isinstance(data, list):
        for value in data:
            yield from strategies(value)


@pytest.mark.parametrize("path", sorted(yaml_files()), ids=lambda p: os.path.relpath(p, ROOT))
def test_plays_use_builtin_strategies_only(path):
    with open(path) as handle:
        data = yaml.safe_load(handle)
    for strategy in strategies(data):
        assert strategy in BUILTIN_STRATEGIES, "%s: play strategy %r is not ansible-core's own" % (path, strategy)


def test_the_checks_find_what_they_ban(tmp_path):
    """The checks above are not blind: each finds the use it bans in a sample."""
    sample = ast.parse(
        "from ansible.executor.task_result import _RawTaskResult\n"
        "from ansible import context\n"
        "x = hostvars.raw_get('h')\n"
        "n = validated._no_log_values\n"
        "result.update(add_group='g')\n"
        "result['ansible_stats'] = {}\n")
    PARSED.append(("sample.py", sample))
    try:
        with pytest.raises(AssertionError):
            test_no_module_of_ansible_core_that_plugins_are_not_offered_is_imported()
        with pytest.raises(AssertionError):
            test_no_attribute_of_ansible_core_that_plugins_are_not_offered_is_used()
        with pytest.raises(AssertionError):
            test_no_private_attribute_of_ansible_core_is_used_beyond_the_actionbase_ones()
        with pytest.raises(AssertionError):
            test_no_result_key_that_only_builtin_actions_may_return()
    finally:
        PARSED.pop()
