"""HawkbitClient against the simulator: links followed as given, errors typed, 409/429 backed off."""

import io

import pytest

from ansible_collections.fleetops.upgrade.plugins.module_utils._errors import AuthenticationError, DeviceApiError, FleetopsError
from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit import (
    HawkbitClient, action_id_from_href, describe_deployment, parse_sleep, strongest_hash)
from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_http import StdlibHttp


def client_for(url, sleeps=None, **kwargs):
    kwargs.setdefault("target_token", "tok1")
    record = sleeps.append if sleeps is not None else (lambda _s: None)
    http = StdlibHttp(url, retries=3, backoff=0.01, sleep=record)
    return HawkbitClient(http, kwargs.pop("tenant", "DEFAULT"), kwargs.pop("controller_id", "dev1"), backoff=0.01, sleep=record, **kwargs)


def test_parse_sleep_and_helpers():
    assert parse_sleep("01:02:03") == 3723
    assert parse_sleep("garbage", 7) == 7 and parse_sleep(None) == 300
    assert action_id_from_href("http://h/T/controller/v1/c/deploymentBase/42?c=-123") == "42"
    assert strongest_hash({"md5": "A", "sha1": "B"}) == ("sha1", "b")
    assert strongest_hash({"md5": "a"}) == ("md5", "a") and strongest_hash({}) == (None, None)


def test_needs_exactly_one_token(hawkbit):
    url = hawkbit[1]
    with pytest.raises(FleetopsError):
        HawkbitClient(StdlibHttp(url), "DEFAULT", "dev1")
    with pytest.raises(FleetopsError):
        HawkbitClient(StdlibHttp(url), "DEFAULT", "dev1", target_token="a", gateway_token="b")


def test_base_poll_etag_and_open_action(target):
    simulator, url, cid = target
    client = client_for(url)
    first = client.base_poll()
    assert first.open_action() == ("none", None, None) and first.sleep == 300 and first.href("configData")
    assert client.base_poll(first.etag).not_modified is True
    action = simulator.create_deployment(cid, {})
    second = client.base_poll(first.etag)
    kind, action_id, href = second.open_action()
    assert (kind, action_id) == ("deployment", str(action.id)) and "?c=" in href
    assert client.deployment_base(href)["id"] == str(action.id)
    assert client.deployment_base(href, action_history=5)["actionHistory"]["status"] == "RUNNING"


def test_wrong_token_is_an_authentication_error_without_the_secret(target):
    url = target[1]
    with pytest.raises(AuthenticationError) as caught:
        client_for(url, target_token="s3cr3t-value").base_poll()
    assert "s3cr3t-value" not in caught.value.msg and "TargetToken" in caught.value.msg


def test_feedback_then_gone(target):
    simulator, url, cid = target
    action = simulator.create_deployment(cid, {})
    client = client_for(url)
    closed = {"execution": "closed", "result": {"finished": "success"}}
    assert client.deployment_feedback(action.id, closed) == "sent"
    assert client.deployment_feedback(action.id, closed) == "gone"
    with pytest.raises(DeviceApiError) as caught:
        client.deployment_feedback(999, closed)
    assert caught.value.status == 404


def test_409_and_429_are_retried_with_backoff(target):
    simulator, url, cid = target
    action = simulator.create_deployment(cid, {})
    simulator.faults.append({"path_contains": "/feedback", "method": "POST", "status": 409, "count": 2})
    simulator.faults.append({"path_contains": "/controller/", "method": "GET", "status": 429, "count": 2, "retry_after": 0})
    sleeps = []
    client = client_for(url, sleeps)
    assert client.base_poll().open_action()[0] == "deployment"
    assert client.deployment_feedback(action.id, {"execution": "proceeding", "result": {"finished": "none"}}) == "sent"
    assert len(sleeps) == 4
    statuses = [e["status"] for e in simulator.requests_for(cid)]
    assert statuses == [429, 429, 200, 409, 409, 200]


def test_persistent_429_fails_clearly(target):
    simulator, url = target[:2]
    simulator.faults.append({"path_contains": "/controller/", "method": "GET", "status": 429, "count": 10})
    with pytest.raises(DeviceApiError) as caught:
        client_for(url).base_poll()
    assert caught.value.status == 429 and "quota" in caught.value.msg


def test_confirmation_endpoints(target):
    simulator, url, cid = target
    action = simulator.create_deployment(cid, {"confirmation_required": True})
    client = client_for(url)
    kind, action_id, href = client.base_poll().open_action()
    assert kind == "confirmation"
    assert client.confirmation_base_action(href)["confirmation"]["chunks"]  # a real server's shape (issue 20)
    info = client.confirmation_base()
    assert info["autoConfirm"]["active"] is False
    assert client.confirmation_feedback(action_id, "confirmed", code=1, details=["ok"]) == "sent"
    assert simulator.devices[cid].actions[action.id].status == "RUNNING"
    assert client.activate_auto_confirm(info["_links"]["activateAutoConfirm"]["href"], initiator="ansible") == "sent"
    assert client.activate_auto_confirm(initiator="ansible") == "already"
    client.deactivate_auto_confirm()
    assert client.confirmation_base()["autoConfirm"]["active"] is False


