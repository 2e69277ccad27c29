"""The fleet run's exit code is true by construction, and its progress shows as it happens.

The last play of playbooks/upgrade.yml runs over every host of the limit (``hosts: all``) and fails each device that
did not end ``upgraded`` or ``unchanged``, so a play whose host pattern matches nothing (as every play after the plan
did on ansible-core 2.21 while the plan's groups came from result keys) cannot make a run that upgraded nothing
exit 0. These tests break the plumbing on purpose and expect a failing exit code.
"""

import json
import os
import pty
import subprocess
import sys
import time

import yaml

from tests.conftest import ansible_env
from tests.integration.fleet_support import PLAYBOOK, by_host, encedo_fleet, run_fleet, upgrade_starts


def broken_playbook(tmp_path, change):
    """A copy of upgrade.yml with ``change(plays)`` applied."""
    with open(PLAYBOOK) as handle:
        plays = yaml.safe_load(handle)
    change(plays)
    path = tmp_path / "upgrade-broken.yml"
    path.write_text(yaml.safe_dump(plays, sort_keys=False))
    return str(path)


def play(plays, name_start):
    return next(p for p in plays if p["name"].startswith(name_start))


def test_a_rollout_play_that_matches_no_host_fails_the_run(encedo_process, images, tmp_path):
    names, inventory = encedo_fleet(encedo_process, images, {"a1": {"firmware": "1.2.2"}, "a2": {"firmware": "1.2.2"},
                                                             "a3": {"firmware": "1.3.0"}})
    playbook = broken_playbook(tmp_path, lambda plays: play(plays, "Roll out").update(hosts="{{ [] }}"))
    run, report = run_fleet(inventory, tmp_path, playbook=playbook)
    assert run.rc == 2, run.stdout[-3000:]
    assert upgrade_starts(encedo_process, names) == set()
    statuses = {h: e["status"] for h, e in by_host(report).items()}
    assert statuses == {"a1": "not_attempted", "a2": "not_attempted", "a3": "unchanged"}
    assert {h for h, s in run.stats.items() if s["failures"]} == {"a1", "a2"}


def test_a_run_without_its_report_fails_every_device(encedo_process, images, tmp_path):
    _names, inventory = encedo_fleet(encedo_process, images, {"a1": {"firmware": "1.2.2"}, "a2": {"firmware": "1.3.0"}})

    def drop_report(plays):
        plays.remove(play(plays, "Report"))
    run, _report = run_fleet(inventory, tmp_path, playbook=broken_playbook(tmp_path, drop_report))
    assert run.rc == 2
    failures = {h for h, s in run.stats.items() if s["failures"]}
    assert failures == {"a1", "a2"}  # upgraded, but no report says so: the run cannot call itself a success


def test_the_survey_and_rollout_matching_no_host_fails_the_run(encedo_process, images, tmp_path):
    _names, inventory = encedo_fleet(encedo_process, images, {"a1": {"firmware": "1.2.2"}})

    def no_hosts(plays):
        play(plays, "Survey").update(hosts="{{ [] }}")
        play(plays, "Roll out").update(hosts="{{ [] }}")
    run, report = run_fleet(inventory, tmp_path, playbook=broken_playbook(tmp_path, no_hosts))
    assert run.rc == 2
    assert by_host(report)["a1"]["status"] not in ("upgraded", "unchanged")
    assert {h for h, s in run.stats.items() if s["failures"]} == {"a1"}


def watch_in_a_terminal(command, env, cwd):
    """Run ``command`` on a pseudo-terminal, as a person watching it would; ``[(seconds, line)]`` as they arrived,
    then ``(seconds, "rc=N")``."""
    controller, terminal = pty.openpty()
    started = time.monotonic()
    proc = subprocess.Popen(command, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=terminal, stderr=terminal)
    os.close(terminal)
    lines, pending = [], b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the other side closed
            chunk = b""
        if not chunk:
            break
        pending += chunk
        *complete, pending = pending.split(b"\n")
        lines.extend((time.monotonic() - started, line.decode(errors="replace").rstrip("\r")) for line in complete)
    os.close(controller)
    lines.append((time.monotonic() - started, "rc=%d" % proc.wait(timeout=300)))
    return lines


def test_each_device_shows_its_end_as_it_happens_and_each_batch_a_line(encedo_process, images, tmp_path):
    """In a terminal, the default output shows a device's line while its batch task is still running (a slow device
    keeps it running), then the batch's line. (Piped, Python buffers ansible-playbook's output unless
    PYTHONUNBUFFERED is set: docs/fleet.md says so for CI logs; AWX gets the lines as job events either way, see
    test_awx_runner.py.)"""
    names, inventory = encedo_fleet(encedo_process, images, {
        "a1": {"firmware": "1.2.2"}, "a2": {"firmware": "1.2.2"},
        "a3": {"firmware": "1.2.2", "reboot_seconds": 8.0}})
    inventory_path = tmp_path / "inventory.json"
    inventory_path.write_text(json.dumps(inventory))
    env = ansible_env(ANSIBLE_STDOUT_CALLBACK="default", ANSIBLE_CALLBACK_PLUGINS="", ANSIBLE_NOCOLOR="1")
    env.pop("PYTHONUNBUFFERED", None)  # what a person sees in a terminal, whatever the caller's environment
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), PLAYBOOK, "-i", str(inventory_path),
               "-e", json.dumps({"fleetops_canary": 1, "fleetops_batch": "100%"})]
    lines = watch_in_a_terminal(command, env, str(tmp_path))
    assert lines[-1][1] == "rc=0", "\n".join(text for _t, text in lines)[-3000:]

    def first(predicate):
        return next((at, text) for at, text in lines if predicate(text))
    a2_at, a2_line = first(lambda text: text.startswith("fleet: a2 [encedo] upgraded: firmware 1.2.2 -> firmware 1.3.0 in "))
    a3_at, _a3_line = first(lambda text: text.startswith("fleet: a3 [encedo] upgraded: "))
    batch_at, batch_line = first(lambda text: text.startswith("fleet: batch 2/2 done: "))
    assert batch_line == "fleet: batch 2/2 done: 3/3 devices attempted, 0 failed, error budget: the next failure " \
                         "stops the rollout"
    assert first(lambda text: text.startswith("fleet: batch 1/2 done: 1/3 devices attempted, 0 failed"))
    # a2's end was shown while a3 was still rebooting (8 s; a margin for a loaded machine, where a starved
    # ansible-playbook process can print late)
    assert a3_at - a2_at > 3.0, (a2_line, a2_at, a3_at)
    assert a2_at < a3_at <= batch_at
    assert upgrade_starts(encedo_process, names) == {"a1", "a2", "a3"}
