# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Task logic of hawkbit_poll, hawkbit_feedback, hawkbit_confirmation and hawkbit_config_data.

(hawkbit_artifact lives in ``_hawkbit_artifact.py``.) Each ``run_*`` takes the validated module
parameters and returns the module result or raises FleetopsError; nothing here imports Ansible.
"""

from __future__ import annotations

__metaclass__ = type

import time

from ._errors import FleetopsError, TaskError
from ._hawkbit import (HAWKBIT_COMMON_ARGS, HAWKBIT_MUTUALLY_EXCLUSIVE, HAWKBIT_REQUIRED_ONE_OF, HawkbitClient,
                       action_id_from_href, strongest_hash)
from ._wait import Poll, wait_until

EXECUTIONS = ("closed", "proceeding", "download", "downloaded", "canceled", "scheduled", "rejected", "resumed")
MESSAGE_LENGTH = 512
ATTRIBUTE_LENGTH = 128
MAX_ATTRIBUTES = 100


def hawkbit_spec(**options):
    """Argument spec of a hawkbit_* module: connection + auth + the module's own options."""
    spec = dict(argument_spec=dict(HAWKBIT_COMMON_ARGS, **options.pop("argument_spec")),
                mutually_exclusive=list(HAWKBIT_MUTUALLY_EXCLUSIVE) + options.pop("mutually_exclusive", []),
                required_one_of=list(HAWKBIT_REQUIRED_ONE_OF) + options.pop("required_one_of", []))
    spec.update(options)
    return spec


def client_from(params):
    return HawkbitClient.from_params(params)


# --------------------------------------------------------------------------- poll
def describe_artifact(artifact):
    links = artifact.get("_links") or {}
    download = links.get("download") or links.get("download-http") or {}
    md5sum = links.get("md5sum") or links.get("md5sum-http") or {}
    algorithm = strongest_hash(artifact.get("hashes"))[0]
    return {"filename": artifact.get("filename"), "size": artifact.get("size"), "hashes": dict(artifact.get("hashes") or {}),
            "strongest_hash": algorithm, "download_url": download.get("href"), "md5sum_url": md5sum.get("href")}


def describe_deployment(body):
    """The deployment (or confirmation/installed) resource in the shape modules and roles use."""
    deployment = body.get("deployment") or {}
    chunks = [{"part": chunk.get("part"), "name": chunk.get("name"), "version": chunk.get("version"),
               "metadata": {m.get("key"): m.get("value") for m in chunk.get("metadata") or [] if isinstance(m, dict)},
               "artifacts": [describe_artifact(a) for a in chunk.get("artifacts") or []]}
              for chunk in deployment.get("chunks") or []]
    result = {"id": str(body.get("id")) if body.get("id") is not None else None,
              "download": deployment.get("download"), "update": deployment.get("update"),
              "maintenance_window": deployment.get("maintenanceWindow"), "chunks": chunks}
    if body.get("actionHistory"):
        result["action_history"] = body["actionHistory"]
    return result


def read_poll(client, poll, action_history=0):
    """Poll result -> module result fields (follows the action link for its details)."""
    kind, action_id, href = poll.open_action()
    installed_href = poll.href("installedBase")
    result = {"not_modified": False, "etag": poll.etag, "sleep": poll.sleep,
              "action": {"type": kind, "id": action_id, "url": href},
              "config_data_requested": bool(poll.href("configData")),
              "installed_action": {"id": action_id_from_href(installed_href), "url": installed_href} if installed_href else None,
              "deployment": None, "cancel": None}
    if kind == "deployment":
        result["deployment"] = describe_deployment(client.deployment_base(href, action_history))
    elif kind == "confirmation":
        result["deployment"] = describe_deployment(client.confirmation_base_action(href, action_history))
    elif kind == "cancel":
        body = client.cancel_action(href)
        result["cancel"] = {"stop_id": str((body.get("cancelAction") or {}).get("stopId", action_id))}
    return result


POLL_SPEC = hawkbit_spec(argument_spec=dict(
    etag=dict(type="str"),
    action_history=dict(type="int", default=0),
    wait_for_action=dict(type="bool", default=False),
    wait_timeout=dict(type="int", default=600),
))


def run_poll(params, check_mode=False, diff=False):
    client = client_from(params)
    try:
        if params["wait_for_action"]:
            poll, waited = wait_for_action(client, params["wait_timeout"])
        else:
            poll, waited = client.base_poll(params["etag"]), None
        if poll.not_modified:
            return {"changed": False, "not_modified": True, "etag": poll.etag, "sleep": None, "action": None,
                    "msg": "nothing changed on the server since ETag %s" % poll.etag}
        result = read_poll(client, poll, params["action_history"])
    finally:
        client.close()
    result["changed"] = False
    if waited is not None:
        result["waited"] = waited
    action = result["action"]
    result["msg"] = "no open action" if action["type"] == "none" else "open %s action %s" % (action["type"], action["id"])
    return result


