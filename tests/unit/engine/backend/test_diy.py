"""The file backend: URLs, layout, checkpoints, atomic writes and backups, locks, export/import, workspace."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from aicompute.engine.backend.base import (
    DEFAULT_BACKEND_URL,
    BackendError,
    StackAlreadyExists,
    StackHasResources,
    StackNotFound,
    StackRef,
    UpdateInfo,
    resolve_backend_url,
)
from aicompute.engine.backend.diy import FileBackend, backend_root, open_backend
from aicompute.engine.backend.lock import StackLocked
from aicompute.engine.backend.project import load_project
from aicompute.engine.backend.workspace import current_stack, select_stack, workspace_file
from aicompute.engine.resource.checkpoint_values import secret
from aicompute.engine.resource.schema import StateValidationError, validate_deployment
from aicompute.engine.resource.state import (
    Deployment,
    PendingOperation,
    ResourceState,
    StateError,
    default_provider_resource,
    root_stack_resource,
)
from aicompute.engine.secrets.passphrase import PassphraseSecretsManager

VECTOR_SALT = "v1:fozI5u6B030=:v1:F+6ZduKKd8G0/V7L:PGMFeIzwobWRKmEAzUdaQHqC5mMRIQ=="
REF = StackRef("demo", "dev")


@pytest.fixture(scope="module")
def secrets() -> PassphraseSecretsManager:
    return PassphraseSecretsManager.from_encryption_salt(VECTOR_SALT, "password")


@pytest.fixture
def backend(tmp_path: Path) -> FileBackend:
    return FileBackend(f"file://{tmp_path / 'state'}")


def deployment(secrets: PassphraseSecretsManager, **outputs: object) -> Deployment:
    return Deployment(
        secrets_providers=secrets.secrets_providers(),
        resources=[root_stack_resource("dev", "demo", outputs), default_provider_resource("dev", "demo")],
    )


# URLs ---------------------------------------------------------------------------------------------
def test_backend_url_precedence(tmp_path: Path) -> None:
    env = {"AICOMPUTE_BACKEND_URL": "file:///a", "PULUMI_BACKEND_URL": "file:///b"}
    assert resolve_backend_url("file:///cli", None, env) == "file:///cli"
    assert resolve_backend_url(None, None, env) == "file:///a"
    assert resolve_backend_url(None, None, {"PULUMI_BACKEND_URL": "file:///b"}) == "file:///b"
    (tmp_path / "Pulumi.yaml").write_text("name: demo\nruntime: python\nbackend:\n  url: file:///proj\n")
    assert resolve_backend_url(None, load_project(tmp_path), {}) == "file:///proj"
    assert resolve_backend_url(None, None, {}) == DEFAULT_BACKEND_URL == "file://~"


def test_file_urls_name_directories(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert backend_root("file://~") == tmp_path.resolve()
    assert backend_root("file://~/states") == (tmp_path / "states").resolve()
    assert backend_root("file:///srv/state?no_tmp_dir=true") == Path("/srv/state")
    assert backend_root("file://relative") == (tmp_path / "relative").resolve()


@pytest.mark.parametrize("url", ["https://api.pulumi.com", "gs://b", "azblob://c", "/plain/path"])
def test_other_backends_are_refused_suggesting_the_pulumi_cli(url: str) -> None:
    with pytest.raises(BackendError, match=r"file:// and s3:// backends.*Pulumi CLI"):
        open_backend(url)


def test_stack_names(tmp_path: Path) -> None:
    assert StackRef.parse("dev", "demo") == StackRef("demo", "dev")
    assert StackRef.parse("organization/dev", "demo") == StackRef("demo", "dev")
    assert StackRef.parse("organization/other/prod", "demo") == StackRef("other", "prod")
    assert StackRef("demo", "dev").fully_qualified_name == "organization/demo/dev"
    for bad in ("", "acme/dev", "a/b/c/d", "bad name", "x" * 101):
        with pytest.raises(BackendError):
            StackRef.parse(bad, "demo")


# stacks -------------------------------------------------------------------------------------------
def test_create_writes_meta_and_an_empty_checkpoint(backend: FileBackend) -> None:
    backend.create_stack(REF)
    assert (backend.state_dir / "meta.yaml").read_text() == "version: 1\n"
    checkpoint = json.loads(backend.stack_path(REF).read_text())
    assert checkpoint == {"version": 3, "checkpoint": {"stack": "organization/demo/dev"}}
    assert backend.stack_path(REF) == backend.root / ".pulumi" / "stacks" / "demo" / "dev.json"
    with pytest.raises(StackAlreadyExists):
        backend.create_stack(REF)
    assert backend.load_deployment(REF, None).resources == []
    validate_deployment(backend.export_deployment(REF), strict=True)


def test_list_stacks(backend: FileBackend, secrets: PassphraseSecretsManager) -> None:
    assert backend.list_stacks("demo") == []
    backend.create_stack(REF)
    backend.create_stack(StackRef("demo", "prod"))
    backend.create_stack(StackRef("other", "dev"))
    backend.save_deployment(REF, deployment(secrets), secrets)
    summaries = backend.list_stacks("demo")
    assert [(s.ref.name, s.resource_count) for s in summaries] == [("dev", 2), ("prod", None)]
    assert summaries[0].last_update is not None
    assert [s.ref.fully_qualified_name for s in backend.list_stacks()] == [
        "organization/demo/dev",
        "organization/demo/prod",
        "organization/other/dev",
    ]


def test_remove_refuses_a_stack_with_resources_unless_forced(
    backend: FileBackend, secrets: PassphraseSecretsManager
) -> None:
    backend.create_stack(REF)
    backend.save_deployment(REF, deployment(secrets), secrets)
    backend.record_update(REF, UpdateInfo("update", 1, 2, "succeeded"))
    with pytest.raises(StackHasResources, match="still contains 2 resource"):
        backend.remove_stack(REF)
    backend.remove_stack(REF, force=True)
    assert not backend.exists(REF)
    assert backend.stack_path(REF).with_name("dev.json.bak").is_file()
    assert not backend.history_dir(REF).exists()
    with pytest.raises(StackNotFound, match=r"its last checkpoint is kept in .*dev\.json\.bak.*stack import"):
        backend.remove_stack(REF)


def test_legacy_layouts_are_refused(backend: FileBackend) -> None:
    (backend.state_dir / "stacks").mkdir(parents=True)
    (backend.state_dir / "stacks" / "old.json").write_text("{}")
    with pytest.raises(BackendError, match=r"legacy stack layout.*pulumi state upgrade"):
        backend.create_stack(REF)
    (backend.state_dir / "meta.yaml").write_text("version: 0\n")
    with pytest.raises(BackendError, match="legacy"):
        backend.ensure_layout()


# state writes -------------------------------------------------------------------------------------
def test_saved_state_validates_and_keeps_the_previous_file_as_bak(
    backend: FileBackend, secrets: PassphraseSecretsManager
) -> None:
    backend.create_stack(REF)
    backend.save_deployment(REF, deployment(secrets, n=1), secrets)
    first = backend.stack_path(REF).read_bytes()
    backend.save_deployment(REF, deployment(secrets, n=2, token=secret("t0p")), secrets)
    assert backend.stack_path(REF).with_name("dev.json.bak").read_bytes() == first
    checkpoint = json.loads(backend.stack_path(REF).read_text())
    assert checkpoint["checkpoint"]["stack"] == "organization/demo/dev"
    validate_deployment({"version": 3, "deployment": checkpoint["checkpoint"]["latest"]}, strict=True)
    assert "t0p" not in backend.stack_path(REF).read_text()
    assert backend.load_deployment(REF, secrets).stack_outputs() == {"n": 2, "token": secret("t0p")}
    assert backend.secrets_providers(REF) == secrets.secrets_providers()
    leftovers = [p.name for p in backend.stack_path(REF).parent.iterdir()]
    assert sorted(leftovers) == ["dev.json", "dev.json.bak"]


def test_an_invalid_state_is_never_written(backend: FileBackend, secrets: PassphraseSecretsManager) -> None:
    backend.create_stack(REF)
    before = backend.stack_path(REF).read_bytes()
    bad = deployment(secrets)
    bad.resources.insert(
        0, ResourceState("urn:pulumi:dev::demo::t:m:T::child", "t:m:T", False, parent=bad.resources[0].urn)
    )
    with pytest.raises(StateError, match="parent"):
        backend.save_deployment(REF, bad, secrets)
    with pytest.raises(StateValidationError):
        backend.write_deployment(REF, {"resources": []})
    assert backend.stack_path(REF).read_bytes() == before


def test_atomic_write_leaves_the_old_file_when_interrupted(
    backend: FileBackend, secrets: PassphraseSecretsManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend.create_stack(REF)
    backend.save_deployment(REF, deployment(secrets, n=1), secrets)
    before = backend.stack_path(REF).read_bytes()

    def crash(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        backend.save_deployment(REF, deployment(secrets, n=2), secrets)
    monkeypatch.undo()
    assert backend.stack_path(REF).read_bytes() == before
    assert not [p for p in backend.stack_path(REF).parent.iterdir() if p.name.endswith(".tmp")]


def test_record_update_writes_history_and_a_backup(backend: FileBackend, secrets: PassphraseSecretsManager) -> None:
    backend.create_stack(REF)
    backend.save_deployment(REF, deployment(secrets), secrets)
    backend.record_update(REF, UpdateInfo("update", 10, 12, "succeeded", resource_changes={"create": 2}))
    (backup,) = backend.backup_dir(REF).iterdir()
    assert backup.name.startswith("dev.") and backup.suffix == ".json"
    assert backup.read_bytes() == backend.stack_path(REF).read_bytes()
    history = sorted(p.name for p in backend.history_dir(REF).iterdir())
    assert [name.split(".", 1)[1] for name in history] == ["checkpoint.json", "history.json"]
    entry = json.loads((backend.history_dir(REF) / history[1]).read_text())
    assert entry["kind"] == "update" and entry["result"] == "succeeded" and entry["resourceChanges"] == {"create": 2}


def test_export_import_round_trip(backend: FileBackend, secrets: PassphraseSecretsManager) -> None:
    backend.create_stack(REF)
    backend.save_deployment(REF, deployment(secrets, token=secret("x")), secrets)
    exported = backend.export_deployment(REF)
    assert exported["version"] == 3 and set(exported) == {"version", "deployment"}
    other = StackRef("demo", "copy")
    backend.create_stack(other)
    backend.import_deployment(other, exported)
    assert backend.export_deployment(other) == exported
    assert backend.load_deployment(other, secrets).stack_outputs() == {"token": secret("x")}


def test_import_refuses_a_state_breaking_integrity(backend: FileBackend, secrets: PassphraseSecretsManager) -> None:
    backend.create_stack(REF)
    exported = {"version": 3, "deployment": deployment(secrets).to_json(secrets)}
    exported["deployment"]["resources"].reverse()
    exported["deployment"]["resources"].append(
        {"urn": "urn:pulumi:dev::demo::t:m:T::x", "custom": False, "type": "t:m:T", "parent": "urn:nowhere"}
    )
    with pytest.raises(StateError):
        backend.import_deployment(REF, exported)


# locks --------------------------------------------------------------------------------------------
def test_a_second_holder_is_refused_naming_the_first(backend: FileBackend) -> None:
    with backend.lock(REF) as first:
        assert first.path.parent == backend.state_dir / "locks" / "organization" / "demo" / "dev"
        content = json.loads(first.path.read_text())
        assert set(content) == {"pid", "username", "hostname", "timestamp"}
        with pytest.raises(StackLocked, match=rf"(?s)locked by 1 lock.*pid {os.getpid()}") as error:
            backend.lock(REF).acquire()
        assert str(first.path) in str(error.value)
    assert not list(first.path.parent.iterdir())
    with backend.lock(REF):
        pass


def test_a_lock_held_by_another_live_process_is_refused(backend: FileBackend, tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys, time
        from aicompute.engine.backend.base import StackRef
        from aicompute.engine.backend.diy import FileBackend
        with FileBackend({backend.url!r}).lock(StackRef("demo", "dev")):
            print("locked", flush=True)
            sys.stdin.readline()
        """
    )
    holder = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(StackLocked, match=rf"pid {holder.pid}"):
            backend.lock(REF).acquire()
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=30)
    with backend.lock(REF):
        pass


