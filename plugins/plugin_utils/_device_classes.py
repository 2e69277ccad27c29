# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The device classes, each defined once: the one place that says what a ``fleetops_device_class`` is.

A class has a name (the value of ``fleetops_device_class``), the role that upgrades one device of it, which role
variable fills which module option of which step (``arguments``), the steps (module calls in order) or the DDI cycle
its devices run, and how its survey is read for ``status.yml`` (``survey``). ``fleet_device`` (the role path), the
controller path, ``drift_check``/``drift_report``, the report and the plan all read ``DEVICE_CLASSES``; a test
compares the ``choices`` of the modules' documentation and the docs' tables with it.

Adding a class: docs/development.md.
"""

from __future__ import annotations

__metaclass__ = type

from functools import cached_property

from jinja2 import Environment, meta

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.fleetops.upgrade.plugins.module_utils._encedo_upgrade import SPEC as ENCEDO_UPGRADE_SPEC
from ansible_collections.fleetops.upgrade.plugins.module_utils._encedo_upgrade import EncedoUpgrade
from ansible_collections.fleetops.upgrade.plugins.module_utils._mwcloud_upgrade import SPEC as MWCLOUD_UPGRADE_SPEC
from ansible_collections.fleetops.upgrade.plugins.module_utils._mwcloud_upgrade import MwCloudUpgrade, device_result
from ansible_collections.fleetops.upgrade.plugins.module_utils._npm_image import IMAGE_SPEC, NpmImage
from ansible_collections.fleetops.upgrade.plugins.module_utils._npm_update import UPDATE_SPEC, NpmUpdate
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._device_steps import CYCLE_MODULES, SharedRuns, Step
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._drift import (
    AppResponseSurvey, EncedoSurvey, HawkbitSurvey, MagewellSurvey)
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._hawkbit_cycle import hawkbit_cycle, needs_own_connection

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core < 2.19 templates every string
    def trust_as_template(value):
        return value

# the value a variable resolves to when it is not set (its option is then not given: the module's default applies)
MISSING = object()


_JINJA = Environment()


class Listed(str):
    """A variable whose option is a list of its one value (``serial_numbers: [magewell_serial]``)."""


class DeviceClass:
    """One device class.

    ``defaults``: the role's defaults (``roles/<role>/defaults/main.yml`` holds the same, a test compares them): the
    controller path puts them under a host's variables, as Ansible puts a role's defaults under the inventory.
    ``arguments``: ``{"common": {option: variable}, "steps": {step: {option: variable}}}``, the module options of every
    step (``common``'s go to every step) and the role variable each is read from. ``steps``: the module calls in order
    (``Step``), or ``cycle``: ``cycle(common, args, run_step, check_mode)`` for a class whose calls depend on what its
    server answers (its one step is ``cycle``), and ``own_connection(cycle arguments)``: why a device must run its role's
    tasks rather than the cycle in one worker (the user's tasks as hooks), or None. ``delegate_to``: the variable that says where the role's task runs, for
    a class whose devices are reached through an API on another host (Magewell's cloud).
    """

    def __init__(self, name, role, defaults, arguments, survey, steps=(), cycle=None, own_connection=None,
                 delegate_to=None):
        self.name = name
        self.role = role
        self.defaults = {name: trust_as_template(value) if isinstance(value, str) else value
                         for name, value in defaults.items()}
        self.prefix = role + "_"
        self.arguments = {"common": dict(arguments.get("common") or {}),
                          "steps": {step: dict(options) for step, options in (arguments.get("steps") or {}).items()}}
        self.survey = survey
        self.steps = tuple(steps)
        self.cycle = cycle
        self.own_connection = own_connection
        self.delegate_to = delegate_to
        self.step_names = ("cycle",) if cycle else tuple(step.name for step in self.steps)
        unknown = set(self.arguments["steps"]) - set(self.step_names)
        if unknown:
            raise ValueError("%s: arguments for steps it does not have: %s" % (name, ", ".join(sorted(unknown))))

    @cached_property
    def modules(self):
        """``{module: (argument spec, task logic)}`` of the calls its devices make, to run them in-process."""
        if self.cycle:
            return CYCLE_MODULES
        return {step.module: (step.spec, step.task) for step in self.steps}

    @cached_property
    def option_variables(self):
        """``{(step, option): variable}`` (``common``'s options under step None): error messages name the variable."""
        mapping = {(None, option): str(variable) for option, variable in self.arguments["common"].items()}
        for step, options in self.arguments["steps"].items():
            mapping.update({(step, option): str(variable) for option, variable in options.items()})
        return mapping

    @cached_property
    def variables(self):
        """Every role variable the class's arguments read (and ``delegate_to``'s), sorted."""
        names = set(self.option_variables.values())
        if self.delegate_to:
            names.add(self.delegate_to)
        return tuple(sorted(names))

    @cached_property
    def reads(self):
        """The host variables resolving the class's arguments reads: its role variables, its defaults and the names
        the defaults' templates read (``magewell_cloud_url: "{{ mwcloud_url }}"``)."""
        names = set(self.variables) | set(self.defaults)
        for value in self.defaults.values():
            if isinstance(value, str) and "{{" in value:
                names |= meta.find_undeclared_variables(_JINJA.parse(str(value)))
        return frozenset(names)

    @cached_property
    def survey_var(self):
        """The variable the role's survey (``status.yml``) registers its ``drift_check`` result in."""
        return "%s_drift" % self.role

    def resolve(self, value_of):
        """``{"common": ..., "steps": ...}``, the ``fleet_device`` arguments of one device: each option the value of its
        variable (``value_of(variable)``, ``MISSING`` when the variable is not set: the option is not given)."""
        def options(table):
            resolved = {}
            for option, variable in table.items():
                value = value_of(str(variable))
                if value is not MISSING:
                    resolved[option] = [value] if isinstance(variable, Listed) else value
            return resolved
        return {"common": options(self.arguments["common"]),
                "steps": {step: options(table) for step, table in self.arguments["steps"].items()}}


ENCEDO = DeviceClass(
    "encedo", "encedo",
    defaults={"encedo_url": "http://{{ ansible_host | default(inventory_hostname) }}", "encedo_validate_certs": True,
              "encedo_timeout": 30, "encedo_firmware_version": "", "encedo_firmware_image": "", "encedo_ui_uis": "",
              "encedo_ui_image": "", "encedo_install": True, "encedo_force": False, "encedo_wait_timeout": 900},
    arguments={
        "common": {"url": "encedo_url", "validate_certs": "encedo_validate_certs", "ca_path": "encedo_ca_path",
                   "timeout": "encedo_timeout", "passphrase": "encedo_passphrase", "token": "encedo_token",
                   "install": "encedo_install", "force": "encedo_force", "wait_timeout": "encedo_wait_timeout"},
        "steps": {"firmware": {"src": "encedo_firmware_image", "version": "encedo_firmware_version"},
                  "ui": {"src": "encedo_ui_image", "uis": "encedo_ui_uis"}},
    },
    steps=(
        Step("firmware", "encedo_upgrade", ENCEDO_UPGRADE_SPEC, EncedoUpgrade, needs="version",
             fixed={"component": "firmware"}),
        Step("ui", "encedo_upgrade", ENCEDO_UPGRADE_SPEC, EncedoUpgrade, needs="uis", after=("firmware",),
             fixed={"component": "ui"}),
    ),
    survey=EncedoSurvey(),
)

APPRESPONSE = DeviceClass(
    "appresponse", "appresponse",
    defaults={"appresponse_url": "https://{{ ansible_host | default(inventory_hostname) }}",
              "appresponse_validate_certs": True, "appresponse_timeout": 30, "appresponse_image_wait_timeout": 1800,
              "appresponse_update_wait_timeout": 3600, "appresponse_delete_image": False},
    arguments={
        "common": {"url": "appresponse_url", "validate_certs": "appresponse_validate_certs",
                   "ca_path": "appresponse_ca_path", "timeout": "appresponse_timeout",
                   "username": "appresponse_username", "password": "appresponse_password",
                   "token": "appresponse_token", "version": "appresponse_version"},
        "steps": {"image": {"src": "appresponse_image_src", "fetch_url": "appresponse_image_url",
                            "checksum": "appresponse_image_checksum",
                            "wait_timeout": "appresponse_image_wait_timeout"},
                  "update": {"wait_timeout": "appresponse_update_wait_timeout"},
                  "delete": {"enabled": "appresponse_delete_image"}},
    },
    steps=(
        Step("image", "npm_image", IMAGE_SPEC, NpmImage, needs="version"),
        Step("update", "npm_update", UPDATE_SPEC, NpmUpdate, needs="version", after=("image",)),
        Step("delete", "npm_image", IMAGE_SPEC, NpmImage, needs="version", after=("image", "update"),
             fixed={"state": "absent"}),
    ),
    survey=AppResponseSurvey(),
)

HAWKBIT = DeviceClass(
    "hawkbit", "hawkbit_target",
    defaults={"hawkbit_target_tenant": "DEFAULT", "hawkbit_target_controller_id": "{{ inventory_hostname }}",
              "hawkbit_target_validate_certs": True, "hawkbit_target_timeout": 30, "hawkbit_target_retries": 5,
              "hawkbit_target_backoff": 1.0, "hawkbit_target_api_delegate": "localhost",
              "hawkbit_target_token_over_http": False, "hawkbit_target_token_to_other_hosts": False,
              "hawkbit_target_install_become": False, "hawkbit_target_install_become_user": "root",
              "hawkbit_target_download_dir": "/var/lib/fleetops/hawkbit", "hawkbit_target_config_data": {},
              "hawkbit_target_confirmation_policy": "confirm", "hawkbit_target_install_tasks": "",
              "hawkbit_target_install_commands": {}, "hawkbit_target_reboot_exit_code": 100,
              "hawkbit_target_reboot_tasks": "", "hawkbit_target_reboot_timeout": 600, "hawkbit_target_verify_tasks": "",
              "hawkbit_target_verify_command": "", "hawkbit_target_survey_reads_action": True},
    arguments={
        "common": {"url": "hawkbit_target_url", "tenant": "hawkbit_target_tenant",
                   "controller_id": "hawkbit_target_controller_id", "target_token": "hawkbit_target_target_token",
                   "gateway_token": "hawkbit_target_gateway_token", "validate_certs": "hawkbit_target_validate_certs",
                   "ca_path": "hawkbit_target_ca_path", "client_cert": "hawkbit_target_client_cert",
                   "client_key": "hawkbit_target_client_key", "timeout": "hawkbit_target_timeout",
                   "retries": "hawkbit_target_retries", "backoff": "hawkbit_target_backoff",
                   "token_over_http": "hawkbit_target_token_over_http",
                   "token_to_other_hosts": "hawkbit_target_token_to_other_hosts"},
        "steps": {"cycle": {
            "download_dir": "hawkbit_target_download_dir", "config_data": "hawkbit_target_config_data",
            "confirmation_policy": "hawkbit_target_confirmation_policy",
            "install_commands": "hawkbit_target_install_commands",
            "reboot_exit_code": "hawkbit_target_reboot_exit_code",
            "verify_command": "hawkbit_target_verify_command", "install_tasks": "hawkbit_target_install_tasks",
            "reboot_tasks": "hawkbit_target_reboot_tasks", "verify_tasks": "hawkbit_target_verify_tasks",
            "install_become": "hawkbit_target_install_become", "api_delegate": "hawkbit_target_api_delegate",
            "survey_reads_action": "hawkbit_target_survey_reads_action"}},
    },
    cycle=hawkbit_cycle,
    own_connection=needs_own_connection,
    survey=HawkbitSurvey(),
)

MAGEWELL = DeviceClass(
    "magewell", "magewell",
    defaults={"magewell_cloud_url": "{{ mwcloud_url }}", "magewell_serial": "{{ mwcloud_serial | default(inventory_hostname) }}",
              "magewell_validate_certs": True, "magewell_timeout": 30, "magewell_firmware_version": "",
              "magewell_force": False, "magewell_wait": True, "magewell_wait_timeout": 900, "magewell_poll_interval": 10,
              "magewell_delegate_to": "localhost"},
    arguments={
        "steps": {"upgrade": {
            "url": "magewell_cloud_url", "username": "magewell_username", "password": "magewell_password",
            "validate_certs": "magewell_validate_certs", "ca_path": "magewell_ca_path", "timeout": "magewell_timeout",
            "serial_numbers": Listed("magewell_serial"), "version": "magewell_firmware_version",
            "force": "magewell_force", "wait": "magewell_wait", "wait_timeout": "magewell_wait_timeout",
            "poll_interval": "magewell_poll_interval"}},
    },
    # the cloud takes many devices per session and per upgrade/start: the devices of one fleet task share its runs
    steps=(Step("upgrade", "mwcloud_upgrade", MWCLOUD_UPGRADE_SPEC, MwCloudUpgrade, needs="version",
                shared=SharedRuns("serial_numbers", device_result)),),
    survey=MagewellSurvey(),
    delegate_to="magewell_delegate_to",
)

DEVICE_CLASSES = {device_class.name: device_class for device_class in (ENCEDO, APPRESPONSE, HAWKBIT, MAGEWELL)}
CLASS_NAMES = tuple(DEVICE_CLASSES)


class UnknownClassError(ValueError):
    """A ``fleetops_device_class`` that names no class."""


def device_class(name):
    """The ``DeviceClass`` called ``name``; ``UnknownClassError`` (a message naming the known ones) otherwise."""
    try:
        return DEVICE_CLASSES[name]
    except (KeyError, TypeError):
        raise UnknownClassError("unknown device class %r; known: %s" % (name, ", ".join(CLASS_NAMES))) from None


def class_of_role(role):
    """The ``DeviceClass`` whose role is ``role`` (a short or fully qualified name), or None."""
    short = str(role or "").rsplit(".", 1)[-1]
    return next((each for each in DEVICE_CLASSES.values() if each.role == short), None)


def resolve_arguments(device_class, variables, templar, omit=None):
    """``(arguments, errors)``: one device's ``fleet_device`` arguments from its variables, each role variable templated
    by ``templar`` (whose variables are ``variables``) as a task templates it; ``errors``: ``{variable: message}`` for
    those that cannot be templated. A variable that is not set, or set to ``omit``, leaves its option out.

    The one resolution of both paths: ``fleet_device`` passes its task's variables (Ansible's precedence, from the role
    defaults to the extra vars); the controller path a host's variables composed the same way (``_controller_fleet``).
    """
    errors = {}

    def value_of(name):
        if name not in variables:
            return MISSING
        try:
            value = templar.template(variables[name])
        except AnsibleError as exc:
            if "Omit" in to_text(exc):  # ansible-core 2.19: a variable set to "{{ omit }}" is not set
                return MISSING
            errors[name] = to_text(exc)
            return MISSING
        return MISSING if omit and isinstance(value, str) and value == omit else value

    return device_class.resolve(value_of), errors
