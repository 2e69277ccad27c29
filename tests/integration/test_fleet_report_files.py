"""The fleet report files of playbooks/upgrade.yml: JSON schema, HTML in headless Chromium, JUnit, set_stats."""

import os
import re
import shutil
import struct
import subprocess
import zlib
from xml.etree import ElementTree

import pytest

from tests.integration.fleet_support import by_host, encedo_fleet, run_fleet
from tests.integration.test_fleet_rollout import UNREACHABLE

STATUSES = {"upgraded", "unchanged", "failed", "unreachable", "not_attempted", "refused"}


@pytest.fixture(scope="module")
def fleet_run(encedo_process, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("fleet-report")

    def images(component, version, name=None, **kwargs):
        from tests.simulators.encedo import build_image
        path = tmp_path / (name or "%s-%s" % (component, version))
        return str(path), build_image(str(path), component, version, **kwargs)

    names, inventory = encedo_fleet(
        encedo_process, images,
        {"a1": {"firmware": "1.2.2"}, "a2": {"firmware": "1.2.2", "check_fails": True}, "a3": {"firmware": "1.2.2"},
         "b1": {"firmware": "1.3.0"}},
        sites={"site_a": ["a1", "a2", "a3", "noclass"], "site_b": ["b1", "gone"]},
        extra_hosts={"noclass": {}, "gone": UNREACHABLE})
    run, report = run_fleet(inventory, tmp_path, fleetops_batch=1)
    return run, report, tmp_path / "reports"


def test_json_report_lists_every_host_once_with_the_documented_fields(fleet_run):
    run, report, directory = fleet_run
    assert set(report) >= {"schema_version", "check_mode", "started", "ended", "duration", "settings", "batches",
                           "budget", "summary", "hosts"}
    hosts = by_host(report)
    assert len(hosts) == 6 and {e["status"] for e in hosts.values()} == STATUSES
    assert [e["status"] for e in report["hosts"]][:3] == ["failed", "unreachable", "refused"]  # failures first
    assert hosts["b1"]["site"] == "site_b" and hosts["gone"]["site"] == "site_b"
    for entry in report["hosts"]:
        assert {"host", "device_class", "site", "status", "components", "batch", "msg"} <= set(entry)
    assert report["duration"] >= 0 and report["started"] <= report["ended"]


def test_junit_has_one_case_per_device(fleet_run):
    run, report, directory = fleet_run
    suite = ElementTree.parse(str(directory / "fleet-report.xml")).getroot().find("testsuite")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert set(cases) == {"a1", "a2", "a3", "b1", "noclass", "gone"}
    assert suite.get("tests") == "6" and suite.get("failures") == "3" and suite.get("skipped") == "1"
    assert cases["a2"].get("classname") == "encedo" and "check failed" in cases["a2"].find("failure").get("message")
    assert cases["gone"].find("failure") is not None and cases["a3"].find("skipped") is not None
    assert cases["a1"].find("failure") is None and cases["noclass"].get("classname") == "unknown"


def test_set_stats_payload_goes_to_the_run_stats(fleet_run):
    run, report, directory = fleet_run
    payload = run.data["custom_stats"]["_run"]["fleetops_report"]
    assert payload["summary"] == report["summary"]
    assert {h["host"]: h["status"] for h in payload["hosts"]} == {e["host"]: e["status"] for e in report["hosts"]}
    assert payload["hosts_truncated"] == 0 and payload["awx"] is None
    assert payload["by_class"]["encedo"] == {"failed": 1, "unreachable": 1, "not_attempted": 1, "upgraded": 1, "unchanged": 1}
    assert "check failed" in next(h for h in payload["hosts"] if h["host"] == "a2")["msg"]


def chromium(*args):
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.fail("the HTML report test needs headless Chromium (Debian package 'chromium')")
    return subprocess.run([binary, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1200,1400",
                           "--user-data-dir=%s" % os.environ.get("TMPDIR", "/tmp") + "/fleet-chromium", *args],
                          capture_output=True, text=True, timeout=120, check=False)


def png_pixels(path):
    """(width, height, rows of RGB tuples) of an 8-bit RGB or RGBA PNG (what Chromium writes)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, idat, header = 8, b"", None
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        chunk = data[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        offset += 12 + length
    width, height, depth, colour = header[:4]
    assert depth == 8 and colour in (2, 6)
    step = 3 if colour == 2 else 4
    raw, stride, rows, previous = zlib.decompress(idat), width * step, [], bytearray(width * step)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - step] if i >= step else 0
            up, corner = previous[i], previous[i - step] if i >= step else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, step)])
        previous = line
    return width, height, rows


def test_html_report_in_headless_chromium(fleet_run, tmp_path):
    run, report, directory = fleet_run
    page = directory / "fleet-report.html"
    text = page.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", text), "the page must be self-contained"
    dom = chromium("--dump-dom", page.as_uri()).stdout
    visible = re.sub(r"<[^>]+>", " ", dom)
    assert "Fleet rollout report" in visible and "Rollout stopped" in visible
    for status in ("upgraded", "unchanged", "failed", "unreachable", "not attempted", "refused"):
        assert re.search(r"\b1\s*</b>\s*%s" % status, dom), status
    table = dom[dom.index("<tbody>"):]
    order = [re.search(r"<td>%s</td>" % h, table).start() for h in ("a2", "gone", "noclass", "a3", "a1", "b1")]
    assert order == sorted(order), "failures first, then not attempted, upgraded, unchanged"
    assert "<svg" in dom and "encedo before" in visible and "encedo after" in visible
    shot = tmp_path / "report.png"
    chromium("--screenshot=%s" % shot, page.as_uri())
    width, height, rows = png_pixels(str(shot))
    assert (width, height) == (1200, 1400)
    colours = {pixel for row in rows[::4] for pixel in row[::4]}
    assert (0xc6, 0x28, 0x28) in colours, "the red 'failed' card is on screen"
    assert (0x2e, 0x7d, 0x32) in colours, "the green 'upgraded' card is on screen"