def test_a_stale_lock_of_a_dead_local_process_is_broken_with_a_notice(backend: FileBackend) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    lock_dir = backend.lock_dir(REF)
    lock_dir.mkdir(parents=True)
    stale = lock_dir / "stale.json"
    stale.write_text(
        json.dumps({"pid": int(dead.stdout), "username": "u", "hostname": socket.gethostname(), "timestamp": "t"})
    )
    with backend.lock(REF) as lock:
        assert not stale.exists()
        assert lock.notices and "stale lock" in lock.notices[0]


def test_a_lock_from_another_host_is_never_broken(backend: FileBackend) -> None:
    lock_dir = backend.lock_dir(REF)
    lock_dir.mkdir(parents=True)
    (lock_dir / "remote.json").write_text(
        json.dumps({"pid": 1, "username": "ci", "hostname": "elsewhere", "timestamp": "2026-01-01T00:00:00Z"})
    )
    with pytest.raises(StackLocked, match="ci@elsewhere"):
        backend.lock(REF).acquire()
    assert [(h.hostname, h.pid) for h in backend.lock_holders(REF)] == [("elsewhere", 1)]
    assert [h.location for h in backend.cancel(REF)] == [str(lock_dir / "remote.json")]  # `aicompute cancel`
    assert backend.lock_holders(REF) == [] and list(lock_dir.iterdir()) == []
    with backend.lock(REF):
        pass


