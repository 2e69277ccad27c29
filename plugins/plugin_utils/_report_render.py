# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the collection's reports look: the fleet report of ``upgrade.yml`` and the drift report of ``status.yml``,
rendered from their documents for people and tools, and their files written.

Each report is built elsewhere (``_fleet_report.build_report``, ``_drift.report``) as a JSON-ready document; here it
becomes printed lines, JUnit cases (through the one writer, ``_junit.py``), the fleet report's HTML page and its
``set_stats`` payload. Both reports share the words and lines for counts and versions, and ``write_report_files``,
which writes each file atomically and names the file that could not be written.
"""

from __future__ import annotations

__metaclass__ = type

import html
import json
import os
import re

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._awx import awx_job, report_key
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._drift import STATUSES as DRIFT_STATUSES
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._junit import JUnitCase

SET_STATS_MAX_HOSTS = 100


# ------------------------------------------------------------------------------------------ shared
def status_word(status):
    """``not_attempted`` -> ``not attempted``: a status as a person reads it."""
    return status.replace("_", " ")


def count_line(counts, statuses):
    """``3 upgraded, 0 unchanged, 1 failed``: the count of each of ``statuses``, in that order."""
    return ", ".join("%d %s" % (counts.get(status, 0), status_word(status)) for status in statuses)


def versions_text(components, key):
    """``firmware 1.3.0, ui abc``: each component with its ``key`` version (``from``, ``to``); ``-`` for none."""
    return ", ".join("%s %s" % (c.get("component"), c.get(key) if c.get(key) is not None else "unknown")
                     for c in components or []) or "-"


class ReportWriteError(OSError):
    """A report file that could not be written; the message names the file."""


def write_report_files(what, directory, writers):
    """Create ``directory`` and write the report's files, each atomically: ``writers`` maps a kind to ``(file name,
    write(path))``; returns {kind: path}. A file that cannot be written raises ReportWriteError naming it (``what``:
    "fleet report") and leaves the files before it written."""
    paths = {kind: os.path.join(directory, name) for kind, (name, _write) in writers.items()}
    for kind, (_name, write) in writers.items():
        try:
            os.makedirs(directory, exist_ok=True)
            write(paths[kind])
        except OSError as exc:
            raise ReportWriteError("the %s file %s could not be written: %s" % (what, paths[kind], exc.strerror or exc)) from None
    return paths


# ------------------------------------------------------------------------------------------ fleet: lines
def fleet_summary_statuses(report):
    """The statuses the summary line and the HTML tiles count: a preview counts ``would_upgrade`` where a real run
    counts ``upgraded``; ``downloaded`` is shown when a device ended so."""
    counts = report["summary"]
    first = ["would_upgrade"] if report["check_mode"] else ["upgraded"] + (["downloaded"] if counts.get("downloaded") else [])
    return first + ["unchanged", "failed", "unreachable", "not_attempted", "refused"]


def fleet_summary_lines(report):
    """The printed summary: one line per device that needs attention or changed, then the counts."""
    lines = []
    for entry in report["hosts"]:
        label = "%s [%s]" % (entry["host"], entry.get("device_class") or "no class")
        status = entry["status"]
        if status in ("upgraded", "would_upgrade", "downloaded"):
            verb = "would upgrade" if status == "would_upgrade" or report["check_mode"] else status
            lines.append("%s %s: %s -> %s" % (label, verb, versions_text(entry["components"], "from"),
                                              versions_text(entry["components"], "to")))
        elif status == "unchanged":
            lines.append("%s unchanged: %s%s" % (label, versions_text(entry["components"], "to"),
                                                 " (done by the previous run)" if entry.get("already_done") else ""))
        else:
            lines.append("%s %s: %s%s" % (label, status.upper().replace("_", " "), entry.get("msg", ""),
                                          "; device state: %s" % entry["device_state"]
                                          if entry.get("device_state") and "device state" not in entry.get("msg", "") else ""))
        lines.extend("%s warning: %s" % (label, warning) for warning in entry.get("warnings") or ())
    noted = {}
    for entry in report["hosts"]:
        for note in entry.get("notes") or ():
            noted.setdefault(note, []).append(entry["host"])
    lines.extend("%s on %d device(s) (%s): that step was skipped" % (note, len(hosts), ", ".join(hosts[:5]) + (", ..." if len(hosts) > 5 else ""))
                 for note, hosts in sorted(noted.items()))
    lines.append(count_line(report["summary"], fleet_summary_statuses(report))
                 + (" (check mode: nothing was changed)" if report["check_mode"] else ""))
    if report["budget"]["stopped"]:
        lines.append("rollout stopped: %s" % report["budget"]["reason"])
    return lines


# ------------------------------------------------------------------------------------------ fleet: tools
_FLEET_JUNIT_OUTCOMES = {"upgraded": "passed", "would_upgrade": "passed", "downloaded": "passed", "unchanged": "passed",
                         "failed": "failure", "unreachable": "failure", "refused": "failure", "not_attempted": "skipped"}


def fleet_junit_cases(report):
    """One JUnit case per device: a failing end is a failure, ``not_attempted`` is skipped, every other end passed."""
    cases = []
    for entry in report["hosts"]:
        outcome = _FLEET_JUNIT_OUTCOMES[entry["status"]]
        text = "\n".join("%s: %s" % (k, entry[k]) for k in ("status", "msg", "device_state", "step") if entry.get(k))
        total = sum((entry.get("durations") or {}).values()) or None
        cases.append(JUnitCase(
            name=entry["host"], classname=entry.get("device_class") or "unknown", outcome=outcome,
            message=entry.get("msg", "") if outcome != "passed" else "",
            text=text if outcome == "failure" else "",
            time=round(total, 3) if total else None,
            system_out="\n".join(
                ["%s: %s -> %s" % (entry["status"], versions_text(entry["components"], "from"),
                                   versions_text(entry["components"], "to"))]
                + (["downloaded, not installed: %s" % entry.get("msg", "")] if entry["status"] == "downloaded" else [])
                + ["warning: %s" % w for w in entry.get("warnings") or ()])))
    return cases


def fleet_stats_payload(report, task_vars, max_hosts=SET_STATS_MAX_HOSTS):
    """The set_stats data: ``{report_key(task_vars): bounded report with "awx": awx_job(task_vars)}``.

    The key is ``fleetops_report``, or ``fleetops_report_<awx_job_id>`` inside an AWX workflow so that
    the slices of a sliced job do not replace each other (see ``_awx.py``). The report is bounded
    whatever the fleet size: summary, settings and per-class counts always; the device list keeps the
    failing devices first and stops after ``max_hosts`` entries (``hosts_truncated`` says how many were
    left out; fleet-report.json has them all). Each entry is short: host, class, status, site, batch,
    and msg for devices that did not end upgraded or unchanged.
    """
    by_class = {}
    for entry in report["hosts"]:
        counts = by_class.setdefault(entry.get("device_class") or "none", {})
        counts[entry["status"]] = counts.get(entry["status"], 0) + 1
    kept = []
    for entry in report["hosts"][:max_hosts]:
        short = {k: entry.get(k) for k in ("host", "device_class", "status", "site", "batch")}
        if entry["status"] not in ("upgraded", "would_upgrade", "unchanged"):
            short["msg"] = (entry.get("msg") or "")[:300]
        if entry.get("warnings"):
            short["warnings"] = [w[:300] for w in entry["warnings"][:5]]
        kept.append(short)
    bounded = {k: report[k] for k in ("schema_version", "check_mode", "started", "ended", "duration", "settings",
                                      "batches", "budget", "summary")}
    bounded.update(by_class=by_class, hosts=kept, hosts_truncated=max(len(report["hosts"]) - max_hosts, 0),
                   awx=awx_job(task_vars))
    return {report_key(task_vars): bounded}


# ------------------------------------------------------------------------------------------ fleet: HTML
_COLOURS = {"upgraded": "#2e7d32", "would_upgrade": "#1565c0", "downloaded": "#00838f", "unchanged": "#607d8b",
            "failed": "#c62828", "unreachable": "#ef6c00", "not_attempted": "#757575", "refused": "#6a1b9a"}
# distinct colours for the versions of one class (ColorBrewer-like qualitative set, all readable on white);
# a class with more versions gets evenly spaced hues instead, so no two of its versions share a colour
_VERSION_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                    "#bcbd22", "#17becf", "#393b79", "#637939")
_NONE_SPELLINGS = ("", "none", "null")
_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;color:#222}
h1{font-size:1.4em;margin:0 0 4px} .meta{color:#555;margin-bottom:16px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin-bottom:20px}
.card{border-radius:6px;padding:10px 14px;color:#fff;min-width:110px}
.card b{display:block;font-size:1.6em}
table{border-collapse:collapse;width:100%;font-size:.9em} th,td{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3} .status{font-weight:bold} .stop{background:#fff3e0;border-left:4px solid #ef6c00;padding:8px 12px;margin-bottom:16px}
.chart{margin-bottom:20px} .chart h2,.devices h2{font-size:1.1em}
.warning{color:#8a5300;display:block;margin-top:2px}
"""