def test_cancel_and_installed_and_config(target):
    simulator, url, cid = target
    action = simulator.create_deployment(cid, {})
    client = client_for(url)
    simulator.cancel_action(cid, action.id)
    kind, action_id, href = client.base_poll().open_action()
    assert kind == "cancel" and client.cancel_action(href)["cancelAction"]["stopId"] == action_id
    assert client.cancel_feedback(action_id, {"execution": "closed", "result": {"finished": "success"}}) == "sent"
    done = simulator.create_deployment(cid, {})
    client.deployment_feedback(done.id, {"execution": "closed", "result": {"finished": "success"}})
    poll = client.base_poll()
    assert client.installed_base(poll.href("installedBase"))["id"] == str(done.id)
    client.put_config_data({"hw": "2"}, href=poll.href("configData"))
    assert simulator.devices[cid].attributes == {"hw": "2"}


def test_gateway_token_and_other_tenant(hawkbit):
    simulator, url = hawkbit
    simulator.tenant("ACME")["gateway_token"] = "gw"
    client = client_for(url, tenant="ACME", controller_id="box 7", target_token=None, gateway_token="gw")
    assert client.base_poll().href("configData")
    assert "box 7" in simulator.devices


def test_download_with_range_and_errors(target):
    simulator, url, cid = target
    data = b"0123456789" * 1000
    simulator.create_deployment(cid, {"chunks": [{"artifacts": [{"filename": "a.bin", "content": data}]}]})
    client = client_for(url)
    deployment = client.deployment_base(client.base_poll().open_action()[2])
    module = deployment["deployment"]["chunks"][0]
    href = module["artifacts"][0]["_links"]["download"]["href"]
    sink = io.BytesIO()
    assert client.download(href, sink, offset=5000) == (206, 5000)
    assert sink.getvalue() == data[5000:]
    assert client.download(href, io.BytesIO(), offset=len(data)) == (416, 0)
    whole = io.BytesIO()
    assert client.download(href, whole) == (200, len(data)) and whole.getvalue() == data
    with pytest.raises(DeviceApiError):
        client.download(href.replace("a.bin", "missing.bin"), io.BytesIO())
    module_id = href.split("/softwaremodules/")[1].split("/")[0]
    assert client.software_module_artifacts(module_id)[0]["filename"] == "a.bin"


def test_confirmation_resource_is_read_under_confirmation_and_under_deployment(target, monkeypatch):
    """Issue 20: a real hawkBit (1.0.4) serves confirmationBase/{id} as {"id", "confirmation": {...}}; the older shape
    with "deployment" is read too; anything else is still an error naming the endpoint."""
    simulator, url, cid = target
    simulator.create_deployment(cid, {"confirmation_required": True, "chunks": [
        {"part": "os", "name": "fw", "version": "2.0", "artifacts": [{"filename": "fw.bin", "content": "x"}]}]})
    client = client_for(url)
    href = client.base_poll().open_action()[2]
    described = describe_deployment(client.confirmation_base_action(href))
    assert (described["download"], described["update"], described["chunks"][0]["version"]) == ("forced", "forced", "2.0")
    original = simulator.deployment_body

    def old_shape(request, target, action, with_history=True, key="deployment"):
        return original(request, target, action, with_history, key="deployment")
    monkeypatch.setattr(simulator, "deployment_body", old_shape)
    assert describe_deployment(client.confirmation_base_action(href))["chunks"][0]["version"] == "2.0"
    monkeypatch.setattr(simulator, "deployment_body", lambda *args, **kwargs: {"id": "1", "unexpected": {}})
    with pytest.raises(DeviceApiError, match="expected an action resource with 'confirmation' or 'deployment'"):
        client.confirmation_base_action(href)


def test_a_server_that_refuses_the_connection_was_not_reached():
    """No connection made: reached False, so the fleet report counts the target unreachable (as _http.py does)."""
    import socket

    from ansible_collections.fleetops.upgrade.plugins.module_utils._errors import DeviceUnreachable
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    http = StdlibHttp("http://127.0.0.1:%d" % port, retries=1, backoff=0.01, sleep=lambda _s: None)
    with pytest.raises(DeviceUnreachable) as caught:
        http.request("GET", "/DEFAULT/controller/v1/dev1")
    assert "connection refused" in caught.value.msg and caught.value.details["reached"] is False
