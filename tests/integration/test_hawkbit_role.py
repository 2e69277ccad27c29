"""The hawkbit_target role: one DDI cycle per run for a fleet of targets, each in another situation."""

import pytest
import requests

from tests.conftest import ROOT, SimProcess, run_playbook, unique

MUTATING = ("POST", "PUT", "DELETE", "PATCH")
PLAYBOOK = """
- hosts: all
  gather_facts: false
  roles:
    - role: fleetops.upgrade.hawkbit_target
"""
TWO_CHUNKS = [{"part": "os", "name": "firmware", "version": "2.0", "artifacts": [{"filename": "fw.bin", "size": 200000}]},
              {"part": "app", "name": "app", "version": "5.1", "artifacts": [{"filename": "app.tar", "size": 1000},
                                                                             {"filename": "app.sig", "content": "sig"}]}]


@pytest.fixture(scope="module")
def sim():
    process = SimProcess("hawkbit")
    yield process
    process.stop()


def deploy(sim, name, **config):
    config.setdefault("chunks", TWO_CHUNKS)
    answer = requests.post("%s/_sim/devices/%s/deployments" % (sim.url, name), json=config, timeout=10)
    answer.raise_for_status()
    return str(answer.json()["id"])


class Fleet:
    """Targets on the simulator and the matching inventory."""

    def __init__(self, sim, tmp_path):
        self.sim = sim
        self.tmp_path = tmp_path
        self.names = {}
        self.hosts = {}
        reboot = tmp_path / "reboot.yml"
        reboot.write_text("- name: Pretend to reboot\n  ansible.builtin.copy:\n    content: rebooted\n"
                          "    dest: \"{{ hawkbit_target_download_dir }}/rebooted\"\n    mode: '0644'\n")
        self.vars = {"ansible_connection": "local", "hawkbit_target_url": sim.url, "hawkbit_target_backoff": 0.05,
                     "hawkbit_target_config_data": {"hwRevision": "2"}, "hawkbit_target_reboot_tasks": str(reboot),
                     "hawkbit_target_install_commands": {
                         "os": "sh -c 'cp \"$0\" \"$1\"/installed-os && exit 100' {path} {dir}",
                         "*": "cp {paths} {dir}"},
                     "hawkbit_target_verify_command": "test -f {{ hawkbit_target_download_dir }}/installed-os"}

    def add(self, host, tenant="DEFAULT", **hostvars):
        name = unique(host)
        self.names[host] = name
        self.sim.add_device(name, token="tok-" + name, tenant=tenant)
        if tenant != "DEFAULT":
            hostvars["hawkbit_target_tenant"] = tenant
        self.hosts[host] = dict({"hawkbit_target_controller_id": name, "hawkbit_target_target_token": "tok-" + name,
                                 "hawkbit_target_download_dir": str(self.tmp_path / host)}, **hostvars)
        return name

    def inventory(self):
        return {"all": {"vars": self.vars, "hosts": self.hosts}}

    def run(self, **kwargs):
        return run_playbook(PLAYBOOK, self.inventory(), tmp_path=self.tmp_path, **kwargs)

    def action(self, host, action_id):
        return self.sim.device(self.names[host])["actions"][action_id]

    def mutations(self, host):
        return self.sim.log(self.names[host], MUTATING)


