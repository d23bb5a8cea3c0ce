"""Display: values, --diff lines, the summary and the --json digest."""

from __future__ import annotations

import io

from rich.console import Console

from aicompute.engine.deploy.events import DiagnosticEvent, StepEvent
from aicompute.engine.deploy.operations import OperationResult
from aicompute.engine.deploy.run_context import StepRecord
from aicompute.engine.deploy.step_plan import StepPlan
from aicompute.engine.display.diff import diff_lines, format_value
from aicompute.engine.display.json_digest import digest_json
from aicompute.engine.display.progress import LiveRenderer, PlainRenderer, summary_lines
from aicompute.engine.resource.checkpoint_values import UNKNOWN, secret
from aicompute.engine.resource.state import ResourceState

URN = "urn:pulumi:dev::proj::pulumi-python:dynamic/test:Thing::a"


def test_format_value_shows_unknowns_and_secrets_unquoted() -> None:
    assert format_value({"a": UNKNOWN, "b": "[secret]", "c": 1}) == '{"a": [unknown], "b": [secret], "c": 1}'


def test_diff_lines_per_kind() -> None:
    event = StepEvent(
        op="replace",
        urn=URN,
        type="t",
        done=True,
        detailed_diff={"name": "update-replace", "tags.env": "add", "old": "delete"},
        old_props={"name": "a", "old": 1, "tags": {}},
        new_props={"name": "b", "tags": {"env": "dev"}},
    )
    assert diff_lines(event, indent="") == [
        '~ name    : "a" => "b" (forces replacement)',
        "- old     : 1",
        '+ tags.env: "dev"',
    ]


def test_plain_renderer_lines() -> None:
    out = io.StringIO()
    render = PlainRenderer(out)
    render(StepEvent(op="create", urn=URN, type="pulumi-python:dynamic/test:Thing", done=False, preview=False))
    render(
        StepEvent(op="create", urn=URN, type="pulumi-python:dynamic/test:Thing", done=True, preview=False, elapsed=1.25)
    )
    render(DiagnosticEvent("error", "boom\nsecond line", URN))
    render(DiagnosticEvent("debug", "hidden"))
    assert out.getvalue().splitlines() == [
        " +  pulumi-python:dynamic/test:Thing a creating",
        " +  pulumi-python:dynamic/test:Thing a created (1.2s)",
        "    error: a: boom",
        "      second line",
    ]


def _result(records: list[StepRecord], summary: dict[str, int], dry_run: bool) -> OperationResult:
    return OperationResult(
        kind="update",
        dry_run=dry_run,
        succeeded=True,
        summary=summary,
        records=records,
        outputs={"pw": secret("hunter2"), "n": 2},
        old_outputs={"n": 1, "gone": True},
        diagnostics=[DiagnosticEvent("warning", "careful", URN)],
        config={"proj:key": "v", "proj:secret": "[secret]"},
        duration=1.5,
    )


def test_summary_lines_outputs_and_counts() -> None:
    lines = summary_lines(_result([], {"create": 2, "replace": 1, "same": 3}, dry_run=True))
    text = "\n".join(lines)
    assert "  - gone: true" in text and "  ~ n   : 1 => 2" in text and "  + pw  : [secret]" in text
    assert "    + 2 to create" in text and "    +- 1 to replace" in text and "    3 unchanged" in text
    assert "hunter2" not in text


def test_digest_json_is_shaped_like_pulumis() -> None:
    old = ResourceState(URN, "t", True, id="a", inputs={"v": 1, "s": secret("x")}, outputs={"v": 1})
    new = ResourceState(URN, "t", True, id="a", inputs={"v": 2, "s": secret("x")}, outputs={"v": 2})
    record = StepRecord("update", URN, "t", old, new, StepPlan("update", {"v": "update"}))
    digest = digest_json(_result([record], {"update": 1}, dry_run=True))
    [step] = digest["steps"]
    assert step["op"] == "update" and step["diffReasons"] == ["v"]
    assert step["detailedDiff"] == {"v": {"kind": "update", "inputDiff": True}}
    assert step["oldState"]["inputs"]["s"] == "[secret]" and step["newState"]["inputs"]["v"] == 2
    assert digest["changeSummary"] == {"update": 1} and digest["duration"] == 1_500_000_000
    assert digest["outputs"] == {"pw": "[secret]", "n": 2}
    assert digest["diagnostics"][0]["severity"] == "warning"


