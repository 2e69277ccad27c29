"""Hostile inputs through both execution paths: a stand-in server answering what no device should, and inputs
refused before any request. One ansible-playbook run; host ``inproc`` takes the in-process path, host ``module``
the module path (local_as_remote), and every result must be the same on both.
"""

import json
import os
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import ROOT, make_self_signed, run_playbook

RECORDER = os.path.join(ROOT, "tests", "support", "python-recorder")
HUGE = 5 * 1024 * 1024
SLOW_SECONDS = 3


class StandIn(BaseHTTPRequestHandler):
    """The first path segment names the behaviour; every request is logged as (case, method, path)."""

    protocol_version = "HTTP/1.1"
    log = []

    def _answer(self):
        case = self.path.lstrip("/").split("/", 1)[0]
        StandIn.log.append((case, self.command, self.path))
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if case == "drop":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if case == "slow":
            time.sleep(SLOW_SECONDS)
        if case == "huge":
            self._send(200, "application/json", None, length=HUGE)
            try:
                chunk = b"1," * 32768
                for _chunk in range(HUGE // len(chunk)):
                    self.wfile.write(chunk)
            except OSError:
                pass
            return
        status, content_type, body, headers = ANSWERS.get(case, (404, "text/plain", b"no such case", {}))
        self._send(status, content_type, body, headers=headers)

    def _send(self, status, content_type, body, headers=None, length=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if body:
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args):
        pass


ANSWERS = {
    "html": (200, "text/html", b"<html><body><form>Proxy login</form></body></html>", {}),
    "text": (200, "text/plain", b"not json at all", {}),
    "list": (200, "application/json", b"[1, 2, 3]", {}),
    "null": (200, "application/json", b"null", {}),
    "string": (200, "application/json", b'"ok"', {}),
    "empty": (200, "application/json", b"", {}),
    "e500": (500, "text/plain", b"internal trouble", {}),
    "ra429": (429, "text/plain", b"slow down", {"Retry-After": "1"}),
    "no429": (429, "text/plain", b"slow down", {}),
    "slow": (200, "application/json", b"{}", {}),
}

CASES = ["html", "text", "list", "null", "string", "empty", "huge", "e500", "ra429", "no429", "drop", "slow", "tls",
         "untrusted"]

# (module, its first request, extra options); hawkBit's retries are an option, so they are kept short there
READ_MODULES = {
    "encedo_info": ("GET", "/api/system/version", {}),
    "npm_info": ("POST", "/api/mgmt.aaa/1.0/token", {"username": "admin", "password": "pw-npm"}),
    "hawkbit_poll": ("GET", "/DEFAULT/controller/v1/dev1",
                     {"controller_id": "dev1", "target_token": "tok-ddi", "retries": 1, "backoff": 0.01}),
    "mwcloud_info": ("POST", "/sc_cloud/login", {"username": "Admin", "password": "pw-mw"}),
}


def transport_message(case, method, url):
    """What the transport says for ``case`` (``url``: the first request's URL as shown, no secrets)."""
    where = "(%s %s" % (method, url)
    return {
        "html": "the device answered with an HTML page instead of JSON (wrong URL, a proxy or a login page?) %s -> HTTP 200)"
                % where,
        "text": "the device answered with a body that is not JSON %s -> HTTP 200) device said: not json at all" % where,
        "list": "the device answered JSON a list where an object was expected %s -> HTTP 200) device said: [1, 2, 3]"
                % where,
        "null": "the device answered JSON null where an object was expected %s -> HTTP 200) device said: null" % where,
        "string": "the device answered JSON a string where an object was expected %s -> HTTP 200) device said: \"ok\""
                  % where,
        "empty": "the device answered with an empty body where JSON was expected %s -> HTTP 200)" % where,
        "huge": "the device answered with a body larger than 4 MiB (%d bytes); no API answer is that large, so nothing "
                "more was read (wrong URL or a misbehaving device?) %s -> HTTP 200)" % (HUGE, where),
        "e500": "%s -> HTTP 500) device said: internal trouble" % where,
        "ra429": "%s -> HTTP 429) device said: slow down" % where,
        "no429": "%s -> HTTP 429) device said: slow down" % where,
        "drop": "device unreachable: the device closed the connection without a response %s)" % where,
        "slow": "device unreachable: no answer within 1s %s)" % where,
        "tls": "TLS failed: handshake error (is the device speaking TLS on that port? try http://) (set ca_path to the CA "
               "that issued the device certificate, or validate_certs: false if it is self-issued and you accept that) "
               "%s)" % where,
        "untrusted": "TLS failed: certificate verify failed: self-signed certificate (set ca_path to the CA that issued "
                     "the device certificate, or validate_certs: false if it is self-issued and you accept that) %s)" % where,
    }[case]


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients that give up (timeouts, the size cap) break the connection on purpose


def serve(server):
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def stand_in(tmp_path_factory):
    """(plain URL, TLS URL with an untrusted certificate)."""
    StandIn.log = []
    plain = serve(QuietServer(("127.0.0.1", 0), StandIn))
    tls = QuietServer(("127.0.0.1", 0), StandIn)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*make_self_signed(tmp_path_factory.mktemp("tls")))
    tls.socket = context.wrap_socket(tls.socket, server_side=True)
    serve(tls)
    yield "http://127.0.0.1:%d" % plain.server_address[1], "https://127.0.0.1:%d" % tls.server_address[1]
    for server in (plain, tls):
        server.shutdown()
        server.server_close()


