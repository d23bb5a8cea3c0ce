"""What a user sees when the state cannot be written or read (issue #14 item 21): a full or
read-only disk during ``up``, a hand-damaged state — one sentence each, no traceback — and the
temporary files of a killed state write cleaned up by the next one."""

from __future__ import annotations

import errno
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.engine_cli import FileState

REPO = Path(__file__).resolve().parents[2]


def _stack_file(fs: FileState) -> Path:
    return fs.state_dir / ".pulumi" / "stacks" / "filestate" / "dev.json"


@pytest.mark.parametrize(("code", "reason"), [(errno.ENOSPC, "No space left on device"), (errno.EROFS, "Read-only")])
def test_a_full_or_read_only_disk_during_up_is_one_sentence(tmp_path: Path, code: int, reason: str) -> None:
    fs = FileState(tmp_path)
    fs.init()
    fs.spec({"name": "a", "value": "one"}, {"name": "b", "value": "two"})
    command = [sys.executable, "-m", "tests.support.full_disk", "up", "--yes", "--skip-preview", "--stack", "dev"]
    env = {
        **fs.env,
        "PYTHONPATH": str(REPO),
        "AICOMPUTE_TEST_WRITES_LEFT": "1",
        "AICOMPUTE_TEST_WRITE_ERRNO": str(code),
    }
    result = subprocess.run(command, cwd=fs.project_dir, env=env, capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert f"error: cannot write the state of stack 'dev' to {_stack_file(fs)}: {reason}" in output
    assert "Traceback" not in output and "unhandled exception" not in output, output
    # No temporary file is left; the journal the run appended to stays, since only it records the
    # creates after the last checkpoint written: read through it, the stack knows both objects.
    assert sorted(p.name for p in _stack_file(fs).parent.iterdir()) == ["dev.journal.jsonl", "dev.json", "dev.json.bak"]
    assert fs.files() == {"a", "b"} and {"a", "b"} <= set(fs.resources())


def test_a_hand_damaged_state_is_one_sentence_naming_the_file_and_the_backup(tmp_path: Path) -> None:
    fs = FileState(tmp_path)
    fs.init()
    fs.spec({"name": "a", "value": "one"})
    fs.run("up", "--yes", "--skip-preview")
    path = _stack_file(fs)
    document = json.loads(path.read_text())
    document["checkpoint"]["latest"]["resources"] = "oops"
    path.write_text(json.dumps(document))
    for command in (("preview",), ("up", "--yes", "--skip-preview")):
        failed = fs.run(*command, expect=1)
        assert f"error: the state of stack 'dev' ({path}) is damaged: " in failed.stderr
        assert "deployment/resources: 'oops' is not of type 'array'" in failed.stderr
        assert f"{path}.bak" in failed.stderr and "stack import" in failed.stderr
        assert "Traceback" not in failed.stderr and "AttributeError" not in failed.stderr
        assert "please report" not in failed.stdout + failed.stderr


def test_the_temporary_file_of_a_killed_state_write_is_removed_by_the_next_write(tmp_path: Path) -> None:
    fs = FileState(tmp_path)
    fs.init()
    fs.spec({"name": "a", "value": "one"})
    fs.run("up", "--yes", "--skip-preview")
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    leftover = _stack_file(fs).parent / f".dev.json.{gone.pid}.k1ll3d.tmp"
    leftover.write_text('{"torn": ')
    fs.spec({"name": "a", "value": "two"})
    fs.run("up", "--yes", "--skip-preview")
    assert not leftover.exists()
    assert sorted(p.name for p in _stack_file(fs).parent.iterdir()) == ["dev.json", "dev.json.bak"]
