"""The hawkBit DDI simulator follows the API guide: these tests pin the behaviour the modules rely on."""

import hashlib

import pytest
import requests

AUTH = {"Authorization": "TargetToken tok1"}


def poll(url, cid="dev1", headers=None, tenant="DEFAULT"):
    return requests.get("%s/%s/controller/v1/%s" % (url, tenant, cid), headers=AUTH if headers is None else headers, timeout=5)


def feedback(href, execution, finished="none", details=()):
    body = {"status": {"execution": execution, "result": {"finished": finished}, "details": list(details)}}
    return requests.post(href.split("?")[0] + "/feedback", json=body, headers=AUTH, timeout=5)


def test_unknown_token_is_401_with_empty_body(target):
    url = target[1]
    answer = poll(url, headers={"Authorization": "TargetToken wrong"})
    assert answer.status_code == 401 and answer.content == b""
    assert poll(url, headers={}).status_code == 401


def test_target_token_is_only_valid_for_its_own_target(target):
    simulator, url = target[:2]
    simulator.create_device("dev2", {"token": "tok2"})
    assert poll(url, "dev2").status_code == 401
    assert poll(url, "dev2", headers={"Authorization": "TargetToken tok2"}).status_code == 200


def test_gateway_token_acts_for_any_target_of_its_tenant_and_registers_new_ones(hawkbit):
    simulator, url = hawkbit
    simulator.tenants["DEFAULT"]["gateway_token"] = "gw"
    simulator.tenant("OTHER")["gateway_token"] = "gw2"
    answer = poll(url, "fresh", headers={"Authorization": "GatewayToken gw"})
    assert answer.status_code == 200 and "fresh" in simulator.devices
    assert "configData" in answer.json()["_links"]
    assert poll(url, "fresh", headers={"Authorization": "GatewayToken gw2"}, tenant="OTHER").status_code == 401


def test_etag_gives_304_until_something_changes(target):
    simulator, url, cid = target
    first = poll(url)
    etag = first.headers["ETag"]
    assert first.headers["Content-Type"] == "application/hal+json"
    assert poll(url, headers=dict(AUTH, **{"If-None-Match": etag})).status_code == 304
    simulator.create_deployment(cid, {})
    second = poll(url, headers=dict(AUTH, **{"If-None-Match": etag}))
    assert second.status_code == 200 and second.headers["ETag"] != etag
    assert simulator.devices[cid].polls == 3


def test_deployment_cycle_and_410_after_close(target):
    simulator, url, cid = target
    action = simulator.create_deployment(cid, {"chunks": [{"part": "os", "version": "2.0", "artifacts": [{"filename": "fw.bin", "content": "abc"}]}]})
    links = poll(url).json()["_links"]
    href = links["deploymentBase"]["href"]
    assert "?c=" in href
    deployment = requests.get(href, headers=AUTH, timeout=5).json()
    artifact = deployment["deployment"]["chunks"][0]["artifacts"][0]
    assert artifact["hashes"]["sha256"] == hashlib.sha256(b"abc").hexdigest()
    assert set(artifact["_links"]) == {"download", "download-http", "md5sum", "md5sum-http"}
    assert feedback(href, "proceeding").status_code == 200
    assert feedback(href, "closed", "success").status_code == 200
    assert simulator.devices[cid].actions[action.id].status == "FINISHED"
    assert feedback(href, "closed", "success").status_code == 410
    links = poll(url).json()["_links"]
    assert "deploymentBase" not in links and links["installedBase"]["href"].endswith("/installedBase/%d" % action.id)
    assert "configData" in links


def test_feedback_needs_execution_and_finished(target):
    simulator, url, cid = target
    simulator.create_deployment(cid, {})
    href = poll(url).json()["_links"]["deploymentBase"]["href"].split("?")[0]
    answer = requests.post(href + "/feedback", json={"status": {"execution": "closed"}}, headers=AUTH, timeout=5)
    assert answer.status_code == 400 and answer.json()["errorCode"]


