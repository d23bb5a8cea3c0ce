"""The state journal: whatever point a run's writes stop at, reading the stack gives the state the run
had written there — the journal replayed over its checkpoint, through compactions, a torn last line,
and a journal a later checkpoint made stale."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from aicompute.engine.backend import journal as journal_module
from aicompute.engine.backend.base import StackRef
from aicompute.engine.backend.diy import FileBackend
from aicompute.engine.backend.journal import StackJournal
from aicompute.engine.deploy.deployment import DeploymentRun
from aicompute.engine.deploy.events import EventStream
from aicompute.engine.deploy.registrations import AliasSpec, Registration
from aicompute.engine.deploy.run_context import RunOptions
from aicompute.engine.resource.checkpoint_values import secret
from aicompute.engine.resource.run_state import Layout, Record
from aicompute.engine.resource.state import Deployment, Manifest, verify_integrity
from aicompute.engine.secrets.passphrase import PassphraseSecretsManager
from tests.unit.engine.deploy.test_deployment import STACK, FakePool, thing, urn

REF = StackRef("p", "dev")
VECTOR_SALT = "v1:fozI5u6B030=:v1:F+6ZduKKd8G0/V7L:PGMFeIzwobWRKmEAzUdaQHqC5mMRIQ=="
PLAINTEXT = "hunter2-plaintext"


@pytest.fixture(scope="module")
def secrets() -> PassphraseSecretsManager:
    return PassphraseSecretsManager.from_encryption_salt(VECTOR_SALT, "password")


def state_of(deployment: Deployment) -> tuple[list[Any], list[Any]]:
    """What a state holds now (a copy: the engine changes a resource in flight in place), in memory
    form, without its manifest."""
    return copy.deepcopy((list(deployment.resources), [(op.type, op.resource) for op in deployment.pending_operations]))


class Recorded:
    """A stack's journal that, after each write, notes the run's state and the journal file's size."""

    def __init__(self, backend: FileBackend, secrets: PassphraseSecretsManager) -> None:
        self.backend = backend
        self.secrets = secrets
        self.journal = backend.journal(REF, secrets)
        assert isinstance(self.journal, StackJournal)
        self.run: DeploymentRun | None = None
        self.writes: list[tuple[str, int, tuple[list[Any], list[Any]]]] = []
        """(kind of write, journal bytes after it, the run's state as of it)."""
        self.read_back: list[tuple[list[Any], list[Any]]] = []
        """The stack's state read after each write."""

    def _note(self, kind: str) -> None:
        assert self.run is not None
        path = Path(self.backend.storage.location(self.backend.journal_key(REF)))
        size = path.stat().st_size if path.exists() else 0
        self.writes.append((kind, size, state_of(self.run.snapshot())))
        self.read_back.append(state_of(self.backend.load_deployment(REF, self.secrets)))

    def due(self) -> bool:
        return self.journal.due()

    def encode(self, record: Record) -> str:
        return self.journal.encode(record)

    def append(self, records: list[str]) -> None:
        self.journal.append(records)
        self._note("append")

    def checkpoint(self, deployment: Deployment, layout: Layout) -> None:
        self.journal.checkpoint(deployment, layout)
        self._note("checkpoint")

    def close(self, deployment: Deployment, layout: Layout) -> None:
        self.journal.close(deployment, layout)
        self._note("close")


def never(_: Deployment) -> None:
    raise AssertionError("with a journal, no whole-snapshot persist")


class Stack:
    """A file backend stack whose runs (in-memory provider, ``parallel`` 1) write through a journal."""

    def __init__(self, root: Path, secrets: PassphraseSecretsManager) -> None:
        self.backend = FileBackend(f"file://{root}")
        self.backend.create_stack(REF)
        self.secrets = secrets
        self.pool = FakePool()

    def load(self) -> Deployment:
        return self.backend.load_deployment(REF, self.secrets)

    def run(self, *regs: Registration, finish: bool = True, close: bool = True) -> tuple[DeploymentRun, Recorded]:
        base = self.load()
        base.manifest = Manifest.new()
        base.secrets_providers = self.secrets.secrets_providers()
        recorded = Recorded(self.backend, self.secrets)
        run = DeploymentRun(
            "p", "dev", base, self.pool, EventStream(), RunOptions(dry_run=False, parallel=1), never, journal=recorded
        )
        recorded.run = run
        run.register_resource(Registration("pulumi:pulumi:Stack", "p-dev", custom=False))
        for reg in regs:
            run.register_resource(reg)
        if finish:
            run.finish(True)
        if close:
            run.close()
        return run, recorded

    def journal_path(self) -> Path:
        return Path(self.backend.storage.location(self.backend.journal_key(REF)))


