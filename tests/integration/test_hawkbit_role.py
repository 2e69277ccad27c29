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
    # a real server: "downloaded" leaves an action that is not download-only active (running), deploymentBase offered
    assert window["status"] == "RUNNING" and not window["closed"] and window["feedback"][-1]["execution"] == "downloaded"
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

    # The server asks for config data again after every finished action and after a download-only action closed as
    # downloaded (a real hawkBit does): the same run answers it, right after the closing feedback.
    for host in ("full", "hooks", "plain", "confirm", "only"):
        methods = [(e["method"], e["path"].rsplit("/", 1)[-1]) for e in fleet.mutations(host)]
        assert methods[-1] == ("PUT", "configData") and methods[-2][1] == "feedback", (host, methods)
        assert sim.device(fleet.names[host])["request_config"] is False, host

    # Second run, right after: nothing at all - no config data, no feedback, nothing changed.
    del fleet.hosts["reject"]  # its action was handed back to RUNNING: the device is asked to install again
    del fleet.hosts["broken"]
    sim.clear_log()
    again = fleet.run()
    assert again.rc == 0, failures(again)
    assert sim.log(methods=MUTATING) == []
    assert all(again.stats[host]["changed"] == 0 for host in fleet.hosts), again.stats

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
    # the run after a successful upgrade changes nothing: the config data the server asked for after the install was
    # answered in that run (issue 20), so no configData and no feedback now, and the report says unchanged
    sim.clear_log()
    rerun = run_playbook(ROOT + "/playbooks/upgrade.yml", fleet.inventory(), tmp_path=tmp_path)
    assert rerun.rc == 0, rerun.stdout[-3000:]
    assert sim.log(methods=MUTATING) == []
    lines = list(rerun.results("Show the fleet report").values())[0]["msg"]
    assert lines[-1].startswith("0 upgraded, 2 unchanged, 0 failed"), lines


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
    # the install command asks for a reboot: the role reboots (its reboot tasks), the cycle's finish records
    records = run.results("fleetops.upgrade.hawkbit_target : Finish the DDI cycle (verify, report to the server, record "
                          "the result for the fleet report)")["twice"]
    components = records["record"]["components"]
    assert [item["component"] for item in components] == ["os firmware", "app app"]


def test_confirmation_targets_in_the_survey_the_preview_and_the_rollout(sim, tmp_path):
    """Issue 20: a real hawkBit serves a waiting action's deployment under "confirmation" (the simulator does too);
    every confirmation policy works in the status survey, in check mode and in the run."""
    fleet = Fleet(sim, tmp_path)
    fleet.vars["fleetops_device_class"] = "hawkbit"
    actions = {}
    for policy in ("confirm", "wait", "auto_confirm"):
        name = fleet.add(policy, hawkbit_target_confirmation_policy=policy)
        actions[policy] = deploy(sim, name, confirmation_required=True)
    sim.clear_log()
    status = run_playbook(ROOT + "/playbooks/status.yml", fleet.inventory(), tmp_path=tmp_path)
    assert status.rc == 0, failures(status)
    lines = list(status.results("Show the fleet status").values())[0]["msg"]
    for policy, action in actions.items():
        assert "open action confirmation %s; ok" % action in " ".join(lines), (policy, lines)
    checked = fleet.run(check=True)
    assert checked.rc == 0 and not failures(checked), failures(checked)
    assert sim.log(methods=MUTATING) == []
    assert all(fleet.action(p, a)["status"] == "WAIT_FOR_CONFIRMATION" for p, a in actions.items())
    run = fleet.run()
    assert run.rc == 0, failures(run)
    assert {p: fleet.action(p, a)["status"] for p, a in actions.items()} == {
        "confirm": "FINISHED", "wait": "WAIT_FOR_CONFIRMATION", "auto_confirm": "FINISHED"}


def test_a_survey_that_does_not_read_the_action_leaves_no_retrieved_entry(sim, tmp_path):
    """A real hawkBit records a "retrieved" entry for a read of deploymentBase (hawkbit-ddi.md:97-99), also in
    check mode and in the status survey; hawkbit_target_survey_reads_action: false avoids it and says less."""
    fleet = Fleet(sim, tmp_path)
    fleet.vars["fleetops_device_class"] = "hawkbit"
    actions = {host: deploy(sim, fleet.add(host)) for host in ("reads", "looks")}
    fleet.hosts["looks"]["hawkbit_target_survey_reads_action"] = False
    status = run_playbook(ROOT + "/playbooks/status.yml", fleet.inventory(), tmp_path=tmp_path)
    assert status.rc == 0, failures(status)
    preview = run_playbook(ROOT + "/playbooks/upgrade.yml", fleet.inventory(), tmp_path=tmp_path, check=True)
    assert preview.rc == 0, preview.stdout[-3000:]
    assert [e for e in sim.log(methods=MUTATING) if e["device"] in fleet.names.values()] == []
    assert fleet.action("reads", actions["reads"])["history"] == ["running", "retrieved"]
    assert fleet.action("looks", actions["looks"])["history"] == ["running"]
    assert not [e for e in sim.log(fleet.names["looks"]) if "deploymentBase" in e["path"]]
    lines = " ".join(list(status.results("Show the fleet status").values())[0]["msg"])
    assert "open action deployment %s" % actions["looks"] in lines
    report = list(preview.results("Show the fleet report").values())[0]["msg"]
    assert "looks [hawkbit] would upgrade: distribution set none -> distribution set deployment action %s (not read)" % (
        actions["looks"]) in report
    assert "reads [hawkbit] would upgrade: os firmware none, app app none -> os firmware 2.0, app app 5.1" in report


def test_a_command_with_shell_syntax_fails_the_target_before_any_request(sim, tmp_path):
    """Issue 21: commands run without a shell; a pipe in the verify command is refused before the server is
    contacted - in the role's run, in check mode and in upgrade.yml - and the action stays open."""
    fleet = Fleet(sim, tmp_path)
    name = fleet.add("piped", hawkbit_target_verify_command="rauc status --output-format=json | grep -q good")
    action = deploy(sim, name)
    sim.clear_log()
    for check in (True, False):
        run = fleet.run(check=check)
        assert run.rc == 2 and run.stats["piped"]["failures"] == 1, run.stdout[-3000:]
        msg = " ".join(failures(run)["piped"])
        assert "uses shell syntax '|'" in msg and "script" in msg and "hawkbit_target_verify_tasks" in msg, msg
    fleet.vars["fleetops_device_class"] = "hawkbit"
    fleet_run = run_playbook(ROOT + "/playbooks/upgrade.yml", fleet.inventory(), tmp_path=tmp_path)
    assert fleet_run.rc != 0
    lines = list(fleet_run.results("Show the fleet report").values())[0]["msg"]
    assert any(line.startswith("piped [hawkbit] FAILED: ") and "shell syntax" in line for line in lines), lines
    assert sim.log(name) == []  # not even a poll
    assert fleet.action("piped", action)["status"] == "RUNNING" and fleet.action("piped", action)["history"] == ["running"]