def test_action_history_is_lifo_and_limited(target):
    simulator, url, cid = target
    simulator.create_deployment(cid, {})
    href = poll(url).json()["_links"]["deploymentBase"]["href"]
    requests.get(href, headers=AUTH, timeout=5)
    feedback(href, "proceeding", details=["one"])
    feedback(href, "proceeding", details=["two"])
    body = requests.get(href.split("?")[0] + "?actionHistory=2", headers=AUTH, timeout=5).json()
    assert body["actionHistory"] == {"status": "RUNNING", "messages": ["two", "one"]}
    assert "actionHistory" not in requests.get(href, headers=AUTH, timeout=5).json()


def test_quota_of_status_entries_and_messages(target):
    simulator, url, cid = target
    simulator.config.update(max_status_entries=4, max_messages_per_status=3)
    simulator.create_deployment(cid, {})
    href = poll(url).json()["_links"]["deploymentBase"]["href"]
    requests.get(href, headers=AUTH, timeout=5)  # the "retrieved" entry counts
    assert feedback(href, "proceeding", details=["x" * 1100, "y"]).status_code == 429  # 3 pieces + 1 > 3
    assert feedback(href, "proceeding", details=["x" * 1100]).status_code == 200
    assert feedback(href, "proceeding").status_code == 200
    assert feedback(href, "proceeding").status_code == 429


def test_dos_filter_answers_429_with_empty_body(target):
    simulator, url = target[:2]
    simulator.config.update(dos_reads_per_second=3)
    answers = [poll(url) for _attempt in range(10)]  # spans at most two one-second windows: at most 6 pass
    statuses = [a.status_code for a in answers]
    assert statuses.count(429) >= 4 and statuses[0] == 200
    assert all(a.content == b"" for a in answers if a.status_code == 429)


def test_injected_faults_with_retry_after(target):
    simulator, url = target[:2]
    simulator.faults.append({"path_contains": "/controller/", "method": "GET", "status": 429, "count": 2, "retry_after": 1})
    first = poll(url)
    assert first.status_code == 429 and first.headers["Retry-After"] == "1"
    assert poll(url).status_code == 429 and poll(url).status_code == 200


def test_cancel_accept_closes_and_reject_reopens(target):
    simulator, url, cid = target
    accepted = simulator.create_deployment(cid, {})
    simulator.cancel_action(cid, accepted.id)
    links = poll(url).json()["_links"]
    href = links["cancelAction"]["href"]
    assert "deploymentBase" not in links
    assert requests.get(href, headers=AUTH, timeout=5).json() == {"id": str(accepted.id), "cancelAction": {"stopId": str(accepted.id)}}
    base = href.replace("cancelAction", "deploymentBase")
    assert requests.get(base, headers=AUTH, timeout=5).status_code == 404
    assert feedback(href, "closed", "success").status_code == 200
    assert simulator.devices[cid].actions[accepted.id].status == "CANCELED"
    assert feedback(href, "closed", "success").status_code == 410
    rejected = simulator.create_deployment(cid, {})
    simulator.cancel_action(cid, rejected.id)
    href = poll(url).json()["_links"]["cancelAction"]["href"]
    assert feedback(href, "rejected").status_code == 200
    assert simulator.devices[cid].actions[rejected.id].status == "RUNNING"
    assert "deploymentBase" in poll(url).json()["_links"]
    assert feedback(href, "closed", "success").status_code == 405


