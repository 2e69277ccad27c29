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
    assert requests.get(href, headers=AUTH, timeout=5).json()["confirmation"]["chunks"]
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
    assert full.content == data and full.headers["ETag"] == '"%s"' % hashlib.sha1(data).hexdigest()
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


# ---------------------------------------------------------------------------------------------------------------
# What a real Eclipse hawkBit 1.0.4 server does: one test per point of that section of
# shared/reference/hawkbit-ddi.md (lines 96-116), each citing the line it follows.

def deployment_href(url, simulator, cid, **config):
    action = simulator.create_deployment(cid, config)
    return action, poll(url).json()["_links"]["deploymentBase"]["href"]


def test_reads_leave_retrieved_and_download_entries(target):
    """hawkbit-ddi.md:97-98: "The first GET deploymentBase/{id} adds a retrieved entry (and again when another entry
    came in between); a full artifact GET adds a download entry; a Range GET adds none." """
    simulator, url, cid = target
    action, href = deployment_href(url, simulator, cid, chunks=[{"artifacts": [{"filename": "fw.bin", "content": "abcdef"}]}])
    assert action.history == ["running"]
    body = requests.get(href, headers=AUTH, timeout=5).json()
    assert action.history == ["running", "retrieved"]
    requests.get(href, headers=AUTH, timeout=5)
    assert action.history == ["running", "retrieved"]  # nothing came in between: no second entry
    download = body["deployment"]["chunks"][0]["artifacts"][0]["_links"]["download"]["href"]
    assert requests.get(download, headers=dict(AUTH, Range="bytes=2-"), timeout=5).status_code == 206
    assert action.history == ["running", "retrieved"]  # a Range GET adds none
    assert requests.get(download, headers=AUTH, timeout=5).content == b"abcdef"
    assert action.history == ["running", "retrieved", "download"]
    requests.get(href, headers=AUTH, timeout=5)
    assert action.history == ["running", "retrieved", "download", "retrieved"]  # another entry came in between


def test_feedback_on_inactive_actions_is_410_and_confirmation_feedback_404_once_not_waiting(target):
    """hawkbit-ddi.md:100-101: "410 for deployment feedback on an inactive action (after closed, error, or a
    download-only downloaded) and for confirmation feedback on a closed action; 404 for confirmation feedback on an
    action no longer waiting." """
    simulator, url, cid = target
    for closing in (("closed", "success"), ("closed", "failure")):
        _action, href = deployment_href(url, simulator, cid)
        assert feedback(href, *closing).status_code == 200
        assert feedback(href, "proceeding").status_code == 410
    _action, href = deployment_href(url, simulator, cid, type="downloadonly")
    assert feedback(href, "downloaded").status_code == 200
    assert feedback(href, "proceeding").status_code == 410

    def confirm(action, answer="confirmed"):
        return requests.post("%s/DEFAULT/controller/v1/%s/confirmationBase/%d/feedback" % (url, cid, action.id),
                             json={"confirmation": answer}, headers=AUTH, timeout=5)
    waiting = simulator.create_deployment(cid, {"confirmation_required": True})
    assert confirm(waiting).status_code == 200
    assert confirm(waiting).status_code == 404 and confirm(waiting, "denied").status_code == 404  # running, no longer waiting
    href = poll(url).json()["_links"]["deploymentBase"]["href"]
    assert feedback(href, "closed", "success").status_code == 200
    assert confirm(waiting).status_code == 410  # closed


def test_401_has_an_empty_body_for_no_token_a_wrong_token_and_an_unknown_target(target):
    """hawkbit-ddi.md:102: "401 with an empty body for no token, a wrong token, and an unknown target alike." """
    url = target[1]
    answers = [poll(url, headers={}), poll(url, headers={"Authorization": "TargetToken wrong"}),
               poll(url, "nobody", headers={"Authorization": "TargetToken tok1"})]
    assert [(a.status_code, a.content) for a in answers] == [(401, b"")] * 3


def test_closed_failure_is_error_and_inactive_rejected_is_a_warning(target):
    """hawkbit-ddi.md:103: "closed + failure -> action error, inactive. rejected -> a warning entry, action stays
    running." """
    simulator, url, cid = target
    action, href = deployment_href(url, simulator, cid)
    assert feedback(href, "rejected", details=["not now"]).status_code == 200
    assert action.history[-1] == "warning" and (action.status, action.closed) == ("RUNNING", False)
    assert "deploymentBase" in poll(url).json()["_links"]
    assert feedback(href, "closed", "failure").status_code == 200
    assert action.history[-1] == "error" and (action.status, action.closed) == ("ERROR", True)
    links = poll(url).json()["_links"]
    assert "deploymentBase" not in links and "installedBase" not in links


