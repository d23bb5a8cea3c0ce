"""``aicompute report`` end to end: a real preview of the ``filestate`` project turned into a PR comment."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from aicompute.engine.report.comment import marker, validate_preview
from tests.support.engine_cli import EngineCli, FileState
from tests.support.localcloud import Credentials, LocalCloudProcess

SECRETS = ("hunter2", "hunter3", "s3cret-output")


@pytest.fixture
def changed(tmp_path: Path) -> FileState:
    """A stack whose next preview creates e, updates a, replaces c (a secret value) and deletes b."""
    fs = FileState(tmp_path)
    fs.init()
    fs.spec(
        {"name": "a", "value": "one"},
        {"name": "b", "value": "bee"},
        {"name": "c", "value": "hunter2", "secret": True},
        {"name": "d", "value": "same", "size": 1},
        password="s3cret-output",
    )
    fs.run("up", "--yes", "--skip-preview")
    fs.spec(
        {"name": "a", "value": "two"},
        {"name": "c2", "resource": "c", "value": "hunter3", "secret": True},
        {"name": "d", "value": "same", "size": 1},
        {"name": "e", "value": "new"},
        password="s3cret-output",
    )
    return fs


def _report(fs: EngineCli, *args: str, stdin: str = "", expect: int = 0) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        fs.command("report", *args),
        cwd=fs.project_dir,
        env=fs.env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == expect, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def _assert_the_changes(text: str) -> None:
    assert text.startswith(marker("filestate", "dev") + "\n")
    counts = dict(re.findall(r"^\| \S+ ([a-z]+) \| (\d+) \|$", text, re.MULTILINE))
    assert counts == {"create": "1", "update": "1", "replace": "1", "delete": "1", "same": "2"}
    caution = text.split("> [!CAUTION]", 1)[1].split("\n\n", 1)[0]
    assert "**1 resource will be deleted and 1 resource will be replaced.**" in caution
    assert (
        "**delete** `b`" in caution
        and "**replace** `c` (`pulumi-python:dynamic/test:Thing`): `name` changed" in caution
    )
    assert '~ value: "one" => "two"' in text
    assert '~ name : "c" => "c2" (forces replacement)' in text and "~ value: [secret] => [secret]" in text
    assert '- value: "bee"' in text and '+ value: "new"' in text
    assert text.count("<details>") == 4
    for plaintext in SECRETS:
        assert plaintext not in text


def test_a_real_preview_piped_into_report(changed: FileState) -> None:
    calls = changed.calls()
    preview = changed.run("preview", "--json")
    digest = json.loads(preview.stdout)
    validate_preview(digest)  # the schema holds for what the CLI prints
    assert {s["op"] for s in digest["steps"]} == {"create", "update", "replace", "delete", "same"}
    for plaintext in SECRETS:  # without --show-secrets the digest itself carries no secret
        assert plaintext not in preview.stdout + preview.stderr

    text = _report(changed, "--from", "-", stdin=preview.stdout).stdout
    _assert_the_changes(text)

    saved = changed.root / "preview.json"
    saved.write_text(preview.stdout)
    out = changed.root / "comment.md"
    written = _report(changed, "--from", str(saved), "--output", str(out), "--title", "Preview (dev)")
    assert "Wrote the report" in written.stderr and written.stdout == ""
    assert "### :warning: Preview (dev) on `filestate/dev`" in out.read_text()
    assert changed.calls() == calls  # reporting changed nothing


def test_report_previews_the_stack_itself_without_from(changed: FileState) -> None:
    out = changed.root / "comment.md"
    _report(changed, "--stack", "dev", "--output", str(out))
    _assert_the_changes(out.read_text())


def test_a_show_secrets_preview_is_refused(changed: FileState) -> None:
    shown = changed.run("preview", "--json", "--show-secrets").stdout
    refused = _report(changed, "--from", "-", stdin=shown, expect=1)
    assert "--show-secrets" in refused.stderr and refused.stdout == ""
    for plaintext in SECRETS:
        assert plaintext not in refused.stderr


def test_unreadable_or_invalid_input_exits_1_with_a_clear_message(tmp_path: Path) -> None:
    changed = FileState(tmp_path)
    changed.init()
    missing = _report(changed, "--from", str(changed.root / "nope.json"), expect=1)
    assert "error: --from: cannot read" in missing.stderr and "nope.json" in missing.stderr
    text = _report(changed, "--from", "-", stdin="Previewing update (dev):\n", expect=1)
    assert "error: stdin is not JSON" in text.stderr
    invalid = _report(changed, "--from", "-", stdin='{"steps": [{"op": "create"}], "changeSummary": {}}', expect=1)
    assert "error: stdin is not an `aicompute preview --json` digest: at steps/0: 'urn' is a required" in invalid.stderr
    too_small = _report(changed, "--from", "-", "--max-chars", "10", stdin="{}", expect=2)
    assert "--max-chars" in too_small.stderr


def test_a_failed_preview_is_reported_with_its_errors(tmp_path: Path) -> None:
    fs = FileState(tmp_path)
    fs.init()
    fs.spec({"name": "a", "value": "one"}, {"name": "b", "size": "big"})
    failed = fs.run("preview", "--json", expect=1)
    error = "pulumi-python:dynamic/test:Thing 'b': invalid inputs: size: must be a number"
    text = _report(fs, "--from", "-", stdin=failed.stdout).stdout
    assert "### :x: aicompute preview on `filestate/dev`" in text and f"```\n{error}\n```" in text
    assert "**The preview failed.** Planned before it stopped: 2 to create, 0 unchanged." in text
    out = tmp_path / "comment.md"
    live = _report(fs, "--stack", "dev", "--output", str(out), expect=1)
    assert "error: the preview failed; the report shows its errors" in live.stderr
    assert error in out.read_text()


def test_a_preview_that_failed_before_any_step_is_reported_with_only_the_stack_given(tmp_path: Path) -> None:
    """As the shipped CI workflows call it (``--stack`` alone): the project comes from Pulumi.yaml."""
    fs = FileState(tmp_path)
    fs.init()
    fs.spec({"name": "a", "value": "one"})
    fs.run("up", "--yes", "--skip-preview")
    fs.spec_file.write_text("{not json")  # the program fails before it registers anything new
    failed = fs.run("preview", "--json", expect=1)
    # Only the root stack's step (a preview's digest shows it even when nothing changes, as Pulumi's)
    assert [step["urn"].rsplit("::", 1)[1] for step in json.loads(failed.stdout)["steps"]] in ([], ["filestate-dev"])
    text = _report(fs, "--from", "-", "--stack", "dev", stdin=failed.stdout).stdout
    assert text.startswith(marker("filestate", "dev") + "\n")
    assert "### :x: aicompute preview on `filestate/dev`" in text and "JSONDecodeError" in text


@pytest.mark.slow
def test_report_of_a_modelarts_preview_against_localcloud(
    tmp_path: Path, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    cli = EngineCli(tmp_path, "modelarts")
    cli.init_for_localcloud(
        localcloud,
        project,
        **{
            "modelarts:workspace": "report-e2e",
            "modelarts:networkName": "report-net",
            "modelarts:cidr": "192.168.0.0/16",
        },
    )
    cli.run("up", "--yes", "--skip-preview")
    cli.set_config(**{"modelarts:description": "second", "modelarts:cidr": "172.16.0.0/16"})

    preview = cli.run("preview", "--json", expect=None)
    assert preview.returncode == 0, preview.stderr
    assert project.secret_key not in preview.stdout + preview.stderr
    validate_preview(json.loads(preview.stdout))
    text = _report(cli, "--from", "-", stdin=preview.stdout).stdout
    assert text.startswith(marker("modelarts", "dev") + "\n")
    caution = text.split("> [!CAUTION]", 1)[1].split("\n\n", 1)[0]
    assert "**1 resource will be replaced.**" in caution
    assert "**replace** `network` (`pulumi-python:dynamic/modelarts:Network`): `cidr` changed" in caution
    assert '~ description: "managed by aicompute" => "second"' in text
    assert '~ cidr: "192.168.0.0/16" => "172.16.0.0/16" (forces replacement)' in text
    assert project.secret_key not in text
