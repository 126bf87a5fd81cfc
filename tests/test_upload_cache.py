"""The upload cache's upkeep (studio/upload_cache.py)."""

import os
import time

from studio.upload_cache import remove_loose_files


def test_half_received_uploads_are_swept_once_old(tmp_path):
    old, new = tmp_path / "tmpold", tmp_path / "tmpnew"
    old.write_bytes(b"x")
    new.write_bytes(b"x")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    (tmp_path / "abc").mkdir()
    (tmp_path / "abc" / "kept.png").write_bytes(b"x")
    assert remove_loose_files(tmp_path, older_than=600) == 1
    assert not old.exists() and new.exists() and (tmp_path / "abc" / "kept.png").exists()
