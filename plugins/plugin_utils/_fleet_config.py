# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet run's configuration check, made by ``fleet_plan`` before any request to any device.

A device whose variables cannot work is refused in the plan, with a message that names the variable the user set:

- a variable with a role's prefix (``encedo_``, ``appresponse_``, ``hawkbit_target_``, ``magewell_``, ``fleetops_``)
  that no part of the collection knows (a typo such as ``encedo_firmware_versoin``): the message suggests the closest
  known name;
- a role variable its argument spec refuses, or a module option the role's task templates from it that the
  module's argument spec refuses (``-e encedo_wait_timeout=abc``): the message names the role variable, not the
  module option;
- a device class whose every target is empty (nothing to upgrade to: the variables were never set, or an AWX survey
  sent ``""`` or null).

A target that alone is empty (the firmware is set, the management app is not) is no error: the device is upgraded
without that step, and the report lists "ui: no target set".

Everything here is plain Python (no Ansible object), so it is unit-tested on its own.
"""

from __future__ import annotations

__metaclass__ = type

import difflib
import os
import re

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._device_classes import DEVICE_CLASSES

# the prefixes of the collection's variables: one per device class's role, and the fleet run's own
PREFIX_OF_ROLE = {device_class.role: device_class.prefix for device_class in DEVICE_CLASSES.values()}
PREFIXES = tuple(PREFIX_OF_ROLE.values()) + ("fleetops_",)

# Every fleetops_ variable the collection knows, with where it comes from: the one list, read by the plan and by the
# tests of the examples (docs/fleet.md's variables table documents the rollout ones).
FLEETOPS_VARIABLES = {
    # the rollout variables of playbooks/upgrade.yml
    "fleetops_device_class": "the device's class, per host",
    "fleetops_canary": "size of the first batch",
    "fleetops_batch": "the batches after the canary",
    "fleetops_max_failures": "the run's error budget",
    "fleetops_min_sample": "the least sample a percentage budget counts",
    "fleetops_report_dir": "directory of the report files",
    "fleetops_skip_misconfigured": "upgrade the other devices when some are misconfigured",
    # playbooks/status.yml
    "fleetops_fail_on_drift": "status.yml fails on any drift",
    # an older name of the outcome play's mechanism: accepted (and ignored) so old inventories still run
    "fleetops_outcome_strategy": "ignored, from an earlier version",
    # set by the playbooks themselves (registered results, include vars, set_stats keys an AWX workflow passes on)
    "fleetops_run": "the plan's result (upgrade.yml)",
    "fleetops_fleet_report": "the report's result (upgrade.yml)",
    "fleetops_phase": "preflight or rollout (upgrade.yml)",
    "fleetops_report": "the set_stats artifact of upgrade.yml",
    "fleetops_drift_report": "the set_stats artifact of status.yml",
}
# names that are not the collection's although they have its prefix: the set_stats artifacts of an AWX workflow's
# earlier jobs (fleetops_report_<job id>, see _awx.py), and the demo's addresses (examples/demo.py)
_FOREIGN = re.compile(r"^fleetops_(?:(?:drift_)?report_\d+|demo_[a-z0-9_]+)$")

# the forms of ansible-core's argument spec messages that name options, and where in them the names are
_QUOTED = re.compile(r"'([A-Za-z_][A-Za-z0-9_]*)'")
_LISTS = re.compile(r"((?:one of the following is required|missing required arguments|parameters are mutually exclusive"
                    r"|parameters are required together|but all of the following are missing"
                    r"|but any of the following are missing|Unsupported parameters for \([^)]*\) module): )([^.;]+)")
_VALUE_OF = re.compile(r"\b(value of )([A-Za-z_][A-Za-z0-9_]*)( must be)")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
ARGUMENT_ERROR = re.compile(r"argument '|one of the following is required|missing required arguments|mutually exclusive"
                            r"|required together|of the following are missing|Unsupported parameters|must be one of"
                            r"|role's variables")


def closest_name(name, known):
    """The known name closest to ``name`` (difflib's ratio, at least 0.6), or None."""
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return close[0] if close else None


def is_known(name, known):
    """True for a name the collection knows (or one it leaves to others: the demo's, an AWX workflow's artifacts)."""
    return name in known or name in FLEETOPS_VARIABLES or bool(_FOREIGN.match(name))


def unknown_variable_errors(names, known, prefixes=PREFIXES):
    """``["encedo_firmware_versoin is not a variable of fleetops.upgrade; did you mean encedo_firmware_version?"]``
    for each of ``names`` that has one of ``prefixes`` and is not known, sorted."""
    every = set(known) | set(FLEETOPS_VARIABLES)
    errors = []
    for name in sorted(set(names)):
        if not isinstance(name, str) or not name.startswith(tuple(prefixes)) or is_known(name, known):
            continue
        suggestion = closest_name(name, every)
        errors.append("%s is not a variable of fleetops.upgrade%s" % (
            name, "; did you mean %s?" % suggestion if suggestion else " (see ansible-doc -t role and docs/fleet.md)"))
    return errors


def role_file_names(role_dir, prefix):
    """Every name with ``prefix`` that a role's files mention (its options, defaults, registered results and facts)."""
    names = set()
    pattern = re.compile(r"\b%s[A-Za-z0-9_]*" % re.escape(prefix))
    for folder, _dirs, files in os.walk(role_dir):
        for file_name in files:
            if file_name.endswith((".yml", ".yaml", ".j2")):
                with open(os.path.join(folder, file_name), encoding="utf-8") as handle:
                    names.update(pattern.findall(handle.read()))
    return names


def variables_of_step(mapping, step):
    """``{option: variable}`` for one step: its own options, then ``common``'s, then any step's (a cycle's calls)."""
    names = {}
    for (each_step, option), variable in mapping.items():
        if each_step is not None and each_step != step:
            names.setdefault(option, variable)
    for (each_step, option), variable in mapping.items():
        if each_step is None:
            names[option] = variable
    for (each_step, option), variable in mapping.items():
        if each_step == step:
            names[option] = variable
    return names


def name_variables(msg, names):
    """``msg`` (an argument spec message) with the module options of ``names`` ({option: role variable}) replaced by
    the role variables the user set: ``argument 'wait_timeout' is of type...`` -> ``argument 'encedo_wait_timeout'
    ...``; ``one of the following is required: target_token, gateway_token`` -> ``... hawkbit_target_target_token,
    hawkbit_target_gateway_token``. Other words are left alone (an option called ``version`` is a common word)."""
    if not msg or not names:
        return msg

    def swap(match):
        return names.get(match.group(0), match.group(0))

    msg = _QUOTED.sub(lambda m: "'%s'" % names.get(m.group(1), m.group(1)), msg)
    msg = _LISTS.sub(lambda m: m.group(1) + _IDENTIFIER.sub(swap, m.group(2)), msg)
    return _VALUE_OF.sub(lambda m: m.group(1) + names.get(m.group(2), m.group(2)) + m.group(3), msg)


def is_argument_error(msg):
    """True for a message of an argument check (ansible-core's argument spec, a role's variables)."""
    return bool(msg) and bool(ARGUMENT_ERROR.search(str(msg)))


def empty(value):
    """True for a target that was not given: unset (the role default ``""``), ``""`` or null (an AWX survey's empty answer)."""
    return value is None or (isinstance(value, str) and not value.strip())


def target_notes(untargeted):
    """``["ui: no target set (encedo_ui_uis is empty)"]`` for ``[(step, variable)]``, each variable once."""
    notes, seen = [], set()
    for step, variable in untargeted:
        if variable not in seen:
            seen.add(variable)
            notes.append("%s: no target set (%s is empty)" % (step, variable))
    return notes


def no_target_error(untargeted):
    """The refusal of a device whose every target is empty."""
    variables = []
    for _step, variable in untargeted:
        if variable not in variables:
            variables.append(variable)
    return "no target set: %s %s empty, so there is nothing to upgrade to; set %s" % (
        " and ".join(variables), "is" if len(variables) == 1 else "are",
        variables[0] if len(variables) == 1 else "at least one of them")
