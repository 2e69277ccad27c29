"""hawkBit defects of issue 9, each reproduced: downloads wait out 429/5xx and resume, the token stays
on the user's scheme and host, a TLS failure leaves nothing behind, ``downloaded`` may close an action,
a JSON object that is no DDI answer is an error."""

import hashlib
import http.server
import json
import os
import threading

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.fleetops.upgrade.plugins.module_utils._errors import DeviceApiError, FleetopsError
from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_artifact import ARTIFACT_SPEC, HawkbitArtifact
from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_feedback import FEEDBACK_SPEC, HawkbitFeedback
from ansible_collections.fleetops.upgrade.plugins.module_utils._http import MAX_RETRY_AFTER
from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_poll import POLL_SPEC, HawkbitPoll
from ansible_collections.fleetops.upgrade.plugins.module_utils._task import execute
from tests.conftest import make_self_signed
from tests.simulators._base import start
from tests.simulators.hawkbit import HawkbitHandler, HawkbitSimulator

DATA = bytes(range(256)) * 2000  # 512 000 bytes


def options_for(spec, url, **options):
    spec = dict(spec)
    options.setdefault("url", url)
    options.setdefault("controller_id", "dev1")
    options.setdefault("target_token", "tok1")
    options.setdefault("backoff", 0.01)
    validated = ArgumentSpecValidator(spec.pop("argument_spec"), **spec).validate(options)
    assert not validated.error_messages, validated.error_messages
    return validated.validated_parameters


def run(task, params, check_mode=False, sleep=None):
    instance = task(params, check_mode=check_mode, sleep=sleep) if sleep else task(params, check_mode=check_mode)
    try:
        return instance.run()
    finally:
        instance.close()


def deploy(simulator, **config):
    config.setdefault("chunks", [{"part": "os", "version": "2.0", "artifacts": [{"filename": "fw.bin", "content": DATA}]}])
    return str(simulator.create_deployment("dev1", config).id)


def downloads(simulator):
    return [e for e in simulator.requests_for() if "/artifacts/" in e["path"]]


# ----------------------------------------------------------------- 429 / 5xx on downloads
@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_download_waits_out_a_busy_server_with_retry_after(target, tmp_path, status):
    simulator, url = target[:2]
    action = deploy(simulator)
    simulator.faults.append({"path_contains": "/artifacts/fw.bin", "status": status, "count": 2, "retry_after": 2})
    pauses = []
    result = run(HawkbitArtifact, options_for(ARTIFACT_SPEC, url, action_id=action, dest=str(tmp_path)), sleep=pauses.append)
    assert (tmp_path / "os" / "fw.bin").read_bytes() == DATA and result["changed"]
    assert len(pauses) == 2 and all(2.0 <= pause <= 2.01 for pause in pauses)  # Retry-After plus up to one backoff of jitter
    assert [e["status"] for e in downloads(simulator)] == [status, status, 200]


def test_retry_after_is_bounded(target, tmp_path):
    simulator, url = target[:2]
    action = deploy(simulator)
    simulator.faults.append({"path_contains": "/artifacts/fw.bin", "status": 429, "count": 1, "retry_after": 86400})
    pauses = []
    run(HawkbitArtifact, options_for(ARTIFACT_SPEC, url, action_id=action, dest=str(tmp_path)), sleep=pauses.append)
    assert len(pauses) == 1 and MAX_RETRY_AFTER <= pauses[0] <= MAX_RETRY_AFTER + 0.01


def test_cut_then_busy_resumes_with_range_and_goes_on(target, tmp_path):
    simulator, url = target[:2]
    action = deploy(simulator, chunks=[{"part": "os", "version": "2.0",
                                        "artifacts": [{"filename": "fw.bin", "content": DATA, "cut_after": 100000}]}])
    simulator.faults.append({"path_contains": "/artifacts/fw.bin", "status": 503, "count": 1, "retry_after": 1})
    # first request: the 503; second: 200 cut after 100000 bytes; third: the resume
    result = run(HawkbitArtifact, options_for(ARTIFACT_SPEC, url, action_id=action, dest=str(tmp_path)), sleep=lambda s: None)
    assert (tmp_path / "os" / "fw.bin").read_bytes() == DATA
    assert result["artifacts"][0]["resumed_from"] == 100000
    assert [(e["status"], e.get("range")) for e in downloads(simulator)] == [(503, None), (200, None), (206, "bytes=100000-")]


