

# The fifth device class of the tests (tests/integration/test_fifth_device_class.py appends this to its copy of
# _device_classes.py; the imports name what it uses from there).
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._device_classes import DEVICE_CLASSES, DeviceClass  # noqa: E402
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._device_steps import Step  # noqa: E402
from ansible_collections.fleetops.upgrade.plugins.module_utils._gizmo_upgrade import SPEC as GIZMO_UPGRADE_SPEC  # noqa: E402
from ansible_collections.fleetops.upgrade.plugins.module_utils._gizmo_upgrade import GizmoUpgrade  # noqa: E402

GIZMO = DeviceClass(
    "gizmo", "gizmo",
    defaults={"gizmo_url": "http://{{ ansible_host | default(inventory_hostname) }}", "gizmo_firmware_version": ""},
    arguments={"common": {"url": "gizmo_url", "token": "gizmo_token"},
               "steps": {"firmware": {"version": "gizmo_firmware_version"}}},
    steps=(Step("firmware", "gizmo_upgrade", GIZMO_UPGRADE_SPEC, GizmoUpgrade, needs="version"),),
    survey=None,
)
DEVICE_CLASSES[GIZMO.name] = GIZMO
CLASS_NAMES = tuple(DEVICE_CLASSES)
