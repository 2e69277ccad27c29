"""One resolution of a device's arguments: the controller path and the role path get the same arguments for the same
inventory, with Ansible's precedence (role default < group_vars < host_vars < play vars < extra vars).

The variable is ``encedo_url``; each level points it at a simulated device of its own, so the device that receives the
preview's requests tells which level won, on each path."""

import pytest

from tests.conftest import unique
from tests.integration.fleet_support import QUICK, by_host, run_fleet

LEVELS = ("default", "group", "host", "play", "extra")
PATHS = {"controller": {}, "role": {"FLEETOPS_IN_PROCESS": "0"}}


@pytest.fixture()
def level_devices(encedo_process):
    """``{level: simulated device name}``: one Encedo at 1.2.2 per precedence level."""
    devices = {level: unique("lvl-" + level) for level in LEVELS}
    for name in devices.values():
        encedo_process.add_device(name, firmware="1.2.2", **QUICK)
    return devices


def inventory(encedo_process, devices, images):
    """h_default gets its URL from the role default (``http://{{ ansible_host }}``), h_group from its group's
    variables, h_host from its own variables over its group's."""
    base = encedo_process.url.split("://", 1)[1]
    group_url = "%s/%s" % (encedo_process.url, devices["group"])
    return {"all": {
        "vars": {"ansible_connection": "local", "fleetops_device_class": "encedo", "encedo_firmware_version": "1.3.0",
                 "encedo_firmware_image": images("firmware", "1.3.0", name="firmware.bin")[0]},
        "children": {
            "site_default": {"hosts": {"h_default": {"ansible_host": "%s/%s" % (base, devices["default"])}}},
            "site_group": {"vars": {"encedo_url": group_url}, "hosts": {
                "h_group": {},
                "h_host": {"encedo_url": "%s/%s" % (encedo_process.url, devices["host"])}}},
        }}}


def playbook(tmp_path, play_url):
    """upgrade.yml imported with play variables (``import_playbook``'s ``vars`` are each play's ``vars``)."""
    path = tmp_path / "with-play-vars.yml"
    path.write_text("- name: Upgrade with play variables\n"
                    "  ansible.builtin.import_playbook: fleetops.upgrade.upgrade\n"
                    "  vars:\n"
                    "    encedo_url: %s\n" % play_url)
    return str(path)


def reached(encedo_process, devices):
    """``{level}`` whose device received a request."""
    return {level for level, name in devices.items() if encedo_process.log(device=name)}


@pytest.mark.parametrize("path", sorted(PATHS))
def test_each_precedence_level_wins_over_the_ones_below_it_on_both_paths(encedo_process, images, level_devices,
                                                                         tmp_path, path):
    url = {level: "%s/%s" % (encedo_process.url, name) for level, name in level_devices.items()}
    hosts = inventory(encedo_process, level_devices, images)
    runs = {
        "inventory": dict(),
        "play": dict(playbook=playbook(tmp_path, url["play"])),
        "extra": dict(playbook=playbook(tmp_path, url["play"]), encedo_url=url["extra"]),
    }
    expected = {"inventory": {"h_default": "default", "h_group": "group", "h_host": "host"},
                "play": dict.fromkeys(("h_default", "h_group", "h_host"), "play"),
                "extra": dict.fromkeys(("h_default", "h_group", "h_host"), "extra")}
    for name, options in runs.items():
        encedo_process.clear_log()
        (tmp_path / name).mkdir()
        run, report = run_fleet(hosts, tmp_path / name, check=True, env=PATHS[path], **options)
        assert run.rc == 0, run.stdout[-3000:]
        assert {host: entry["status"] for host, entry in by_host(report).items()} == dict.fromkeys(expected[name], "would_upgrade")
        assert reached(encedo_process, level_devices) == set(expected[name].values()), name
