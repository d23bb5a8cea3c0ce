"""A process writing its run through the journal, SIGKILLed in the middle of a compaction (inside the
checkpoint write, between the checkpoint and the new journal, right after the new journal's header)
or in the middle of an append (a torn last line): reading the stack afterwards gives the state of the
last write that completed, or of the one under way when its data was already durable — never a mix,
a duplicate or a lost resource."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from aicompute.engine.backend.diy import FileBackend
from aicompute.engine.secrets.passphrase import PassphraseSecretsManager
from tests.unit.engine.backend.test_journal import REF, VECTOR_SALT

CHILD = r"""
import json, os, signal, sys
from pathlib import Path

from aicompute.engine.backend import journal as journal_module, storage
from aicompute.engine.secrets.passphrase import PassphraseSecretsManager
from tests.unit.engine.backend.test_journal import FIRST, SECOND, Recorded, Stack, VECTOR_SALT

root, mode, nth = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
log = open(root / "writes.jsonl", "a")
journal_module.MIN_BOUND = 0  # compact whenever the journal outgrows its checkpoint: many compactions


def summary(deployment):
    resources = [[r.urn, r.id, r.delete, json.dumps(r.outputs, sort_keys=True)] for r in deployment.resources]
    return [resources, [[op.type, op.resource.urn] for op in deployment.pending_operations]]


def note(phase, kind, recorded):
    log.write(json.dumps({"phase": phase, "kind": kind, "state": summary(recorded.run.snapshot())}) + "\n")
    log.flush()
    os.fsync(log.fileno())


for name in ("append", "checkpoint", "close"):
    def wrapped(self, *args, _name=name, _real=getattr(Recorded, name)):
        note("before", _name, self)
        _real(self, *args)
        note("after", _name, self)
    setattr(Recorded, name, wrapped)

seen = {"count": 0}


def hit(event):
    # whether this is the nth event of the kind the test kills at
    if event != mode:
        return False
    seen["count"] += 1
    return seen["count"] == nth


real_write, real_append = storage.LocalStorage.write, storage.LocalStorage.append


def write(self, key, data):
    checkpoint = key.endswith("/dev.json")
    if checkpoint and hit("in-checkpoint"):
        os.kill(os.getpid(), signal.SIGKILL)  # the checkpoint's new bytes never land
    real_write(self, key, data)
    if checkpoint and hit("after-checkpoint"):
        os.kill(os.getpid(), signal.SIGKILL)  # the checkpoint is written, the old journal still there
    if key.endswith(".journal.jsonl") and hit("after-header"):
        os.kill(os.getpid(), signal.SIGKILL)


def append(self, key, data):
    if hit("mid-append"):
        real_append(self, key, data[: len(data) // 2])
        os.kill(os.getpid(), signal.SIGKILL)
    real_append(self, key, data)


storage.LocalStorage.write, storage.LocalStorage.append = write, append
secrets = PassphraseSecretsManager.from_encryption_salt(VECTOR_SALT, "password")
stack = Stack(root / "state", secrets)
stack.run(*FIRST)
stack.run(*SECOND)
"""


def summary(deployment: object) -> list[object]:
    resources = [[r.urn, r.id, r.delete, json.dumps(r.outputs, sort_keys=True)] for r in deployment.resources]  # type: ignore[attr-defined]
    return [resources, [[op.type, op.resource.urn] for op in deployment.pending_operations]]  # type: ignore[attr-defined]


def killed_run(root: Path, mode: str, nth: int) -> list[dict[str, object]]:
    """Run the child until its kill; the writes it noted (each ``before`` then, if it completed, ``after``)."""
    repo = Path(__file__).resolve().parents[4]
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(root), mode, str(nth)], cwd=repo, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == -signal.SIGKILL, (mode, nth, done.returncode, done.stderr[-3000:])
    return [json.loads(line) for line in (root / "writes.jsonl").read_text().splitlines()]


@pytest.mark.parametrize(
    ("mode", "nth"),
    [
        ("in-checkpoint", 3),
        ("in-checkpoint", 6),
        ("after-checkpoint", 3),
        ("after-checkpoint", 6),
        ("after-header", 2),
        ("after-header", 4),
        ("mid-append", 4),
        ("mid-append", 15),
    ],
)
def test_a_kill_during_a_compaction_or_an_append_leaves_the_last_written_state(
    tmp_path: Path, mode: str, nth: int
) -> None:
    writes = killed_run(tmp_path, mode, nth)
    assert writes[-1]["phase"] == "before", "the kill came in the middle of a write"
    in_flight = writes[-1]
    completed = [w for w in writes if w["phase"] == "before"][-2]
    secrets = PassphraseSecretsManager.from_encryption_salt(VECTOR_SALT, "password")
    loaded = summary(FileBackend(f"file://{tmp_path / 'state'}").load_deployment(REF, secrets))
    # Durable before the kill: the write under way, when its checkpoint landed; else the last one completed.
    landed = mode in ("after-checkpoint", "after-header")
    expected = in_flight if landed else completed
    assert loaded == expected["state"], (mode, nth, in_flight["kind"])
    urns = [urn for urn, _, delete, _ in loaded[0] if not delete]  # type: ignore[index]
    assert len(urns) == len(set(urns))