def base_url(stand_in, case):
    plain, tls = stand_in
    if case == "tls":
        return plain.replace("http://", "https://") + "/tls"
    if case == "untrusted":
        return tls + "/untrusted"
    return "%s/%s" % (plain, case)


def read_tasks(stand_in):
    tasks = []
    for module, (_method, _path, options) in READ_MODULES.items():
        items = [dict(options, url=base_url(stand_in, case), case=case) for case in CASES]
        tasks.append({
            "name": module,
            "fleetops.upgrade.%s" % module: dict(
                {name: "{{ item.%s }}" % name for name in options}, url="{{ item.url }}",
                timeout="{{ 1 if item.case == 'slow' else 30 }}"),
            "loop": items, "loop_control": {"label": "{{ item.case }}"}, "ignore_errors": True,
        })
    return tasks


# upgrade modules with inputs that cannot work: (task name, module, options, exact message)
SECRET_URL = "http://fleet:hunter2-userinfo@127.0.0.1:{port}/refused?sig=hunter2-query"
REFUSED = [
    ("encedo_upgrade timeout 0", "encedo_upgrade", {"src": "{image}", "version": "1.3.0", "timeout": 0},
     "timeout must be more than 0, got 0"),
    ("encedo_upgrade wait_timeout 0", "encedo_upgrade", {"src": "{image}", "version": "1.3.0", "wait_timeout": 0},
     "wait_timeout must be more than 0, got 0"),
    ("encedo_upgrade missing ca_path", "encedo_upgrade", {"src": "{image}", "version": "1.3.0", "ca_path": "{missing}"},
     "ca_path {missing} does not exist"),
    ("npm_image wait_timeout -1", "npm_image",
     {"fetch_url": "http://mirror:hunter2-fetch@127.0.0.1:9/i.img?X-Amz-Signature=hunter2-sig", "version": "11.6.0",
      "username": "admin", "password": "secret-password", "wait_timeout": -1}, "wait_timeout must be more than 0, got -1"),
    ("npm_update wait_timeout 0", "npm_update", {"version": "11.6.0", "username": "admin", "password": "secret-password",
                                                 "wait_timeout": 0}, "wait_timeout must be more than 0, got 0"),
    ("mwcloud_upgrade poll_interval 0", "mwcloud_upgrade",
     {"username": "Admin", "password": "secret-password", "serial_numbers": ["A1"], "version": "1.6.201", "poll_interval": 0},
     "poll_interval must be more than 0, got 0.0"),
    ("mwcloud_upgrade missing client_cert", "mwcloud_upgrade",
     {"username": "Admin", "password": "secret-password", "serial_numbers": ["A1"], "version": "1.6.201", "client_cert": "{missing}",
      "wait_timeout": -5}, "wait_timeout must be more than 0, got -5; client_cert {missing} does not exist"),
    ("hawkbit_artifact timeout 0", "hawkbit_artifact",
     {"controller_id": "dev1", "target_token": "secret-token", "action_id": "1", "dest": "{dest}", "timeout": 0},
     "timeout must be more than 0, got 0"),
]


# arguments the argument spec refuses: both paths give AnsibleModule's message
ARGSPEC = [
    ("npm_update unknown option", "npm_update", {"version": "11.6.0", "token": "secret-token", "bogus": 1},
     "Unsupported parameters for (fleetops.upgrade.npm_update) module: bogus. Supported parameters include: "),
    ("mwcloud_upgrade missing option", "mwcloud_upgrade", {"username": "Admin", "password": "secret-password",
                                                           "version": "1.6.201"},
     "missing required arguments: serial_numbers"),
]


