"""A pull-request comment in Markdown from a preview digest (``aicompute preview --json``).

The comment starts with a hidden marker, ``<!-- aicompute-report:<project>/<stack> -->``, that CI
jobs search for to update their earlier comment instead of adding one per push; then a heading, a
summary table, a loud warning block listing every resource to be deleted or replaced, any errors,
and one collapsible ``<details>`` per changed resource with its property diff and replace reasons.

Secrets never appear: the digest already shows them as ``[secret]`` (``--json`` without
``--show-secrets``), Pulumi's secret sigil objects are masked here, a property path that goes into a
secret is cut at the secret, and a digest whose dynamic provider (``__provider``, always a secret)
is in plaintext — one made with ``--show-secrets`` — is refused.

A comment longer than the limit (GitHub refuses bodies over 65,536 characters) keeps the marker,
heading, summary, warnings and errors, drops per-resource details from the least to the most
destructive (creates go first), and says so in a note.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, reduce
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from aicompute.engine.deploy.events import StepEvent
from aicompute.engine.display.diff import diff_lines
from aicompute.engine.display.json_digest import SHOW_SECRETS_KEY
from aicompute.engine.report.options import DEFAULT_MAX_CHARS as DEFAULT_MAX_CHARS
from aicompute.engine.report.options import DEFAULT_TITLE as DEFAULT_TITLE
from aicompute.engine.report.options import MIN_MAX_CHARS as MIN_MAX_CHARS
from aicompute.engine.resource.checkpoint_values import MASK, is_secret, mask_secrets
from aicompute.engine.resource.property_paths import has_part, join_path, parse_path
from aicompute.engine.resource.schema import schema_registry
from aicompute.engine.resource.urn import ROOT_STACK_TYPE, UrnError, parse_urn
from aicompute.engine.resource.wire_values import PROVIDER_KEY

MARKER_PREFIX = "aicompute-report"
MAX_TITLE_CHARS = 200
PREVIEW_SCHEMA = "preview.schema.json"
SUMMARY_OPS = ("create", "update", "replace", "delete", "same")
DETAIL_ORDER = ("delete", "replace", "update", "create", "import")
"""Details are listed (and kept when trimming) from the most to the least destructive."""
REPLACEMENT_PARTS = frozenset(
    {"create-replacement", "delete-replaced", "import-replacement", "read-replacement", "discard-replaced"}
)
ICONS = {
    "create": ":heavy_plus_sign:",
    "update": ":pencil2:",
    "replace": ":repeat:",
    "delete": ":wastebasket:",
    "same": ":white_check_mark:",
    "import": ":inbox_tray:",
}
MAX_LINE_CHARS = 1_000
MAX_ERROR_CHARS = 2_000
_BACKTICKS = re.compile(r"`+")
_NAME = re.compile(r"[A-Za-z0-9_./-]+")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class ReportError(ValueError):
    """The input is not a preview digest the report can be made from."""


# input ------------------------------------------------------------------------------------------
@cache
def _validator() -> Draft202012Validator:
    text = resources.files("aicompute.engine").joinpath("schemas", PREVIEW_SCHEMA).read_text(encoding="utf-8")
    # The registry holds Pulumi's state schemas, which the steps' oldState/newState refer to.
    return Draft202012Validator(json.loads(text), registry=schema_registry(False))


def parse_preview(text: str, source: str) -> dict[str, Any]:
    """The digest in ``text`` (read from ``source``), checked against the preview schema."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(f"{source} is not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    validate_preview(document, source)
    digest: dict[str, Any] = document
    return digest


def validate_preview(document: Any, source: str = "the preview") -> None:
    """``ReportError`` naming the path and the rule when ``document`` is not a preview digest."""
    error = best_match(_validator().iter_errors(document))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(root)"
        raise ReportError(f"{source} is not an `aicompute preview --json` digest: at {where}: {error.message:.300}")
    _refuse_plaintext_secrets(document, source)


