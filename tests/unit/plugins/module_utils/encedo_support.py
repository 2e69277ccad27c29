"""Pieces the Encedo task tests share: argument validation like the entry points, and simulated devices."""

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from tests.conftest import unique

FAST = {"auth_delay": 0.01, "reboot_seconds": 0.3, "validation_seconds": 0.05}


def validated(spec, **args):
    spec = dict(spec)
    result = ArgumentSpecValidator(spec.pop("argument_spec"), **spec).validate(args)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


@pytest.fixture()
def device(encedo_sim):
    """device(**config) -> (name, url) of a new simulated HEM with fast timings."""
    def make(**config):
        name = unique("hem")
        encedo_sim.create_device(name, dict(FAST, **config))
        return name, "%s/%s" % (encedo_sim.url, name)
    return make


def device_paths(encedo_sim, name):
    return [e["path"].split(name, 1)[1] for e in encedo_sim.requests_for(device=name)]
