"""npm_info, npm_image and npm_update through ansible-playbook against the AppResponse simulator process."""

import os
import sys

import pytest

from tests.conftest import ROOT, SimProcess, run_playbook, unique
from tests.simulators.appresponse import write_image

PASSWORD = "Sup3r-s3cret-pw"
FAST = dict(users={"admin": PASSWORD}, validation_time=0.1, init_time=0.1, reboot_time=0.5)
MUTATING = ("POST", "PUT", "PATCH", "DELETE")
RECORDER = os.path.join(ROOT, "tests", "support", "python-recorder")

UPGRADE_PLAY = """
- name: Upgrade appliances
  hosts: all
  gather_facts: false
  module_defaults:
    group/fleetops.upgrade.npm:
      url: "{{ sim_url }}/{{ inventory_hostname }}"
      username: admin
      password: "%s"
  tasks:
    - name: Upload the image
      fleetops.upgrade.npm_image:
        src: "{{ image }}"
        version: "11.6.0"
        wait_timeout: 20
      register: image_result

    - name: Install it
      fleetops.upgrade.npm_update:
        version: "11.6.0"
        wait_timeout: "{{ update_wait_timeout | default(20) }}"

    - name: Survey
      fleetops.upgrade.npm_info:
""" % PASSWORD


@pytest.fixture(scope="module")
def npm_process():
    sim = SimProcess("appresponse")
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    return write_image(str(tmp_path_factory.mktemp("npm") / "upgrade-11.6.0.img"), "11.6.0 #23947", 3 * 1024 * 1024)


def inventory(names, connection="local"):
    return {"all": {"hosts": {name: {"ansible_connection": connection} for name in names}}}


def mutations(sim, device):
    return [(e["method"], e["path"]) for e in sim.log(device, MUTATING) if "/mgmt.aaa/" not in e["path"]]


VOLATILE = {"durations", "throughput_mib_s", "invocation", "time", "last_state_time", "device_name", "serial"}


def normalise(value):
    """A result without timings and per-appliance names, to compare the two execution paths."""
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    return value


def test_in_process_and_module_paths_agree(npm_process, image, tmp_path):
    local, remote = unique("ar-local"), unique("ar-remote")
    for name in (local, remote):
        npm_process.add_device(name, **FAST)
    hosts = {"all": {"hosts": {local: {"ansible_connection": "local"},
                               remote: {"ansible_connection": "local_as_remote", "ansible_python_interpreter": RECORDER}}}}
    record = tmp_path / "module-runs"
    run = run_playbook(UPGRADE_PLAY, hosts, {"sim_url": npm_process.url, "image": image}, tmp_path=tmp_path,
                       env={"FLEETOPS_MODULE_RECORD": str(record), "FLEETOPS_PYTHON": sys.executable})
    assert run.rc == 0, run.stdout[-3000:]
    for task in ("Upload the image", "Install it", "Survey"):
        results = run.results(task)
        assert normalise(results[local]) == normalise(results[remote]), task
    assert run.result("Survey", local)["sw_version"] == "11.6.0 #23947"
    assert PASSWORD not in run.stdout
    module_runs = record.read_text().splitlines()
    assert [line.split("AnsiballZ_")[1].split(".py")[0] for line in module_runs] == ["npm_image", "npm_update", "npm_info"]