def version_label(value):
    """A version as the chart shows it: null, "None", "none", "" and "null" are all ``none``."""
    text = "" if value is None else str(value).strip()
    return "none" if text.lower() in _NONE_SPELLINGS else text


def versions_per_class(report):
    """{class: {"before": {version: count}, "after": {version: count}}} (components joined per device)."""
    chart = {}
    for entry in report["hosts"]:
        if not entry.get("components"):
            continue
        per = chart.setdefault(entry.get("device_class") or "none", {"before": {}, "after": {}})
        for side, key in (("before", "from"), ("after", "to")):
            if side == "after" and entry["status"] not in ("upgraded", "would_upgrade", "unchanged"):
                key = "from"  # a device that did not upgrade (or only downloaded) still runs what it ran
            label = " / ".join(version_label(c.get(key)) for c in entry["components"])
            per[side][label] = per[side].get(label, 0) + 1
    return chart


def version_order(label):
    """Sort key that puts 1.9.0 before 1.10.0 (numbers compared as numbers), ``none`` first."""
    return (label != "none", [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", label)])


def version_colours(versions):
    """{version: colour} with a colour of its own for each of ``versions`` (the versions of one class, in order)."""
    versions = list(versions)
    if len(versions) <= len(_VERSION_PALETTE):
        return dict(zip(versions, _VERSION_PALETTE))
    # hues a golden angle apart (every one different, neighbours far apart), two lightnesses alternating
    return {v: "hsl(%.1f,70%%,%d%%)" % (i * 137.508 % 360, 38 if i % 2 else 50) for i, v in enumerate(versions)}


def _chart_svg(report):
    chart = versions_per_class(report)
    if not chart:
        return "<p>No device reported versions.</p>"
    colours = {cls: version_colours(sorted({v for side in per.values() for v in side}, key=version_order))
               for cls, per in chart.items()}
    width, bar_h, gap, left = 720, 18, 10, 190
    height = 10 + sum(2 * (bar_h + gap) + 6 + 18 * len(colours[cls]) + 12 for cls in chart)
    parts = ['<svg role="img" aria-label="versions before and after per device class" '
             'width="%d" height="%d" font-size="12">' % (width, height)]
    y = 10
    for cls in sorted(chart):
        colour = colours[cls]
        for side in ("before", "after"):
            counts = chart[cls][side]
            total = sum(counts.values()) or 1
            parts.append('<text x="0" y="%d">%s %s</text>' % (y + 13, html.escape(cls), side))
            x = left
            for version in sorted(counts, key=version_order):
                w = (width - left - 10) * counts[version] / total
                parts.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>%s: %d</title></rect>'
                             % (x, y, w, bar_h, colour[version], html.escape(version), counts[version]))
                if w > 24:
                    parts.append('<text x="%.1f" y="%d" fill="#fff">%d</text>' % (x + 4, y + 13, counts[version]))
                x += w
            y += bar_h + gap
        y += 6
        for version in colour:
            parts.append('<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">%s</text>'
                         % (left, y, colour[version], left + 18, y + 11, html.escape(version)))
            y += 18
        y += 12
    parts.append("</svg>")
    return "".join(parts)


def fleet_report_html(report):
    """One self-contained page: no external script, style, font or image."""
    esc = html.escape
    counts = report["summary"]
    cards = "".join('<div class="card" style="background:%s"><b>%d</b>%s</div>'
                    % (_COLOURS[s], counts.get(s, 0), esc(status_word(s))) for s in fleet_summary_statuses(report))
    rows = []
    for entry in report["hosts"]:
        rows.append("<tr><td>%s</td><td>%s</td><td>%s</td><td class=\"status\" style=\"color:%s\">%s</td><td>%s</td>"
                    "<td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>" % (
                        esc(entry["host"]), esc(entry.get("device_class") or "-"), esc(entry.get("site") or "-"),
                        _COLOURS[entry["status"]], esc(entry["status"]), esc(str(entry.get("batch") or "-")),
                        esc(versions_text(entry.get("components"), "from")), esc(versions_text(entry.get("components"), "to")),
                        esc(entry.get("msg") or "") + "".join('<span class="warning">%s</span>' % esc(w) for w in
                                                              ["warning: %s" % w for w in entry.get("warnings") or ()]
                                                              + list(entry.get("notes") or ())),
                        esc(entry.get("device_state") or "")))
    stop = ('<div class="stop">Rollout stopped: %s</div>' % esc(report["budget"]["reason"])) if report["budget"]["stopped"] else ""
    title = "Fleet rollout report" + (" (check mode preview)" if report["check_mode"] else "")
    return """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>%s</title><style>%s</style></head>
<body><h1>%s</h1>
<div class="meta">started %s, ended %s; %d devices in %d batch(es); canary %s, batch %s, max failures %s</div>
%s<div class="cards">%s</div>
<div class="chart"><h2>Versions before and after, per device class</h2>%s</div>
<div class="devices"><h2>Devices (failures first)</h2>
<table><thead><tr><th>host</th><th>class</th><th>site</th><th>status</th><th>batch</th><th>from</th><th>to</th>
<th>message</th><th>device state</th></tr></thead>
<tbody>%s</tbody></table></div></body></html>
""" % (esc(title), _CSS, esc(title), esc(str(report["started"])), esc(str(report["ended"])), counts["total"],
       report["batches"], esc(str(report["settings"]["canary"])), esc(json.dumps(report["settings"]["batch"])),
       esc(str(report["settings"]["max_failures"])), stop, cards, _chart_svg(report), "\n".join(rows))


# ------------------------------------------------------------------------------------------ drift
def drift_status_lines(document):
    """One line per host: what it runs (model, versions, health), like the survey always printed."""
    lines = []
    for entry in document["hosts"]:
        label = entry["device_class"] if entry["status"] != "unknown_class" else status_word(entry["status"])
        if entry["model"] is None:
            lines.append("%s [%s] %s" % (entry["host"], label, entry["msg"]))
        else:
            versions = ", ".join("%s %s" % (name, version) for name, version in entry["versions"].items())
            lines.append("%s [%s] %s %s; %s" % (entry["host"], label, entry["model"], versions, entry["health"]))
    return lines


def drift_summary_line(document):
    """``1 in sync, 2 drifted, 0 unreachable, 0 unknown class``."""
    return count_line(document["summary"], DRIFT_STATUSES)


def drift_lines(document):
    """One line per host (status and reason), then the summary line."""
    lines = ["%s: %s%s" % (e["host"], status_word(e["status"]), "" if e["status"] == "in_sync" else ": " + e["msg"])
             for e in document["hosts"]]
    return lines + [drift_summary_line(document)]


def drift_junit_cases(document):
    """One JUnit case per device: drifted is a failure, unreadable and classless devices are errors."""
    cases = []
    for entry, line in zip(document["hosts"], drift_status_lines(document)):
        outcome = {"in_sync": "passed", "drifted": "failure"}.get(entry["status"], "error")
        details = "\n".join("%s: wanted %s, runs %s" % (c["component"], c["wanted"] or "(not managed)", c["actual"])
                            for c in entry["components"])
        cases.append(JUnitCase(name=entry["host"], classname=entry["device_class"] or "unknown", outcome=outcome,
                               message="" if outcome == "passed" else "%s: %s" % (status_word(entry["status"]), entry["msg"]),
                               text=details if outcome == "failure" else "", system_out=line))
    return cases