def _refuse_plaintext_secrets(digest: Mapping[str, Any], source: str) -> None:
    # The digest says so itself: which values are secrets cannot be told from a plaintext digest,
    # and the pickled provider (__provider) is no longer stored as a secret.
    if digest.get(SHOW_SECRETS_KEY) is True:
        raise ReportError(
            f"{source} shows secrets in plaintext ({SHOW_SECRETS_KEY} is true): it was made with --show-secrets; "
            "run `aicompute preview --json` without it"
        )


# model ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ResourceChange:
    """One resource's planned change, with its masked property diff."""

    op: str
    urn: str
    type: str
    name: str
    event: StepEvent
    replace_reasons: tuple[str, ...] = ()
    delete_first: bool | None = None
    """For a replace: whether the old resource goes first; None when the digest does not tell."""
    error: str = ""


@dataclass(frozen=True)
class Preview:
    project: str
    stack: str
    counts: dict[str, int]
    changes: list[ResourceChange]
    errors: list[str] = field(default_factory=list)

    @property
    def destructive(self) -> list[ResourceChange]:
        return [c for c in self.changes if c.op in ("delete", "replace")]


def summarize(
    digest: Mapping[str, Any],
    *,
    project: str | None = None,
    stack: str | None = None,
    project_file: str | None = None,
) -> Preview:
    """The report's view of a validated digest; ``project``/``stack`` when the URNs do not tell them
    (a preview that failed before any step has none), and ``project_file`` — the project of the
    ``Pulumi.yaml`` the report runs beside — when neither tells the project."""
    _refuse_plaintext_secrets(digest, "the preview")
    steps: list[dict[str, Any]] = list(digest["steps"])
    urn_project, urn_stack = _project_and_stack(steps)
    project = _agreeing("--project", project or (None if urn_project else project_file), urn_project)
    stack = _agreeing("--stack", stack, urn_stack)
    counts = {op: int(n) for op, n in digest["changeSummary"].items() if op not in REPLACEMENT_PARTS}
    diagnostics = digest.get("diagnostics") or []
    errors = [_ANSI.sub("", str(d["message"])).strip() for d in diagnostics if d["severity"] == "error"]
    errors += [f"{_name(s['urn'])}: {s['error']}" for s in steps if s.get("error")]
    return Preview(project, stack, counts, _changes(steps), errors)


def _agreeing(option: str, given: str | None, found: str) -> str:
    """The project or stack named by the URNs, or ``given`` when there are none; an error if they differ."""
    if given and found and given != found:
        raise ReportError(f"{option}: {given!r} does not match the preview's {found!r}")
    if not (given or found):
        raise ReportError(f"the preview has no steps to tell its project and stack from: pass {option}")
    name = found or str(given)
    if not _NAME.fullmatch(name):
        # It goes into the HTML comment of the marker, which "-->" or a newline would break.
        raise ReportError(f"{option}: {name!r} must be letters, digits and _ . - / only")
    return name


