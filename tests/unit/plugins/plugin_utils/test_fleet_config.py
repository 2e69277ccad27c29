"""The plan's configuration check: unknown variables with a suggestion, messages that name the role variables, empty
targets, and what the plan makes of a host (tests/unit/plugins/plugin_utils/test_controller_fleet.py's stand-ins)."""

import pytest

from ansible_collections.fleetops.upgrade.plugins.plugin_utils import _fleet_config as config
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._controller_fleet import known_role_variables, name_step_variables
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._device_classes import DEVICE_CLASSES

from tests.unit.plugins.plugin_utils.test_controller_fleet import ENCEDO, HAWKBIT, controller_fleet

KNOWN = {"encedo_firmware_version", "encedo_firmware_image", "encedo_wait_timeout", "appresponse_version"}


def test_closest_name_suggests_the_known_variable():
    assert config.closest_name("encedo_firmware_versoin", KNOWN) == "encedo_firmware_version"
    assert config.closest_name("appresponse_verison", KNOWN) == "appresponse_version"
    assert config.closest_name("something_else_entirely", KNOWN) is None


def test_unknown_variables_are_named_with_a_suggestion():
    errors = config.unknown_variable_errors(
        ["encedo_firmware_versoin", "encedo_firmware_version", "site_firmware", "fleetops_canary", "fleetops_cannary",
         "fleetops_report_1234", "fleetops_demo_images"], KNOWN)
    assert errors == ["encedo_firmware_versoin is not a variable of fleetops.upgrade; did you mean encedo_firmware_version?",
                      "fleetops_cannary is not a variable of fleetops.upgrade; did you mean fleetops_canary?"]
    # only the prefixes asked for
    assert config.unknown_variable_errors(["encedo_firmware_versoin"], KNOWN, ("fleetops_", "appresponse_")) == []


def test_every_rollout_variable_of_the_playbook_is_known():
    with open(config.__file__.rsplit("/plugins/", 1)[0] + "/playbooks/upgrade.yml") as handle:
        playbook = handle.read()
    import re
    used = set(re.findall(r"\bfleetops_[a-z_]+\b", playbook)) - {"fleetops_planner"}
    assert used <= set(config.FLEETOPS_VARIABLES), used - set(config.FLEETOPS_VARIABLES)


def test_the_roles_files_give_the_known_names():
    known = known_role_variables()
    assert {"encedo_firmware_version", "appresponse_version", "hawkbit_target_gateway_token", "magewell_serial",
            "hawkbit_target_cycle", "hawkbit_target_failure"} <= known
    assert "encedo_firmware_versoin" not in known


def test_a_step_names_its_own_options_variables_before_the_common_ones():
    mapping = {(None, "wait_timeout"): "encedo_wait_timeout", (None, "token"): "encedo_token",
               ("upgrade", "serial_numbers"): "magewell_serial", ("upgrade", "wait_timeout"): "step_timeout"}
    assert config.variables_of_step(mapping, "upgrade")["wait_timeout"] == "step_timeout"
    assert config.variables_of_step(mapping, None)["wait_timeout"] == "encedo_wait_timeout"


@pytest.mark.parametrize("msg, expected", [
    ("argument 'wait_timeout' is of type <class 'str'> and we were unable to convert to int: abc",
     "argument 'encedo_wait_timeout' is of type <class 'str'> and we were unable to convert to int: abc"),
    ("one of the following is required: target_token, gateway_token",
     "one of the following is required: hawkbit_target_target_token, hawkbit_target_gateway_token"),
    ("parameters are mutually exclusive: target_token|gateway_token",
     "parameters are mutually exclusive: hawkbit_target_target_token|hawkbit_target_gateway_token"),
    ("value of confirmation_policy must be one of: confirm, deny, got: x",
     "value of hawkbit_target_confirmation_policy must be one of: confirm, deny, got: x"),
    ("the device runs version 1.2 and wait_timeout", "the device runs version 1.2 and wait_timeout"),
])
def test_messages_name_the_role_variables(msg, expected):
    names = {"wait_timeout": "encedo_wait_timeout", "target_token": "hawkbit_target_target_token",
             "gateway_token": "hawkbit_target_gateway_token", "version": "encedo_firmware_version",
             "confirmation_policy": "hawkbit_target_confirmation_policy"}
    assert config.name_variables(msg, names) == expected


def test_a_step_result_names_the_variable_of_its_own_step():
    ran = [("image", {"failed": True, "msg": "argument 'wait_timeout' is of type <class 'str'>"}),
           ("update", {"failed": True, "msg": "argument 'wait_timeout' is of type <class 'str'>"}),
           ("delete", {"failed": True, "msg": "the device said 'wait_timeout'"})]
    named = dict(name_step_variables(ran, DEVICE_CLASSES["appresponse"].option_variables))
    assert "'appresponse_image_wait_timeout'" in named["image"]["msg"]
    assert "'appresponse_update_wait_timeout'" in named["update"]["msg"]
    assert named["delete"]["msg"] == "the device said 'wait_timeout'"  # not an argument error: left alone


def test_empty_targets():
    assert config.empty(None) and config.empty("") and config.empty("  ") and not config.empty("1.3.0")
    assert config.target_notes([("ui", "encedo_ui_uis")]) == ["ui: no target set (encedo_ui_uis is empty)"]
    assert config.no_target_error([("image", "appresponse_version"), ("update", "appresponse_version")]) == \
        "no target set: appresponse_version is empty, so there is nothing to upgrade to; set appresponse_version"


def test_the_plan_refuses_a_typo_and_names_it():
    fleet_ = controller_fleet(hem1=dict(ENCEDO, encedo_firmware_versoin="1.3.1"))
    error, notes = fleet_.configuration("hem1", DEVICE_CLASSES["encedo"])
    assert error == "encedo_firmware_versoin is not a variable of fleetops.upgrade; did you mean encedo_firmware_version?"


def test_the_plan_names_the_role_variable_of_a_bad_value():
    error, _notes = controller_fleet(hem1=dict(ENCEDO, encedo_wait_timeout="abc")).configuration("hem1", DEVICE_CLASSES["encedo"])
    assert "encedo_wait_timeout" in error and "'wait_timeout'" not in error


def test_the_plan_names_the_hawkbit_token_variables():
    target = {k: v for k, v in HAWKBIT.items() if k != "hawkbit_target_target_token"}
    error, _notes = controller_fleet(t1=target).configuration("t1", DEVICE_CLASSES["hawkbit"])
    assert error == "cycle: one of the following is required: hawkbit_target_target_token, hawkbit_target_gateway_token"


@pytest.mark.parametrize("empty_value", ["", None])
def test_the_plan_notes_an_empty_target_and_refuses_when_all_are_empty(empty_value):
    fleet_ = controller_fleet(hem1=dict(ENCEDO, encedo_ui_uis=empty_value),
                              hem2=dict(ENCEDO, encedo_firmware_version=empty_value), other={"fleetops_device_class": "x"})
    assert fleet_.configuration("hem1", DEVICE_CLASSES["encedo"]) == (None, ["ui: no target set (encedo_ui_uis is empty)"])
    error, _notes = fleet_.configuration("hem2", DEVICE_CLASSES["encedo"])
    assert error.startswith("no target set: encedo_firmware_version and encedo_ui_uis are empty")
    refused, notes = fleet_.check(["hem1", "hem2", "other"], ["encedo"])
    assert set(refused) == {"hem2"} and set(notes) == {"hem1"}