def test_idempotence_check_mode_and_diff(npm_process, image, tmp_path):
    name = unique("ar-idem")
    npm_process.add_device(name, **FAST)
    extra = {"sim_url": npm_process.url, "image": image}
    check = run_playbook(UPGRADE_PLAY, inventory([name]), extra, check=True, diff=True, tmp_path=tmp_path)
    assert check.rc == 0, check.stdout[-3000:]
    assert check.result("Upload the image", name)["changed"] is True
    assert "would upload" in check.result("Upload the image", name)["msg"]
    # the image is not there in a check run: the update says what it would do and warns, it does not fail
    install = check.result("Install it", name)
    assert install["changed"] is True and install["version"] == "11.6.0" and install["previous_version"] == "11.2.0 #13859"
    assert install["msg"].startswith("would update 11.2.0 #13859 to 11.6.0: init with a VALID image of 11.6.0")
    assert "no VALID image of version 11.6.0 is on the appliance yet" in install["warnings"][0]
    assert mutations(npm_process, name) == []
    first = run_playbook(UPGRADE_PLAY, inventory([name]), extra, diff=True, tmp_path=tmp_path)
    assert first.rc == 0 and first.stats[name]["changed"] == 2
    assert first.result("Install it", name)["diff"]["after"]["sw_version"] == "11.6.0 #23947"
    npm_process.clear_log()
    second = run_playbook(UPGRADE_PLAY, inventory([name]), extra, tmp_path=tmp_path)
    assert second.rc == 0 and second.stats[name]["changed"] == 0
    assert mutations(npm_process, name) == []
    assert second.result("Upload the image", name)["bytes_sent"] == 0
    check_after = run_playbook(UPGRADE_PLAY, inventory([name]), extra, check=True, tmp_path=tmp_path)
    assert check_after.stats[name]["changed"] == 0 and mutations(npm_process, name) == []


def test_failures_are_clear_and_leave_a_known_state(npm_process, image, tmp_path):
    junk = tmp_path / "junk.img"
    junk.write_bytes(b"this is no image" * 4096)
    faults = {
        "invalid": dict(invalid_images=True),
        "dropped": dict(drop_upload_after=1024 * 1024),
        "graceful": dict(update_result="FAILED_GRACEFUL", down_behaviour="503"),
        "critical": dict(update_result="FAILED_CRITICAL", down_behaviour="html"),
        "gone": dict(never_returns=True),
        "expiring": dict(token_lifetime=0.4, reboot_time=1.0),
    }
    names = {}
    for fault, config in faults.items():
        names[fault] = unique("ar-" + fault)
        npm_process.add_device(names[fault], **dict(FAST, **config))
    run = run_playbook(UPGRADE_PLAY, inventory(names.values()),
                       {"sim_url": npm_process.url, "image": image, "update_wait_timeout": 3}, tmp_path=tmp_path)
    upload, install = run.results("Upload the image"), run.results("Install it")
    invalid = upload[names["invalid"]]
    assert invalid["failed"] and "marked image 1 INVALID" in invalid["msg"] and invalid["image_id"] == 1
    assert invalid["device_state"].startswith("image 1 INVALID, kept on the appliance for inspection")
    dropped = upload[names["dropped"]]
    assert dropped["failed"] and "the upload broke" in dropped["msg"]
    assert dropped["device_state"] == "no new image on the appliance (the interrupted upload's image 1 (UPLOAD_ERROR) was deleted)"
    assert npm_process.device(names["dropped"])["images"] == []
    for result in install.values():
        assert result["component"] == "software" and result["device_state"] and "previous_version" in result
    for result in upload.values():
        assert result["device_state"] and result["sw_version"] == "11.2.0 #13859" and "previous_version" not in result
    graceful = install[names["graceful"]]
    assert graceful["failed"] and "FAILED_GRACEFUL" in graceful["msg"] and "state=idle" in graceful["msg"]
    assert graceful["sw_version"] == "11.2.0 #13859"
    critical = install[names["critical"]]
    assert critical["failed"] and "a person must look" in critical["msg"]
    assert critical["device_state"] == "FAILED_CRITICAL, needs a person"
    gone = install[names["gone"]]
    assert gone["failed"] and "did not come back within 3s" in gone["msg"] and "unreachable" in gone["last_state"]
    assert run.result("Survey", names["expiring"])["sw_version"] == "11.6.0 #23947"
    assert npm_process.device(names["expiring"])["refresh_tokens_issued"] <= 2
    assert PASSWORD not in run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr


