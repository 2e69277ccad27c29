"""The Magewell Cloud simulator itself, driven with plain requests (independent of the API client)."""

import hashlib
import time

import pytest
import requests

from tests.simulators.mwcloud import MwCloudSimulator

FLEET = {
    "A302190930001": {"family": 1, "product_id": 770, "hardware": "A", "firmware": "1.5.178"},
    "A302190930002": {"family": 1, "product_id": 770, "hardware": "A", "firmware": "1.5.178"},
    "B302190930003": {"family": 1, "product_id": 770, "hardware": "B", "firmware": "1.5.178"},
    "E120000000001": {"family": 2, "product_id": 1201, "hardware": "A", "firmware": "2.3.43", "version_field": "numbers"},
    "S133000000001": {"family": 3, "product_id": 1330, "hardware": "C", "firmware": "3.0.9", "version_field": "none",
                      "online": False},
}


@pytest.fixture
def sim(mwcloud_sim):
    return mwcloud_sim(FLEET, transfer_seconds=0.3, offline_seconds=0.3)


def login(sim, user="Admin", password="admin", session=None):
    """A logged-in session, or the login answer when ``session`` is given or the login is refused."""
    own = session or requests.Session()
    answer = own.post(sim.url + "/sc_cloud/login",
                      files={"id": (None, user), "pass": (None, hashlib.md5(password.encode()).hexdigest())})
    assert answer.status_code == 200
    if session is not None or answer.json()["result"] != 0:
        return answer
    return own


def test_login_sets_session_cookies_and_answers_like_the_reference(sim):
    session = requests.Session()
    answer = login(sim, session=session)
    body = answer.json()
    assert body["result"] == 0 and body["name"] == "Admin" and body["pass"] == "" and len(body["sid"]) == 32
    assert session.cookies.get("mwcloud-sid") == body["sid"]
    assert session.cookies.get("mwcloud-uid") == "Admin"


@pytest.mark.parametrize("user, password, code", [("Admin", "wrong", -1), ("nobody", "admin", -14)])
def test_login_errors(sim, user, password, code):
    answer = login(sim, user, password)
    assert answer.json() == {"result": code}


def test_login_requires_multipart_md5(sim):
    answer = requests.post(sim.url + "/sc_cloud/login", data={"id": "Admin", "pass": "admin"})
    assert answer.json() == {"result": -2}
    answer = requests.post(sim.url + "/sc_cloud/login", files={"id": (None, "Admin"), "pass": (None, "admin")})
    assert answer.json() == {"result": -1}


def test_calls_without_session_get_401(sim):
    assert requests.get(sim.url + "/sc_cloud/scapi/get-devs?id=0&module=0").status_code == 401
    assert requests.get(sim.url + "/sc_cloud/scapi/get-devs", cookies={"mwcloud-sid": "X", "mwcloud-uid": "Admin"}).status_code == 401


def test_logout_ends_the_session(sim):
    session = login(sim)
    assert requests.get(sim.url + "/_sim/sessions").json()["count"] == 1
    assert session.post(sim.url + "/sc_cloud/logout").json() == {"result": 0}
    assert session.get(sim.url + "/sc_cloud/scapi/get-devs?id=0&module=0").status_code == 401
    assert requests.get(sim.url + "/_sim/sessions").json()["count"] == 0


def test_session_expires_after_ttl_and_on_demand(sim):
    session = login(sim)
    requests.patch(sim.url + "/_sim/settings", json={"session_ttl": 0.2})
    assert session.get(sim.url + "/sc_cloud/scapi/get-devs").status_code == 200
    time.sleep(0.3)
    assert session.get(sim.url + "/sc_cloud/scapi/get-devs").status_code == 401
    session = login(sim)
    requests.delete(sim.url + "/_sim/sessions")
    assert session.get(sim.url + "/sc_cloud/scapi/get-devs").status_code == 401


