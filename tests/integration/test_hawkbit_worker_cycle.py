"""A hawkBit target on the controller without hooks runs its DDI cycle in the worker (fleet_device, fleet_batch);
one with its own connection or hooks runs it as the role's tasks. The server, the device and the report must not
tell the two apart, in every situation the role knows."""

import re

import pytest
import requests

from tests.conftest import SimProcess, run_playbook, unique
from tests.integration.fleet_support import by_host, run_fleet

TASKS_PATH = {"FLEETOPS_IN_PROCESS": "0"}
ROLE = "fleetops.upgrade.hawkbit_target : "
CYCLE = ROLE + "Run the DDI cycle (up to the installation when the user's tasks or a reboot come next)"
FINISH = ROLE + "Finish the DDI cycle (verify, report to the server, record the result for the fleet report)"
MUTATING = ("POST", "PUT", "DELETE", "PATCH")
CHUNKS = [{"part": "os", "name": "firmware", "version": "2.0", "artifacts": [{"filename": "fw.bin", "size": 20000}]},
          {"part": "app", "name": "app", "version": "5.1", "artifacts": [{"filename": "app.tar", "size": 1000}]}]
COMMANDS = {"os": "sh -c 'cp \"$0\" \"$1\"/installed-os' {path} {dir}", "*": "cp {paths} {dir}"}
SITUATIONS = ("full", "plain", "confirm", "auto", "wait", "window", "only", "cancel", "reject", "broken", "rebooting",
              "nocommand", "idle")


@pytest.fixture(scope="module")
def sim():
    process = SimProcess("hawkbit")
    requests.post("%s/_sim/tenants/PLAIN" % process.url, json={"flavor": "plain"}, timeout=10).raise_for_status()
    yield process
    process.stop()