def wait_for_action(client, timeout, clock=None, sleep=None):
    """Poll, never faster than the server's sleep, until it offers an action."""
    clock, sleep = clock or time.monotonic, sleep or time.sleep

    def probe():
        poll = client.base_poll()
        kind = poll.open_action()[0]
        return Poll(kind != "none", "no open action (server sleep %ss)" % poll.sleep, poll, next_interval=poll.sleep)
    outcome, waited = wait_until(probe, "the server to offer an action", timeout, interval=1, clock=clock, sleep=sleep)
    return outcome.value, waited


# --------------------------------------------------------------------------- feedback
def fit_details(details, max_messages):
    """Messages as the server stores them: split at 512 characters, at most ``max_messages`` pieces."""
    pieces = []
    for detail in details or []:
        text = str(detail)
        pieces.extend(text[i:i + MESSAGE_LENGTH] for i in range(0, max(len(text), 1), MESSAGE_LENGTH))
    if len(pieces) > max_messages:
        dropped = len(pieces) - max_messages + 1
        pieces = pieces[:max_messages - 1] + ["... %d more message(s) not sent (server quota)" % dropped]
    return pieces


def feedback_status(params):
    result = {"finished": params["finished"]}
    if params["progress"]:
        result["progress"] = {"cnt": params["progress"]["cnt"], "of": params["progress"]["of"]}
    status = {"execution": params["execution"], "result": result}
    if params["code"] is not None:
        status["code"] = params["code"]
    details = fit_details(params["details"], params["max_details"])
    if details:
        status["details"] = details
    return status


FEEDBACK_SPEC = hawkbit_spec(argument_spec=dict(
    action_id=dict(type="str", required=True),
    kind=dict(type="str", default="deployment", choices=["deployment", "cancel"]),
    execution=dict(type="str", required=True, choices=list(EXECUTIONS)),
    finished=dict(type="str", default="none", choices=["success", "failure", "none"]),
    progress=dict(type="dict", options=dict(cnt=dict(type="int", required=True), of=dict(type="int", required=True))),
    code=dict(type="int"),
    details=dict(type="list", elements="str", default=[]),
    max_details=dict(type="int", default=20),
))


def run_feedback(params, check_mode=False, diff=False):
    if not 1 <= params["max_details"] <= 50:
        raise FleetopsError("max_details must be between 1 and 50 (the server keeps at most 50 messages per status)")
    status = feedback_status(params)
    action_id = params["action_id"]
    closing = params["execution"] == "closed"
    client = client_from(params)
    try:
        if check_mode:
            return predict_feedback(client, params, status)
        send = client.cancel_feedback if params["kind"] == "cancel" else client.deployment_feedback
        outcome = send(action_id, status)
    finally:
        client.close()
    if outcome == "gone":
        if not closing:
            raise TaskError("the server says %s action %s is already closed (410): %s feedback is not accepted any more"
                            % (params["kind"], action_id, params["execution"]), action_closed=True)
        return {"changed": False, "action_closed": True, "feedback": status,
                "msg": "%s action %s was already closed on the server (410); nothing sent" % (params["kind"], action_id)}
    return {"changed": True, "action_closed": closing and not (params["kind"] == "cancel" and params["finished"] == "failure"),
            "feedback": status, "msg": "sent %s/%s for %s action %s" % (params["execution"], params["finished"], params["kind"], action_id)}


def predict_feedback(client, params, status):
    """Check mode: a closing feedback to an action the server no longer offers would be answered 410."""
    kind, open_id = client.base_poll().open_action()[:2]
    offered = open_id == params["action_id"] and kind == params["kind"]
    if not offered and params["execution"] == "closed":
        return {"changed": False, "action_closed": True, "feedback": status,
                "msg": "%s action %s is not open on the server; a closing feedback would change nothing" % (params["kind"], params["action_id"])}
    return {"changed": True, "action_closed": False, "feedback": status,
            "msg": "would send %s/%s for %s action %s" % (params["execution"], params["finished"], params["kind"], params["action_id"])}


# --------------------------------------------------------------------------- confirmation
CONFIRMATION_SPEC = hawkbit_spec(
    argument_spec=dict(
        action_id=dict(type="str"),
        confirmation=dict(type="str", choices=["confirmed", "denied"]),
        auto_confirm=dict(type="bool"),
        initiator=dict(type="str", default="ansible"),
        remark=dict(type="str"),
        code=dict(type="int"),
        details=dict(type="list", elements="str", default=[]),
    ),
    required_one_of=[("confirmation", "auto_confirm")],
    required_together=[("action_id", "confirmation")],
)


