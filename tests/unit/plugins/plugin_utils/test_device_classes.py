"""Each device class is defined once (plugins/plugin_utils/_device_classes.py): what repeats it for Ansible or for a
reader (the modules' choices, the roles' defaults and argument specs, the docs' tables) must say the same."""

import ast
import os
import re

import pytest
import yaml

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._device_classes import (
    CLASS_NAMES, DEVICE_CLASSES, MISSING, DeviceClass, Listed, resolve_arguments)
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._device_steps import Step
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._drift import EncedoSurvey

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
CLASS_MODULES = ("fleet_device", "fleet_record", "drift_check")


def module_choices(module):
    """``device_class``'s choices in the module's DOCUMENTATION and in its argument spec (the documented ones again when
    the module file has no argument spec: an action plugin's documentation only)."""
    with open(os.path.join(ROOT, "plugins", "modules", module + ".py"), encoding="utf-8") as handle:
        source = handle.read()
    tree = ast.parse(source)
    documentation = next(node.value.value for node in tree.body if isinstance(node, ast.Assign)
                         and getattr(node.targets[0], "id", None) == "DOCUMENTATION")
    documented = yaml.safe_load(documentation)["options"]["device_class"]["choices"]
    in_spec = re.search(r'device_class=dict\([^)]*choices=(\[[^\]]*\])', source)
    return documented, ast.literal_eval(in_spec.group(1)) if in_spec else documented


def role_file(role, *path):
    with open(os.path.join(ROOT, "roles", role, *path), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.mark.parametrize("module", CLASS_MODULES)
def test_the_modules_choices_are_the_classes(module):
    assert module_choices(module) == (list(CLASS_NAMES), list(CLASS_NAMES))


def test_a_wrong_choices_list_would_be_seen(tmp_path):
    assert module_choices("fleet_device")[0] != ["encedo", "appresponse", "magewell", "hawkbit"]


@pytest.mark.parametrize("name", CLASS_NAMES)
def test_the_role_defaults_are_the_class_defaults(name):
    device_class = DEVICE_CLASSES[name]
    defaults = {name: str(value) if isinstance(value, str) else value for name, value in device_class.defaults.items()}
    assert role_file(device_class.role, "defaults", "main.yml") == defaults


@pytest.mark.parametrize("name", CLASS_NAMES)
def test_every_variable_of_the_class_is_a_documented_option_of_its_role(name):
    device_class = DEVICE_CLASSES[name]
    options = role_file(device_class.role, "meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
    assert set(device_class.variables) <= set(options)
    assert set(device_class.defaults) <= set(options)
    for variable, default in device_class.defaults.items():
        if "default" in options[variable]:
            assert options[variable]["default"] == default, variable


@pytest.mark.parametrize("name", CLASS_NAMES)
def test_the_role_task_names_its_class(name):
    tasks = role_file(DEVICE_CLASSES[name].role, "tasks", "main.yml")
    device_tasks = [task["fleetops.upgrade.fleet_device"] for task in tasks if "fleetops.upgrade.fleet_device" in task]
    assert device_tasks == [{"device_class": name}]


def readme_classes():
    """``{class: role}`` from the README's table of device classes."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        rows = re.findall(r"^\| `(\w+)` \|[^|]*\|[^|]*\| `fleetops\.upgrade\.(\w+)` \|", handle.read(), re.MULTILINE)
    return dict(rows)


def test_the_readme_table_lists_every_class_with_its_role():
    assert readme_classes() == {name: device_class.role for name, device_class in DEVICE_CLASSES.items()}


def table_classes(doc, header):
    """The first column of the Markdown table of ``doc`` whose header row starts with ``header``."""
    with open(os.path.join(ROOT, doc), encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append(line.split("|")[1].strip().strip("`"))
    return rows


@pytest.mark.parametrize("doc, header", [
    ("docs/fleet.md", "| class | what a preview sends"),
    ("docs/gitops.md", "| class | components"),
])
def test_the_docs_tables_list_every_class(doc, header):
    assert sorted(table_classes(doc, header)) == sorted(CLASS_NAMES)


class Templar:
    """Templates ``{{ name }}`` only: enough to see which variable's value an argument got."""

    def __init__(self, variables):
        self.variables = variables

    def template(self, value):
        match = re.match(r"^\{\{ (\w+) \}\}$", value) if isinstance(value, str) else None
        return self.template(self.variables[match.group(1)]) if match else value


def test_arguments_are_the_role_variables_and_an_unset_variable_leaves_its_option_out():
    variables = {"encedo_url": "{{ address }}", "address": "https://hem", "encedo_timeout": 5,
                 "encedo_firmware_version": "1.3.0", "encedo_token": "__omit__"}
    args, errors = resolve_arguments(DEVICE_CLASSES["encedo"], variables, Templar(variables), omit="__omit__")
    assert errors == {}
    assert args == {"common": {"url": "https://hem", "timeout": 5}, "steps": {"firmware": {"version": "1.3.0"}, "ui": {}}}


def test_a_listed_variable_becomes_a_list_of_its_value():
    variables = {"magewell_serial": "A1", "magewell_firmware_version": "1.2"}
    args, _errors = resolve_arguments(DEVICE_CLASSES["magewell"], variables, Templar(variables))
    assert args["steps"]["upgrade"] == {"serial_numbers": ["A1"], "version": "1.2"}


def test_a_class_refuses_arguments_for_a_step_it_does_not_have():
    with pytest.raises(ValueError, match="arguments for steps it does not have: reboot"):
        DeviceClass("x", "x", {}, {"steps": {"reboot": {"command": "x_reboot"}}}, EncedoSurvey(),
                    steps=(Step("upgrade", "encedo_upgrade", {}, None),))


def test_the_class_names_its_variables_and_what_resolving_them_reads():
    magewell = DEVICE_CLASSES["magewell"]
    assert magewell.option_variables[("upgrade", "serial_numbers")] == "magewell_serial"
    assert isinstance(magewell.arguments["steps"]["upgrade"]["serial_numbers"], Listed)
    assert {"mwcloud_url", "mwcloud_serial", "inventory_hostname", "magewell_delegate_to"} <= magewell.reads
    assert magewell.resolve(lambda name: MISSING) == {"common": {}, "steps": {"upgrade": {}}}
