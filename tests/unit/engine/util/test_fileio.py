"""``atomic_write`` and what a killed writer leaves behind (issue #14 item 21)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from aicompute.engine.backend.storage import LocalStorage
from aicompute.engine.util.fileio import atomic_write


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_write_removes_the_temporaries_of_dead_writers_of_the_same_file_only(tmp_path: Path) -> None:
    target = tmp_path / "dev.json"
    dead = tmp_path / f".dev.json.{_dead_pid()}.abc_1.tmp"
    legacy = tmp_path / ".dev.json.x7y8z9.tmp"  # named before temporaries carried a pid
    live = tmp_path / f".dev.json.{os.getppid()}.abc_2.tmp"
    backup = tmp_path / ".dev.json.bak.x7y8z9.tmp"  # another file's
    for path in (dead, legacy, live, backup):
        path.write_text("torn")
    atomic_write(target, "{}")
    assert target.read_text() == "{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["dev.json", live.name, backup.name])


def test_keeping_a_backup_twice_leaves_no_link_behind(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    storage.write("dev.json", "one")
    storage.keep_as_backup("dev.json", "dev.json.bak")
    storage.keep_as_backup("dev.json", "dev.json.bak")  # as after a write that failed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dev.json", "dev.json.bak"]