def test_one_cycle_for_every_situation_then_nothing_to_do(sim, tmp_path):
    fleet = Fleet(sim, tmp_path)
    actions = {}
    # Another DDI server: no ?c=, no download-http/md5sum links, sha1 only, application/json.
    requests.post("%s/_sim/tenants/PLAIN" % sim.url, json={"flavor": "plain"}, timeout=10).raise_for_status()
    for host in ("full", "hooks", "plain", "confirm", "wait", "window", "only", "cancel", "reject", "broken", "idle"):
        name = fleet.add(host, tenant="PLAIN" if host == "plain" else "DEFAULT")
        if host in ("full", "hooks", "plain", "cancel", "reject"):
            actions[host] = deploy(sim, name)
        elif host in ("confirm", "wait"):
            actions[host] = deploy(sim, name, confirmation_required=True)
        elif host == "window":
            actions[host] = deploy(sim, name, maintenance_window="unavailable")
        elif host == "only":
            actions[host] = deploy(sim, name, download_only=True)
        elif host == "broken":
            actions[host] = deploy(sim, name, chunks=[{"part": "os", "version": "9", "artifacts": [{"filename": "fw.bin", "size": 10}]}])
    fleet.hosts["wait"]["hawkbit_target_confirmation_policy"] = "wait"
    install_tasks = tmp_path / "install.yml"
    install_tasks.write_text(
        "- name: Install {{ hawkbit_target_chunk.part }} {{ hawkbit_target_chunk.version }} of action {{ hawkbit_target_action_id }}\n"
        "  ansible.builtin.copy:\n    src: \"{{ item }}\"\n    dest: \"{{ hawkbit_target_download_dir }}/tasks-{{ item | basename }}\"\n"
        "    mode: '0644'\n  loop: \"{{ hawkbit_target_artifact_paths }}\"\n"
        "- name: Ask for a reboot\n  ansible.builtin.set_fact:\n    hawkbit_target_reboot_required: true\n"
        "  when: hawkbit_target_chunk.part == 'os'\n")
    verify_tasks = tmp_path / "verify.yml"
    verify_tasks.write_text("- name: Check the installed files\n  ansible.builtin.stat:\n"
                            "    path: \"{{ hawkbit_target_download_dir }}/tasks-fw.bin\"\n  register: installed\n"
                            "  failed_when: not installed.stat.exists\n")
    fleet.hosts["hooks"].update(hawkbit_target_install_tasks=str(install_tasks), hawkbit_target_verify_tasks=str(verify_tasks))
    fleet.hosts["broken"]["hawkbit_target_install_commands"] = {"os": "sh -c 'echo flash error 42 >&2; exit 3'"}
    for host in ("cancel", "reject"):
        requests.post("%s/_sim/devices/%s/actions/%s/cancel" % (sim.url, fleet.names[host], actions[host]), timeout=10)
    (tmp_path / "reject").mkdir()
    (tmp_path / "reject" / (".installing-%s" % actions["reject"])).write_text("installing")

    sim.clear_log()
    checked = fleet.run(check=True)
    assert sim.log(methods=MUTATING) == [], "check mode sent mutating requests"
    assert all(checked.stats[h]["failures"] == 0 for h in fleet.hosts), failures(checked)

    run = fleet.run()
    assert run.rc == 2 and run.stats["broken"]["failures"] == 1
    assert all(run.stats[h]["failures"] == 0 for h in fleet.hosts if h != "broken"), run.stdout[-3000:]

    full = fleet.action("full", actions["full"])
    assert full["status"] == "FINISHED"
    assert [(f["execution"], f["finished"]) for f in full["feedback"]] == [("proceeding", "none"), ("closed", "success")]
    assert "after a reboot" in full["feedback"][-1]["details"][0]
    assert (tmp_path / "full" / "installed-os").stat().st_size == 200000 and (tmp_path / "full" / "rebooted").exists()
    assert (tmp_path / "full" / "app.sig").read_text() == "sig"
    assert not (tmp_path / "full" / (".installing-%s" % actions["full"])).exists()
    assert sim.device(fleet.names["full"])["attributes"] == {"hwRevision": "2"}

    hooks = fleet.action("hooks", actions["hooks"])
    assert hooks["status"] == "FINISHED" and "after a reboot" in hooks["feedback"][-1]["details"][0]
    assert sorted(p.name for p in (tmp_path / "hooks").glob("tasks-*")) == ["tasks-app.sig", "tasks-app.tar", "tasks-fw.bin"]
    assert (tmp_path / "hooks" / "rebooted").exists()

    assert fleet.action("plain", actions["plain"])["status"] == "FINISHED"
    assert (tmp_path / "plain" / "installed-os").stat().st_size == 200000

    assert fleet.action("confirm", actions["confirm"])["status"] == "FINISHED"
    assert fleet.action("wait", actions["wait"])["status"] == "WAIT_FOR_CONFIRMATION"
    assert [e for e in fleet.mutations("wait") if "confirmationBase" in e["path"]] == []

    window = fleet.action("window", actions["window"])
    assert window["status"] == "DOWNLOADED" and not window["closed"]
    assert (tmp_path / "window" / "os" / "fw.bin").exists() and not (tmp_path / "window" / "installed-os").exists()
    only = fleet.action("only", actions["only"])
    assert only["status"] == "DOWNLOADED" and only["closed"]

    assert fleet.action("cancel", actions["cancel"])["status"] == "CANCELED"
    rejected = fleet.action("reject", actions["reject"])
    assert rejected["status"] == "RUNNING" and rejected["feedback"][-1]["execution"] == "rejected"

    broken = fleet.action("broken", actions["broken"])
    assert broken["status"] == "ERROR" and broken["closed"]
    details = broken["feedback"][-1]["details"]
    assert details[0] == "failed step: Install every chunk through its command" and "flash error 42" in details

    # Second run: only what the server asks for again - config data after a finished action (the DDI rule).
    del fleet.hosts["reject"]  # its action was handed back to RUNNING: the device is asked to install again
    del fleet.hosts["broken"]
    sim.clear_log()
    again = fleet.run()
    assert again.rc == 0, failures(again)
    for host in fleet.hosts:
        expected = ["PUT"] if host in ("full", "hooks", "plain", "confirm") else []
        assert [e["method"] for e in fleet.mutations(host)] == expected, host
    # Third run: nothing at all.
    sim.clear_log()
    third = fleet.run()
    assert third.rc == 0 and sim.log(methods=MUTATING) == []
    assert all(third.stats[host]["changed"] == 0 for host in fleet.hosts), third.stats

    # The maintenance window opens: the next run installs what was downloaded without downloading it again.
    requests.patch("%s/_sim/devices/%s/actions/%s" % (sim.url, fleet.names["window"], actions["window"]),
                   json={"maintenance_window": "available"}, timeout=10)
    sim.clear_log()
    opened = fleet.run(limit="window")
    assert opened.rc == 0 and fleet.action("window", actions["window"])["status"] == "FINISHED"
    assert [e for e in sim.log(fleet.names["window"]) if "/artifacts/" in e["path"]] == []


