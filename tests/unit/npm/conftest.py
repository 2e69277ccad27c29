"""Fixtures for the AppResponse (npm) unit tests: an in-thread simulator and image files."""

import pytest

from tests.simulators import _base
from tests.simulators.appresponse import AppResponseSimulator, write_image

FAST = dict(validation_time=0.05, init_time=0.05, reboot_time=0.2)


@pytest.fixture
def npm_sim():
    simulator = AppResponseSimulator()
    server = _base.start(simulator)
    simulator.url = server.url
    try:
        yield simulator
    finally:
        server.stop()


@pytest.fixture
def appliance(npm_sim):
    """One fast appliance named ``ar1``; returns its base URL."""
    npm_sim.create_device("ar1", dict(FAST))
    return npm_sim.url + "/ar1"


@pytest.fixture
def image_file(tmp_path):
    def make(version="11.6.0 #23947", size=64 * 1024, name=None):
        path = tmp_path / (name or "image-%s.img" % version.split()[0])
        return str(write_image(str(path), version, size))
    return make
