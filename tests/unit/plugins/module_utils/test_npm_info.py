"""npm_info's task against the AppResponse simulator."""

from ansible_collections.fleetops.upgrade.plugins.module_utils._npm_info import NpmInfo
from tests.conftest import npm_mutations, npm_result


def test_info_reads_only(npm_sim, appliance):
    npm_sim.update_device("ar1", {"images": [{"version": "11.6.0 #2"}]})
    result = npm_result(NpmInfo, appliance)
    assert result["changed"] is False and result["sw_version"] == "11.2.0 #13859" and result["model"] == "VSCAN-2000"
    assert result["images"][0]["version"] == "11.6.0 #2" and result["update_status"]["state"] == "IDLE"
    assert result["update_status"]["update_history"][0]["version"] == "11.2.0 #13859"
    assert npm_mutations(npm_sim) == []


def test_info_failure_names_the_step(npm_sim, appliance):
    npm_sim.update_device("ar1", {"html_pages": 1})
    result = npm_result(NpmInfo, appliance)
    assert result["failed"] and "HTML page instead of JSON" in result["msg"] and result["step"] == "read"
    assert "device_state" not in result