def test_downloaded_closes_only_a_download_only_action(target):
    """hawkbit-ddi.md:104-105: "downloaded closes a download-only action (mgmt status downloaded, inactive); on any
    other action (e.g. a closed maintenance window) it leaves the action active and deploymentBase offered." """
    simulator, url, cid = target
    for config in ({"maintenance_window": "unavailable"}, {"type": "soft"}, {"type": "forced"}):
        action, href = deployment_href(url, simulator, cid, **config)
        assert feedback(href, "downloaded").status_code == 200
        assert (action.status, action.closed) == ("RUNNING", False), config
        assert poll(url).json()["_links"]["deploymentBase"]["href"].split("?")[0] == href.split("?")[0]
        assert feedback(href, "closed", "success").status_code == 200
    only, href = deployment_href(url, simulator, cid, type="downloadonly")
    assert feedback(href, "downloaded").status_code == 200
    assert (only.status, only.closed) == ("DOWNLOADED", True)
    assert "deploymentBase" not in poll(url).json()["_links"]


def test_download_only_close_links_config_data_but_no_installed_base(target):
    """hawkbit-ddi.md:106-107: "After a download-only action closes, the poll links configData but no installedBase,
    although installedBase/{id} still answers 200." (and hawkbit-ddi.md:78-79: configData again after every finished
    action and after a download-only action closed as downloaded)"""
    simulator, url, cid = target
    simulator.devices[cid].request_config = False
    only, href = deployment_href(url, simulator, cid, type="downloadonly")
    assert "configData" not in poll(url).json()["_links"]
    feedback(href, "downloaded")
    links = poll(url).json()["_links"]
    assert "configData" in links and "installedBase" not in links
    installed = requests.get("%s/DEFAULT/controller/v1/%s/installedBase/%d" % (url, cid, only.id), headers=AUTH, timeout=5)
    assert installed.status_code == 200 and installed.json()["deployment"]["update"] == "skip"
    requests.put(links["configData"]["href"], json={"data": {"a": "1"}}, headers=AUTH, timeout=5)
    finished, href = deployment_href(url, simulator, cid)
    feedback(href, "closed", "success")
    links = poll(url).json()["_links"]
    assert "configData" in links and links["installedBase"]["href"].endswith("/installedBase/%d" % finished.id)


@pytest.mark.parametrize("config, expected", [
    ({"type": "forced"}, ("forced", "forced", None)),
    ({"type": "soft"}, ("attempt", "attempt", None)),
    ({"type": "timeforced", "forced_time": 4102444800}, ("attempt", "attempt", None)),  # before its time (2100)
    ({"type": "timeforced", "forced_time": 0}, ("forced", "forced", None)),  # after it
    ({"type": "downloadonly"}, ("forced", "skip", None)),
    ({"type": "forced", "maintenance_window": "unavailable"}, ("forced", "skip", "unavailable")),
    ({"type": "forced", "maintenance_window": "available"}, ("forced", "forced", "available")),
])
def test_download_and_update_per_assignment_type(target, config, expected):
    """hawkbit-ddi.md:108-110: "download/update per assignment type: forced -> forced/forced; soft -> attempt/attempt;
    timeforced before its time -> attempt/attempt; downloadonly -> forced/skip; closed window -> update skip +
    maintenanceWindow: unavailable; open window -> forced + available; no maintenanceWindow key without a window." """
    simulator, url, cid = target
    _action, href = deployment_href(url, simulator, cid, **config)
    deployment = requests.get(href, headers=AUTH, timeout=5).json()["deployment"]
    assert (deployment["download"], deployment["update"], deployment.get("maintenanceWindow", None)) == expected
    assert ("maintenanceWindow" in deployment) == ("maintenance_window" in config)


def test_etags_on_poll_deployment_and_downloads_and_if_range(target):
    """hawkbit-ddi.md:111-112: "ETag on the base poll and deploymentBase (If-None-Match -> 304); downloads carry
    ETag: "<sha1>" and Accept-Ranges: bytes; If-Range with another ETag gets the whole file (200)." """
    simulator, url, cid = target
    data = b"0123456789"
    _action, href = deployment_href(url, simulator, cid, chunks=[{"artifacts": [{"filename": "fw.bin", "content": data}]}])
    first = requests.get(href, headers=AUTH, timeout=5)
    assert requests.get(href, headers=dict(AUTH, **{"If-None-Match": first.headers["ETag"]}), timeout=5).status_code == 304
    download = first.json()["deployment"]["chunks"][0]["artifacts"][0]["_links"]["download"]["href"]
    full = requests.get(download, headers=AUTH, timeout=5)
    assert full.headers["ETag"] == '"%s"' % hashlib.sha1(data).hexdigest() and full.headers["Accept-Ranges"] == "bytes"
    same = requests.get(download, headers=dict(AUTH, Range="bytes=4-", **{"If-Range": full.headers["ETag"]}), timeout=5)
    assert (same.status_code, same.content) == (206, data[4:])
    other = requests.get(download, headers=dict(AUTH, Range="bytes=4-", **{"If-Range": '"0000"'}), timeout=5)
    assert (other.status_code, other.content) == (200, data)