def test_site_playbook_with_hawkbit_hosts_and_report(sim, tmp_path):
    fleet = Fleet(sim, tmp_path)
    fleet.vars["fleetops_device_class"] = "hawkbit"
    name = fleet.add("ddi1")
    action = deploy(sim, name)
    fleet.add("ddi2")
    run = run_playbook(ROOT + "/playbooks/upgrade.yml", fleet.inventory(), tmp_path=tmp_path)
    assert run.rc == 0, run.stdout[-3000:]
    assert fleet.action("ddi1", action)["status"] == "FINISHED"
    lines = list(run.results("Show the fleet report").values())[0]["msg"]
    assert "ddi1 [hawkbit] upgraded: os firmware none, app app none -> os firmware 2.0, app app 5.1" in lines
    assert lines[-1].startswith("1 upgraded, 1 unchanged, 0 failed")


def failures(run):
    """{host: msg} of failed tasks, for assertion messages."""
    found = {}
    for play in run.data["plays"]:
        for task in play["tasks"]:
            for host, result in task["hosts"].items():
                if result.get("failed") and not result.get("ignore_errors"):
                    found.setdefault(host, []).append("%s: %s" % (task["task"]["name"], result.get("msg")))
    return found


def test_status_playbook_surveys_without_changing_anything(sim, tmp_path):
    fleet = Fleet(sim, tmp_path)
    fleet.vars["fleetops_device_class"] = "hawkbit"
    name = fleet.add("ddi1")
    action = deploy(sim, name)
    sim.clear_log()
    run = run_playbook(ROOT + "/playbooks/status.yml", fleet.inventory(), tmp_path=tmp_path)
    assert run.rc == 0, failures(run)
    lines = list(run.results("Show the fleet status").values())[0]["msg"]
    assert "ddi1 [hawkbit] DDI target %s installed action none, open action deployment %s; ok" % (name, action) in lines
    assert sim.log(name, MUTATING) == []


def test_the_role_twice_in_one_play_starts_afresh(sim, tmp_path):
    """playbooks/upgrade.yml runs every role twice (check-mode pre-flight, then the rollout): nothing may carry over."""
    fleet = Fleet(sim, tmp_path)
    name = fleet.add("twice")
    action = deploy(sim, name)
    playbook = """
- name: Pre-flight in check mode
  hosts: all
  gather_facts: false
  check_mode: true
  roles:
    - role: fleetops.upgrade.hawkbit_target
- name: Roll out (facts of the first play are still there)
  hosts: all
  gather_facts: false
  roles:
    - role: fleetops.upgrade.hawkbit_target
"""
    run = run_playbook(playbook, fleet.inventory(), tmp_path=tmp_path)
    assert run.rc == 0, failures(run)
    assert fleet.action("twice", action)["status"] == "FINISHED"
    records = run.results("fleetops.upgrade.hawkbit_target : Record the result for the fleet report")["twice"]
    components = records["record"]["components"]
    assert [item["component"] for item in components] == ["os firmware", "app app"]
