"""hawkbit_artifact task logic: verified, atomic, resumable downloads; unsafe names refused."""

import hashlib
import os

import pytest

from ansible_collections.fleetops.upgrade.plugins.module_utils._errors import TaskError
from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_artifact import ARTIFACT_SPEC, run_artifact
from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_tasks import POLL_SPEC, run_poll

DATA = bytes(range(256)) * 4000  # 1 024 000 bytes


def deploy(simulator, cid, *artifacts, part="os"):
    return simulator.create_deployment(cid, {"chunks": [{"part": part, "version": "2.0", "artifacts": list(artifacts)}]})


def downloads(simulator):
    return [e for e in simulator.requests_for() if "/artifacts/" in e["path"]]


def test_download_verify_and_idempotence(target, params, tmp_path):
    simulator, url, cid = target
    action = deploy(simulator, cid, {"filename": "fw.bin", "content": DATA}, {"filename": "fw.sig", "content": b"sig"})
    options = dict(action_id=str(action.id), dest=str(tmp_path))
    result = run_artifact(params(ARTIFACT_SPEC, url, **options))
    path = tmp_path / "os" / "fw.bin"
    assert result["changed"] and path.read_bytes() == DATA and result["bytes_downloaded"] == len(DATA) + 3
    assert result["paths"] == {"os": [str(path), str(tmp_path / "os" / "fw.sig")]}
    assert result["artifacts"][0]["hash_algorithm"] == "sha256"
    assert not [p for p in os.listdir(tmp_path / "os") if p.endswith(".part")]
    again = run_artifact(params(ARTIFACT_SPEC, url, **options), diff=True)
    assert again["changed"] is False and again["bytes_downloaded"] == 0 and len(downloads(simulator)) == 2
    assert again["diff"]["before"] == again["diff"]["after"]


def test_chunks_from_poll_and_filters(target, params, tmp_path):
    simulator, url, cid = target
    simulator.create_deployment(cid, {"chunks": [
        {"part": "os", "artifacts": [{"filename": "a.bin", "content": b"a"}]},
        {"part": "app", "artifacts": [{"filename": "a.bin", "content": b"b"}, {"filename": "c.bin", "content": b"c"}]}]})
    chunks = run_poll(params(POLL_SPEC, url))["deployment"]["chunks"]
    simulator.clear_log()
    result = run_artifact(params(ARTIFACT_SPEC, url, chunks=chunks, dest=str(tmp_path), parts=["app"], names=["a.bin"]))
    assert [a["path"] for a in result["artifacts"]] == [str(tmp_path / "app" / "a.bin")]
    assert (tmp_path / "app" / "a.bin").read_bytes() == b"b"
    assert len(simulator.requests_for()) == 1  # no poll: the chunks were given
    with pytest.raises(TaskError) as caught:
        run_artifact(params(ARTIFACT_SPEC, url, chunks=chunks, dest=str(tmp_path), names=["a.bin"], per_part_dirs=False))
    assert "two artifacts" in caught.value.msg


def test_check_mode_downloads_nothing(target, params, tmp_path):
    simulator, url, cid = target
    action = deploy(simulator, cid, {"filename": "fw.bin", "content": DATA})
    result = run_artifact(params(ARTIFACT_SPEC, url, action_id=str(action.id), dest=str(tmp_path)), check_mode=True)
    assert result["changed"] and "would download" in result["msg"]
    assert downloads(simulator) == [] and not (tmp_path / "os").exists()


@pytest.mark.parametrize("name", ["../escape.bin", "..", "a/b.bin", "a\\b.bin"])
def test_path_traversal_is_refused_before_any_download(target, params, tmp_path, name):
    simulator, url = target[:2]
    chunks = [{"part": "os", "artifacts": [
        {"filename": "ok.bin", "size": 1, "hashes": {"sha1": "0" * 40}, "download_url": url + "/x"},
        {"filename": name, "size": 1, "hashes": {"sha1": "0" * 40}, "download_url": url + "/y"}]}]
    with pytest.raises(TaskError) as caught:
        run_artifact(params(ARTIFACT_SPEC, url, chunks=chunks, dest=str(tmp_path / "dl")))
    assert "refused" in caught.value.msg and simulator.requests_for() == []
    assert not (tmp_path / "escape.bin").exists()
    with pytest.raises(TaskError):
        run_artifact(params(ARTIFACT_SPEC, url, chunks=[{"part": "../up", "artifacts": chunks[0]["artifacts"][:1]}], dest=str(tmp_path)))