# workspace ----------------------------------------------------------------------------------------
def test_selected_stack_lives_in_the_pulumi_workspace_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_HOME", str(tmp_path / "home"))
    (tmp_path / "Pulumi.yaml").write_text("name: demo\nruntime: python\n")
    project = load_project(tmp_path)
    assert current_stack(project, "file://~") is None
    select_stack(project, "file://~", "dev")
    path = workspace_file(project)
    assert path.parent == tmp_path / "home" / "workspaces"
    assert path.name.startswith("demo-") and path.name.endswith("-workspace.json")
    assert json.loads(path.read_text()) == {"stack": "dev", "stacks": {"file://~": "dev"}}
    assert current_stack(project, "file://~") == "dev"
    assert current_stack(project, "file:///elsewhere") == "dev"
    select_stack(project, "file://~", None)
    assert not path.exists()


def test_a_checkpoint_spliced_from_kept_resource_texts_is_the_indented_json(
    backend: FileBackend, secrets: PassphraseSecretsManager
) -> None:
    state = deployment(secrets, endpoint="http://x", password=secret("p"))
    provider = state.resources[1]
    thing = ResourceState(
        urn="urn:pulumi:dev::demo::pulumi-python:dynamic:Resource::thing",
        type="pulumi-python:dynamic:Resource",
        custom=True,
        id="t-1",
        inputs={"name": 'é "quoted"', "token": secret({"nested": ["a", 1.0]})},
        outputs={"name": 'é "quoted"', "resources": []},
        parent=state.resources[0].urn,
        provider=f"{provider.urn}::{provider.id}",
    )
    state.resources.append(thing)
    state.pending_operations = [PendingOperation(thing, "updating")]
    ref = StackRef("demo", "dev")
    backend.create_stack(ref)
    for _ in range(2):  # the second write reuses every resource's kept text
        backend.save_deployment(ref, state, secrets)
        written = backend.stack_path(ref).read_text()
        assert written == json.dumps(json.loads(written), indent=4, ensure_ascii=False) + "\n"
    first = json.loads(written)["checkpoint"]["latest"]["resources"][2]["inputs"]["token"]["ciphertext"]
    thing.inputs = {"name": "changed", "token": secret("other")}  # any assignment drops what was kept
    backend.save_deployment(ref, state, secrets)
    latest = json.loads(backend.stack_path(ref).read_text())["checkpoint"]["latest"]
    assert latest["resources"][2]["inputs"]["name"] == "changed"
    assert latest["resources"][2]["inputs"]["token"]["ciphertext"] != first
    assert backend.load_deployment(ref, secrets).resources[2].inputs["token"] == secret("other")
