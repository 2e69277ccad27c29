"""The execution environment: ansible-builder makes its build context from the collection tarball (offline, no
container build), and finds the collection's Python requirements through meta/execution-environment.yml."""

import os
import shutil
import subprocess
import sys
import tarfile

import pytest
import yaml

from tests.conftest import ROOT, ansible_env

BIN = os.path.dirname(sys.executable)
EE_DIR = os.path.join(ROOT, "examples", "execution-environment")


def tool(name):
    found = shutil.which(name, path=os.pathsep.join([BIN, os.environ.get("PATH", "")]))
    assert found, "%s is not installed (pip install -r tests/requirements.txt)" % name
    return found


def run(command, cwd, **env):
    done = subprocess.run(command, cwd=str(cwd), env=ansible_env(**env), capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def ee_dir(tmp_path_factory):
    """A copy of examples/execution-environment with the tarball built into it, as the docs say."""
    directory = tmp_path_factory.mktemp("ee") / "execution-environment"
    shutil.copytree(EE_DIR, directory)
    run([tool("ansible-galaxy"), "collection", "build", ROOT, "--output-path", str(directory), "--force"], directory)
    return directory


def galaxy_version():
    with open(os.path.join(ROOT, "galaxy.yml")) as handle:
        return yaml.safe_load(handle)["version"]


def test_ansible_builder_creates_the_build_context_from_the_tarball(ee_dir):
    run([tool("ansible-builder"), "create", "-f", "execution-environment.yml", "-c", "context",
         "--output-filename", "Containerfile"], ee_dir)
    containerfile = (ee_dir / "context" / "Containerfile").read_text()
    assert "ARG EE_BASE_IMAGE=\"quay.io/centos/centos:stream9\"" in containerfile
    assert "ansible-galaxy collection install" in containerfile and "-r requirements.yml" in containerfile
    assert "ansible-core>=2.16,<2.20" in containerfile
    build = ee_dir / "context" / "_build"
    requirements = yaml.safe_load((build / "requirements.yml").read_text())
    tarball = "fleetops-upgrade-%s.tar.gz" % galaxy_version()
    assert requirements["collections"] == [{"name": "collections/" + tarball, "type": "file"}]
    with tarfile.open(build / "collections" / tarball) as archive:
        names = archive.getnames()
    assert "meta/execution-environment.yml" in names and "requirements.txt" in names
    assert not any(name.endswith(".tar.gz") or name.startswith("examples/execution-environment/context") for name in names)


def test_meta_execution_environment_keeps_only_what_ansible_builder_reads():
    with open(os.path.join(ROOT, "meta", "execution-environment.yml")) as handle:
        meta = yaml.safe_load(handle)
    assert set(meta) == {"version", "dependencies"}
    assert meta["dependencies"] == {"python": "requirements.txt"}


def test_ansible_builder_introspect_lists_the_collections_python_requirements(ee_dir, tmp_path):
    tarball = ee_dir / ("fleetops-upgrade-%s.tar.gz" % galaxy_version())
    collections = tmp_path / "collections"
    run([tool("ansible-galaxy"), "collection", "install", str(tarball), "-p", str(collections)], tmp_path,
        ANSIBLE_COLLECTIONS_PATH=str(collections))
    assert (collections / "ansible_collections" / "fleetops" / "upgrade" / "MANIFEST.json").exists()
    output = run([tool("ansible-builder"), "introspect", str(collections), "--write-pip", str(tmp_path / "pip.txt")], tmp_path)
    with open(os.path.join(ROOT, "requirements.txt")) as handle:
        wanted = [line.strip() for line in handle if line.strip() and not line.startswith("#")]
    for requirement in wanted:
        assert "%s  # from collection fleetops.upgrade" % requirement in output
    assert (tmp_path / "pip.txt").read_text().split("\n")[:-1] == ["%s  # from collection fleetops.upgrade" % r for r in wanted]
    assert "system: {}" in output or "system: []" in output
