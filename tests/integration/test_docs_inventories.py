"""Each class's page (docs/<class>.md) holds an inventory that works as written, and says exactly what a preview sends.

For encedo, appresponse, magewell and hawkbit: the "Inventory in five minutes" block loads with ansible-inventory, names only
known variables with values the role's argument spec takes, and ``playbooks/upgrade.yml --check`` with it against the
simulator previews its devices; the requests that preview sent are exactly those "What a preview (`--check`) sends"
names (method and path), and none changes anything. Replaced for the run: the addresses (the simulators serve many
devices under one address), the image paths and the secrets (given with -e, as a vault would).
"""

import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from tests.conftest import ROOT, SimProcess, ansible_env, run_playbook, unique
from tests.integration.mwcloud_support import MwCloudProcess
from tests.integration.test_examples_variables import SPECS, unknown
from tests.simulators.appresponse import write_image

PLAYBOOK = ROOT + "/playbooks/upgrade.yml"
ROLE = {"encedo": "encedo", "appresponse": "appresponse", "magewell": "magewell", "hawkbit": "hawkbit_target"}


def section(device_class, title):
    with open(os.path.join(ROOT, "docs", "%s.md" % device_class)) as handle:
        text = handle.read()
    assert "\n## %s" % title in text, "docs/%s.md has no section %r" % (device_class, title)
    return text.split("\n## %s" % title, 1)[1].split("\n## ", 1)[0]


def snippet(device_class):
    """The page's inventory (YAML text)."""
    return re.search(r"```yaml\n(.*?)```", section(device_class, "Inventory in five minutes"), re.S).group(1)


