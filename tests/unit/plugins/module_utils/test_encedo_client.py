"""Encedo API client: version parsing and the eJWT passphrase flow against the simulator."""

import base64
import json

import pytest

from ansible_collections.fleetops.upgrade.plugins.module_utils._encedo import (
    EncedoClient, build_ejwt, derive_seed, parse_firmware_version,
)
from ansible_collections.fleetops.upgrade.plugins.module_utils._errors import AuthenticationError, DeviceApiError
from ansible_collections.fleetops.upgrade.plugins.module_utils._http import HttpClient
from tests.conftest import unique


@pytest.mark.parametrize("fwv, expected", [
    ("Encedo nGINE FW v1.2.2", ("1.2.2", False)),
    ("Encedo nGINE FW v1.2.2-DIAG", ("1.2.2", True)),
    ("Encedo nGINE FW v10.0.12.3", ("10.0.12.3", False)),
    ("garbage", (None, False)),
    (None, (None, False)),
])
def test_parse_firmware_version(fwv, expected):
    assert parse_firmware_version(fwv) == expected


def _decode(part):
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_ejwt_has_the_documented_shape():
    challenge = {"eid": "e1", "spk": base64.b64encode(b"\x09" * 32).decode(), "jti": "abc", "exp": 0}
    token = build_ejwt(b"\x01" * 32, challenge, now=1000)
    header, payload, signature = token.split(".")
    assert _decode(header) == {"ecdh": "x25519", "alg": "HS256", "typ": "JWT"}
    claims = _decode(payload)
    assert claims["jti"] == "abc" and claims["aud"] == challenge["spk"] and claims["scope"] == "system:upgrade"
    assert claims["iat"] == 995 and claims["exp"] == 1000 + 3600
    assert len(base64.b64decode(claims["iss"])) == 32 and "=" not in signature


def _client(encedo_sim, device=None, passphrase=None, token=None):
    name = unique("hem")
    encedo_sim.create_device(name, dict({"auth_delay": 0.01}, **(device or {})))
    http = HttpClient("%s/%s" % (encedo_sim.url, name), timeout=10)
    return name, EncedoClient(http, passphrase=passphrase, token=token)


def test_passphrase_flow_gets_a_token_the_device_accepts(encedo_sim):
    name, client = _client(encedo_sim, {"passphrase": "correct horse"}, passphrase="correct horse")
    client.authenticate()
    assert client.upgrade_check("firmware") == 404  # authorised, nothing uploaded
    client.system_version()
    log = encedo_sim.requests_for(device=name)
    assert [(e["path"].split(name)[1], e["authorization"]) for e in log[-2:]] == [
        ("/api/system/upgrade/check_fw", True), ("/api/system/version", False)]


def test_wrong_passphrase_fails_once_without_retrying(encedo_sim):
    name, client = _client(encedo_sim, {"passphrase": "right"}, passphrase="wrong")
    with pytest.raises(AuthenticationError, match="passphrase was refused"):
        client.authenticate()
    assert len(encedo_sim.requests_for(device=name, methods=("POST",))) == 1


def test_fresh_device_answers_409_to_auth(encedo_sim):
    name, client = _client(encedo_sim, passphrase="x")
    with pytest.raises(AuthenticationError, match="not personalised"):
        client.authenticate()


def test_token_dies_with_a_reboot(encedo_sim):
    name, client = _client(encedo_sim, {"passphrase": "pw", "reboot_seconds": 0}, passphrase="pw")
    client.authenticate()
    assert client.upgrade_check("firmware") == 404
    encedo_sim.devices[name].reboot()
    with pytest.raises(AuthenticationError, match="missing, invalid or expired"):
        client.upgrade_check("firmware")


def test_seed_is_derived_with_pbkdf2_and_the_eid_as_salt():
    import hashlib
    assert derive_seed("pw", "e123") == hashlib.pbkdf2_hmac("sha256", b"pw", b"e123", 600000, 32)


def test_after_a_reboot_the_next_call_that_needs_a_token_gets_a_fresh_one(encedo_sim):
    name, client = _client(encedo_sim, {"passphrase": "pw", "reboot_seconds": 0}, passphrase="pw")
    client.authenticate()
    encedo_sim.devices[name].reboot()
    client.forget_token()
    assert client.system_status()["fls_state"] == 0
    assert client.upgrade_check("firmware") == 404
    paths = [e["path"].split(name)[1] for e in encedo_sim.requests_for(device=name)]
    assert paths[-3:] == ["/api/auth/token", "/api/auth/token", "/api/system/upgrade/check_fw"]


def test_a_given_token_that_died_with_a_reboot_is_said_so(encedo_sim):
    name, client = _client(encedo_sim, {"passphrase": "pw"}, token="t.t.t")
    client.forget_token()
    with pytest.raises(AuthenticationError, match="died with the device's reboot"):
        client.upgrade_check("firmware")


@pytest.mark.parametrize("body, message", [({}, "the answer of GET /api/auth/token lacks eid, spk, jti"),
                                           ([1], "/api/auth/token"),  # not an object: the transport may say so first
                                           ({"eid": "e", "spk": "s"}, "the answer of GET /api/auth/token lacks jti")])
def test_a_challenge_without_its_keys_fails_naming_the_endpoint(encedo_sim, body, message):
    name, client = _client(encedo_sim, {"passphrase": "pw", "answers": {"/api/auth/token": body}}, passphrase="pw")
    with pytest.raises(DeviceApiError) as error:
        client.authenticate()
    assert message in error.value.msg