def test_confirmation_flow_and_auto_confirm(target):
    simulator, url, cid = target
    action = simulator.create_deployment(cid, {"confirmation_required": True})
    links = poll(url).json()["_links"]
    href = links["confirmationBase"]["href"]
    assert "deploymentBase" not in links
    assert requests.get(href, headers=AUTH, timeout=5).json()["deployment"]["chunks"]
    base = "%s/DEFAULT/controller/v1/%s/confirmationBase" % (url, cid)
    info = requests.get(base, headers=AUTH, timeout=5).json()
    assert info["autoConfirm"] == {"active": False} and "activateAutoConfirm" in info["_links"]
    assert info["_links"]["confirmationBase"]["href"] == href

    def post(body):
        return requests.post(href.split("?")[0] + "/feedback", json=body, headers=AUTH, timeout=5)
    assert post({"confirmation": "maybe"}).status_code == 400
    assert post({"confirmation": "denied", "details": ["not now"]}).status_code == 200
    assert simulator.devices[cid].actions[action.id].status == "WAIT_FOR_CONFIRMATION"
    assert post({"confirmation": "confirmed"}).status_code == 200
    assert "deploymentBase" in poll(url).json()["_links"]
    assert post({"confirmation": "confirmed"}).status_code == 404
    second = simulator.create_deployment(cid, {"confirmation_required": True})
    assert requests.post(base + "/activateAutoConfirm", json={"initiator": "me"}, headers=AUTH, timeout=5).status_code == 200
    assert simulator.devices[cid].actions[second.id].status == "RUNNING"
    assert requests.post(base + "/activateAutoConfirm", json={}, headers=AUTH, timeout=5).status_code == 409
    info = requests.get(base, headers=AUTH, timeout=5).json()
    assert info["autoConfirm"]["active"] is True and "deactivateAutoConfirm" in info["_links"]
    assert requests.post(base + "/deactivateAutoConfirm", headers=AUTH, timeout=5).status_code == 200
    assert requests.get(base, headers=AUTH, timeout=5).json()["autoConfirm"] == {"active": False}


def test_maintenance_window_and_download_only(target):
    simulator, url, cid = target
    window = simulator.create_deployment(cid, {"maintenance_window": "unavailable"})
    href = poll(url).json()["_links"]["deploymentBase"]["href"]
    deployment = requests.get(href, headers=AUTH, timeout=5).json()["deployment"]
    assert (deployment["update"], deployment["maintenanceWindow"]) == ("skip", "unavailable")
    assert feedback(href, "downloaded").status_code == 200
    assert simulator.devices[cid].actions[window.id].closed is False
    window.maintenance_window = "available"
    new_href = poll(url).json()["_links"]["deploymentBase"]["href"]
    assert new_href != href  # c= changed
    assert requests.get(new_href, headers=AUTH, timeout=5).json()["deployment"]["update"] == "forced"
    feedback(new_href, "closed", "success")
    only = simulator.create_deployment(cid, {"download_only": True})
    href = poll(url).json()["_links"]["deploymentBase"]["href"]
    assert requests.get(href, headers=AUTH, timeout=5).json()["deployment"]["update"] == "skip"
    assert feedback(href, "downloaded").status_code == 200
    assert simulator.devices[cid].actions[only.id].closed and simulator.devices[cid].actions[only.id].status == "DOWNLOADED"


def artifact_links(url, simulator, cid, **artifact):
    artifact.setdefault("filename", "fw.bin")
    simulator.create_deployment(cid, {"chunks": [{"artifacts": [artifact]}]})
    href = poll(url).json()["_links"]["deploymentBase"]["href"]
    return requests.get(href, headers=AUTH, timeout=5).json()["deployment"]["chunks"][0]["artifacts"][0]