class Situations:
    """One target per situation on the simulator, and the inventory of a mixed site."""

    def __init__(self, sim, tmp_path):
        self.sim, self.tmp_path = sim, tmp_path
        self.names, self.actions, hosts = {}, {}, {}
        for host in SITUATIONS:
            name = self.names[host] = unique(host)
            tenant = "PLAIN" if host == "plain" else "DEFAULT"
            sim.add_device(name, token="tok-" + name, tenant=tenant)
            hosts[host] = {"hawkbit_target_controller_id": name, "hawkbit_target_target_token": "tok-" + name,
                           "hawkbit_target_tenant": tenant, "hawkbit_target_download_dir": str(tmp_path / host)}
            deployment = {"full": {}, "plain": {}, "cancel": {}, "reject": {}, "broken": {}, "rebooting": {}, "nocommand": {},
                          "confirm": {"confirmation_required": True}, "auto": {"confirmation_required": True},
                          "wait": {"confirmation_required": True}, "window": {"maintenance_window": "unavailable"},
                          "only": {"download_only": True}}.get(host)
            if deployment is not None:
                self.actions[host] = self.deploy(name, **deployment)
        hosts["wait"]["hawkbit_target_confirmation_policy"] = "wait"
        hosts["auto"]["hawkbit_target_confirmation_policy"] = "auto_confirm"
        hosts["broken"]["hawkbit_target_install_commands"] = {"os": "sh -c 'echo flash error 42 >&2; exit 3'", "*": "true"}
        hosts["rebooting"]["hawkbit_target_install_commands"] = {"*": "sh -c 'exit 100'"}
        hosts["nocommand"]["hawkbit_target_install_commands"] = {"app": "true"}
        for host in ("cancel", "reject"):
            requests.post("%s/_sim/devices/%s/actions/%s/cancel" % (sim.url, self.names[host], self.actions[host]),
                          timeout=10).raise_for_status()
        (tmp_path / "reject").mkdir(parents=True)
        (tmp_path / "reject" / (".installing-%s" % self.actions["reject"])).write_text("installing")
        self.inventory = {"all": {"vars": {
            "ansible_connection": "local", "fleetops_device_class": "hawkbit", "hawkbit_target_url": sim.url,
            "hawkbit_target_backoff": 0.05, "hawkbit_target_config_data": {"hwRevision": "2"},
            "hawkbit_target_install_commands": COMMANDS,
            "hawkbit_target_verify_command": "test -f {{ hawkbit_target_download_dir }}/installed-os"},
            "children": {"site_a": {"hosts": hosts}}}}

    def deploy(self, name, **config):
        answer = requests.post("%s/_sim/devices/%s/deployments" % (self.sim.url, name), json=dict(config, chunks=CHUNKS),
                               timeout=10)
        answer.raise_for_status()
        return str(answer.json()["id"])

    def neutral(self, value):
        """``value`` with this fleet's names, action ids and directory replaced by placeholders."""
        if isinstance(value, dict):
            return {self.neutral(k): self.neutral(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.neutral(v) for v in value]
        if not isinstance(value, str):
            return value
        text = value.replace(str(self.tmp_path), "<dir>")
        for host, name in self.names.items():
            text = text.replace(name, "<%s>" % host)
        hosts_of = {action: host for host, action in self.actions.items()}
        if text in hosts_of:
            return "<action of %s>" % hosts_of[text]
        return re.sub(r"(action |actions/|installing-|Base/|Action/)(\d+)\b",
                      lambda m: "%s<action of %s>" % (m.group(1), hosts_of.get(m.group(2), "?")), text)

    def server_side(self):
        """Per target: what the server holds and the mutating requests it received."""
        seen = {}
        for host, name in self.names.items():
            device = self.sim.device(name)
            actions = {self.neutral(i): {"status": a["status"], "closed": a["closed"],
                                         "feedback": self.neutral(a["feedback"])}
                       for i, a in device["actions"].items()}
            requests_made = [(e["method"], self.neutral(e["path"])) for e in self.sim.log(name, MUTATING)]
            seen[host] = {"actions": actions, "attributes": device["attributes"], "requests": requests_made}
        return seen

    def device_side(self):
        return sorted(self.neutral(str(p.relative_to(self.tmp_path))) for p in self.tmp_path.rglob("*")
                      if p.is_file() and p.parent != self.tmp_path and "reports" not in p.parts)

    def report(self, report):
        keep = ("status", "device_class", "batch", "components", "msg", "device_state")
        return {host: self.neutral({k: entry.get(k) for k in keep}) for host, entry in by_host(report).items()}


def test_worker_and_tasks_leave_the_same_server_device_and_report(sim, tmp_path):
    worker = Situations(sim, tmp_path / "worker")
    tasks = Situations(sim, tmp_path / "tasks")
    rollout = {"fleetops_canary": 0, "fleetops_max_failures": len(SITUATIONS)}

    sim.clear_log()
    checked = run_fleet(worker.inventory, tmp_path / "worker", check=True, **rollout)[0]
    assert checked.rc == 0, checked.stdout[-3000:]
    assert sim.log(methods=MUTATING) == [], "check mode sent mutating requests"

    worker_run, worker_report = run_fleet(worker.inventory, tmp_path / "worker", **rollout)
    tasks_run, tasks_report = run_fleet(tasks.inventory, tmp_path / "tasks", env=TASKS_PATH, **rollout)
    assert worker_run.rc == tasks_run.rc == 2, worker_run.stdout[-3000:] + tasks_run.stdout[-3000:]
    assert CYCLE not in worker_run.stdout and CYCLE in tasks_run.stdout

    assert worker.report(worker_report) == tasks.report(tasks_report)
    assert worker.server_side() == tasks.server_side()
    assert worker.device_side() == tasks.device_side()
    assert {h: s["failures"] for h, s in worker_run.stats.items()} == {h: s["failures"] for h, s in tasks_run.stats.items()}
    hosts = by_host(worker_report)
    # the recap: upgraded devices changed on both paths (the tasks path also counts the pre-flight poll and the
    # steps of a failed cycle as changes)
    changing = {h for h, e in hosts.items() if e["status"] in ("upgraded", "downloaded")}
    assert {h for h, s in worker_run.stats.items() if s["changed"]} == changing
    assert all(tasks_run.stats[h]["changed"] for h in changing)
    # an action that asks for the download only (or waits for its maintenance window) installed nothing
    assert {h for h, e in hosts.items() if e["status"] == "downloaded"} == {"only", "window"}
    assert worker_report["summary"]["downloaded"] == 2
    assert {h for h, e in hosts.items() if e["status"] == "failed"} == {"broken", "rebooting", "nocommand"}
    assert hosts["broken"]["msg"].startswith("Install every chunk through its command: ")
    assert hosts["broken"]["device_state"] == "action %s reported failed" % worker.actions["broken"]
    assert hosts["rebooting"]["msg"] == ("Reboot the device: Running ansible.builtin.reboot with local connection "
                                         "would reboot the control node.")
    assert hosts["nocommand"]["device_state"] == "action %s left open" % worker.actions["nocommand"]
    assert hosts["idle"]["status"] == "unchanged" and hosts["full"]["status"] == "upgraded"
    full = worker.server_side()["full"]["actions"]["<action of full>"]
    assert full["status"] == "FINISHED" and full["feedback"][-1]["execution"] == "closed"
    broken = worker.server_side()["broken"]["actions"]["<action of broken>"]
    assert broken["status"] == "ERROR" and "flash error 42" in broken["feedback"][-1]["details"]

    # both paths answered the config data the server asks for after the finished install, in the same run
    for situations in (worker, tasks):
        assert situations.server_side()["full"]["requests"][-1] == ("PUT", situations.neutral(
            "/DEFAULT/controller/v1/%s/configData" % situations.names["full"]))

    # a second run: the same on both paths; the devices upgraded by the first run change nothing (issue 20)
    sim.clear_log()
    worker_again, worker_report = run_fleet(worker.inventory, tmp_path / "worker", **rollout)
    tasks_again, tasks_report = run_fleet(tasks.inventory, tmp_path / "tasks", env=TASKS_PATH, **rollout)
    assert worker_again.rc == tasks_again.rc
    assert {h: s["requests"] for h, s in worker.server_side().items()} == {
        h: s["requests"] for h, s in tasks.server_side().items()}
    done = {"full", "plain", "confirm", "auto", "only", "cancel"}  # closed by the first run ("reject" is handed back)
    assert done <= {h for h, e in hosts.items() if e["status"] in ("upgraded", "downloaded")}  # "only": download only
    assert {h: worker.server_side()[h]["requests"] for h in done} == {h: [] for h in done}
    assert {h: by_host(worker_report)[h]["status"] for h in done} == {h: "unchanged" for h in done}
    assert worker.report(worker_report) == tasks.report(tasks_report)


def test_the_role_alone_runs_the_cycle_in_the_worker_and_hooks_as_tasks(sim, tmp_path):
    names = {host: unique(host) for host in ("quick", "hooked")}
    hosts = {}
    for host, name in names.items():
        sim.add_device(name, token="tok-" + name)
        requests.post("%s/_sim/devices/%s/deployments" % (sim.url, name), json={"chunks": CHUNKS},
                      timeout=10).raise_for_status()
        hosts[host] = {"hawkbit_target_controller_id": name, "hawkbit_target_target_token": "tok-" + name,
                       "hawkbit_target_download_dir": str(tmp_path / host)}
    verify = tmp_path / "verify.yml"
    verify.write_text("- name: Check the installed file\n  ansible.builtin.stat:\n"
                      "    path: \"{{ hawkbit_target_download_dir }}/installed-os\"\n  register: installed\n"
                      "  failed_when: not installed.stat.exists\n")
    hosts["hooked"]["hawkbit_target_verify_tasks"] = str(verify)
    inventory = {"all": {"vars": {"ansible_connection": "local", "hawkbit_target_url": sim.url,
                                  "hawkbit_target_backoff": 0.05, "hawkbit_target_install_commands": COMMANDS},
                         "hosts": hosts}}
    playbook = "- hosts: all\n  gather_facts: false\n  roles:\n    - role: fleetops.upgrade.hawkbit_target\n"
    run = run_playbook(playbook, inventory, tmp_path=tmp_path, diff=True)
    assert run.rc == 0, run.stdout[-3000:]
    cycle = run.results(CYCLE)
    assert cycle["quick"]["record"]["status"] == "upgraded" and cycle["quick"]["changed"] and not cycle["quick"]["pending"]
    assert [c["component"] for c in cycle["quick"]["record"]["components"]] == ["os firmware", "app app"]
    # the user's verify tasks come after the install: the cycle hands over, and its finish records
    hooked = cycle["hooked"]
    assert hooked["pending"] and hooked["hooks"]["verify_tasks"] and not hooked["hooks"]["reboot"] and "record" not in hooked
    assert [c["part"] for c in hooked["hooks"]["chunks"]] == ["os", "app"]
    assert run.result(FINISH, "hooked")["record"]["status"] == "upgraded"
    assert "tok-" not in str(cycle) and "tok-" not in str(run.results(FINISH))
    for host, name in names.items():
        action = list(sim.device(name)["actions"].values())[-1]
        assert action["status"] == "FINISHED", host
    again = run_playbook(playbook, inventory, tmp_path=tmp_path)
    assert again.rc == 0 and not any(s["changed"] for s in again.stats.values()), again.stats