def refused_tasks(stand_in, tmp_path):
    port = stand_in[0].rsplit(":", 1)[1]
    image = tmp_path / "firmware.bin"
    image.write_bytes(b"\0" * 1024)
    values = {"image": str(image), "missing": str(tmp_path / "missing.pem"), "dest": str(tmp_path)}
    tasks = []
    for name, module, options, _message in REFUSED:
        args = {key: value.format(**values) if isinstance(value, str) else value for key, value in options.items()}
        args["url"] = SECRET_URL.format(port=port)
        tasks.append({"name": name, "fleetops.upgrade.%s" % module: args, "ignore_errors": True})
    for name, module, options, _message in ARGSPEC:
        tasks.append({"name": name, "fleetops.upgrade.%s" % module: dict(options, url="http://127.0.0.1:%s/refused" % port),
                      "ignore_errors": True})
    return tasks, values


@pytest.fixture(scope="module")
def hostile_run(stand_in, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("hostile")
    refused, values = refused_tasks(stand_in, tmp_path)
    play = [{"hosts": "all", "gather_facts": False, "tasks": read_tasks(stand_in) + refused}]
    record = tmp_path / "module-runs"
    inventory = {"all": {"hosts": {
        "inproc": {"ansible_connection": "local"},
        "module": {"ansible_connection": "local_as_remote", "ansible_python_interpreter": RECORDER},
    }}}
    started = time.monotonic()
    run = run_playbook(json.dumps(play, indent=1) + "\n", inventory, tmp_path=tmp_path,
                       env={"FLEETOPS_MODULE_RECORD": str(record), "FLEETOPS_PYTHON": sys.executable,
                            "ANSIBLE_VERBOSITY": "3"})
    run.seconds = time.monotonic() - started
    run.values = values
    run.module_runs = record.read_text().splitlines() if record.exists() else []
    return run


def same_on_both_paths(run, task):
    results = run.results(task)
    inproc, module = (dict(results[host]) for host in ("inproc", "module"))
    for result in (inproc, module):
        for item in result.get("results", [result]):
            for volatile in ("durations", "invocation", "_ansible_no_log", "ansible_loop_var", "_ansible_item_label",
                             "_ansible_ignore_errors", "item"):
                item.pop(volatile, None)
            item.pop("durations", None)
    assert inproc == module, task
    return inproc


@pytest.mark.parametrize("module", sorted(READ_MODULES))
def test_read_modules_give_one_clear_message_for_every_hostile_answer(hostile_run, stand_in, module):
    method, path, _options = READ_MODULES[module]
    result = same_on_both_paths(hostile_run, module)
    assert len(result["results"]) == len(CASES)
    for case, item in zip(CASES, result["results"]):
        assert item["failed"] is True, (module, case, item)
        assert "internal error" not in item["msg"], (module, case, item["msg"])
        assert "Traceback" not in json.dumps(item), (module, case, item)
        expected = transport_message(case, method, base_url(stand_in, case) + path)
        assert expected in item["msg"], (module, case, item["msg"])
    assert "hunter2" not in hostile_run.stdout + hostile_run.stderr
    assert "Traceback" not in hostile_run.stdout + hostile_run.stderr


@pytest.mark.parametrize("name, module, options, message", REFUSED, ids=[entry[0] for entry in REFUSED])
def test_unusable_inputs_are_refused_before_any_request(hostile_run, name, module, options, message):
    result = same_on_both_paths(hostile_run, name)
    assert result["failed"] is True
    assert result["msg"] == message.format(**hostile_run.values) + "; nothing was sent to the device"
    assert result["step"] == "prepare" and result["steps"] == []
    assert [entry for entry in StandIn.log if entry[0] == "refused"] == []


@pytest.mark.parametrize("name, module, options, message", ARGSPEC, ids=[entry[0] for entry in ARGSPEC])
def test_arguments_the_spec_refuses_give_the_same_message_on_both_paths(hostile_run, name, module, options, message):
    result = same_on_both_paths(hostile_run, name)
    assert result["failed"] is True
    assert result["msg"].startswith(message), result["msg"]


def test_secrets_in_urls_stay_out_of_invocation_messages_and_output(hostile_run, stand_in):
    output = hostile_run.stdout + hostile_run.stderr
    assert "hunter2" not in output
    port = stand_in[0].rsplit(":", 1)[1]
    for host in ("inproc", "module"):
        args = hostile_run.result("npm_image wait_timeout -1", host)["invocation"]["module_args"]
        assert args["fetch_url"] == "http://********@127.0.0.1:9/i.img?********", host
        assert args["url"] == "http://********@127.0.0.1:%s/refused?********" % port, host


def test_every_module_task_took_the_module_path_on_the_module_host(hostile_run):
    assert len(hostile_run.module_runs) == len(READ_MODULES) * len(CASES) + len(REFUSED) + len(ARGSPEC)
    assert hostile_run.seconds < 240, "the hostile corpus should stay quick (%.0fs)" % hostile_run.seconds