def test_a_cut_download_resumes_with_range_in_the_same_run(target, params, tmp_path):
    simulator, url, cid = target
    action = deploy(simulator, cid, {"filename": "fw.bin", "content": DATA, "cut_after": len(DATA) // 2})
    result = run_artifact(params(ARTIFACT_SPEC, url, action_id=str(action.id), dest=str(tmp_path)))
    assert (tmp_path / "os" / "fw.bin").read_bytes() == DATA
    item = result["artifacts"][0]
    assert item["resumed_from"] == len(DATA) // 2 and item["bytes_downloaded"] == len(DATA)
    ranges = [e.get("range") for e in downloads(simulator)]
    assert ranges == [None, "bytes=%d-" % (len(DATA) // 2)]


def test_a_partial_file_from_an_earlier_run_is_resumed(target, params, tmp_path):
    simulator, url, cid = target
    action = deploy(simulator, cid, {"filename": "fw.bin", "content": DATA, "cut_after": 300000, "cuts": 5})
    with pytest.raises(TaskError) as caught:
        run_artifact(params(ARTIFACT_SPEC, url, action_id=str(action.id), dest=str(tmp_path), resume_attempts=0))
    assert caught.value.details["bytes_kept"] == 300000
    assert (tmp_path / "os" / ".fw.bin.part").stat().st_size == 300000 and not (tmp_path / "os" / "fw.bin").exists()
    simulator.artifacts[(action.chunks[0]["module_id"], "fw.bin")].cuts_left = 0
    result = run_artifact(params(ARTIFACT_SPEC, url, action_id=str(action.id), dest=str(tmp_path)))
    assert result["artifacts"][0]["resumed_from"] == 300000
    assert result["bytes_downloaded"] == len(DATA) - 300000
    assert (tmp_path / "os" / "fw.bin").read_bytes() == DATA


def test_hash_mismatch_deletes_the_file_and_fails(target, params, tmp_path):
    simulator, url, cid = target
    action = deploy(simulator, cid, {"filename": "fw.bin", "content": DATA, "corrupt": True})
    with pytest.raises(TaskError) as caught:
        run_artifact(params(ARTIFACT_SPEC, url, action_id=str(action.id), dest=str(tmp_path)))
    assert "failed verification" in caught.value.msg and caught.value.details["verified"] is False
    assert os.listdir(tmp_path / "os") == []


def test_weaker_hashes_and_a_server_without_hashes(target, params, tmp_path):
    simulator, url, cid = target
    action = deploy(simulator, cid, {"filename": "fw.bin", "content": DATA, "offer_hashes": ["md5"]})
    result = run_artifact(params(ARTIFACT_SPEC, url, action_id=str(action.id), dest=str(tmp_path)))
    assert result["artifacts"][0]["hash_algorithm"] == "md5"
    chunks = [{"part": "os", "artifacts": [{"filename": "x.bin", "size": 1, "hashes": {}, "download_url": url + "/x"}]}]
    with pytest.raises(TaskError) as caught:
        run_artifact(params(ARTIFACT_SPEC, url, chunks=chunks, dest=str(tmp_path)))
    assert "unverifiable" in caught.value.msg


def test_plain_ddi_server_sha1_only(target, params, tmp_path):
    simulator, url, cid = target
    simulator.tenants["DEFAULT"]["flavor"] = "plain"
    action = deploy(simulator, cid, {"filename": "fw.bin", "content": DATA})
    result = run_artifact(params(ARTIFACT_SPEC, url, action_id=str(action.id), dest=str(tmp_path)))
    assert result["artifacts"][0]["hash_algorithm"] == "sha1"
    assert hashlib.sha1((tmp_path / "os" / "fw.bin").read_bytes()).hexdigest() == hashlib.sha1(DATA).hexdigest()


def test_a_stale_or_corrupt_final_file_is_replaced(target, params, tmp_path):
    simulator, url, cid = target
    action = deploy(simulator, cid, {"filename": "fw.bin", "content": DATA})
    (tmp_path / "os").mkdir()
    (tmp_path / "os" / "fw.bin").write_bytes(b"old firmware")
    result = run_artifact(params(ARTIFACT_SPEC, url, action_id=str(action.id), dest=str(tmp_path)))
    assert result["changed"] and (tmp_path / "os" / "fw.bin").read_bytes() == DATA


def test_unknown_action_fails_clearly(target, params, tmp_path):
    url = target[1]
    with pytest.raises(TaskError) as caught:
        run_artifact(params(ARTIFACT_SPEC, url, action_id="77", dest=str(tmp_path)))
    assert "not offered" in caught.value.msg


def test_a_server_that_ignores_range_gets_a_fresh_download(target, params, tmp_path):
    simulator, url, cid = target
    action = deploy(simulator, cid, {"filename": "fw.bin", "content": DATA, "ignore_range": True})
    (tmp_path / "os").mkdir()
    (tmp_path / "os" / ".fw.bin.part").write_bytes(DATA[:1000])
    result = run_artifact(params(ARTIFACT_SPEC, url, action_id=str(action.id), dest=str(tmp_path)))
    assert (tmp_path / "os" / "fw.bin").read_bytes() == DATA
    assert result["artifacts"][0]["bytes_downloaded"] == len(DATA)
    assert [(e["status"], e.get("range")) for e in downloads(simulator)] == [(200, "bytes=1000-"), (200, None)]
