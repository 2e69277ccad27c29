"""docs/development.md's "Adding a device class", followed: a copy of the collection gets exactly the files the section
lists for a fifth class (tests/integration/fifth_class: an API client, one task file and its module, one DeviceClass,
a role of one task, the simulator tests/simulators/gizmo.py), and upgrade.yml runs it on both paths, in check mode
and for real, next to an Encedo device."""

import os
import re
import shutil

import pytest

from tests.conftest import ROOT, SimProcess, unique
from tests.integration.fleet_support import QUICK, by_host, run_fleet

FIFTH_CLASS = os.path.join(ROOT, "tests", "integration", "fifth_class")
COLLECTION_PARTS = ("plugins", "roles", "playbooks", "meta", "galaxy.yml")
PATHS = {"controller": {}, "role": {"FLEETOPS_IN_PROCESS": "0"}}


def development_md_files():
    """The files docs/development.md's section lists for a new class (the ones under plugins/ and roles/)."""
    with open(os.path.join(ROOT, "docs", "development.md"), encoding="utf-8") as handle:
        text = handle.read()
    section = text[text.index("## Adding a device class"):]
    return set(re.findall(r"`((?:plugins|roles)/[^`]*<\w+>[^`]*)`", section))


@pytest.fixture(scope="module")
def collection_with_a_fifth_class(tmp_path_factory):
    """``ANSIBLE_COLLECTIONS_PATH`` of a copy of this collection with the fifth class's files added."""
    root = tmp_path_factory.mktemp("collections")
    copy = root / "ansible_collections" / "fleetops" / "upgrade"
    copy.mkdir(parents=True)
    for part in COLLECTION_PARTS:
        source = os.path.join(ROOT, part)
        if os.path.isdir(source):
            shutil.copytree(source, copy / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, copy / part)
    added = []
    for folder, _dirs, files in os.walk(FIFTH_CLASS):
        for name in files:
            relative = os.path.relpath(os.path.join(folder, name), FIFTH_CLASS)
            if relative == "device_class.py":
                with open(copy / "plugins" / "plugin_utils" / "_device_classes.py", "a", encoding="utf-8") as handle:
                    with open(os.path.join(folder, name), encoding="utf-8") as snippet:
                        handle.write(snippet.read())
                continue
            assert not (copy / relative).exists(), "%s would replace a file of the collection" % relative
            (copy / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(os.path.join(folder, name), copy / relative)
            added.append(relative.replace("gizmo", "<class>"))
    return str(root), sorted(added)


@pytest.fixture(scope="module")
def gizmo_process():
    sim = SimProcess("gizmo")
    yield sim
    sim.stop()


def test_the_fifth_class_adds_exactly_the_files_the_section_lists(collection_with_a_fifth_class):
    _root, added = collection_with_a_fifth_class
    listed = {path.replace("<api>", "<class>").replace("<role>", "<class>") for path in development_md_files()}
    assert set(added) <= listed, "files the section does not list: %s" % sorted(set(added) - listed)


def fleet(gizmo_process, encedo_process, images):
    gizmos = {host: unique(host) for host in ("g1", "g2")}
    gizmo_process.add_device(gizmos["g1"], version="1.0.0", available=["2.0.0"], token="t0ken")
    gizmo_process.add_device(gizmos["g2"], version="2.0.0", available=["2.0.0"], token="t0ken")
    hem = unique("hem")
    encedo_process.add_device(hem, firmware="1.2.2", **QUICK)
    inventory = {"all": {
        "vars": {"ansible_connection": "local"},
        "children": {
            "gizmos": {"vars": {"fleetops_device_class": "gizmo", "gizmo_token": "t0ken", "gizmo_firmware_version": "2.0.0"},
                       "hosts": {host: {"gizmo_url": "%s/%s" % (gizmo_process.url, name)} for host, name in gizmos.items()}},
            "hsms": {"vars": {"fleetops_device_class": "encedo", "encedo_firmware_version": "1.3.0",
                              "encedo_firmware_image": images("firmware", "1.3.0", name="firmware.bin")[0],
                              "encedo_wait_timeout": 30},
                     "hosts": {"hem1": {"encedo_url": "%s/%s" % (encedo_process.url, hem)}}},
        }}}
    return gizmos, inventory


@pytest.mark.parametrize("path", sorted(PATHS))
def test_upgrade_yml_runs_the_fifth_class_next_to_the_others(
        collection_with_a_fifth_class, gizmo_process, encedo_process, images, tmp_path, path):
    collections, _added = collection_with_a_fifth_class
    env = dict(PATHS[path], ANSIBLE_COLLECTIONS_PATH=collections)
    playbook = os.path.join(collections, "ansible_collections", "fleetops", "upgrade", "playbooks", "upgrade.yml")
    gizmos, inventory = fleet(gizmo_process, encedo_process, images)

    gizmo_process.clear_log()
    (tmp_path / "check").mkdir()
    preview, report = run_fleet(inventory, tmp_path / "check", check=True, env=env, playbook=playbook)
    assert preview.rc == 0, preview.stdout[-3000:]
    statuses = {h: e["status"] for h, e in by_host(report).items()}
    assert statuses == {"g1": "would_upgrade", "g2": "unchanged", "hem1": "would_upgrade"}
    assert gizmo_process.log(methods=("PUT",)) == []

    (tmp_path / "run").mkdir()
    run, report = run_fleet(inventory, tmp_path / "run", env=env, playbook=playbook)
    assert run.rc == 0, run.stdout[-3000:]
    hosts = by_host(report)
    assert {h: e["status"] for h, e in hosts.items()} == {"g1": "upgraded", "g2": "unchanged", "hem1": "upgraded"}
    assert hosts["g1"]["components"] == [{"component": "firmware", "from": "1.0.0", "to": "2.0.0", "changed": True}]
    assert gizmo_process.device(gizmos["g1"])["version"] == "2.0.0"
    assert "t0ken" not in run.stdout


def test_a_refused_value_names_the_fifth_class_variable(
        collection_with_a_fifth_class, gizmo_process, encedo_process, images, tmp_path):
    collections, _added = collection_with_a_fifth_class
    playbook = os.path.join(collections, "ansible_collections", "fleetops", "upgrade", "playbooks", "upgrade.yml")
    _gizmos, inventory = fleet(gizmo_process, encedo_process, images)
    del inventory["all"]["children"]["gizmos"]["vars"]["gizmo_token"]
    run, report = run_fleet(inventory, tmp_path, check=True, env={"ANSIBLE_COLLECTIONS_PATH": collections},
                            playbook=playbook)
    assert run.rc == 2
    refused = by_host(report)["g1"]
    assert refused["status"] == "refused" and "gizmo_token" in refused["msg"], refused
