"""The fleet report contract (docs/fleet.md): hawkbit_poll and a closing hawkbit_feedback say
what the device ran before and runs after, as the server records it."""

from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_feedback import FEEDBACK_SPEC, HawkbitFeedback
from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_poll import POLL_SPEC, HawkbitPoll
from ansible_collections.fleetops.upgrade.plugins.module_utils._task import execute
from tests.unit.plugins.module_utils.test_hawkbit_hardening import options_for


def chunks(version):
    return [{"part": "os", "name": "firmware", "version": version, "artifacts": [{"filename": "fw.bin", "size": 10}]}]


def test_poll_and_closing_feedback_carry_the_versions(target):
    simulator, url = target[:2]
    first = str(simulator.create_deployment("dev1", {"chunks": chunks("1.0")}).id)
    polled = execute(HawkbitPoll, options_for(POLL_SPEC, url))
    assert (polled["component"], polled["previous_version"], polled["version"]) == ("distribution set", None, "firmware 1.0")
    assert polled["changed"] is False
    assert execute(HawkbitPoll, options_for(POLL_SPEC, url), check_mode=True)["changed"] is True

    done = execute(HawkbitFeedback, options_for(FEEDBACK_SPEC, url, action_id=first, execution="closed", finished="success"))
    assert (done["component"], done["previous_version"], done["version"]) == ("distribution set", None, "firmware 1.0")
    assert done["device_state"] == "deployment action %s closed" % first

    second = str(simulator.create_deployment("dev1", {"chunks": chunks("2.0")}).id)
    polled = execute(HawkbitPoll, options_for(POLL_SPEC, url))
    assert (polled["previous_version"], polled["version"]) == ("firmware 1.0", "firmware 2.0")
    failed = execute(HawkbitFeedback, options_for(FEEDBACK_SPEC, url, action_id=second, execution="closed", finished="failure"))
    assert (failed["previous_version"], failed["version"]) == ("firmware 1.0", "firmware 1.0")

    idle = execute(HawkbitPoll, options_for(POLL_SPEC, url), check_mode=True)
    assert idle["changed"] is False and idle["previous_version"] == idle["version"] == "firmware 1.0"
