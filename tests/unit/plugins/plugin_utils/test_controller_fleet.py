"""The controller path resolves each host's arguments like the role's task: its class's defaults under the host's
variables under the play's, templated; and it takes only hosts whose role task would run on the controller."""

from collections.abc import Mapping

import pytest
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._controller_fleet import ControllerFleet, play_variables
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._device_classes import DEVICE_CLASSES

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core < 2.19 templates every string
    def trust_as_template(value):
        return value


class HostVars:
    """What ``hostvars[host]`` gives: a host's variables, each templated with the host's variables when read."""

    def __init__(self, hosts):
        self.hosts = hosts

    def __getitem__(self, host):
        variables = {key: trust_as_template(value) if isinstance(value, str) else value
                     for key, value in self.hosts[host].items()}
        variables["inventory_hostname"] = host
        return TemplatedVariables(variables)


class TemplatedVariables(Mapping):
    def __init__(self, variables):
        self.variables = variables
        self.templar = Templar(loader=DataLoader(), variables=variables)

    def __getitem__(self, name):
        return self.templar.template(self.variables[name])

    def __contains__(self, name):
        return name in self.variables

    def __iter__(self):
        return iter(self.variables)

    def __len__(self):
        return len(self.variables)


ENCEDO = {"fleetops_device_class": "encedo", "ansible_connection": "local", "encedo_firmware_version": "1.3.0",
          "encedo_firmware_image": "/images/fw.bin"}

HAWKBIT = {"fleetops_device_class": "hawkbit", "ansible_connection": "local", "hawkbit_target_url": "https://ddi.example",
           "hawkbit_target_target_token": "tok", "hawkbit_target_install_commands": {"*": "true"}}


def controller_fleet(play_vars=None, **hosts):
    return ControllerFleet(Templar(loader=DataLoader()), HostVars(hosts), play_vars)


def test_the_role_defaults_fill_in_under_the_host_variables():
    fleet_ = controller_fleet(hem1=dict(ENCEDO, ansible_host="10.0.0.5", encedo_timeout=5, site_firmware="1.3.0",
                                        encedo_firmware_version="{{ site_firmware }}"))
    job = fleet_.job("hem1", fleet_.device_class("hem1"))
    assert job.error is None
    common = job.args["common"]
    assert (common["url"], common["timeout"], common["wait_timeout"], common["force"]) == ("http://10.0.0.5", 5, 900, False)
    assert "passphrase" not in common and "token" not in common  # default(omit)
    assert job.args["steps"]["firmware"] == {"src": "/images/fw.bin", "version": "1.3.0"}
    assert job.args["steps"]["ui"] == {"src": "", "uis": ""}


def test_role_variables_against_the_module_argument_spec_name_the_variable():
    fleet_ = controller_fleet(hem1=dict(ENCEDO, encedo_wait_timeout="soon"))
    assert fleet_.job("hem1", DEVICE_CLASSES["encedo"]).args["common"]["wait_timeout"] == "soon"
    error, _notes = fleet_.configuration("hem1", DEVICE_CLASSES["encedo"])
    assert error.startswith("firmware: ") and "'encedo_wait_timeout'" in error and "'wait_timeout'" not in error


def test_the_play_variables_sit_above_the_inventory_and_under_nothing_else():
    fleet_ = controller_fleet(play_vars={"encedo_timeout": 7, "hawkbit_target_url": "https://other"},
                              hem1=dict(ENCEDO, encedo_timeout=5, encedo_force=True))
    common = fleet_.job("hem1", DEVICE_CLASSES["encedo"]).args["common"]
    assert (common["timeout"], common["force"]) == (7, True)


def test_play_variables_are_the_task_variables_its_own_host_does_not_hold():
    own = {"encedo_timeout": 5, "encedo_force": True, "encedo_url": "http://10.0.0.5"}
    task_vars = {key: trust_as_template(value) if isinstance(value, str) else value for key, value in
                 dict(own, encedo_timeout=7, encedo_wait_timeout=60, encedo_url="http://{{ address }}", address="10.0.0.5").items()}
    templar = Templar(loader=DataLoader(), variables=task_vars)
    found = play_variables(task_vars, own, ["encedo_timeout", "encedo_force", "encedo_url", "encedo_wait_timeout",
                                            "encedo_install"], templar.template)
    assert found == {"encedo_timeout": 7, "encedo_wait_timeout": 60}


def test_an_undefined_variable_is_the_reason_not_an_exception():
    fleet_ = controller_fleet(hem1=dict(ENCEDO, encedo_url="{{ nowhere }}"))
    job = fleet_.job("hem1", DEVICE_CLASSES["encedo"])
    assert job.error.startswith("the encedo role's variables: ") and "nowhere" in job.error


@pytest.mark.parametrize("host, expected", [
    (ENCEDO, True),
    (dict(ENCEDO, ansible_connection="ssh"), False),
    ({"fleetops_device_class": "encedo"}, False),  # no connection given: ssh
    (dict(ENCEDO, ansible_become=True), False),
    ({"fleetops_device_class": "magewell", "ansible_connection": "ssh"}, True),  # its task is delegated to localhost
    ({"fleetops_device_class": "magewell", "magewell_delegate_to": "jump1"}, False),
    ({"fleetops_device_class": "hawkbit", "ansible_connection": "local"}, True),  # no URL: the plan refuses it
    (HAWKBIT, True),
    (dict(HAWKBIT, ansible_connection="ssh"), False),
    (dict(HAWKBIT, hawkbit_target_reboot_tasks="reboot.yml"), False),  # the user's tasks run as tasks
    (dict(HAWKBIT, hawkbit_target_install_become=True), False),
    (dict(HAWKBIT, hawkbit_target_api_delegate="jump1"), False),
])
def test_only_hosts_whose_role_task_runs_on_the_controller(host, expected):
    fleet_ = controller_fleet(h=host)
    assert fleet_.on_controller("h", fleet_.device_class("h")) is expected


def test_the_plan_splits_the_hosts_of_the_run_classes_between_the_two_paths():
    fleet_ = controller_fleet(e2=ENCEDO, s1=dict(ENCEDO, ansible_connection="ssh"), e1=ENCEDO, x1={},
                              m1={"fleetops_device_class": "magewell"}, h1=dict(HAWKBIT, ansible_connection="ssh"))
    assert fleet_.split(["e2", "s1", "e1", "x1", "m1", "h1"], ("encedo", "hawkbit")) == (["e1", "e2"], ["s1", "h1"])


def test_switching_the_in_process_path_off_switches_the_controller_path_off(monkeypatch):
    monkeypatch.setenv("FLEETOPS_IN_PROCESS", "0")
    assert controller_fleet(h=ENCEDO).on_controller("h", DEVICE_CLASSES["encedo"]) is False