FIRST = (
    thing("a", token=secret(PLAINTEXT)),
    thing("b", deps=(urn("a"),)),
    thing("c"),
    thing("d", deps=(urn("c"),)),
)
SECOND = (
    thing("a", token=secret(PLAINTEXT), size=2),  # update
    thing("b", deps=(urn("a"),), obj="b2"),  # replace
    replace(thing("c2", obj="c"), aliases=(AliasSpec(name="c"),)),  # renamed through an alias
    thing("e"),  # create
)  # d: deleted


def test_every_write_reads_back_as_the_run_state_it_recorded(
    tmp_path: Path, secrets: PassphraseSecretsManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal_module, "MIN_BOUND", 0)  # compact whenever the journal outgrows the checkpoint
    stack = Stack(tmp_path, secrets)
    stack.pool.fail.add(("create", "e"))
    kinds = []
    for regs in (FIRST, SECOND):
        _, recorded = stack.run(*regs, close=False)
        kinds += [kind for kind, _, _ in recorded.writes]
        assert recorded.writes[0][0] == "checkpoint"
        assert recorded.read_back == [expected for _, _, expected in recorded.writes]
        assert PLAINTEXT not in stack.journal_path().read_text()
    assert kinds.count("checkpoint") > 2 and kinds.count("append") > 10, kinds
    loaded = stack.load()
    verify_integrity(loaded)
    names = [r.urn.rsplit("::", 1)[1] for r in loaded.resources]
    # e failed: no deletion ran, so d stays and b's old copy stays, marked delete
    assert names == ["p-dev", "default", "a", "b", "c2", "d", "b"]
    assert loaded.resources[-1].delete


def test_each_intermediate_write_is_what_a_crash_there_leaves(
    tmp_path: Path, secrets: PassphraseSecretsManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replaying the journal cut at each write's end gives the state as of that write; a last line cut
    short (a write in progress) is not part of the journal."""
    monkeypatch.setattr(journal_module, "MIN_BOUND", 1 << 20)  # no compaction: one journal for the run
    stack = Stack(tmp_path, secrets)
    stack.run(*FIRST)
    _, recorded = stack.run(*SECOND, finish=True, close=False)
    full = stack.journal_path().read_bytes()
    appends = [(size, expected) for kind, size, expected in recorded.writes if kind == "append"]
    assert len(appends) > 5
    for (size, expected), (next_size, _) in zip(appends, [*appends[1:], (len(full), None)], strict=True):
        for cut in (size, size + (next_size - size) // 2):
            stack.journal_path().write_bytes(full[:cut])
            assert state_of(stack.load()) == expected, (size, cut)


def test_a_journal_a_later_checkpoint_covers_is_not_replayed_again(
    tmp_path: Path, secrets: PassphraseSecretsManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash after a compaction's checkpoint and before the new journal leaves the old journal:
    its header names the checkpoint before, so it is ignored (its records are in the new one)."""
    monkeypatch.setattr(journal_module, "MIN_BOUND", 0)
    stack = Stack(tmp_path, secrets)
    stack.run(*FIRST, close=False)
    run, _ = stack.run(*SECOND, finish=False, close=False)
    old_journal = stack.journal_path().read_bytes()
    expected = state_of(run.snapshot())
    run.close()
    stack.journal_path().write_bytes(old_journal)
    assert state_of(stack.load()) == expected
    header = json.loads(old_journal.split(b"\n")[0])
    assert header["version"] == 1 and len(header["checkpoint"]) == 64


def test_a_run_that_ends_leaves_the_checkpoint_a_whole_snapshot_write_would(
    tmp_path: Path, secrets: PassphraseSecretsManager
) -> None:
    journaled = Stack(tmp_path / "journaled", secrets)
    whole = FileBackend(f"file://{tmp_path / 'whole'}")
    whole.create_stack(REF)
    for regs in (FIRST, SECOND):
        run, _ = journaled.run(*regs)
        assert not journaled.journal_path().exists()
        whole.save_deployment(REF, run.snapshot(), secrets)
        checkpoint = journaled.backend.read_checkpoint(REF)
        assert checkpoint == whole.read_checkpoint(REF)
        assert (
            Path(journaled.backend.storage.location(journaled.backend.stack_key(REF))).read_bytes()
            == Path(whole.storage.location(whole.stack_key(REF))).read_bytes()
        )


def test_export_without_the_passphrase_sees_the_replayed_state_with_ciphertexts_kept(
    tmp_path: Path, secrets: PassphraseSecretsManager
) -> None:
    stack = Stack(tmp_path, secrets)
    run, _ = stack.run(*FIRST, close=False)
    exported = stack.backend.export_deployment(REF)["deployment"]
    assert [r["urn"] for r in exported["resources"]] == [r.urn for r in run.snapshot().resources]
    a = next(r for r in exported["resources"] if r["urn"] == urn("a"))
    assert "ciphertext" in a["inputs"]["token"] and PLAINTEXT not in json.dumps(exported)
    assert Deployment.from_json(exported, secrets).find(urn("a")).inputs["token"] == secret(PLAINTEXT)  # type: ignore[union-attr]
    assert STACK in {r["urn"] for r in exported["resources"]}
