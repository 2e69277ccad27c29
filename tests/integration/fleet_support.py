"""A small simulated Encedo fleet for the fleet rollout tests (playbooks/upgrade.yml)."""

import json

from tests.conftest import ROOT, run_playbook, unique
from tests.integration.test_encedo_playbooks import mutating

PLAYBOOK = ROOT + "/playbooks/upgrade.yml"
QUICK = {"auth_delay": 0.0, "reboot_seconds": 0.2, "validation_seconds": 0.02}


def encedo_fleet(encedo_process, images, devices, sites=None, extra_hosts=None):
    """``devices``: {host: simulator config}; returns (names, inventory). Hosts go to site groups by ``sites``."""
    firmware = images("firmware", "1.3.0", name="firmware.bin")[0]
    names, hosts = {}, {}
    for host, config in devices.items():
        names[host] = unique(host)
        encedo_process.add_device(names[host], **dict(QUICK, **config))
        hosts[host] = {"encedo_url": "%s/%s" % (encedo_process.url, names[host]), "fleetops_device_class": "encedo"}
    hosts.update(extra_hosts or {})
    sites = sites or {"site_a": list(hosts)}
    inventory = {"all": {
        "vars": {"ansible_connection": "local", "encedo_firmware_version": "1.3.0", "encedo_firmware_image": firmware,
                 "encedo_wait_timeout": 30},
        "children": {site: {"hosts": {h: hosts[h] for h in members}} for site, members in sites.items()}}}
    return names, inventory


def run_fleet(inventory, tmp_path, check=False, limit=None, env=None, playbook=PLAYBOOK, **rollout):
    report_dir = tmp_path / "reports"
    extra = dict(rollout, fleetops_report_dir=str(report_dir))
    run = run_playbook(playbook, inventory, extra_vars=extra, check=check, limit=limit, env=env, tmp_path=tmp_path)
    name = "fleet-report-check.json" if check else "fleet-report.json"
    path = report_dir / name
    report = json.loads(path.read_text()) if path.exists() else None
    return run, report


def by_host(report):
    hosts = {}
    for entry in report["hosts"]:
        assert entry["host"] not in hosts, "%s listed twice" % entry["host"]
        hosts[entry["host"]] = entry
    return hosts


def upgrade_starts(encedo_process, names):
    """Hosts whose device received a mutating request."""
    return {host for host, name in names.items() if mutating(encedo_process.log(device=name))}
