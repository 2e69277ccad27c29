"""The one error boundary: execute() and the TaskRun shape."""

import pytest

from ansible_collections.fleetops.upgrade.plugins.module_utils._connection import proxy_environment
from ansible_collections.fleetops.upgrade.plugins.module_utils._errors import DeviceApiError, FleetopsError, TaskError
from ansible_collections.fleetops.upgrade.plugins.module_utils._task import TaskRun, execute


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class Scripted(TaskRun):
    """Runs ``params["script"]``: a list of (step, action) where action is a callable(run) or a value to return."""

    instances = []

    def __init__(self, params, check_mode=False, diff=False):
        super().__init__(params, check_mode=check_mode, diff=diff, clock=FakeClock())
        self.closed = False
        Scripted.instances.append(self)

    def run(self):
        result = {"changed": False}
        for name, action in self.params.get("script", []):
            with self.step(name, done=name + " done"):
                self.clock.now += 1.5
                result = action(self)
        return result

    def close(self):
        self.closed = True


@pytest.fixture(autouse=True)
def fresh():
    Scripted.instances.clear()


def fail_with(exc):
    def action(_run):
        raise exc
    return action


def test_a_successful_run_returns_its_result_and_closes():
    result = execute(Scripted, {"script": [("read", lambda run: {"changed": True, "version": "1.2"})]})
    assert result == {"changed": True, "version": "1.2"}
    assert Scripted.instances[0].closed
    assert Scripted.instances[0].durations == {"read": 1.5}
    assert Scripted.instances[0].steps == ["read done"]


def test_fleetops_error_becomes_a_failed_result_with_steps_and_details():
    def set_state_then_fail(run):
        run.device_state = "image uploaded, not installed"
        raise TaskError("the device rejected the firmware image (HTTP 406)", bytes_sent=42)

    result = execute(Scripted, {"script": [("read", lambda run: {}), ("upload", set_state_then_fail)]})
    assert result == {
        "failed": True,
        "msg": "the device rejected the firmware image (HTTP 406); device state: image uploaded, not installed",
        "step": "upload", "steps": ["read done"], "durations": {"read": 1.5, "upload": 1.5},
        "device_state": "image uploaded, not installed", "bytes_sent": 42,
    }
    assert Scripted.instances[0].closed


def test_device_state_from_the_error_wins_and_is_not_repeated():
    error = FleetopsError("gave up; device state: rebooting", device_state="rebooting")
    result = execute(Scripted, {"script": [("wait", fail_with(error))]})
    assert result["msg"] == "gave up; device state: rebooting"
    assert result["device_state"] == "rebooting"


def test_any_other_exception_is_an_internal_error_naming_the_step_with_the_traceback_apart():
    boom = AttributeError("'list' object has no attribute 'get' at https://admin:s3cret@dev.example/x?sig=abc")
    result = execute(Scripted, {"script": [("read", lambda run: {}), ("verify", fail_with(boom))]},
                     module="fleetops.upgrade.encedo_info")
    assert result["failed"] is True
    assert result["msg"] == (
        "internal error in fleetops.upgrade.encedo_info during step 'verify': AttributeError: 'list' object has no "
        "attribute 'get' at https://dev.example/x. This is a bug in fleetops.upgrade; the traceback is in "
        "the result under 'exception'")
    assert result["step"] == "verify" and result["steps"] == ["read done"]
    assert "Traceback (most recent call last)" in result["exception"]
    assert "s3cret" not in result["exception"] and "sig=abc" not in result["exception"]
    assert Scripted.instances[0].closed


def test_an_error_in_the_constructor_is_an_internal_error_in_prepare():
    class Broken(TaskRun):
        def __init__(self, params, check_mode=False, diff=False):
            raise KeyError("url")

    result = execute(Broken, {}, module="fleetops.upgrade.x")
    assert result["msg"].startswith("internal error in fleetops.upgrade.x during step 'prepare': KeyError: 'url'.")
    assert result["step"] == "prepare" and result["steps"] == [] and result["durations"] == {}


def test_plain_task_functions_still_go_through_the_boundary():
    def task(params, check_mode=False, diff=False):
        raise DeviceApiError("the device answered JSON a list where an object was expected", "GET", "http://d/x", 200)

    result = execute(task, {})
    assert result["failed"] is True
    assert result["msg"] == ("the device answered JSON a list where an object was expected (GET http://d/x -> HTTP 200)")


@pytest.mark.parametrize("params, message", [
    ({"timeout": 0}, "timeout must be more than 0, got 0"),
    ({"wait_timeout": -1}, "wait_timeout must be more than 0, got -1"),
    ({"poll_interval": 0.0}, "poll_interval must be more than 0, got 0.0"),
    ({"timeout": 0, "wait_timeout": 0}, "timeout must be more than 0, got 0; wait_timeout must be more than 0, got 0"),
    ({"ca_path": "/nonexistent/ca.pem"}, "ca_path /nonexistent/ca.pem does not exist"),
    ({"client_cert": "/nonexistent/c.pem"}, "client_cert /nonexistent/c.pem does not exist"),
    ({"retries": -1}, "retries must be 0 or more, got -1"),
])
def test_unusable_inputs_are_refused_before_the_task_starts(params, message):
    result = execute(Scripted, dict(params, script=[("upload", fail_with(AssertionError("must not run")))]))
    assert result == {"failed": True, "msg": message + "; nothing was sent to the device",
                      "step": "prepare", "steps": [], "durations": {}}
    assert Scripted.instances == []


def test_a_client_key_that_is_not_a_file_is_refused(tmp_path):
    cert = tmp_path / "c.pem"
    cert.write_text("x")
    result = execute(Scripted, {"client_cert": str(cert), "client_key": str(tmp_path)})
    assert result["msg"] == "client_key %s is not a readable file; nothing was sent to the device" % tmp_path


def test_the_task_environment_overlays_the_process_environment_for_proxies(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://process-proxy:3128")
    monkeypatch.delenv("https_proxy", raising=False)
    seen = {}

    def look(run):
        seen.update(proxy_environment())
        return {}

    execute(Scripted, {"script": [("read", look)]}, environment={"https_proxy": "http://task-proxy:8080", "NO_PROXY": "dev"})
    assert seen["HTTPS_PROXY"] == "http://process-proxy:3128"
    assert seen["https_proxy"] == "http://task-proxy:8080" and seen["NO_PROXY"] == "dev"
    assert "https_proxy" not in proxy_environment()
