"""encedo_info task logic against the simulator (in this process), through the shared boundary."""

import pytest

from ansible_collections.fleetops.upgrade.plugins.module_utils._encedo_info import SPEC, EncedoInfo
from ansible_collections.fleetops.upgrade.plugins.module_utils._task import execute
from tests.unit.plugins.module_utils.encedo_support import device, validated  # noqa: F401 - fixture  # pylint: disable=unused-import


def info(url, **args):
    return execute(EncedoInfo, validated(SPEC, url=url, **args), module="encedo_info")


def test_info_reports_versions_model_and_state(encedo_sim, device):
    name, url = device(firmware="1.2.2", diag=True, fls_state=4)
    result = info(url)
    assert result["changed"] is False
    assert result["firmware_version"] == "1.2.2" and result["diag"] is True
    assert result["fwv"] == "Encedo nGINE FW v1.2.2-DIAG"
    assert result["model"] == "PPA" and result["personalised"] is False
    assert result["fault"] is True and result["fls_state"] == 4
    assert result["bootloader"].startswith("Encedo Secure Bootloader")


def test_info_on_epa(device):
    name, url = device(model="EPA")
    result = info(url)
    assert result["model"] == "EPA" and result["uis"] is None


def test_transient_5xx_on_reads_is_retried(encedo_sim, device, images):
    name, url = device(fail_requests={"status": 503, "count": 1})
    result = info(url)
    assert result["firmware_version"] == "1.2.2"


@pytest.mark.parametrize("path, body, message", [
    ("/api/system/version", {}, "the answer of GET /api/system/version lacks fwv, hwv"),
    ("/api/system/version", {"hwv": "PPA rev 2.2"}, "the answer of GET /api/system/version lacks fwv"),
    ("/api/system/status", {"uptime": 5}, "the answer of GET /api/system/status lacks fls_state"),
    ("/api/system/version", [1, 2, 3], "/api/system/version"),  # not an object: the transport may say so first
    ("/api/system/status", None, "/api/system/status"),
])
def test_answers_without_the_documented_keys_fail_naming_the_endpoint(device, path, body, message):
    name, url = device(answers={path: body})
    result = info(url)
    assert result["failed"] is True and "exception" not in result, result
    assert message in result["msg"]
    assert "firmware_version" not in result
