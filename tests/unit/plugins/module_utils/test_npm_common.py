"""Pieces the AppResponse tasks share: version matching, image descriptions, hashing."""

import hashlib

import pytest

from ansible_collections.fleetops.upgrade.plugins.module_utils._npm_common import (
    BackgroundHash, describe_images, sha256_of, version_matches)


@pytest.mark.parametrize("asked, actual, expected", [
    ("11.6.0", "11.6.0 #23947", True), ("11.6.0 #23947", "11.6.0 #23947", True), ("11.6.0#23947", "11.6.0 #23947", True),
    ("11.6.0 #1", "11.6.0 #23947", False), ("11.6", "11.6.0 #1", False), ("11.6.0", None, False)])
def test_version_matches(asked, actual, expected):
    assert version_matches(asked, actual) is expected


def test_describe_images_shows_upload_progress():
    assert describe_images([]) == "no images"
    assert describe_images([{"id": 1, "version": "11.6.0 #2", "state": "VALID"},
                            {"id": 2, "state": "UPLOADING", "progress": 40.0}]) == \
        "11.6.0 #2 (id 1, VALID), version unknown (id 2, UPLOADING 40.0%)"


def test_sha256_of_reads_in_chunks(tmp_path):
    path = tmp_path / "blob"
    path.write_bytes(b"x" * (3 * 1024 * 1024 + 7))
    assert sha256_of(str(path)) == hashlib.sha256(path.read_bytes()).hexdigest()


def test_background_hash_can_be_cancelled(image_file):
    src = image_file(size=8 * 1024 * 1024)
    hasher = BackgroundHash(src)
    assert hasher.result() == sha256_of(src) and hasher.seconds >= 0
    stopped = BackgroundHash(src)
    stopped.cancel()
    assert stopped.digest in (None, sha256_of(src))