def run_confirmation(params, check_mode=False, diff=False):
    client = client_from(params)
    result = {"changed": False, "msg": []}
    before, after = {}, {}
    try:
        if params["auto_confirm"] is not None:
            set_auto_confirm(client, params, check_mode, result, before, after)
        if params["confirmation"]:
            answer_confirmation(client, params, check_mode, result, before, after)
    finally:
        client.close()
    result["msg"] = "; ".join(result["msg"])
    if diff:
        result["diff"] = {"before": before, "after": after}
    return result


def set_auto_confirm(client, params, check_mode, result, before, after):
    info = client.confirmation_base()
    active = bool((info.get("autoConfirm") or {}).get("active"))
    wanted = params["auto_confirm"]
    before["auto_confirm"], after["auto_confirm"] = active, wanted
    result["auto_confirm"] = wanted
    if active == wanted:
        result["msg"].append("auto-confirm already %s" % ("on" if active else "off"))
        return
    result["changed"] = True
    result["msg"].append("%sauto-confirm turned %s" % ("(check mode) " if check_mode else "", "on" if wanted else "off"))
    if check_mode:
        return
    links = info.get("_links") or {}
    if wanted:
        href = (links.get("activateAutoConfirm") or {}).get("href")
        client.activate_auto_confirm(href, params["initiator"], params["remark"])
    else:
        client.deactivate_auto_confirm((links.get("deactivateAutoConfirm") or {}).get("href"))


def answer_confirmation(client, params, check_mode, result, before, after):
    action_id, wanted = params["action_id"], params["confirmation"]
    kind, open_id = client.base_poll().open_action()[:2]
    state = "waiting" if kind == "confirmation" and open_id == action_id else \
        "running" if open_id == action_id and kind in ("deployment", "cancel") else "not open"
    before["action_%s" % action_id] = state
    result["action_state"] = state
    if state == "running":
        if wanted == "denied":
            raise TaskError("action %s is already confirmed and running; it can no longer be denied (cancel it on the server)" % action_id,
                            action_state=state)
        after["action_%s" % action_id] = state
        result["msg"].append("action %s is already confirmed" % action_id)
        return
    if state == "not open":
        after["action_%s" % action_id] = state
        result["msg"].append("action %s is not waiting for confirmation (closed or unknown); nothing to answer" % action_id)
        return
    after["action_%s" % action_id] = "running" if wanted == "confirmed" else "waiting"
    result["changed"] = True
    if check_mode:
        result["msg"].append("(check mode) would answer %s for action %s" % (wanted, action_id))
        return
    outcome = client.confirmation_feedback(action_id, wanted, params["code"], fit_details(params["details"], 50))
    if outcome == "gone":
        result["changed"] = False
        result["msg"].append("action %s was closed meanwhile (410)" % action_id)
        return
    result["action_state"] = after["action_%s" % action_id]
    result["msg"].append("answered %s for action %s" % (wanted, action_id))


# --------------------------------------------------------------------------- config data
CONFIG_DATA_SPEC = hawkbit_spec(argument_spec=dict(
    data=dict(type="dict", required=True),
    mode=dict(type="str", default="merge", choices=["merge", "replace", "remove"]),
    only_when_requested=dict(type="bool", default=True),
))


def check_attributes(data):
    if len(data) > MAX_ATTRIBUTES:
        raise FleetopsError("data has %d attributes; DDI servers keep at most %d per target" % (len(data), MAX_ATTRIBUTES))
    clean = {}
    for key, value in data.items():
        text = "" if value is None else str(value)
        if not key or len(key) > ATTRIBUTE_LENGTH or len(text) > ATTRIBUTE_LENGTH:
            raise FleetopsError("attribute %r: keys must be 1..%d and values at most %d characters" % (key[:40], ATTRIBUTE_LENGTH, ATTRIBUTE_LENGTH))
        clean[key] = text
    return clean


def run_config_data(params, check_mode=False, diff=False):
    data = check_attributes(params["data"])
    client = client_from(params)
    try:
        poll = client.base_poll()
        href = poll.href("configData")
        if href is None and params["only_when_requested"]:
            return {"changed": False, "requested": False, "sent": False,
                    "msg": "the server did not ask for config data; nothing sent"}
        result = {"changed": True, "requested": href is not None, "sent": not check_mode, "mode": params["mode"], "data": data}
        if diff:
            result["diff"] = {"before": {}, "after": {"mode": params["mode"], "attributes": data}}
        if check_mode:
            result["msg"] = "would send %d attribute(s) (%s)" % (len(data), params["mode"])
            return result
        client.put_config_data(data, params["mode"], href)
    finally:
        client.close()
    result["msg"] = "sent %d attribute(s) (%s)" % (len(data), params["mode"])
    return result
