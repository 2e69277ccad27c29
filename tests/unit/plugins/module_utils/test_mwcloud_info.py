"""mwcloud_info task logic against the simulator in-thread, through the shared boundary."""

from ansible_collections.fleetops.upgrade.plugins.module_utils._mwcloud_info import SPEC, MwCloudInfo
from ansible_collections.fleetops.upgrade.plugins.module_utils._task import execute
from tests.unit.plugins.module_utils.mwcloud_support import FLEET, params, sim  # noqa: F401 - fixture  # pylint: disable=unused-import


def info(sim, **args):
    return execute(MwCloudInfo, params(SPEC, sim, **args), module="mwcloud_info")


def test_info_lists_catalogue_and_devices_with_filters(sim):
    result = info(sim)
    assert result["changed"] is False
    assert [f["id"] for f in result["firmwares"]] == [21, 22, 23, 31, 32, 41, 42]
    assert [d["serial"] for d in result["devices"]] == sorted(FLEET)
    filtered = info(sim, product_id=770, hardware_version="A", serial_numbers=["A1", "B1", "GHOST"])
    assert [f["version"] for f in filtered["firmwares"]] == ["1.5.178", "1.6.201"]
    assert [d["serial"] for d in filtered["devices"]] == ["A1"]
    assert filtered["serial_numbers_not_found"] == ["GHOST"]
    only = info(sim, gather=["devices"], family=2)
    assert "firmwares" not in only and [d["serial"] for d in only["devices"]] == ["E1"]
    assert sim.requests_for(methods=("POST",))[-1]["path"] == "/sc_cloud/logout"
    assert sim.sessions == {}
