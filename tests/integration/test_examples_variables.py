"""Every example under examples/ names only variables the collection knows, with values its argument specs accept.

The examples that run against the simulators are run by their own tests (test_gitops_example, test_awx_examples,
test_fleet_example_inventory, test_execution_environment, test_readme, test_demo_example); this one reads them all: every
inventory loads with ansible-inventory, every variable with a role's prefix (encedo_, appresponse_, hawkbit_target_,
magewell_, fleetops_) anywhere in an example (inventories, group_vars, host_vars, playbook vars, AWX surveys and extra
vars) is a role option or a rollout variable, and each host's role options that are not templates pass the role's
``main`` argument spec (types and choices; required options may come from a vault or a template).
"""

import difflib
import glob
import json
import os
import subprocess
import sys

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_config import FLEETOPS_VARIABLES, is_known
from tests.conftest import ROOT, ansible_env

EXAMPLES = os.path.join(ROOT, "examples")
PREFIXES = ("encedo_", "appresponse_", "hawkbit_target_", "magewell_", "fleetops_")
ROLE_OF_CLASS = {"encedo": "encedo", "appresponse": "appresponse", "hawkbit": "hawkbit_target", "magewell": "magewell"}
# the fleetops_ variables the collection knows: the plan's own list (fleet_plan refuses any other), which also lets
# through the demo inventory's addresses (fleetops_demo_*, extra vars of examples/demo.py)
ROLLOUT = set(FLEETOPS_VARIABLES)
# inventory -> the role its hosts run when they name no class (examples/hawkbit-ssh runs the role in its own playbook)
INVENTORIES = {"examples/inventory": None, "examples/gitops/inventory": None,
               "examples/hawkbit-ssh/inventory.yml": "hawkbit_target", "examples/mixed-fleet/inventory/10-hosts.yml": None}
# playbooks that load AWX objects: their own play vars (fleetops_organization, ...) never reach a fleet run; what
# reaches it are the surveys' variables and the templates' extra_vars
AWX_LOADERS = ("awx/job_templates.yml", "awx/load_credential_types.yml", "awx/credential_types.yml")


class ExampleLoader(yaml.SafeLoader):
    """YAML as Ansible reads it here: ``!unsafe`` and ``!vault`` are plain strings."""


for _tag in ("!unsafe", "!vault"):
    ExampleLoader.add_constructor(_tag, lambda loader, node: loader.construct_scalar(node))


def role_specs():
    specs = {}
    for role in ROLE_OF_CLASS.values():
        with open(os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml")) as handle:
            specs[role] = yaml.safe_load(handle)["argument_specs"]
    return specs


SPECS = role_specs()
KNOWN = ROLLOUT | {name for entry_points in SPECS.values() for entry in entry_points.values()
                   for name in entry.get("options", {})}


def unknown(name):
    """None for a known variable (or one without a role prefix), else a message naming the closest known one."""
    if not name.startswith(PREFIXES) or is_known(name, KNOWN):
        return None
    close = difflib.get_close_matches(name, sorted(KNOWN), n=1)
    return "%s is no variable of fleetops.upgrade%s" % (name, "; did you mean %s?" % close[0] if close else "")


def yaml_documents():
    paths = sorted(set(glob.glob(os.path.join(EXAMPLES, "**", "*.yml"), recursive=True))
                   | set(glob.glob(os.path.join(EXAMPLES, "**", "*.yml.example"), recursive=True)))
    return [p for p in paths if "/execution-environment/context/" not in p]


def variable_names(data, top=True, play_vars=True):
    """Variable names a YAML document sets: keys of its top level (group/host vars), of ``vars``/``extra_vars``
    mappings, of hosts' mappings, and the ``variable`` of survey questions, wherever they are nested."""
    names = set()
    if isinstance(data, dict):
        for key, value in data.items():
            if not play_vars and (key == "vars" or top):
                # a loader's own variable: what it holds may name fleet variables (surveys, extra_vars), it is none
                for inner in (value.values() if key == "vars" and isinstance(value, dict) else [value]):
                    names |= variable_names(inner, top=False, play_vars=False)
                continue
            if top or key in ("vars", "extra_vars") or isinstance(key, str) and key.startswith(PREFIXES):
                if key in ("vars", "extra_vars") and isinstance(value, dict):
                    names.update(value)
                elif isinstance(key, str):
                    names.add(key)
            if key == "variable" and isinstance(value, str):
                names.add(value)
            if key == "hosts" and isinstance(value, dict):
                for host_vars in value.values():
                    if isinstance(host_vars, dict):
                        names.update(host_vars)
            names |= variable_names(value, top=False, play_vars=play_vars)
    elif isinstance(data, list):
        for item in data:
            names |= variable_names(item, top=False, play_vars=play_vars)
    elif isinstance(data, str) and data.lstrip().startswith("{") and "extra_vars" not in data:
        try:
            names |= variable_names(json.loads(data), top=False)
        except ValueError:
            pass
    return names


@pytest.mark.parametrize("path", yaml_documents(), ids=lambda p: os.path.relpath(p, EXAMPLES))
def test_every_variable_an_example_sets_is_known(path):
    with open(path) as handle:
        documents = list(yaml.load_all(handle, Loader=ExampleLoader))  # noqa: S506 - a SafeLoader
    names = set()
    for document in documents:
        loader = path.endswith(AWX_LOADERS)
        names |= variable_names(document, top="group_vars" in path or "host_vars" in path or loader, play_vars=not loader)
    assert [message for message in map(unknown, sorted(names)) if message] == []


def test_the_check_finds_a_misspelt_variable():
    assert unknown("encedo_firmware_versoin") == ("encedo_firmware_versoin is no variable of fleetops.upgrade; "
                                                  "did you mean encedo_firmware_version?")
    assert unknown("magewell_firmware_version") is None and unknown("ansible_host") is None
    assert "magewell_pasword" in variable_names({"all": {"vars": {"magewell_pasword": "x"}}}, top=False)


def not_a_template(value):
    text = json.dumps(value)
    return "{{" not in text and "{%" not in text


@pytest.mark.parametrize("inventory", sorted(INVENTORIES))
def test_every_example_inventory_loads_and_fits_the_argument_specs(inventory):
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-inventory"), "-i",
                           os.path.join(ROOT, inventory), "--list"],
                          env=ansible_env(), capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and "[WARNING]" not in done.stderr, done.stderr[-2000:]
    hostvars = json.loads(done.stdout)["_meta"]["hostvars"]
    assert hostvars, "no hosts in %s" % inventory
    errors = []
    for host, variables in sorted(hostvars.items()):
        errors += [message for message in map(unknown, sorted(variables)) if message]
        role = ROLE_OF_CLASS.get(variables.get("fleetops_device_class"), INVENTORIES[inventory])
        if role is None:
            errors.append("%s: fleetops_device_class %r is no device class" % (host, variables.get("fleetops_device_class")))
            continue
        options = SPECS[role]["main"]["options"]
        given = {k: v for k, v in variables.items() if k in options and not_a_template(v)}
        validated = ArgumentSpecValidator(options).validate(given)
        errors += ["%s: %s" % (host, message) for message in validated.error_messages if "missing required" not in message]
    assert errors == []
