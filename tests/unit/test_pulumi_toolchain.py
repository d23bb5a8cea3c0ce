"""The real-Pulumi toolchain: tests that need the CLI skip without it (naming `make pulumi`) or fail
when it is required; `make pulumi` without Go stops with one sentence."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support import pulumi_cli
from tests.support.pulumi_cli import REPO, require_pulumi


def without_pulumi(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(pulumi_cli, "TOOLS_BIN", tmp_path / "no-tools")
    monkeypatch.setenv("PATH", str(tmp_path))


def test_a_missing_cli_skips_naming_make_pulumi(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    without_pulumi(monkeypatch, tmp_path)
    monkeypatch.delenv("AICOMPUTE_REQUIRE_PULUMI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="make pulumi"):
        require_pulumi()


def test_a_missing_cli_fails_where_it_is_required(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    without_pulumi(monkeypatch, tmp_path)
    monkeypatch.setenv("AICOMPUTE_REQUIRE_PULUMI", "1")
    with pytest.raises(pytest.fail.Exception, match="AICOMPUTE_REQUIRE_PULUMI=1"):
        require_pulumi()


def test_make_pulumi_without_go_says_so_in_one_sentence(tmp_path: Path) -> None:
    make = shutil.which("make")
    assert make is not None
    result = subprocess.run(
        [make, "-B", "-C", str(REPO), "pulumi", f"PULUMI_BIN={tmp_path}/bin"],
        env={"PATH": "/usr/bin:/bin"},  # no Go there
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "make pulumi: no Go toolchain on PATH" in result.stderr
    assert not (tmp_path / "bin").exists()
