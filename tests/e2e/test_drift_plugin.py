"""``aicompute drift`` of a provider plugin's resources, end to end through the CLI, with a plugin
that needs no Go build (``tests/support/fake_plugin.py``, on PATH): the plugin configured from the
explicit provider in the state, its secret token never shown; in sync after ``up``; values changed
on the platform are drift (exit 2, resource and field named) until ``refresh`` records them; a
deleted object is reported deleted; the plugin's types are not listed for ``--unmanaged``; without
the plugin its resources are skipped, naming it. (``test_drift_kubernetes.py`` does the same with
pulumi-kubernetes and a real API server.)"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.support.engine_cli import EngineCli
from tests.support.fake_plugin import FakePlatform

TOKEN = "fake-t0ken-4821"
THING = "fake:index:Thing"


@pytest.fixture
def platform(tmp_path: Path) -> FakePlatform:
    return FakePlatform(tmp_path / "plugin", TOKEN)


def _cli(tmp_path: Path, plugin_folder: Path | None) -> EngineCli:
    path = os.environ["PATH"] if plugin_folder is None else f"{plugin_folder}{os.pathsep}{os.environ['PATH']}"
    return EngineCli(tmp_path, "plugindrift", env={"PATH": path})


def _drift(cli: EngineCli, tmp_path: Path, expect: int, *args: str) -> tuple[str, dict[str, Any]]:
    report = tmp_path / "drift.json"
    result = cli.run("drift", "--stack", cli.stack, "--json", str(report), *args, expect=expect)
    assert TOKEN not in result.stdout + result.stderr + report.read_text()
    return result.stdout + result.stderr, json.loads(report.read_text())


def test_drift_reads_a_plugin_s_resources_as_refresh_does(platform: FakePlatform, tmp_path: Path) -> None:
    cli = _cli(tmp_path, platform.folder)
    cli.init()
    cli.set_secret("plugindrift:token", TOKEN)
    cli.run("up", "--yes", "--skip-preview", timeout=300)
    assert set(platform.objects) == {"detector", "encoder"}

    text, document = _drift(cli, tmp_path, 0, "--unmanaged")
    assert document["types"] == [{"type": THING, "managed": 2, "method": "plugin-read"}]
    assert document["unlisted_types"] == [THING] and document["skipped"] == []
    assert "Read with their provider plugin's Read, as refresh reads them: fake:index:Thing" in text

    objects = platform.objects
    objects["detector"]["size"] = 5
    objects["detector"]["status"] = "scaling"  # not an input: never drift
    objects["encoder"]["labels"] = {"app": "by-hand"}
    platform.objects = objects
    text, document = _drift(cli, tmp_path, 2)
    changed = {r["name"]: [(p["path"], p["state"], p["live"]) for p in r["properties"]] for r in document["resources"]}
    assert changed == {"detector": [("size", 3, 5)], "encoder": [("labels.app", "encoder", "by-hand")]}
    assert "size: 3 => 5" in text and 'labels.app: "encoder" => "by-hand"' in text

    cli.run("refresh", "--yes", "--skip-preview", timeout=300)
    _drift(cli, tmp_path, 0)

    platform.objects = {key: value for key, value in platform.objects.items() if key != "encoder"}
    text, document = _drift(cli, tmp_path, 2)
    assert [(r["name"], r["kind"]) for r in document["resources"]] == [("encoder", "deleted")]
    assert "Found deleted resources:" in text

    without = _cli(tmp_path, None)
    text, document = _drift(without, tmp_path, 0)
    reasons = {s["urn"].rsplit("::", 1)[1]: s["reason"] for s in document["skipped"]}
    assert set(reasons) == {"detector", "encoder"} and document["summary"]["total_managed"] == 0
    assert "pulumi-resource-fake is not installed" in reasons["detector"] and "PATH" in reasons["detector"]


def test_a_plugin_refusing_the_provider_s_secret_is_an_error_that_does_not_show_it(
    platform: FakePlatform, tmp_path: Path
) -> None:
    cli = _cli(tmp_path, platform.folder)
    cli.init()
    cli.set_secret("plugindrift:token", TOKEN)
    cli.run("up", "--yes", "--skip-preview", timeout=300)
    FakePlatform(platform.folder, "another-token-9753").objects = platform.objects  # the token is rotated
    text, document = _drift(cli, tmp_path, 1)
    [error] = document["errors"]
    assert error["type"] == "pulumi:providers:fake" and "unauthorized token [secret]" in error["message"]
    assert "configuring the provider" in text and document["summary"]["total_in_sync"] == 0