def test_download_range_416_md5sum_and_assignment(target):
    simulator, url, cid = target
    data = bytes(range(256)) * 40
    artifact = artifact_links(url, simulator, cid, content=data)
    href = artifact["_links"]["download"]["href"]
    full = requests.get(href, headers=AUTH, timeout=5)
    assert full.content == data and full.headers["ETag"] == hashlib.sha1(data).hexdigest()
    part = requests.get(href, headers=dict(AUTH, Range="bytes=100-"), timeout=5)
    assert part.status_code == 206 and part.content == data[100:]
    assert part.headers["Content-Range"] == "bytes 100-%d/%d" % (len(data) - 1, len(data))
    assert requests.get(href, headers=dict(AUTH, Range="bytes=-10"), timeout=5).content == data[-10:]
    bad = requests.get(href, headers=dict(AUTH, Range="bytes=%d-" % len(data)), timeout=5)
    assert bad.status_code == 416 and bad.headers["Content-Range"] == "bytes */%d" % len(data)
    md5 = requests.get(artifact["_links"]["md5sum"]["href"], headers=AUTH, timeout=5).text
    assert md5 == "%s  fw.bin" % hashlib.md5(data).hexdigest()
    simulator.create_device("dev2", {"token": "tok2"})
    assert requests.get(href.replace("/dev1/", "/dev2/"), headers={"Authorization": "TargetToken tok2"}, timeout=5).status_code == 404
    assert simulator.requests_for(cid)[-2]["status"] == 416


def test_download_cut_drops_the_connection_after_n_bytes(target, tmp_path):
    simulator, url, cid = target
    path = tmp_path / "big.bin"
    path.write_bytes(b"z" * 100000)
    artifact = artifact_links(url, simulator, cid, path=str(path), cut_after=40000)
    with pytest.raises(requests.exceptions.RequestException):
        requests.get(artifact["_links"]["download"]["href"], headers=AUTH, timeout=5).content  # noqa: B018
    again = requests.get(artifact["_links"]["download"]["href"], headers=dict(AUTH, Range="bytes=40000-"), timeout=5)
    assert again.status_code == 206 and len(again.content) == 60000
    assert [e.get("sent_bytes") for e in simulator.requests_for(cid) if "artifacts" in e["path"]] == [40000, 60000]


def test_plain_flavor_is_another_ddi_server(target):
    simulator, url, cid = target
    simulator.tenants["DEFAULT"]["flavor"] = "plain"
    artifact = artifact_links(url, simulator, cid, content=b"abc")
    answer = poll(url)
    assert answer.headers["Content-Type"] == "application/json"
    assert "?c=" not in answer.json()["_links"]["deploymentBase"]["href"]
    assert set(artifact["hashes"]) == {"sha1"} and set(artifact["_links"]) == {"download"}


def test_config_data_modes_and_limits(target):
    simulator, url, cid = target
    href = poll(url).json()["_links"]["configData"]["href"]

    def put(body):
        return requests.put(href, json=body, headers=AUTH, timeout=5)
    assert put({"mode": "merge", "data": {"a": "1", "b": "2"}}).status_code == 200
    assert "configData" not in poll(url).json()["_links"]
    put({"mode": "remove", "data": {"a": None}})
    assert simulator.devices[cid].attributes == {"b": "2"}
    put({"mode": "replace", "data": {"c": "3"}})
    assert simulator.devices[cid].attributes == {"c": "3"}
    assert put({"mode": "merge", "data": {"k" * 129: "v"}}).status_code == 400
    assert put({"mode": "sideways", "data": {}}).status_code == 400
    simulator.config["max_attributes"] = 2
    assert put({"mode": "merge", "data": {"x": "1", "y": "2"}}).status_code == 429


def test_control_interface_creates_and_cancels_deployments(target):
    url, cid = target[1:]
    created = requests.post("%s/_sim/devices/%s/deployments" % (url, cid), json={"maintenance_window": "unavailable"}, timeout=5).json()
    assert created["status"] == "RUNNING" and created["update"] == "skip"
    requests.patch("%s/_sim/devices/%s/actions/%s" % (url, cid, created["id"]), json={"maintenance_window": "available"}, timeout=5)
    canceled = requests.post("%s/_sim/devices/%s/actions/%s/cancel" % (url, cid, created["id"]), timeout=5).json()
    assert canceled["status"] == "CANCELING" and canceled["maintenance_window"] == "available"
    state = requests.get("%s/_sim/devices/%s" % (url, cid), timeout=5).json()
    assert state["actions"][str(created["id"])]["status"] == "CANCELING"
    log = requests.get("%s/_sim/log" % url, timeout=5).json()
    assert log == []  # control requests are not logged
