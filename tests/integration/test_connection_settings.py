"""Connection settings end to end: proxies from the task environment on both paths, and the mwcloud inventory
plugin built on the same settings (secrets in its URL stay out of host variables, unusable options are refused)."""

import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import ROOT, ansible_env, run_playbook
from tests.integration.mwcloud_support import MwCloudProcess
from tests.integration.test_mwcloud_inventory import listing, run

RECORDER = os.path.join(ROOT, "tests", "support", "python-recorder")
BIN = os.path.dirname(sys.executable)


class ListAnsweringProxy(BaseHTTPRequestHandler):
    """Answers every request with a JSON list and records the request target (absolute when used as a proxy)."""

    seen = []

    def do_GET(self):
        ListAnsweringProxy.seen.append(self.path)
        body = b"[1]"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture()
def proxy():
    ListAnsweringProxy.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), ListAnsweringProxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()


def test_the_task_environment_proxy_is_used_on_both_paths(proxy, tmp_path):
    play = [{"hosts": "all", "gather_facts": False, "tasks": [
        {"name": "through the proxy", "fleetops.upgrade.encedo_info": {"url": "http://hem-{{ inventory_hostname }}.invalid"},
         "environment": {"HTTP_PROXY": proxy}, "ignore_errors": True},
        {"name": "no_proxy", "fleetops.upgrade.encedo_info": {"url": proxy + "/{{ inventory_hostname }}"},
         "environment": {"http_proxy": "http://127.0.0.1:9", "no_proxy": "127.0.0.1"}, "ignore_errors": True},
    ]}]
    inventory = {"all": {"hosts": {
        "inproc": {"ansible_connection": "local"},
        "module": {"ansible_connection": "local_as_remote", "ansible_python_interpreter": RECORDER},
    }}}
    record = tmp_path / "module-runs"
    result = run_playbook(json.dumps(play) + "\n", inventory, tmp_path=tmp_path,
                          env={"FLEETOPS_MODULE_RECORD": str(record), "FLEETOPS_PYTHON": sys.executable})
    for host in ("inproc", "module"):
        assert result.result("through the proxy", host)["msg"].startswith(
            "the device answered JSON a list where an object was expected (GET http://hem-%s.invalid/api/system/version "
            "-> HTTP 200)" % host), host
        assert result.result("no_proxy", host)["msg"].startswith(
            "the device answered JSON a list where an object was expected (GET %s/%s/api/system/version -> HTTP 200)"
            % (proxy, host)), host
    assert sorted(ListAnsweringProxy.seen) == sorted([
        "http://hem-inproc.invalid/api/system/version", "http://hem-module.invalid/api/system/version",
        "/inproc/api/system/version", "/module/api/system/version"])
    assert len(record.read_text().splitlines()) == 2


@pytest.fixture(scope="module")
def cloud():
    process = MwCloudProcess()
    yield process
    process.stop()


def inventory_source(tmp_path, text):
    source = tmp_path / "cloud.mwcloud.yml"
    source.write_text("plugin: fleetops.upgrade.mwcloud\nusername: viewer\n" + text)
    return [os.path.join(BIN, "ansible-inventory"), "-i", str(source), "--list"]


def test_inventory_keeps_url_user_info_out_of_host_variables(cloud, tmp_path):
    url = cloud.url.replace("http://", "http://fleet:hunter2-userinfo@")
    data = listing(run(inventory_source(tmp_path, "url: %s\n" % url), tmp_path,
                       env=ansible_env(MWCLOUD_PASSWORD="viewer-pw")))
    urls = {host_vars["mwcloud_url"] for host_vars in data["_meta"]["hostvars"].values()}
    assert urls == {cloud.url}
    assert "hunter2" not in json.dumps(data)


@pytest.mark.parametrize("options, message", [
    ("timeout: 0\n", "timeout must be more than 0, got 0; nothing was sent to the device"),
    ("ca_path: /nonexistent/ca.pem\n", "ca_path /nonexistent/ca.pem does not exist; nothing was sent to the device"),
])
def test_inventory_refuses_unusable_connection_options_before_any_request(cloud, tmp_path, options, message):
    before = len(cloud.log())
    proc = run(inventory_source(tmp_path, "url: %s\n%s" % (cloud.url, options)), tmp_path,
               env=ansible_env(MWCLOUD_PASSWORD="viewer-pw", ANSIBLE_INVENTORY_UNPARSED_FAILED="true"))
    assert proc.returncode != 0
    assert "Magewell Cloud inventory: %s" % message in " ".join(proc.stderr.split())
    assert len(cloud.log()) == before
