"""An action plugin that validates its arguments itself (``validate_argument_spec``) checks them against the options
its module documents: same names, types, element types, defaults, required flags and choices."""

import importlib

import pytest
import yaml

ACTIONS = ("fleet_device", "fleet_plan", "fleet_record", "drift_check", "drift_report")


def documented_options(name):
    module = importlib.import_module("ansible_collections.fleetops.upgrade.plugins.modules.%s" % name)
    return yaml.safe_load(module.DOCUMENTATION)["options"]


def spec_of(option):
    """What an option of the documentation or of an argument spec says, in one form (the documentation's defaults)."""
    return {"type": option.get("type", "str"), "elements": option.get("elements"), "default": option.get("default"),
            "required": bool(option.get("required")), "choices": sorted(option["choices"]) if "choices" in option else None}


@pytest.mark.parametrize("name", ACTIONS)
def test_the_action_validates_what_the_module_documents(name):
    action = importlib.import_module("ansible_collections.fleetops.upgrade.plugins.action.%s" % name)
    documented = documented_options(name)
    assert sorted(action.ARGUMENT_SPEC) == sorted(documented)
    for option, spec in action.ARGUMENT_SPEC.items():
        assert spec_of(spec) == spec_of(documented[option]), option


@pytest.mark.parametrize("name", ACTIONS)
def test_the_action_leaves_the_option_check_to_its_spec(name):
    """A ``_VALID_ARGS`` beside the spec would be a second list of the options to keep in step."""
    action = importlib.import_module("ansible_collections.fleetops.upgrade.plugins.action.%s" % name)
    assert not action.ActionModule._VALID_ARGS