def test_busy_to_the_end_fails_without_closing_anything(target, tmp_path):
    simulator, url = target[:2]
    action = deploy(simulator)
    simulator.faults.append({"path_contains": "/artifacts/fw.bin", "status": 429, "count": 50})
    params = options_for(ARTIFACT_SPEC, url, action_id=action, dest=str(tmp_path), retries=2)
    with pytest.raises(DeviceApiError, match="429"):
        run(HawkbitArtifact, params, sleep=lambda s: None)
    assert simulator.requests_for(methods=("POST", "PUT")) == []
    assert not any(name.endswith(".part") for name in os.listdir(tmp_path / "os"))


# ----------------------------------------------------------------- where the token may go
class Recorder(http.server.BaseHTTPRequestHandler):
    seen = []

    def do_GET(self):  # noqa: N802 - http.server's naming
        type(self).seen.append((self.path, self.headers.get("Authorization")))
        self.send_response(200)
        self.send_header("Content-Length", str(len(DATA)))
        self.end_headers()
        self.wfile.write(DATA)

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    Recorder.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_address[1], Recorder.seen
    server.shutdown()
    server.server_close()


def chunks_linking_to(href):
    return [{"part": "os", "version": "2", "artifacts": [{"filename": "fw.bin", "size": len(DATA), "download_url": href,
                                                         "hashes": {"sha256": hashlib.sha256(DATA).hexdigest()}}]}]


def test_token_never_goes_over_plain_http_from_an_https_server(recorder, tmp_path):
    plain, seen = recorder
    params = options_for(ARTIFACT_SPEC, "https://127.0.0.1:1", chunks=chunks_linking_to(plain + "/fw.bin"), dest=str(tmp_path),
                         token_to_other_hosts=True)
    with pytest.raises(FleetopsError, match=r"plain http://.*TargetToken in clear text.*token_over_http"):
        run(HawkbitArtifact, params)
    assert seen == [] and list(tmp_path.iterdir()) == []


def test_token_never_goes_to_another_host(recorder, tmp_path):
    plain, seen = recorder
    params = options_for(ARTIFACT_SPEC, "http://hawkbit.invalid", chunks=chunks_linking_to(plain + "/fw.bin"), dest=str(tmp_path))
    with pytest.raises(FleetopsError, match=r"points to host 127.0.0.1, not to the server hawkbit.invalid.*token_to_other_hosts"):
        run(HawkbitArtifact, params)
    assert seen == []


def test_the_options_allow_it_when_asked(recorder, tmp_path):
    plain, seen = recorder
    params = options_for(ARTIFACT_SPEC, "https://hawkbit.invalid", chunks=chunks_linking_to(plain + "/fw.bin"), dest=str(tmp_path),
                         token_over_http=True, token_to_other_hosts=True)
    assert run(HawkbitArtifact, params)["changed"]
    assert seen == [("/fw.bin", "TargetToken tok1")]


def test_ddi_links_are_checked_before_any_request():
    from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit import HawkbitClient
    client = HawkbitClient.from_params(options_for(POLL_SPEC, "https://hawkbit.invalid"))
    with pytest.raises(FleetopsError, match="plain http://"):
        client.deployment_base("http://hawkbit.invalid/DEFAULT/controller/v1/dev1/deploymentBase/1")
    with pytest.raises(FleetopsError, match="points to host elsewhere.invalid"):
        client.deployment_base("https://elsewhere.invalid/DEFAULT/controller/v1/dev1/deploymentBase/1")


