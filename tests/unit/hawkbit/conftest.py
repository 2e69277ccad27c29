"""Fixtures of the hawkBit unit tests: an in-thread simulator and helpers to drive it."""

import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
for path in (ROOT, os.path.join(ROOT, ".build", "collections")):
    if path not in sys.path:
        sys.path.insert(0, path)

from tests.simulators.hawkbit import HawkbitSimulator, start  # noqa: E402


@pytest.fixture
def hawkbit():
    """(simulator, base URL); the DoS filter is off so tests may be fast, tests that want it turn it on."""
    simulator = HawkbitSimulator()
    simulator.config.update(dos_reads_per_second=None, dos_writes_per_second=None)
    server = start(simulator)
    try:
        yield simulator, server.url
    finally:
        server.stop()


@pytest.fixture
def target(hawkbit):
    """A target ``dev1`` with token ``tok1`` in tenant DEFAULT."""
    simulator, url = hawkbit
    simulator.create_device("dev1", {"token": "tok1"})
    return simulator, url, "dev1"


def params_for(spec, url, **options):
    """Module parameters as AnsibleModule would validate them (defaults filled in)."""
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    spec = dict(spec)
    options.setdefault("url", url)
    options.setdefault("controller_id", "dev1")
    if "gateway_token" not in options:
        options.setdefault("target_token", "tok1")
    options.setdefault("backoff", 0.01)
    validator = ArgumentSpecValidator(spec.pop("argument_spec"), **spec)
    result = validator.validate(options)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


@pytest.fixture
def params():
    return params_for