def test_catalogue_filters_and_fields(sim):
    session = login(sim)
    assert session.get(sim.url + "/sc_cloud/scapi/get-all-firmwares").json() == {"result": -2}
    everything = session.get(sim.url + "/sc_cloud/scapi/get-all-firmwares?dev-type=0").json()["firmwares"]
    assert len(everything) == len(sim.firmwares)
    entries = session.get(sim.url + "/sc_cloud/scapi/get-all-firmwares",
                          params={"dev-type": 1, "product-id": 770, "hardware-ver": "A"}).json()["firmwares"]
    assert [e["id"] for e in entries] == [21, 22]
    assert entries[0] == {"id": 21, "file-path": "/data/firmware/firmware-770-0-A-1.5.178.mwf", "upload-date": 1635151650,
                          "product-id": 770, "firmware-id": 0, "hardware-ver": "A", "marjor-ver": 1, "minor-ver": 5,
                          "build-number": 178}


def test_devices_in_both_version_shapes(sim):
    session = login(sim)
    devs = {d["sn"]: d for d in session.get(sim.url + "/sc_cloud/scapi/get-devs?id=0&module=0").json()["devs"]}
    assert set(devs) == set(FLEET)
    assert devs["A302190930001"]["status"]["firmware-ver"] == "1.5.178"
    assert devs["A302190930001"]["online-date"] > 0
    assert devs["E120000000001"]["status"]["marjor-ver"] == 2 and "firmware-ver" not in devs["E120000000001"]["status"]
    assert devs["S133000000001"]["online-date"] == 0 and "firmware-ver" not in devs["S133000000001"]["status"]
    only_family_2 = session.get(sim.url + "/sc_cloud/scapi/get-devs?id=0&module=2").json()["devs"]
    assert [d["sn"] for d in only_family_2] == ["E120000000001"]
    one = session.get(sim.url + "/sc_cloud/scapi/get-dev?sn=A302190930002").json()
    assert one["result"] == 0 and one["dev"]["sn"] == "A302190930002"
    assert session.get(sim.url + "/sc_cloud/scapi/get-dev?sn=NOPE").json() == {"result": -16}


def wait_for_phase(session, sim, sn, predicate, timeout=5):
    deadline = time.time() + timeout
    seen = []
    while time.time() < deadline:
        dev = session.get(sim.url + "/sc_cloud/scapi/get-dev?sn=" + sn).json()["dev"]
        seen.append(dev)
        if predicate(dev):
            return seen
        time.sleep(0.05)
    raise AssertionError("phase not reached: %s" % seen[-1])


def test_upgrade_transfers_goes_offline_and_returns_with_new_version(sim):
    session = login(sim)
    answer = session.post(sim.url + "/sc_cloud/upgrade/start", json={"sn": ["A302190930001", "A302190930002"], "firmware-id": 22})
    assert answer.json() == {"result": 0, "method": "start-upgrade",
                             "details": [{"sn": "A302190930001", "result": 0}, {"sn": "A302190930002", "result": 0}]}
    seen = wait_for_phase(session, sim, "A302190930001",
                          lambda d: d["online-date"] > 0 and d["status"]["firmware-ver"] == "1.6.201")
    assert any(d["is-upload-file"] == 1 for d in seen)
    assert any(d["online-date"] == 0 for d in seen)
    progress = [d["upload-file-pos"] for d in seen if d["is-upload-file"]]
    assert progress == sorted(progress)
    again = session.post(sim.url + "/sc_cloud/upgrade/start", json={"sn": ["A302190930002"], "firmware-id": 22}).json()
    assert again["details"][0]["result"] in (0, 1)


def test_repeat_operation_while_upgrading(sim):
    session = login(sim)
    session.post(sim.url + "/sc_cloud/upgrade/start", json={"sn": ["A302190930001"], "firmware-id": 22})
    again = session.post(sim.url + "/sc_cloud/upgrade/start", json={"sn": ["A302190930001"], "firmware-id": 22}).json()
    assert again["details"] == [{"sn": "A302190930001", "result": 1}]