# ----------------------------------------------------------------- TLS failure
@pytest.fixture(scope="module")
def self_issued(tmp_path_factory):
    return make_self_signed(tmp_path_factory.mktemp("tls"))


def test_tls_failure_is_clear_not_retried_and_leaves_no_part(self_issued, tmp_path):
    simulator = HawkbitSimulator()
    simulator.config.update(dos_reads_per_second=None, dos_writes_per_second=None)
    simulator.create_device("dev1", {"token": "tok1"})
    server = start(simulator, handler=HawkbitHandler, tls=self_issued)
    try:
        deploy(simulator)
        polled = run(HawkbitPoll, options_for(POLL_SPEC, server.url, ca_path=self_issued[0]))
        chunks = polled["deployment"]["chunks"]
        assert chunks[0]["artifacts"][0]["download_url"].startswith("https://")
        simulator.clear_log()
        params = options_for(ARTIFACT_SPEC, server.url, chunks=chunks, dest=str(tmp_path), resume_attempts=3)
        result = execute(HawkbitArtifact, params, module="fleetops.upgrade.hawkbit_artifact")
        assert result["failed"] and "TLS failed: certificate verify failed" in result["msg"]
        assert "(set ca_path to the CA" in result["msg"] and "exception" not in result
        assert result["step"] == "download"
        assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
        ok = run(HawkbitArtifact, options_for(ARTIFACT_SPEC, server.url, chunks=chunks, dest=str(tmp_path), ca_path=self_issued[0]))
        assert (tmp_path / "os" / "fw.bin").read_bytes() == DATA and ok["changed"]
    finally:
        server.stop()


# ----------------------------------------------------------------- downloaded closes a download-only action
def test_downloaded_on_a_download_only_action_says_it_closed_it(target):
    simulator, url = target[:2]
    only = deploy(simulator, download_only=True)
    options = dict(action_id=only, execution="downloaded")
    predicted = run(HawkbitFeedback, options_for(FEEDBACK_SPEC, url, **options), check_mode=True)
    assert predicted["changed"] and predicted["action_closed"] is True
    result = run(HawkbitFeedback, options_for(FEEDBACK_SPEC, url, **options))
    assert result["action_closed"] is True and result["device_state"] == "deployment action %s closed" % only
    assert simulator.devices["dev1"].actions[int(only)].closed


def test_downloaded_while_the_window_is_closed_leaves_the_action_open(target):
    simulator, url = target[:2]
    action = deploy(simulator, maintenance_window="unavailable")
    options = dict(action_id=action, execution="downloaded")
    assert run(HawkbitFeedback, options_for(FEEDBACK_SPEC, url, **options), check_mode=True)["action_closed"] is False
    result = run(HawkbitFeedback, options_for(FEEDBACK_SPEC, url, **options))
    assert result["action_closed"] is False and result["device_state"] == "deployment action %s open" % action


# ----------------------------------------------------------------- JSON that is no DDI answer
class Unexpected(http.server.BaseHTTPRequestHandler):
    body = b'{"unexpected": true}'

    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("body, expected", [
    (b'{"unexpected": true}', r"expected a base poll answer with 'config' or '_links'"),
    (b"[1, 2, 3]", "the device answered JSON a list where an object was expected"),
    (b"null", "the device answered JSON null where an object was expected"),
])
def test_a_json_object_that_is_no_ddi_answer_is_an_error_naming_the_endpoint(body, expected):
    Unexpected.body = body
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Unexpected)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = "http://127.0.0.1:%d" % server.server_address[1]
        result = execute(HawkbitPoll, options_for(POLL_SPEC, url), module="fleetops.upgrade.hawkbit_poll")
    finally:
        server.shutdown()
        server.server_close()
    assert result["failed"] and "no open action" not in result["msg"]
    assert "(GET %s/DEFAULT/controller/v1/dev1 -> HTTP 200)" % url in result["msg"]
    import re
    assert re.search(expected, result["msg"]), result["msg"]
    assert json.dumps(result)  # a plain result, no exception object
