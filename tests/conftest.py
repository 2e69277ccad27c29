"""Fixtures shared by unit and integration tests: simulators and ansible-playbook runs."""

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import pytest
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, ".build", "collections")
LINK = os.path.join(COLLECTIONS, "ansible_collections", "fleetops", "upgrade")
CONNECTION_PLUGINS = os.path.join(ROOT, "tests", "support", "connection")

if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
if not os.path.exists(LINK):
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    os.symlink(ROOT, LINK)
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)


def find_python(version):
    """A ``python<version>`` on PATH or installed by pyenv (pyenv's shims do not count), or None. pyenv's root is
    ``PYENV_ROOT`` or what ``pyenv root`` says, not a guess under HOME (tests run with any HOME)."""
    found = shutil.which("python%s" % version)
    if found and "/shims/" not in found:
        return found
    root = os.environ.get("PYENV_ROOT")
    if not root and shutil.which("pyenv"):
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=False).stdout.strip()
    if not root:
        return None
    candidates = glob.glob(os.path.join(root, "versions", "%s.*" % version, "bin", "python%s" % version))
    candidates.sort(key=lambda path: [int(part) for part in re.findall(r"\d+", os.path.basename(os.path.dirname(os.path.dirname(path))))])
    return candidates[-1] if candidates else None


def unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])


class SimProcess:
    """A simulator run as its own process (what molecule, the demo and ansible-playbook runs use)."""

    def __init__(self, family, fleet=None):
        self.family = family
        self.tmp = tempfile.mkdtemp(prefix="sim-%s-" % family)
        port_file = os.path.join(self.tmp, "port")
        fleet_file = os.path.join(self.tmp, "fleet.json")
        with open(fleet_file, "w") as handle:
            json.dump(fleet or {}, handle)
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.simulators.%s" % family, "--port-file", port_file,
                                      "--fleet", fleet_file], cwd=ROOT, stdout=subprocess.DEVNULL)
        deadline = time.time() + 20
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("%s simulator did not start" % family)
            time.sleep(0.05)
        with open(port_file) as handle:
            self.url = "http://127.0.0.1:%s" % handle.read().strip()

    def add_device(self, name, **config):
        requests.post("%s/_sim/devices/%s" % (self.url, name), json=config, timeout=10).raise_for_status()
        return "%s/%s" % (self.url, name)

    def patch_device(self, name, **changes):
        requests.patch("%s/_sim/devices/%s" % (self.url, name), json=changes, timeout=10).raise_for_status()

    def device(self, name):
        return requests.get("%s/_sim/devices/%s" % (self.url, name), timeout=10).json()

    def log(self, device=None, methods=None):
        entries = requests.get(self.url + "/_sim/log", timeout=10).json()
        return [e for e in entries if (device is None or e["device"] == device) and (methods is None or e["method"] in methods)]

    def clear_log(self):
        requests.delete(self.url + "/_sim/log", timeout=10)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class PlaybookRun:
    def __init__(self, completed):
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        try:
            self.data = json.loads(completed.stdout[completed.stdout.index("{"):])
        except ValueError:
            raise AssertionError("ansible-playbook output is not JSON:\n%s\n%s" % (completed.stdout, completed.stderr))

    def results(self, task_name):
        """{host: result} of the task named ``task_name`` (last play that has it)."""
        found = None
        for play in self.data["plays"]:
            for task in play["tasks"]:
                if task["task"]["name"] == task_name:
                    found = task["hosts"]
        if found is None:
            raise AssertionError("no task named %r in the run" % task_name)
        return found

    def result(self, task_name, host="localhost"):
        return self.results(task_name)[host]

    @property
    def stats(self):
        return self.data["stats"]


def ansible_env(**extra):
    env = dict(os.environ)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        "ANSIBLE_STDOUT_CALLBACK": "results_json",
        "ANSIBLE_CALLBACK_PLUGINS": os.path.join(ROOT, "tests", "support", "callback"),
        "ANSIBLE_CONNECTION_PLUGINS": CONNECTION_PLUGINS,
        "ANSIBLE_HOST_KEY_CHECKING": "false",
        "ANSIBLE_RETRY_FILES_ENABLED": "false",
        "ANSIBLE_LOCAL_TEMP": os.path.join(ROOT, ".build", "ansible-tmp"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
    })
    env.update(extra)
    return env


def run_playbook(playbook, inventory=None, extra_vars=None, check=False, diff=False, limit=None, env=None, tmp_path=None):
    """Run ansible-playbook on ``playbook`` (YAML text or path); returns a PlaybookRun."""
    workdir = str(tmp_path) if tmp_path else tempfile.mkdtemp(prefix="play-")
    if "\n" in playbook:
        path = os.path.join(workdir, "playbook.yml")
        with open(path, "w") as handle:
            handle.write(playbook)
        playbook = path
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), playbook]
    if inventory is not None:
        inventory_path = os.path.join(workdir, "inventory.json")
        with open(inventory_path, "w") as handle:
            json.dump(inventory, handle)
        command += ["-i", inventory_path]
    else:
        command += ["-i", "localhost,", "-c", "local"]
    if extra_vars:
        command += ["-e", json.dumps(extra_vars)]
    if check:
        command.append("--check")
    if diff:
        command.append("--diff")
    if limit:
        command += ["-l", limit]
    completed = subprocess.run(command, cwd=workdir, env=ansible_env(**(env or {})), capture_output=True, text=True,
                               timeout=600, check=False)
    return PlaybookRun(completed)


@pytest.fixture(scope="session")
def encedo_process():
    sim = SimProcess("encedo")
    yield sim
    sim.stop()