def _project_and_stack(steps: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    for step in steps:
        try:
            urn = parse_urn(step["urn"])
        except UrnError:
            continue
        return urn.project, urn.stack
    return "", ""


def _name(urn: str) -> str:
    try:
        return parse_urn(urn).name
    except UrnError:
        return urn


def _changes(steps: Sequence[Mapping[str, Any]]) -> list[ResourceChange]:
    ops: dict[str, list[str]] = {}
    last: dict[str, int] = {}
    for index, step in enumerate(steps):
        ops.setdefault(step["urn"], []).append(step["op"])
        if step["op"] not in REPLACEMENT_PARTS:
            last[step["urn"]] = index
    changes: list[ResourceChange] = []
    for index, step in enumerate(steps):
        # ``preview --refresh`` lists the refresh's records first: a resource's last step is its plan.
        earlier = step["op"] not in REPLACEMENT_PARTS and last[step["urn"]] != index
        op = _shown_op(step["op"], ops[step["urn"]])
        if op is None or earlier or _type_of(step["urn"]) == ROOT_STACK_TYPE:
            continue
        changes.append(_change(step, op, _deletes_first(ops[step["urn"]])))
    order = {op: index for index, op in enumerate(DETAIL_ORDER)}
    return sorted(changes, key=lambda c: order.get(c.op, len(order)))


def _shown_op(op: str, ops_of_urn: list[str]) -> str | None:
    """The op a step is shown as; None for steps that change nothing or repeat their resource's replace."""
    if op in ("create", "update", "replace", "delete", "import"):
        return op
    if op in REPLACEMENT_PARTS:
        first_part = next(o for o in ops_of_urn if o in REPLACEMENT_PARTS)
        if "replace" in ops_of_urn or op != first_part:
            return None
        # A lone delete-replaced is the leftover deletion of a replaced resource.
        return "delete" if op == "delete-replaced" and len(ops_of_urn) == 1 else "replace"
    return None


def _deletes_first(ops_of_urn: list[str]) -> bool | None:
    """The order of a replacement's steps, when the digest lists them (Pulumi's does, a lone replace does not)."""
    if "delete-replaced" in ops_of_urn and "create-replacement" in ops_of_urn:
        return ops_of_urn.index("delete-replaced") < ops_of_urn.index("create-replacement")
    return None


def _change(step: Mapping[str, Any], op: str, delete_first: bool | None) -> ResourceChange:
    old_state, new_state = step.get("oldState") or {}, step.get("newState") or {}
    resource_type = new_state.get("type") or old_state.get("type") or _type_of(step["urn"])
    diff = _detailed_diff(step, op, old_state, new_state)
    inputs = all(entry.get("inputDiff", True) for entry in (step.get("detailedDiff") or {}).values())
    props_key = "inputs" if inputs else "outputs"
    old_props = mask_secrets(old_state.get(props_key) or {})
    new_props = mask_secrets(new_state.get(props_key) or {})
    shown_diff = _cut_at_secrets(diff, old_props, new_props)
    replace_reasons = tuple(step.get("replaceReasons") or ())
    event = StepEvent(
        op,
        step["urn"],
        resource_type,
        done=True,
        detailed_diff=shown_diff,
        replace_reasons=replace_reasons,
        old_props=old_props,
        new_props=new_props,
    )
    return ResourceChange(
        op, step["urn"], resource_type, _name(step["urn"]), event, replace_reasons, delete_first, step.get("error", "")
    )


def _type_of(urn: str) -> str:
    try:
        return parse_urn(urn).type
    except UrnError:
        return ""


def _detailed_diff(
    step: Mapping[str, Any], op: str, old_state: Mapping[str, Any], new_state: Mapping[str, Any]
) -> dict[str, str]:
    """Path to diff kind: the step's ``detailedDiff``, else what its op and ``diffReasons`` imply."""
    detailed = step.get("detailedDiff") or {}
    if detailed:
        diff = {path: str(entry["kind"]) for path, entry in detailed.items()}
    elif op == "create":
        diff = {key: "add" for key in new_state.get("inputs") or {}}
    elif op == "delete":
        diff = {key: "delete" for key in old_state.get("inputs") or {}}
    else:
        old, new = old_state.get("inputs") or {}, new_state.get("inputs") or {}
        diff = {key: _top_level_kind(key, old, new) for key in step.get("diffReasons") or ()}
        replaces = set(step.get("replaceReasons") or ())
        diff = {key: f"{kind}-replace" if key in replaces else kind for key, kind in diff.items()}
    return {path: kind for path, kind in diff.items() if path != PROVIDER_KEY}


def _top_level_kind(key: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    if key not in old:
        return "add"
    return "delete" if key not in new else "update"


def _cut_at_secrets(diff: Mapping[str, str], *props: Mapping[str, Any]) -> dict[str, str]:
    """The diff with every path that goes into a secret cut at the secret (its keys stay hidden too)."""
    shown: dict[str, str] = {}
    for path, kind in diff.items():
        parts = parse_path(path)
        depth = min(_secret_depth(p, parts) for p in props)
        cut = path if depth >= len(parts) else reduce(join_path, parts[: depth + 1], "")
        shown.setdefault(cut, kind)
    return shown


def _secret_depth(props: Any, parts: list[str | int]) -> int:
    """How many parts of the path lie above the first secret on it (``len(parts)`` when none)."""
    value = props
    for depth, part in enumerate(parts):
        if is_secret(value) or value == MASK:
            return depth - 1
        if not has_part(value, part):
            return len(parts)
        value = value[part]
    return len(parts)


# markdown ---------------------------------------------------------------------------------------
def marker(project: str, stack: str) -> str:
    """The hidden line CI jobs look for to find the comment again."""
    return f"<!-- {MARKER_PREFIX}:{project}/{stack} -->"


def code(text: str) -> str:
    """``text`` as a Markdown code span, whatever backticks it holds."""
    text = " ".join(text.split())
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _plan_line(counts: Mapping[str, int], failed: bool) -> str:
    words = {"create": "to create", "update": "to update", "replace": "to replace", "delete": "to delete"}
    planned = [f"{counts[op]} {word}" for op, word in words.items() if counts.get(op)]
    unchanged = f"{counts.get('same', 0)} unchanged"
    if failed:
        return f"**The preview failed.** Planned before it stopped: {', '.join([*planned, unchanged])}."
    if not planned:
        return f"**No changes.** {unchanged}."
    return f"**Plan:** {', '.join(planned)}, {unchanged}."


def head(preview: Preview, title: str) -> str:
    """Marker, heading, summary table and plan line."""
    status = ":x:" if preview.errors else ":warning:" if preview.destructive else ":tropical_drink:"
    ops = [*SUMMARY_OPS, *sorted(op for op, n in preview.counts.items() if n and op not in SUMMARY_OPS)]
    rows = [f"| {ICONS.get(op, '')} {op} | {preview.counts.get(op, 0)} |" for op in ops]
    lines = [
        marker(preview.project, preview.stack),
        f"### {status} {title} on {code(preview.project + '/' + preview.stack)}",
        "",
        "| Operation | Resources |",
        "| :-- | --: |",
        *rows,
        "",
        _plan_line(preview.counts, bool(preview.errors)),
    ]
    return "\n".join(lines)


def warning_items(preview: Preview) -> list[str]:
    return [_warning_item(change) for change in preview.destructive]


def _warning_item(change: ResourceChange) -> str:
    what = f"{ICONS[change.op]} **{change.op}** {code(change.name)} ({code(change.type)})"
    if change.op == "replace":
        reasons = ", ".join(code(r) for r in change.replace_reasons)
        said = [f"{reasons} changed" if reasons else "", _ORDER_SHORT.get(change.delete_first, "")]
        what += ": " + ", ".join(part for part in said if part) if any(said) else ""
    return f"> - {what}"


_ORDER_SHORT: dict[bool | None, str] = {
    True: "deleted before its replacement is created",
    False: "replacement created first",
}
_ORDER_LONG: dict[bool | None, str] = {
    True: "the old one is deleted before the new one is created",
    False: "the new one is created before the old one is deleted",
}


def warning_block(preview: Preview, items: Sequence[str], shown: int) -> str:
    """The CAUTION block with the first ``shown`` of ``items`` (and how many more there are)."""
    if not items:
        return ""
    deletes = sum(1 for c in preview.destructive if c.op == "delete")
    replaces = len(items) - deletes
    counted = [f"{n} {_resources(n)} will be {verb}" for n, verb in ((deletes, "deleted"), (replaces, "replaced")) if n]
    lines = ["> [!CAUTION]", f"> :warning: **{' and '.join(counted)}.** Review before merging.", ">", *items[:shown]]
    if shown < len(items):
        lines.append(f"> - … and {len(items) - shown} more (left out to fit the size limit)")
    return "\n".join(lines)


def _resources(n: int) -> str:
    return "resource" if n == 1 else "resources"


def error_block(errors: Sequence[str], shown: int) -> str:
    if not errors:
        return ""
    lines = ["#### :x: Errors", ""]
    for message in errors[:shown]:
        lines += [_fenced(_clip(message, MAX_ERROR_CHARS)), ""]
    if shown < len(errors):
        lines.append(f"… and {len(errors) - shown} more errors (left out to fit the size limit)")
    return "\n".join(lines).rstrip()


def details(change: ResourceChange) -> str:
    """One resource's collapsible section: replace reasons, then its property diff."""
    summary = (
        f"<summary>{ICONS.get(change.op, '')} <b>{change.op}</b> <code>{html.escape(change.name)}</code> "
        f"<code>{html.escape(change.type)}</code></summary>"
    )
    lines = ["<details>", summary, ""]
    if change.op == "replace":
        reasons = ", ".join(code(r) for r in change.replace_reasons) or "the provider asked for it"
        order = _ORDER_LONG.get(change.delete_first)
        lines += [f"Replaced because of {reasons}" + (f"; {order}." if order else "."), ""]
    if change.error:
        lines += [f":x: {code(_clip(change.error, MAX_ERROR_CHARS))}", ""]
    diff = [_clip(line, MAX_LINE_CHARS) for line in diff_lines(change.event, indent="")]
    lines += [_fenced("\n".join(diff), "diff") if diff else "_No property changes to show._", "", "</details>"]
    return "\n".join(lines)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]} … ({len(text) - limit} characters left out)"