def documented_requests(device_class):
    """{(method, path)} a preview sends, as the page names them: `GET /api/...` in backticks."""
    text = section(device_class, "What a preview (`--check`) sends")
    return set(re.findall(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`\s]*)`", text))


@pytest.mark.parametrize("device_class", sorted(ROLE))
def test_the_inventory_loads_with_known_variables(device_class, tmp_path):
    (tmp_path / "hosts.yml").write_text(snippet(device_class))
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-inventory"), "-i",
                           str(tmp_path / "hosts.yml"), "--list"], env=ansible_env(), capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0 and "[WARNING]" not in done.stderr, done.stderr[-2000:]
    hostvars = json.loads(done.stdout)["_meta"]["hostvars"]
    assert len(hostvars) >= 2
    options = SPECS[ROLE[device_class]]["main"]["options"]
    for host, variables in hostvars.items():
        assert variables["fleetops_device_class"] == device_class and variables["ansible_connection"] == "local"
        assert [m for m in map(unknown, sorted(variables)) if m] == []
        assert all(name in variables for name, option in options.items() if option.get("required"))


def preview(inventory, tmp_path, secrets):
    report_dir = tmp_path / "reports"
    run = run_playbook(PLAYBOOK, inventory, check=True, tmp_path=tmp_path,
                       extra_vars=dict(secrets, fleetops_report_dir=str(report_dir)))
    assert run.rc == 0, run.stdout[-3000:]
    report = json.loads((report_dir / "fleet-report-check.json").read_text())
    return {entry["host"]: entry["status"] for entry in report["hosts"]}, report["batches"]


def requests_sent(log, prefix=""):
    return {(e["method"], e["path"].split("?", 1)[0][len(prefix):]) for e in log}


def test_the_encedo_inventory_previews_as_documented(encedo_process, images, tmp_path):
    inventory = yaml.safe_load(snippet("encedo"))
    group = inventory["all"]["children"]["encedo"]
    firmware = images("firmware", "1.3.0", name="firmware.bin")[0]
    ui, header = images("ui", "2.1.0", name="webroot.tar")
    group["vars"].update(encedo_firmware_image=firmware, encedo_ui_image=ui, encedo_ui_uis=header["uis"])
    names = {}
    for host, host_vars in group["hosts"].items():
        names[host] = unique(host)
        encedo_process.add_device(names[host], firmware="1.2.2", passphrase="hsm-pass", auth_delay=0.0)
        host_vars["ansible_host"] = "%s/%s" % (encedo_process.url.split("://", 1)[1], names[host])
    encedo_process.clear_log()
    assert set(preview(inventory, tmp_path, {"vault_encedo_passphrase": "hsm-pass"})[0].values()) == {"would_upgrade"}
    for host, name in names.items():
        assert requests_sent(encedo_process.log(device=name), "/" + name) == documented_requests("encedo")
        assert encedo_process.device(name)["firmware"] == "1.2.2"


def test_the_appresponse_inventory_previews_as_documented(tmp_path):
    inventory = yaml.safe_load(snippet("appresponse"))
    group = inventory["all"]["children"]["appresponse"]
    group["vars"]["appresponse_image_src"] = write_image(str(tmp_path / "upgrade.img"), group["vars"]["appresponse_version"])
    sim = SimProcess("appresponse")
    try:
        names = {}
        for host, host_vars in group["hosts"].items():
            names[host] = unique(host)
            sim.add_device(names[host], users={"admin": "ar-pass"})
            host_vars["appresponse_url"] = "%s/%s" % (sim.url, names[host])  # the simulator speaks http
        assert set(preview(inventory, tmp_path, {"vault_appresponse_password": "ar-pass"})[0].values()) == {"would_upgrade"}
        for host, name in names.items():
            assert requests_sent(sim.log(name), "/" + name) == documented_requests("appresponse")
            assert sim.device(name)["images"] == [] and sim.device(name)["refresh_tokens_issued"] == 0
    finally:
        sim.stop()


def test_the_magewell_inventory_previews_as_documented(tmp_path):
    inventory = yaml.safe_load(snippet("magewell"))
    cloud = MwCloudProcess()
    try:
        inventory["all"]["children"]["magewell"]["vars"]["mwcloud_url"] = cloud.url
        cloud.clear_log()
        statuses, batches = preview(inventory, tmp_path, {"vault_magewell_password": "admin"})
        assert set(statuses.values()) == {"would_upgrade"} and batches == 2  # the canary, then the other device
        assert requests_sent(cloud.log()) == documented_requests("magewell")
        # one session for the survey's devices, one per batch of the (check mode) rollout
        assert len([e for e in cloud.log() if e["path"] == "/sc_cloud/login"]) == 1 + batches
        assert cloud.mutating_requests() == []
    finally:
        cloud.stop()


def test_the_hawkbit_inventory_previews_as_documented(tmp_path):
    import requests
    from tests.integration.test_hawkbit_role import TWO_CHUNKS

    inventory = yaml.safe_load(snippet("hawkbit"))
    group = inventory["all"]["children"]["hawkbit"]
    sim = SimProcess("hawkbit")
    try:
        tenant = unique("docs").upper()
        requests.post("%s/_sim/tenants/%s" % (sim.url, tenant), json={"gateway_token": "gw-secret"}, timeout=10).raise_for_status()
        group["vars"].update(hawkbit_target_url=sim.url, hawkbit_target_tenant=tenant,
                             hawkbit_target_download_dir=str(tmp_path / "{{ inventory_hostname }}"))
        actions = {}
        for host, host_vars in group["hosts"].items():
            controller_id = host_vars.get("hawkbit_target_controller_id", host)
            sim.add_device(controller_id, tenant=tenant)
            answer = requests.post("%s/_sim/devices/%s/deployments" % (sim.url, controller_id), json={"chunks": TWO_CHUNKS},
                                   timeout=10)
            answer.raise_for_status()
            actions[controller_id] = str(answer.json()["id"])
        sim.clear_log()
        statuses, _batches = preview(inventory, tmp_path, {"vault_hawkbit_gateway_token": "gw-secret"})
        assert set(statuses.values()) == {"would_upgrade"}
        for controller_id, action in actions.items():
            sent = {(method, path.replace("/%s/" % tenant, "/{tenant}/", 1).replace("/" + controller_id, "/{controllerId}", 1)
                     .replace("/" + action, "/{actionId}")) for method, path in requests_sent(sim.log(controller_id))}
            assert sent == documented_requests("hawkbit"), sent
        assert sim.log(methods=("POST", "PUT", "DELETE", "PATCH")) == []
    finally:
        sim.stop()
