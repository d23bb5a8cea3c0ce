"""What a program shows and how it runs, under aicompute and, where Pulumi has the behaviour, the
real Pulumi CLI on the same project: the traceback of a failed program, ``--debug``, a program of
plain ``pulumi.dynamic.Resource`` objects past the SDK's pickler nesting, and a project virtualenv
made from the same base Python as aicompute's but without aicompute in it."""

from __future__ import annotations

import json
import re
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.support.engine_cli import EngineCli
from tests.support.pulumi_cli import PulumiCli

PROJECT = "diagnostics"


def _traceback(output: str) -> list[str]:
    """The traceback's lines, dedented, with the project's folder as ``<project>`` and without the
    ``^^^`` markers (their width differs between Python versions)."""
    lines = [line.strip() for line in output.splitlines() if line.strip().strip("^")]
    start = lines.index("Traceback (most recent call last):")
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("ValueError:"))
    return [re.sub(r'File ".*/diagnostics/', 'File "<project>/', line) for line in lines[start : end + 1]]


def test_a_failed_program_shows_the_traceback_from_its_own_frames(tmp_path: Path) -> None:
    cli = EngineCli(tmp_path, PROJECT)
    cli.run("stack", "init", "dev")
    cli.run("config", "set", "replicas", "0")
    result = cli.run("up", "--yes", "--skip-preview", expect=1)
    assert _traceback(result.stdout) == [
        "Traceback (most recent call last):",
        'File "<project>/__main__.py", line 29, in <module>',
        'pulumi.export("replicas", check_replicas(1 if replicas is None else replicas))',
        'File "<project>/helpers.py", line 6, in check_replicas',
        'raise ValueError(f"replicas must be at least 1, got {replicas}")',
        "ValueError: replicas must be at least 1, got 0",
    ]
    assert "_program_runner" not in result.stdout and "site-packages" not in result.stdout


def test_debug_shows_the_program_s_debug_messages(tmp_path: Path) -> None:
    cli = EngineCli(tmp_path, PROJECT)
    cli.run("stack", "init", "dev")
    quiet = cli.run("preview").stdout
    assert "an info message from the program" in quiet and "a debug message" not in quiet
    assert "debug: a debug message from the program" in cli.run("preview", "--debug").stdout


@pytest.mark.slow
def test_tracebacks_debug_and_streams_match_pulumi(tmp_path: Path, pulumi_bin: Path) -> None:
    aicompute = EngineCli(tmp_path / "aicompute", PROJECT)
    pulumi_cli = PulumiCli(tmp_path / "pulumi", PROJECT, pulumi_bin)
    aicompute.run("stack", "init", "dev")
    pulumi_cli.init()
    for cli in (aicompute, pulumi_cli):
        cli.run("config", "set", "replicas", "0")
    ours = aicompute.run("up", "--yes", "--skip-preview", expect=1)
    theirs = pulumi_cli.run("up", "--yes", "--skip-preview", expect=1)
    assert _traceback(ours.stdout) == _traceback(theirs.stdout)
    assert ours.stderr == theirs.stderr == ""  # both show a program's errors as diagnostics on stdout
    for cli in (aicompute, pulumi_cli):
        cli.run("config", "set", "replicas", "2")
        assert "a debug message from the program" not in cli.run("preview").stdout
        assert "debug: a debug message from the program" in cli.run("preview", "--debug").stdout


@pytest.mark.slow
def test_a_thousand_plain_dynamic_resources(tmp_path: Path) -> None:
    """The SDK's serialize_provider nests the pickler once per resource: without the runner's patch
    this program fails with RecursionError well before its last resource."""
    cli = EngineCli(tmp_path, PROJECT)
    cli.run("stack", "init", "dev")
    cli.run("config", "set", "count", "1000")
    result = cli.run("up", "--yes", "--skip-preview", "--json", timeout=600)
    assert "RecursionError" not in result.stdout + result.stderr
    exported = json.loads(cli.run("stack", "export").stdout)
    names = {resource["urn"].rsplit("::", 1)[1] for resource in exported["deployment"]["resources"]}
    assert {f"plain-{index}" for index in range(1000)} <= names


@pytest.mark.slow
def test_a_missing_virtualenv_is_created_and_the_program_runs_in_it(tmp_path: Path) -> None:
    """``virtualenv: venv`` that does not exist: created with requirements.txt installed (the Pulumi
    SDK, not aicompute), as Pulumi's language host does; program and provider run in it."""
    cli = EngineCli(tmp_path, PROJECT)
    (cli.project_dir / "Pulumi.yaml").write_text(
        "name: diagnostics\nruntime:\n  name: python\n  options:\n    virtualenv: venv\n"
    )
    (cli.project_dir / "requirements.txt").write_text(f"pulumi=={version('pulumi')}\n")
    cli.run("stack", "init", "dev")
    cli.run("config", "set", "count", "2")
    result = cli.run("up", "--yes", timeout=600)
    assert "Creating virtual environment..." in result.stdout
    assert "Installing dependencies in virtual environment..." in result.stdout
    outputs = json.loads(cli.run("stack", "output", "--json").stdout)
    assert outputs["interpreter"] == str(cli.project_dir / "venv" / "bin" / "python")
    venv_python = cli.project_dir / "venv" / "bin" / "python"
    assert not list((cli.project_dir / "venv").glob("lib/python*/site-packages/aicompute*"))
    assert venv_python.exists()
    again = cli.run("preview", "--expect-no-changes")
    assert "Creating virtual environment" not in again.stdout