def _fenced(text: str, language: str = "") -> str:
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


# assembly ---------------------------------------------------------------------------------------
def render(preview: Preview, *, title: str = DEFAULT_TITLE, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """The whole comment, at most ``max_chars`` characters long."""
    if max_chars < MIN_MAX_CHARS:
        raise ReportError(f"--max-chars: must be at least {MIN_MAX_CHARS}, got {max_chars}")
    if not title.strip() or len(title) > MAX_TITLE_CHARS:
        raise ReportError(f"--title: must be 1 to {MAX_TITLE_CHARS} characters")
    top = head(preview, title)
    items = warning_items(preview)
    sections = [details(change) for change in preview.changes]
    whole = _join_parts(
        top, error_block(preview.errors, len(preview.errors)), warning_block(preview, items, len(items))
    )
    full = _join_parts(whole, *sections)
    if len(full) <= max_chars:
        return full + "\n"
    return _trimmed(preview, top, items, sections, max_chars)


def _join_parts(*parts: str) -> str:
    return "\n\n".join(part for part in parts if part)


def _trimmed(preview: Preview, top: str, items: list[str], sections: list[str], max_chars: int) -> str:
    budget = max_chars - len(_note(max_chars, len(sections), len(sections))) - 4
    errors_shown = len(preview.errors)
    essential = _essential(preview, top, items, errors_shown, len(items))
    if len(essential) > budget:
        # Only warnings and errors left: no details, and as many warning items as fit.
        while errors_shown and len(_essential(preview, top, items, errors_shown, 0)) > budget:
            errors_shown -= 1
        shown = _items_that_fit(budget - len(_essential(preview, top, items, errors_shown, 0)), items)
        essential = _essential(preview, top, items, errors_shown, shown)
        while len(essential) > budget and shown:
            shown -= 1
            essential = _essential(preview, top, items, errors_shown, shown)
        return _join_parts(essential, _note(max_chars, len(sections), len(sections))) + "\n"
    kept: list[str] = []
    used = len(essential)
    for section in sections:
        if used + 2 + len(section) > budget:
            break
        kept.append(section)
        used += 2 + len(section)
    note = _note(max_chars, len(sections) - len(kept), len(sections))
    return _join_parts(essential, *kept, note) + "\n"


def _essential(preview: Preview, top: str, items: list[str], errors_shown: int, items_shown: int) -> str:
    return _join_parts(top, error_block(preview.errors, errors_shown), warning_block(preview, items, items_shown))


def _items_that_fit(room: int, items: list[str]) -> int:
    """How many of the first warning items fit in ``room`` characters (one newline each)."""
    shown = 0
    for item in items:
        room -= len(item) + 1
        if room < 0:
            break
        shown += 1
    return shown


def _note(max_chars: int, left_out: int, total: int) -> str:
    return (
        f"> [!NOTE]\n> :scissors: Trimmed to fit {max_chars:,} characters: the details of {left_out} of {total} "
        "changed resources are left out. Run `aicompute preview --diff` to see every change."
    )


def report(
    digest: Mapping[str, Any],
    *,
    project: str | None = None,
    stack: str | None = None,
    project_file: str | None = None,
    title: str = DEFAULT_TITLE,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> str:
    """The comment for a validated digest (``project_file``: see ``summarize``)."""
    preview = summarize(digest, project=project, stack=stack, project_file=project_file)
    return render(preview, title=title, max_chars=max_chars)
