"""The CI examples in ``examples/ci``: valid YAML, valid shell, only real CLI flags, and a GitLab helper that
finds and updates its own note and issue."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import typer
import yaml
from typer.core import TyperGroup
from typer.testing import CliRunner

from aicompute.engine.cli import app

CI = Path(__file__).resolve().parents[2] / "examples" / "ci"
GITHUB = CI / "github"
GITLAB = CI / "gitlab"
WORKFLOWS = sorted(GITHUB.glob("*.yml"))
GITLAB_FILES = sorted(GITLAB.glob("*.yml"))
EXPRESSION = re.compile(r"\$\{\{.*?\}\}")


def _load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text())
    assert isinstance(document, dict)
    return document


def _github_scripts(path: Path) -> list[str]:
    # GitHub substitutes ${{ ... }} textually before the shell sees the script.
    steps = [step for job in _load(path)["jobs"].values() for step in job["steps"]]
    return [EXPRESSION.sub("EXPR", step["run"]) for step in steps if "run" in step]


def _gitlab_scripts(path: Path) -> list[str]:
    jobs = [
        job for job in _load(path).values() if isinstance(job, dict) and ("script" in job or "before_script" in job)
    ]
    return ["\n".join(job.get("before_script", []) + job.get("script", [])) for job in jobs]


def _all_scripts() -> list[tuple[str, str]]:
    scripts = [(p.name, s) for p in WORKFLOWS for s in _github_scripts(p)]
    return scripts + [(p.name, s) for p in GITLAB_FILES for s in _gitlab_scripts(p)]


def _commands() -> TyperGroup:
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    return group


def _invocations(script: str) -> list[tuple[str, set[str]]]:
    """Each ``aicompute <command> ...`` in a script, with the long flags it passes."""
    joined = script.replace("\\\n", " ")
    found = []
    for match in re.finditer(r"(?:^\s*|&&\s*|\(\s*)aicompute (\w+)([^\n;|&]*)", joined, re.MULTILINE):
        found.append((match.group(1), set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", match.group(2)))))
    return found


def test_the_examples_exist_and_parse() -> None:
    assert {p.name for p in WORKFLOWS} == {"aicompute-preview.yml", "aicompute-drift.yml"}
    assert [p.name for p in GITLAB_FILES] == ["aicompute.gitlab-ci.yml"]
    for path in [*WORKFLOWS, *GITLAB_FILES]:
        _load(path)


def test_every_shell_script_is_valid_bash() -> None:
    scripts = _all_scripts()
    assert len(scripts) >= 10
    for name, script in scripts:
        checked = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True, check=False)
        assert checked.returncode == 0, f"{name}: {checked.stderr}\n{script}"


def test_every_aicompute_flag_used_exists() -> None:
    commands = _commands().commands
    used: dict[str, set[str]] = {}
    for _, script in _all_scripts():
        for name, flags in _invocations(script):
            used.setdefault(name, set()).update(flags)
    assert set(used) >= {"preview", "report", "drift", "version"}
    assert used["report"] >= {"--from", "--stack", "--output", "--max-chars", "--title"}
    assert used["drift"] >= {"--json", "--markdown", "--unmanaged", "--stack", "--all-stacks"}
    for name, flags in used.items():
        if name not in commands:
            assert name == "drift", f"aicompute {name} is not a command"
            continue  # `aicompute drift` may not be registered yet in this tree
        options = {opt for param in commands[name].params for opt in getattr(param, "opts", [])}
        assert flags <= options, f"aicompute {name}: unknown {sorted(flags - options)}"
        shown = CliRunner().invoke(app, [name, "--help"], env={"COLUMNS": "250", "NO_COLOR": "1", "TERM": "dumb"})
        assert shown.exit_code == 0 and all(flag in shown.output for flag in flags), (name, flags, shown.output)


def test_the_preview_workflow_previews_reports_and_updates_its_comment() -> None:
    workflow = _load(GITHUB / "aicompute-preview.yml")
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "pull_request" in triggers
    assert workflow["permissions"]["pull-requests"] == "write"
    steps = workflow["jobs"]["preview"]["steps"]
    runs = "\n".join(step.get("run", "") for step in steps)
    assert runs.index("aicompute preview --json") < runs.index("aicompute report --from")
    script = next(step["with"]["script"] for step in steps if step.get("uses", "").startswith("actions/github-script"))
    assert "startsWith(marker)" in script and "updateComment" in script and "createComment" in script
    env = workflow["jobs"]["preview"]["env"]
    for secret in ("PULUMI_CONFIG_PASSPHRASE", "HW_ACCESS_KEY", "HW_SECRET_KEY"):
        assert env[secret] == f"${{{{ secrets.{secret} }}}}"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_github_script_is_valid_javascript(tmp_path: Path) -> None:
    steps = _load(GITHUB / "aicompute-preview.yml")["jobs"]["preview"]["steps"]
    script = next(step["with"]["script"] for step in steps if "script" in step.get("with", {}))
    source = tmp_path / "script.js"
    source.write_text(f"async function run(github, context, core, require) {{\n{script}\n}}\n")
    checked = subprocess.run(["node", "--check", str(source)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr


def test_the_drift_jobs_act_on_each_exit_code() -> None:
    workflow = _load(GITHUB / "aicompute-drift.yml")
    assert "schedule" in workflow.get("on", workflow.get(True))
    assert workflow["permissions"]["issues"] == "write"
    runs = "\n".join(step.get("run", "") for step in workflow["jobs"]["drift"]["steps"])
    assert "--markdown" in runs and "--json" in runs
    assert re.search(r"2\) .*drift found", runs) and re.search(r"\*\) .*exit 1", runs)
    assert "gh issue create" in runs and "gh issue edit" in runs and "gh issue close" in runs
    gitlab = _load(GITLAB / "aicompute.gitlab-ci.yml")
    assert gitlab["aicompute-preview"]["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert {"if": '$CI_PIPELINE_SOURCE == "schedule"'} in gitlab["aicompute-drift"]["rules"]
    drift = "\n".join(gitlab["aicompute-drift"]["script"])
    assert 'gitlab_upsert.py" issue' in drift and 'gitlab_upsert.py" close' in drift and "exit 2" in drift


def test_the_jobs_use_the_state_bucket_directly_with_no_sync_step() -> None:
    """Every job reads the shared s3:// backend itself (the one `pulumi` uses too): no copy of the
    state is synced in or out around a run, and aicompute is installed with its s3 extra."""
    gitlab = _load(GITLAB / "aicompute.gitlab-ci.yml")
    environments = [job["env"] for path in WORKFLOWS for job in _load(path)["jobs"].values()]
    environments.append(gitlab["variables"])
    for env in environments:
        assert env["AICOMPUTE_BACKEND_URL"].startswith("s3://") and "endpoint=" in env["AICOMPUTE_BACKEND_URL"]
        assert env["AICOMPUTE_PACKAGE"].endswith("[s3]")
        assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= set(env)
    for name, script in _all_scripts():
        assert "s3 sync" not in script and "aws s3" not in script and "file://" not in script, name
    drift = "\n".join(step.get("run", "") for step in _load(GITHUB / "aicompute-drift.yml")["jobs"]["drift"]["steps"])
    assert "aicompute drift --all-stacks" in drift


# the GitLab helper against a fake GitLab API -----------------------------------------------------
class FakeGitLab:
    """Notes and issues of one project, as the v4 API serves them (pages of ``per_page``)."""

    def __init__(self) -> None:
        self.notes: dict[int, dict[str, Any]] = {}
        self.issues: dict[int, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []

    def handle(self, method: str, path: str, query: dict[str, str], body: dict[str, Any]) -> Any:
        self.requests.append((method, path))
        parts = path.strip("/").split("/")
        assert parts[:3] == ["projects", "42", "merge_requests"] or parts[:3] == ["projects", "42", "issues"]
        if parts[2] == "merge_requests":
            return self._notes(method, parts[5:], query, body)
        return self._issues(method, parts[3:], query, body)

    def _page(self, items: list[Any], query: dict[str, str]) -> list[Any]:
        size, page = int(query.get("per_page", 20)), int(query.get("page", 1))
        return items[(page - 1) * size : page * size]

    def _notes(self, method: str, rest: list[str], query: dict[str, str], body: dict[str, Any]) -> Any:
        if method == "GET":
            return self._page(list(self.notes.values()), query)
        if method == "POST":
            note = {"id": len(self.notes) + 1, "body": body["body"], "system": False}
            self.notes[note["id"]] = note
            return note
        self.notes[int(rest[0])]["body"] = body["body"]
        return self.notes[int(rest[0])]

    def _issues(self, method: str, rest: list[str], query: dict[str, str], body: dict[str, Any]) -> Any:
        if method == "GET":
            opened = [
                i
                for i in self.issues.values()
                if i["state"] == "opened" and query["labels"] in i["labels"] and query["search"] in i["title"]
            ]
            return self._page(opened, query)
        if method == "POST" and not rest:
            issue = {"iid": len(self.issues) + 1, "title": body["title"], "labels": [body["labels"]], "state": "opened"}
            issue |= {"description": body["description"], "notes": []}
            self.issues[issue["iid"]] = issue
            return issue
        issue = self.issues[int(rest[0])]
        if method == "POST":
            issue["notes"].append(body["body"])
        elif "state_event" in body:
            issue["state"] = "closed"
        else:
            issue["description"] = body["description"]
        return issue


@pytest.fixture
def gitlab() -> Iterator[tuple[FakeGitLab, str]]:
    fake = FakeGitLab()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            url = self.path.split("?", 1)
            from urllib.parse import parse_qsl

            query = dict(parse_qsl(url[1])) if len(url) > 1 else {}
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else {}
            assert self.headers["PRIVATE-TOKEN"] == "glpat-test"
            payload = json.dumps(fake.handle(self.command, url[0].removeprefix("/api/v4"), query, body)).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = _serve

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake, f"http://127.0.0.1:{server.server_address[1]}/api/v4"
    server.shutdown()
    server.server_close()


def _helper() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gitlab_upsert", GITLAB / "gitlab_upsert.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_gitlab_helper_posts_then_updates_its_own_note(
    gitlab: tuple[FakeGitLab, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, url = gitlab
    helper = _helper()
    for key, value in {"GITLAB_API_TOKEN": "glpat-test", "CI_API_V4_URL": url, "CI_PROJECT_ID": "42"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("CI_MERGE_REQUEST_IID", "7")
    for index in range(120):  # other people's notes, more than one page of them
        fake.notes[index + 1] = {"id": index + 1, "body": f"LGTM {index}", "system": False}
    comment = tmp_path / "comment.md"
    comment.write_text("<!-- aicompute-report:infra/dev -->\n### first run\n")
    assert helper.main(["note", str(comment)]) == 0
    assert fake.notes[121]["body"].endswith("first run\n")
    other_stack = tmp_path / "other.md"
    other_stack.write_text("<!-- aicompute-report:infra/prod -->\n### prod\n")
    assert helper.main(["note", str(other_stack)]) == 0
    comment.write_text("<!-- aicompute-report:infra/dev -->\n### second run\n")
    assert helper.main(["note", str(comment)]) == 0
    assert len(fake.notes) == 122
    assert fake.notes[121]["body"].endswith("second run\n") and fake.notes[122]["body"].endswith("prod\n")
    assert ("PUT", "/projects/42/merge_requests/7/notes/121") in fake.requests


def test_the_gitlab_helper_opens_updates_and_closes_the_drift_issue(
    gitlab: tuple[FakeGitLab, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake, url = gitlab
    helper = _helper()
    for key, value in {"GITLAB_API_TOKEN": "glpat-test", "CI_API_V4_URL": url, "CI_PROJECT_ID": "42"}.items():
        monkeypatch.setenv(key, value)
    report = tmp_path / "drift.md"
    report.write_text("# Drift: 1 changed\n")
    title = ["--title", "Drift detected in stack dev", "--label", "drift"]
    assert helper.main(["issue", str(report), *title]) == 0
    report.write_text("# Drift: 2 changed\n")
    assert helper.main(["issue", str(report), *title]) == 0
    assert list(fake.issues) == [1]
    assert fake.issues[1]["description"] == "# Drift: 2 changed\n" and fake.issues[1]["notes"]
    assert helper.main(["close", *title]) == 0
    assert fake.issues[1]["state"] == "closed"
    assert helper.main(["close", *title]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "opened issue #1",
        "updated issue #1",
        "closed issue #1",
        "no open issue",
    ]
    monkeypatch.delenv("GITLAB_API_TOKEN")
    assert helper.main(["close", *title]) == 1