def test_an_update_refresh_shows_refresh_not_updated_and_a_refresh_shows_what_it_found() -> None:
    def shown(refresh: bool, result: str) -> str:
        out = io.StringIO()
        event = StepEvent(op="refresh", urn=URN, type="t", done=True, preview=False, elapsed=0.5, result=result)
        PlainRenderer(out, refresh=refresh)(event)
        return out.getvalue().strip()

    assert shown(False, "same") == "~  t a refresh (0.5s)" and shown(False, "update") == "~  t a refresh (0.5s)"
    assert shown(True, "update") == "~  t a updated (0.5s)" and shown(True, "same") == "t a unchanged (0.5s)"


def test_refresh_steps_in_a_digest_are_refresh_and_their_diff_is_not_of_inputs() -> None:
    old = ResourceState(URN, "t", True, id="a", inputs={"v": 1}, outputs={"v": 1, "server": "x"})
    new = ResourceState(URN, "t", True, id="a", inputs={"v": 1}, outputs={"v": 1, "server": "y"})
    refresh = StepRecord("refresh", URN, "t", old, new, StepPlan("update", {"server": "update"}))
    update = _result([], {"same": 1}, dry_run=False)
    update.refresh_records = [refresh]
    [step] = digest_json(update)["steps"]
    assert step["op"] == "refresh" and step["detailedDiff"] == {"server": {"kind": "update", "inputDiff": False}}
    refreshed = _result([refresh], {"update": 1}, dry_run=False)
    refreshed.kind = "refresh"
    [step] = digest_json(refreshed)["steps"]
    assert step["op"] == "update" and digest_json(refreshed)["changeSummary"] == {"update": 1}


def test_an_update_digest_lists_a_replace_as_the_steps_pulumi_runs_for_it() -> None:
    old = ResourceState(URN, "t", True, id="a", inputs={"name": "a"}, outputs={"name": "a"})
    new = ResourceState(URN, "t", True, id="b", inputs={"name": "b"}, outputs={"name": "b"})
    first = StepRecord("replace", URN, "t", old, new, StepPlan("replace", {"name": "update-replace"}, ("name",), True))
    later = StepRecord("replace", URN, "t", old, new, StepPlan("replace", {"name": "update-replace"}, ("name",)))
    for record, ops in [
        (first, ["delete-replaced", "replace", "create-replacement"]),
        (later, ["create-replacement", "replace"]),
    ]:
        assert [s["op"] for s in digest_json(_result([record], {"replace": 1}, dry_run=False))["steps"]] == ops
        assert [s["op"] for s in digest_json(_result([record], {"replace": 1}, dry_run=True))["steps"]] == ["replace"]


def test_the_live_view_draws_the_tree_and_keeps_the_status_whole_at_80_columns() -> None:
    """Issue #14 item 18: the op column was cut to ``crea…`` and there was no parent/child tree."""
    out = io.StringIO()
    console = Console(file=out, width=80, force_terminal=True, color_system=None)
    stack = "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev"
    platform = "urn:pulumi:dev::proj::aicompute:stacks:TrainingPlatform::training"
    long_type = "pulumi-python:dynamic/modelarts:ResourcePool"
    pool = f"urn:pulumi:dev::proj::aicompute:stacks:TrainingPlatform${long_type}::training-pool-with-a-long-name"
    nodes = "urn:pulumi:dev::proj::aicompute:stacks:TrainingPlatform$pulumi-python:dynamic/modelarts:NodePool::gpu"
    other = "urn:pulumi:dev::proj::pulumi-python:dynamic/modelarts:Network::net"
    view = LiveRenderer(console)
    view(StepEvent("create", stack, "pulumi:pulumi:Stack", False, preview=False))
    view(StepEvent("create", platform, "aicompute:stacks:TrainingPlatform", False, preview=False, parent=stack))
    view(StepEvent("create", pool, long_type, False, preview=False, parent=platform))
    view(
        StepEvent(
            "delete-replaced", nodes, "pulumi-python:dynamic/modelarts:NodePool", False, preview=False, parent=platform
        )
    )
    view(StepEvent("update", other, "pulumi-python:dynamic/modelarts:Network", False, preview=False, parent=stack))
    console.print(view._render())
    lines = out.getvalue().splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert [line.split()[1] for line in lines] == ["pulumi:pulumi:Stack", "├─", "│", "│", "└─"]
    assert lines[2].split()[2] == "├─" and lines[3].split()[2] == "└─"
    assert lines[3].rstrip().endswith("deleting original (0s)") and "…" in lines[2]
    assert lines[4].rstrip().endswith("updating (0s)")