@pytest.fixture(scope="session")
def encedo_sim():
    """The Encedo simulator in this process (fast unit tests)."""
    from tests.simulators._base import start
    from tests.simulators.encedo import EncedoSimulator
    simulator = EncedoSimulator()
    server = start(simulator)
    simulator.url = server.url
    yield simulator
    server.stop()


@pytest.fixture()
def images(tmp_path):
    """Stand-in Encedo images, built on demand: images('firmware', '1.3.0', name='firmware.bin', ...)."""
    from tests.simulators.encedo import build_image

    def make(component, version, name=None, **kwargs):
        name = name or ("firmware-%s.bin" % version if component == "firmware" else "webroot-%s.tar" % version)
        path = tmp_path / name
        header = build_image(str(path), component, version, **kwargs)
        return str(path), header
    return make


@pytest.fixture
def hawkbit():
    """The hawkBit simulator in this process: (simulator, base URL). The DoS filter is off so tests may be fast;
    tests that want it turn it on."""
    from tests.simulators.hawkbit import HawkbitSimulator, start
    simulator = HawkbitSimulator()
    simulator.config.update(dos_reads_per_second=None, dos_writes_per_second=None)
    server = start(simulator)
    try:
        yield simulator, server.url
    finally:
        server.stop()


@pytest.fixture
def target(hawkbit):
    """A hawkBit target ``dev1`` with token ``tok1`` in tenant DEFAULT."""
    simulator, url = hawkbit
    simulator.create_device("dev1", {"token": "tok1"})
    return simulator, url, "dev1"


def hawkbit_params(spec, url, **options):
    """hawkBit module parameters as AnsibleModule would validate them (defaults filled in)."""
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    spec = dict(spec)
    options.setdefault("url", url)
    options.setdefault("controller_id", "dev1")
    if "gateway_token" not in options:
        options.setdefault("target_token", "tok1")
    options.setdefault("backoff", 0.01)
    validator = ArgumentSpecValidator(spec.pop("argument_spec"), **spec)
    result = validator.validate(options)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


@pytest.fixture
def params():
    """hawkbit_params, for tests that take it as a fixture."""
    return hawkbit_params


NPM_FAST = dict(validation_time=0.05, init_time=0.05, reboot_time=0.2)


@pytest.fixture
def npm_sim():
    """The AppResponse simulator in this process."""
    from tests.simulators import _base
    from tests.simulators.appresponse import AppResponseSimulator
    simulator = AppResponseSimulator()
    server = _base.start(simulator)
    simulator.url = server.url
    try:
        yield simulator
    finally:
        server.stop()


@pytest.fixture
def appliance(npm_sim):
    """One fast AppResponse appliance named ``ar1``; returns its base URL."""
    npm_sim.create_device("ar1", dict(NPM_FAST))
    return npm_sim.url + "/ar1"


@pytest.fixture
def image_file(tmp_path):
    """Stand-in AppResponse images: image_file(version, size, name) -> path."""
    from tests.simulators.appresponse import write_image

    def make(version="11.6.0 #23947", size=64 * 1024, name=None):
        path = tmp_path / (name or "image-%s.img" % version.split()[0])
        return str(write_image(str(path), version, size))
    return make


@pytest.fixture
def mwcloud_sim():
    """The Magewell Cloud simulator in this process: ``mwcloud_sim(fleet, **settings)`` -> simulator (with ``url``)."""
    from tests.simulators._base import start
    from tests.simulators.mwcloud import MwCloudSimulator
    servers = []

    def make(fleet, **settings):
        simulator = MwCloudSimulator(settings=settings)
        simulator.load_fleet(fleet)
        server = start(simulator)
        servers.append(server)
        simulator.url = server.url
        return simulator
    yield make
    for server in servers:
        server.stop()


def npm_result(task, url, check_mode=False, diff=False, **options):
    """Run an AppResponse task class (NpmInfo, NpmImage, NpmUpdate) through the shared boundary, as a module would:
    options validated against its spec (defaults filled in, admin/admin unless a token is given); the result dict."""
    import importlib
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible_collections.fleetops.upgrade.plugins.module_utils._task import execute
    spec_name = {"NpmInfo": "INFO_SPEC", "NpmImage": "IMAGE_SPEC", "NpmUpdate": "UPDATE_SPEC"}[task.__name__]
    spec = dict(getattr(importlib.import_module(task.__module__), spec_name))
    options.setdefault("url", url)
    options.setdefault("timeout", 5)
    if "token" not in options:
        options.setdefault("username", "admin")
        options.setdefault("password", "admin")
    validated = ArgumentSpecValidator(spec.pop("argument_spec"), **spec).validate(options)
    assert not validated.error_messages, validated.error_messages
    return execute(task, validated.validated_parameters, check_mode=check_mode, diff=diff, module=task.__name__)


def npm_mutations(sim, device="ar1"):
    """(method, path after /api/) of the mutating requests an appliance got, token requests left out."""
    return [(e["method"], e["path"].split("/api/", 1)[1]) for e in sim.requests_for(device, ("POST", "PUT", "PATCH", "DELETE"))
            if "mgmt.aaa" not in e["path"]]


def make_self_signed(directory):
    """A self-signed certificate for 127.0.0.1 (it is its own CA) and its key, written to ``directory``: (cert, key) paths."""
    import datetime
    import ipaddress
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = os.path.join(str(directory), "cert.pem"), os.path.join(str(directory), "key.pem")
    with open(cert_file, "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_file, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return cert_file, key_file
