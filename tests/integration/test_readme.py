"""The README's minimal playbook and its inventory, taken from the README as written, against the Encedo simulator.

Only what cannot be the same here is replaced: the image path (the README's /srv/images/... does not exist on a
test machine) and the device address (the simulator serves many devices under one address, each under a path).
"""

import re

import yaml

from tests.conftest import ROOT, run_playbook, unique
from tests.integration.test_encedo_playbooks import mutating

README_IMAGE = "/srv/images/encedo/firmware-1.3.0.bin"


def readme_blocks():
    """The YAML blocks of the README's "A minimal playbook" section: (playbook, inventory)."""
    with open(ROOT + "/README.md") as handle:
        text = handle.read()
    section = text.split("## A minimal playbook", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.S)
    assert len(blocks) == 2, "the section should hold the playbook and its inventory"
    return blocks


def test_the_minimal_playbook_runs_as_written(encedo_process, images, tmp_path):
    playbook, inventory = readme_blocks()
    assert README_IMAGE in playbook and "connection: local" in playbook
    firmware = images("firmware", "1.3.0", name="firmware.bin")[0]
    name = unique("readme")
    encedo_process.add_device(name, firmware="1.2.2", passphrase="s3cret", auth_delay=0.0, reboot_seconds=0.2,
                              validation_seconds=0.02)
    hosts = yaml.safe_load(inventory)
    assert list(hosts) == ["hsm"] and len(hosts["hsm"]["hosts"]) == 1
    host = next(iter(hosts["hsm"]["hosts"]))
    hosts["hsm"]["hosts"][host]["ansible_host"] = "%s/%s" % (encedo_process.url.split("://", 1)[1], name)
    play = playbook.replace(README_IMAGE, firmware)
    secrets = {"vault_encedo_passphrase": "s3cret"}

    preview = run_playbook(play, hosts, extra_vars=secrets, check=True, diff=True, tmp_path=tmp_path)
    assert preview.rc == 0, preview.stdout[-3000:]
    result = preview.result("Upgrade the firmware", host)
    assert result["changed"] is True and "would upgrade firmware from 1.2.2 to 1.3.0" in result["msg"]
    assert "passphrase accepted" in result["msg"]
    assert {e["path"].split(name, 1)[1] for e in mutating(encedo_process.log(device=name))} == {"/api/auth/token"}
    assert encedo_process.device(name)["firmware"] == "1.2.2"

    run = run_playbook(play, hosts, extra_vars=secrets, tmp_path=tmp_path)
    assert run.rc == 0, run.stdout[-3000:]
    assert run.result("Upgrade the firmware", host)["version"] == "1.3.0"
    assert encedo_process.device(name)["firmware"] == "1.3.0"
    assert "s3cret" not in run.stdout and "s3cret" not in preview.stdout
