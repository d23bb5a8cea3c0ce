"""Cancelling ``aicompute`` as CI runners and users do (SIGTERM, Ctrl-C, twice), and ``destroy --yes``
with a protected resource: on the ``filestate`` project, whose creates write their object first and
then take ``sleep`` seconds (so a create cut short has happened without the engine hearing of it)."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.e2e.test_engine_cli import _processes_in
from tests.support.engine_cli import FileState

UP = ("up", "--yes", "--skip-preview")
pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the engine's children")


@pytest.fixture
def fs(tmp_path: Path) -> FileState:
    project = FileState(tmp_path)
    project.init()
    return project


def wait_until(condition: object, what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.05)


def pending(fs: FileState) -> list[tuple[str, str]]:
    latest = fs.state()["checkpoint"].get("latest") or {}
    return [(op["type"], op["resource"]["urn"].rsplit("::", 1)[1]) for op in latest.get("pending_operations") or []]


def lock_files(fs: FileState) -> list[Path]:
    return sorted((fs.state_dir / ".pulumi" / "locks").rglob("*.json"))


def ended(fs: FileState, engine: subprocess.Popen[str]) -> str:
    """The engine's output once it exited 1, leaving no process and no lock behind."""
    out, err = engine.communicate(timeout=120)
    assert engine.returncode == 1, out + err
    assert "update canceled" in out and "Traceback" not in out + err, out + err
    wait_until(lambda: _processes_in(fs.project_dir) == [], "the program and provider processes are gone")
    assert lock_files(fs) == []
    return out


def test_sigterm_cancels_finishing_the_steps_in_flight_and_releases_the_lock(fs: FileState) -> None:
    fs.spec({"name": "a", "value": 1, "sleep": 2}, {"name": "b", "from": "a"}, {"name": "c", "value": 1, "sleep": 2})
    engine = fs.popen(*UP)
    wait_until(lambda: {"a", "c"} <= fs.files(), "a and c are being created")
    engine.send_signal(signal.SIGTERM)
    out = ended(fs, engine)
    assert "SIGTERM received; cancelling" in out
    assert {"a", "c"} <= set(fs.resources()) and "b" not in fs.resources() and fs.files() == {"a", "c"}
    assert pending(fs) == []
    fs.run(*UP)  # the lock was released: the next run goes ahead
    assert fs.files() == {"a", "b", "c"}


def test_ctrl_c_during_a_slow_program_ends_it_and_cancels(fs: FileState) -> None:
    fs.spec({"name": "a", "value": 1}, {"name": "b", "value": 2, "program_sleep_before": 600})
    engine = fs.popen(*UP)
    # The program sleeps in its own thread (its registrations wait): it runs once the lock is taken
    # and the program's process is there.
    wait_until(lambda: lock_files(fs) and len(_processes_in(fs.project_dir)) >= 2, "the program runs")
    engine.send_signal(signal.SIGINT)
    out = ended(fs, engine)
    assert "^C received; cancelling" in out and "TimeoutExpired" not in out
    assert "b" not in fs.resources() and "b" not in fs.files()


def test_a_second_ctrl_c_ends_the_providers_and_leaves_the_create_in_flight_pending(fs: FileState) -> None:
    fs.spec({"name": "a", "value": 1}, {"name": "slow", "value": 2, "sleep": 600})
    engine = fs.popen(*UP)
    wait_until(lambda: "slow" in fs.files() and "a" in fs.resources(), "slow is being created")
    engine.send_signal(signal.SIGINT)
    wait_until(lambda: engine.poll() is not None or "slow" in fs.files(), "the first signal is handled")
    time.sleep(0.5)  # let the first signal be handled before the second (an order, not a measure)
    engine.send_signal(signal.SIGINT)
    out = ended(fs, engine)
    assert "^C received; terminating" in out and "the outcome is unknown" in out
    assert pending(fs) == [("creating", "slow")] and "slow" not in fs.resources()

    # The next up adopts what the cut-short create made: no second object, no "already exists".
    fs.spec({"name": "a", "value": 1}, {"name": "slow", "value": 2})
    fs.run(*UP)
    assert pending(fs) == [] and {"a", "slow"} <= set(fs.resources()) and fs.files() == {"a", "slow"}
    assert [c[:2] for c in fs.calls()].count(("create", "slow")) == 1  # the killed one never logged
    fs.run("preview", "--expect-no-changes")


def test_destroy_yes_previews_and_refuses_before_deleting_anything_when_a_resource_is_protected(
    fs: FileState,
) -> None:
    fs.spec({"name": "base", "value": 1, "protect": True}, {"name": "x", "from": "base"}, {"name": "y", "value": 2})
    fs.run(*UP)
    refused = fs.run("destroy", "--yes", expect=1)
    urn = "urn:pulumi:dev::filestate::pulumi-python:dynamic/test:Thing::base"
    assert f"aicompute state unprotect '{urn}'" in refused.stdout
    assert "Destroying" not in refused.stdout and "have been deleted" not in refused.stdout
    assert fs.files() == {"base", "x", "y"} and {"base", "x", "y"} <= set(fs.resources())
    assert not [c for c in fs.calls() if c[0] == "delete"]


def test_an_interrupted_destroy_does_not_say_the_resources_were_deleted(fs: FileState) -> None:
    fs.spec({"name": "a", "value": 1, "sleep": 3}, {"name": "b", "value": 2, "sleep": 3})
    fs.run(*UP)
    engine = fs.popen("destroy", "--yes", "--skip-preview")
    wait_until(lambda: fs.files() != {"a", "b"} or lock_files(fs) != [], "the destroy started")
    engine.send_signal(signal.SIGTERM)
    out = ended(fs, engine)
    assert "have been deleted" not in out


def test_a_deleted_stack_file_is_restored_from_its_backup_with_stack_import(fs: FileState) -> None:
    fs.spec({"name": "a", "value": 1}, {"name": "b", "value": 2}, {"name": "c", "value": 3})
    fs.run(*UP)
    state = fs.state_path()
    backup = state.with_name(state.name + ".bak")
    state.unlink()

    refused = fs.run("up", "--yes", expect=1)
    message = refused.stdout + refused.stderr
    assert str(backup) in message and "stack import" in message and "stack init" not in message
    assert fs.files() == {"a", "b", "c"}

    fs.run("stack", "import", "--file", str(backup))
    fs.run("preview", "--expect-no-changes")
    assert {"a", "b", "c"} <= set(fs.resources())


def test_a_new_stack_in_place_of_a_deleted_one_never_overwrites_its_backup(fs: FileState) -> None:
    fs.spec({"name": "a", "value": 1}, {"name": "b", "value": 2}, {"name": "c", "value": 3})
    fs.run(*UP)
    state = fs.state_path()
    backup = state.with_name(state.name + ".bak")
    good = backup.read_text()
    state.unlink()

    created = fs.run("stack", "init", "dev")
    assert "last checkpoint of a former stack" in created.stderr
    fs.spec({"name": "d", "value": 4})
    fs.run(*UP)
    fs.run(*UP)  # every write keeps the previous one as .bak
    kept = [p for p in (fs.state_dir / ".pulumi" / "backups").rglob("*.json") if p.read_text() == good]
    assert kept, "the last good checkpoint was overwritten"