def test_html_page_and_bad_input(npm_process, image, tmp_path):
    html, bad = unique("ar-html"), unique("ar-bad")
    npm_process.add_device(html, **dict(FAST, html_pages=5))
    npm_process.add_device(bad, **FAST)
    play = """
- name: Bad answers and bad input
  hosts: all
  gather_facts: false
  tasks:
    - name: Survey through a login page
      fleetops.upgrade.npm_info:
        url: "{{ sim_url }}/%s"
        username: admin
        password: "%s"
      ignore_errors: true
      register: html_result
    - name: Image without version for a fetch
      fleetops.upgrade.npm_image:
        url: "{{ sim_url }}/%s"
        token: abc
        username: admin
        password: "%s"
        fetch_url: http://127.0.0.1:1/x.img
      ignore_errors: true
    - name: Update with a wrong password
      fleetops.upgrade.npm_update:
        url: "{{ sim_url }}/%s"
        username: admin
        password: wrong-%s
        version: "11.6.0"
      ignore_errors: true
""" % (html, PASSWORD, bad, PASSWORD, bad, PASSWORD)
    run = run_playbook(play, inventory(["localhost"]), {"sim_url": npm_process.url}, tmp_path=tmp_path)
    assert "HTML page instead of JSON" in run.result("Survey through a login page")["msg"]
    assert "mutually exclusive: token|username" in run.result("Image without version for a fetch")["msg"]
    wrong = run.result("Update with a wrong password")
    assert "refused the username or password" in wrong["msg"] and "AUTH_INVALID_CREDENTIALS" in wrong["msg"]
    assert PASSWORD not in run.stdout


def test_a_rerun_waits_for_the_image_an_earlier_run_left_validating(npm_process, image, tmp_path):
    name = unique("ar-rerun")
    npm_process.add_device(name, **dict(FAST, validation_time=2.0))
    play = """
- name: Upload twice
  hosts: all
  gather_facts: false
  module_defaults:
    group/fleetops.upgrade.npm:
      url: "{{ sim_url }}/{{ inventory_hostname }}"
      username: admin
      password: "%s"
  tasks:
    - name: Start the upload
      fleetops.upgrade.npm_image:
        src: "{{ image }}"
        wait: false
    - name: Upload again
      fleetops.upgrade.npm_image:
        src: "{{ image }}"
        version: "11.6.0"
""" % PASSWORD
    run = run_playbook(play, inventory([name]), {"sim_url": npm_process.url, "image": image}, tmp_path=tmp_path)
    assert run.rc == 0, run.stdout[-3000:]
    assert run.result("Start the upload", name)["image"]["state"] == "VALIDATING"
    again = run.result("Upload again", name)
    assert again["changed"] is False and again["bytes_sent"] == 0 and again["image"]["state"] == "VALID"
    assert "sent by an earlier run became VALID after waiting" in again["msg"]
    uploads = [e for e in npm_process.log(name, ["POST"]) if e["path"].endswith("/images/upload")]
    assert len(uploads) == 1


def test_failures_agree_on_both_execution_paths(npm_process, tmp_path):
    junk = tmp_path / "junk.img"
    junk.write_bytes(b"this is no image" * 4096)
    local, remote = unique("ar-invalid-local"), unique("ar-invalid-remote")
    for name in (local, remote):
        npm_process.add_device(name, **FAST)
    hosts = {"all": {"hosts": {local: {"ansible_connection": "local"},
                               remote: {"ansible_connection": "local_as_remote", "ansible_python_interpreter": RECORDER}}}}
    run = run_playbook(UPGRADE_PLAY, hosts, {"sim_url": npm_process.url, "image": str(junk)}, tmp_path=tmp_path,
                       env={"FLEETOPS_MODULE_RECORD": str(tmp_path / "runs"), "FLEETOPS_PYTHON": sys.executable})
    results = run.results("Upload the image")
    assert results[local]["failed"] and "INVALID" in results[local]["msg"]
    assert normalise(results[local]) == normalise(results[remote])