def test_batch_rule_and_per_device_errors(sim):
    session = login(sim)
    mixed = session.post(sim.url + "/sc_cloud/upgrade/start", json={"sn": ["A302190930001", "B302190930003"], "firmware-id": 22})
    assert mixed.json() == {"result": -20}
    assert session.post(sim.url + "/sc_cloud/upgrade/start", json={"sn": ["A302190930001"], "firmware-id": 99}).json() == {"result": -21}
    wrong_hw = session.post(sim.url + "/sc_cloud/upgrade/start", json={"sn": ["B302190930003", "NOPE"], "firmware-id": 22}).json()
    assert wrong_hw["details"] == [{"sn": "B302190930003", "result": -22}, {"sn": "NOPE", "result": -16}]
    offline = session.post(sim.url + "/sc_cloud/upgrade/start", json={"sn": ["S133000000001"], "firmware-id": 42}).json()
    assert offline["details"] == [{"sn": "S133000000001", "result": -17}]
    assert sim.devices["A302190930001"].upgrade is None


def test_only_administrators_may_start(sim):
    session = login(sim, "viewer", "viewer-pw")
    assert session.get(sim.url + "/sc_cloud/scapi/get-devs").status_code == 200
    answer = session.post(sim.url + "/sc_cloud/upgrade/start", json={"sn": ["A302190930001"], "firmware-id": 22})
    assert answer.json() == {"result": -15}
    assert sim.devices["A302190930001"].upgrade is None


def test_faults_rejected_batch_start_result_and_never_returns(sim):
    session = login(sim)
    requests.patch(sim.url + "/_sim/settings", json={"reject_batches": -30})
    assert session.post(sim.url + "/sc_cloud/upgrade/start", json={"sn": ["A302190930001"], "firmware-id": 22}).json() == {"result": -30}
    requests.patch(sim.url + "/_sim/settings", json={"reject_batches": 0})
    requests.patch(sim.url + "/_sim/devices/A302190930002", json={"start_result": -40})
    requests.patch(sim.url + "/_sim/devices/A302190930001", json={"never_returns": True})
    answer = session.post(sim.url + "/sc_cloud/upgrade/start", json={"sn": ["A302190930001", "A302190930002"], "firmware-id": 22}).json()
    assert answer["details"] == [{"sn": "A302190930001", "result": 0}, {"sn": "A302190930002", "result": -40}]
    time.sleep(0.8)
    dev = session.get(sim.url + "/sc_cloud/scapi/get-dev?sn=A302190930001").json()["dev"]
    assert dev["online-date"] == 0 and dev["status"]["firmware-ver"] == "1.5.178"


def test_request_log_and_upgrade_log(sim):
    session = login(sim)
    session.post(sim.url + "/sc_cloud/upgrade/start", json={"sn": ["A302190930001"], "firmware-id": 22})
    log = requests.get(sim.url + "/_sim/log").json()
    assert [(e["method"], e["path"]) for e in log] == [("POST", "/sc_cloud/login"), ("POST", "/sc_cloud/upgrade/start")]
    assert log[1]["user"] == "Admin" and log[1]["sns"] == ["A302190930001"] and log[1]["firmware_id"] == 22
    upgrades = requests.get(sim.url + "/_sim/upgrades").json()
    assert upgrades[0]["answer"]["details"] == [{"sn": "A302190930001", "result": 0}]


def test_fleet_file_with_users_firmwares_and_settings():
    simulator = MwCloudSimulator()
    simulator.load_fleet({"settings": {"transfer_seconds": 5}, "users": {"ops": {"password": "pw", "role": "admin"}},
                          "firmwares": [{"id": 1, "family": 1, "product_id": 770, "hardware": "A", "version": "9.9.9"}],
                          "devices": {"X1": {}}})
    assert simulator.settings["transfer_seconds"] == 5
    assert list(simulator.users) == ["ops"] and [f.id for f in simulator.firmwares] == [1]
    assert list(simulator.devices) == ["X1"]


def test_answers_setting_replaces_an_api_answer(sim):
    sim.settings["answers"] = {"/sc_cloud/login": "<html>proxy login</html>"}
    response = requests.post(sim.url + "/sc_cloud/login", files={"id": (None, "Admin"), "pass": (None, "x")}, timeout=5)
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/html"
    assert response.text == "<html>proxy login</html>"
