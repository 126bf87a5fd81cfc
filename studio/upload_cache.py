"""The upload cache's upkeep: its size, measured at most once a sweep, for the guards' "cache
full" answer; a sweeper thread that removes half-received uploads' temp files and hands freed
memory back to the system.
"""

import ctypes
import os
import threading
import time
from pathlib import Path

from digit_core.feedback import folder_bytes

LOOSE_FILE_SECONDS = 600  # a half-received upload's temp file is removed after this
SWEEP_SECONDS = 60

_cache_size = {"bytes": 0, "when": 0.0}


def cache_bytes(folder: Path) -> int:
    """The upload cache's size, measured at most once per sweep interval."""
    if time.monotonic() - _cache_size["when"] > SWEEP_SECONDS:
        _cache_size.update(bytes=folder_bytes(folder), when=time.monotonic())
    return int(_cache_size["bytes"])


def remove_loose_files(folder: Path, older_than: float = LOOSE_FILE_SECONDS) -> int:
    """Gradio receives each upload into a temp file directly in its cache folder and moves it
    into a sub-folder when the upload completes; one cut off mid-body stays there forever.
    Returns how many were removed."""
    removed, cutoff = 0, time.time() - older_than
    for entry in os.scandir(folder) if folder.is_dir() else ():
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                os.remove(entry.path)
                removed += 1
        except OSError:
            pass
    return removed


def return_free_memory() -> None:
    """glibc keeps the heap a burst freed for reuse, so the process stays at its peak; hand it
    back to the system (no-op where there is no glibc)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def start_cache_sweeper(folder: Path) -> threading.Thread:
    """Every SWEEP_SECONDS: loose temp files removed, the cache measured, free memory returned."""

    def sweep():
        while True:
            remove_loose_files(folder)
            _cache_size.update(bytes=folder_bytes(folder), when=time.monotonic())
            return_free_memory()
            time.sleep(SWEEP_SECONDS)

    thread = threading.Thread(target=sweep, name="upload-cache-sweeper", daemon=True)
    thread.start()
    return thread
