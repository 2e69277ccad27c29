"""Pieces the Magewell Cloud task tests share: a small cloud in this process and argument validation."""

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from tests.simulators._base import start
from tests.simulators.mwcloud import MwCloudSimulator

MUTATING = ("POST",)

FLEET = {
    "A1": {"family": 1, "product_id": 770, "hardware": "A", "firmware": "1.5.178"},
    "A2": {"family": 1, "product_id": 770, "hardware": "A", "firmware": "1.5.178"},
    "A3": {"family": 1, "product_id": 770, "hardware": "A", "firmware": "1.6.201"},
    "B1": {"family": 1, "product_id": 770, "hardware": "B", "firmware": "1.5.178"},
    "E1": {"family": 2, "product_id": 1201, "hardware": "A", "firmware": "2.3.43", "version_field": "numbers"},
    "S1": {"family": 3, "product_id": 1330, "hardware": "C", "firmware": "3.0.9", "version_field": "none"},
    "OFF": {"family": 1, "product_id": 770, "hardware": "A", "firmware": "1.5.178", "online": False},
}


@pytest.fixture
def sim():
    simulator = MwCloudSimulator(settings={"transfer_seconds": 0.2, "offline_seconds": 0.2})
    simulator.load_fleet(FLEET)
    server = start(simulator)
    simulator.url = server.url
    yield simulator
    server.stop()


def params(spec, sim, **args):
    args.setdefault("url", sim.url)
    args.setdefault("username", "Admin")
    args.setdefault("password", "admin")
    validated = ArgumentSpecValidator(spec["argument_spec"], **{k: v for k, v in spec.items() if k != "argument_spec"}).validate(args)
    assert not validated.error_messages, validated.error_messages
    return validated.validated_parameters


def mutating(sim):
    return [e for e in sim.requests_for(methods=MUTATING) if e["path"] not in ("/sc_cloud/login", "/sc_cloud/logout")]