def test_hal_json_by_default_json_on_request_and_links_from_the_request(target):
    """hawkbit-ddi.md:113-114: "Default content type application/hal+json; application/json on request. Download
    links use the request's scheme, host and port." """
    simulator, url, cid = target
    _action, href = deployment_href(url, simulator, cid)
    assert requests.get(href, headers=AUTH, timeout=5).headers["Content-Type"] == "application/hal+json"
    asked = requests.get(href, headers=dict(AUTH, Accept="application/json"), timeout=5)
    assert asked.headers["Content-Type"] == "application/json"
    other_host = url.replace("127.0.0.1", "localhost")
    body = requests.get(href.replace(url, other_host), headers=AUTH, timeout=5).json()
    assert body["deployment"]["chunks"][0]["artifacts"][0]["_links"]["download"]["href"].startswith(other_host + "/")


def test_confirmation_is_off_by_default_and_a_second_activation_is_409(target):
    """hawkbit-ddi.md:115-116: "Confirmation flow is off by default ...; a second activateAutoConfirm answers 409
    with errorCode hawkbit.server.error.repo.autoConfAlreadyActive." """
    simulator, url, cid = target
    assert simulator.create_deployment(cid, {}).status == "RUNNING"
    base = "%s/DEFAULT/controller/v1/%s/confirmationBase" % (url, cid)
    assert requests.post(base + "/activateAutoConfirm", json={}, headers=AUTH, timeout=5).status_code == 200
    again = requests.post(base + "/activateAutoConfirm", json={}, headers=AUTH, timeout=5)
    assert again.status_code == 409 and again.json()["errorCode"] == "hawkbit.server.error.repo.autoConfAlreadyActive"


def test_confirmation_resource_carries_the_deployment_under_confirmation(target):
    """hawkbit-ddi.md:68-69: "GET .../confirmationBase/{actionId}: like deploymentBase, but the deployment sits under
    "confirmation", not "deployment": {"id":"8","confirmation":{"download":"forced","update":"forced","chunks":[...]},
    "actionHistory":...}"; hawkbit-ddi.md:70-71: while an action waits, its deploymentBase answers 404."""
    simulator, url, cid = target
    action = simulator.create_deployment(cid, {"confirmation_required": True})
    href = poll(url).json()["_links"]["confirmationBase"]["href"]
    body = requests.get(href + "&actionHistory=5", headers=AUTH, timeout=5).json()
    assert set(body) == {"id", "confirmation", "actionHistory"} and body["id"] == str(action.id)
    assert body["confirmation"]["download"] == "forced" and body["confirmation"]["update"] == "forced"
    assert body["confirmation"]["chunks"][0]["artifacts"]
    assert body["actionHistory"]["status"] == "WAIT_FOR_CONFIRMATION"
    deployment = "%s/DEFAULT/controller/v1/%s/deploymentBase/%d" % (url, cid, action.id)
    assert requests.get(deployment, headers=AUTH, timeout=5).status_code == 404


def test_plain_flavor_has_no_etag_cancel_confirmation_or_installed_base(target):
    """A goosebit-style DDI server (issue 20, point 5): no ?c=, no ETag, no cancel, no confirmation, no installedBase."""
    simulator, url, cid = target
    simulator.tenants["DEFAULT"]["flavor"] = "plain"
    action = simulator.create_deployment(cid, {"confirmation_required": True})
    answer = poll(url)
    assert "ETag" not in answer.headers and "deploymentBase" in answer.json()["_links"]
    href = answer.json()["_links"]["deploymentBase"]["href"]
    assert "ETag" not in requests.get(href, headers=AUTH, timeout=5).headers
    with pytest.raises(ValueError):
        simulator.cancel_action(cid, action.id)
    feedback(href, "closed", "success")
    assert "installedBase" not in poll(url).json()["_links"]
    for path in ("installedBase/%d" % action.id, "confirmationBase", "cancelAction/%d" % action.id):
        assert requests.get("%s/DEFAULT/controller/v1/%s/%s" % (url, cid, path), headers=AUTH, timeout=5).status_code == 404
