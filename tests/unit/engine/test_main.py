"""The entry point starts deriving the key of the stack a command will open, and only then: the
stack named by the arguments or the one selected, a salt in its settings, the passphrase in the
environment; anything else starts nothing and raises nothing."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest

from aicompute.engine.__main__ import derive_stack_key_ahead, option
from aicompute.engine.backend.project import load_project
from aicompute.engine.backend.workspace import select_stack
from aicompute.engine.secrets import passphrase

SALT = "v1:fozI5u6B030=:v1:F+6ZduKKd8G0/V7L:PGMFeIzwobWRKmEAzUdaQHqC5mMRIQ=="  # passphrase "password"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A project with a stack ``dev`` that has a salt and ``bare`` that has none; the passphrase set."""
    directory = tmp_path / "project"
    directory.mkdir()
    (directory / "Pulumi.yaml").write_text("name: demo\nruntime: python\n")
    (directory / "Pulumi.dev.yaml").write_text(f"encryptionsalt: {SALT}\nconfig:\n  demo:size: '2'\n")
    (directory / "Pulumi.bare.yaml").write_text("config: {}\n")
    monkeypatch.setenv("PULUMI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "password")
    passphrase._ahead.clear()
    yield directory
    passphrase._ahead.clear()


def started() -> list[bytes]:
    """The salts whose keys are being derived ahead."""
    return [salt for salt, _ in passphrase._ahead]


@pytest.mark.parametrize(
    "argv",
    [
        ["up", "--stack", "dev", "--yes"],
        ["preview", "--stack=dev"],
        ["destroy", "-s", "organization/demo/dev"],
        ["refresh", "--yes", "-s", "bare", "--stack", "dev"],
    ],
)
def test_the_stack_the_arguments_name_has_its_key_started(project: Path, argv: list[str]) -> None:
    derive_stack_key_ahead(argv, project)
    assert started() == [base64.b64decode("fozI5u6B030=")]


def test_the_selected_stack_is_the_default(project: Path) -> None:
    select_stack(load_project(project), "file:///state", "dev")
    derive_stack_key_ahead(["up"], project / "subfolder-that-does-not-matter" / "..")
    assert len(started()) == 1


def test_cwd_option_finds_the_project(project: Path, tmp_path: Path) -> None:
    derive_stack_key_ahead(["up", "-C", str(project), "-s", "dev"], tmp_path)
    assert len(started()) == 1


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--help"],
        ["stack", "ls"],
        ["config", "set", "--stack", "dev", "a", "b"],
        ["up"],  # no stack selected
        ["up", "--stack", "bare"],  # no salt
        ["up", "--stack", "missing"],
    ],
)
def test_nothing_starts_where_no_key_is_known_to_be_needed(project: Path, argv: list[str]) -> None:
    derive_stack_key_ahead(argv, project)
    assert started() == []


def test_without_a_passphrase_or_a_project_nothing_starts_and_nothing_is_raised(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE")
    derive_stack_key_ahead(["up", "--stack", "dev"], project)
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "password")
    derive_stack_key_ahead(["up", "--stack", "dev"], tmp_path / "nowhere")
    assert started() == []


@pytest.mark.parametrize(
    ("argv", "value"),
    [
        (["up", "--stack", "a"], "a"),
        (["up", "--stack=a=b"], "a=b"),
        (["up", "-s", "a", "--stack", "b"], "b"),
        (["up", "--stack"], None),
        (["up", "--stacks", "a"], None),
    ],
)
def test_option_reads_the_forms_the_command_line_accepts(argv: list[str], value: str | None) -> None:
    assert option(argv, "--stack", "-s") == value
