"""Write the reference pages (docs/reference/) from the resources' and components' schemas.

One page per resource — inputs with types, constraints, defaults and what a change does
(create-only, or updated in place and by which platform call), outputs and secrets, import id,
timeouts — and one per stack component. ``make docs`` runs this, then ``mkdocs build --strict``.
The pages are generated on every build and not checked in, so they cannot go stale.

Run: ``python docs/gen_reference.py [OUT_DIR]`` (default: docs/reference).
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import pulumi
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from aicompute.provider.generic import GenericProvider
from aicompute.provider.schema import FieldSpec, ServerDefault, WriteOnly, schema_of
from aicompute.resources.base import DynamicResource
from aicompute.resources.catalog import resource_classes
from aicompute.stacks._component import Component

PLATFORM_TITLES = {"modelarts": "ModelArts", "hilens": "HiLens", "central": "Central compute platform"}
STACK_MODULES = (
    "training_platform",
    "inference_endpoint",
    "edge_fleet",
    "central_compute_cluster",
    "video_analytics_pipeline",
)


def slug(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def rst_to_md(text: str) -> str:
    """Docstring text (reST-ish ````code````) as Markdown."""
    return re.sub(r"``(.+?)``", r"`\1`", text)


def cell(text: str) -> str:
    """Text fit for one Markdown table cell."""
    return " ".join(rst_to_md(text).split()).replace("|", "\\|")


class Types:
    """Renders annotations as Markdown, collecting the nested models a page must describe."""

    def __init__(self, link: typing.Callable[[type[BaseModel]], str | None] | None = None) -> None:
        self.nested: list[type[BaseModel]] = []
        self.link = link

    def render(self, tp: Any) -> str:
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if tp is type(None):
            return "null"
        if tp is Any:
            return "any"
        if origin is typing.Annotated:
            return self.render(args[0])
        if origin in (typing.Union, types.UnionType):
            return " or ".join(dict.fromkeys(self.render(arg) for arg in args if arg is not type(None)))
        if origin is Literal:
            return " or ".join(f'`"{arg}"`' if isinstance(arg, str) else f"`{arg}`" for arg in args)
        if origin in (list, Sequence, tuple, set, frozenset):
            return f"list of {self.render(args[0]) if args else 'any'}"
        if origin in (dict, Mapping):
            return f"map of {self.render(args[0])} to {self.render(args[1])}" if args else "map"
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            target = self.link(tp) if self.link is not None else None
            if target is not None:
                return f"[{tp.__name__}]({target})"
            if tp not in self.nested:
                self.nested.append(tp)
            return f"[{tp.__name__}](#{tp.__name__.lower()})"
        if isinstance(tp, type):
            return f"`{tp.__name__}`"
        return "any"


def joined(notes: list[str]) -> str:
    """Notes as one table cell, a line each."""
    return "<br>".join(cell(note) for note in notes if note)


def constraints(info: FieldInfo) -> list[str]:
    found = []
    names = {"min_length": "length ≥ {}", "max_length": "length ≤ {}", "ge": "≥ {}", "gt": "> {}"}
    names |= {"le": "≤ {}", "lt": "< {}", "pattern": "matches `{}`"}
    for item in info.metadata:
        for attribute, phrase in names.items():
            value = getattr(item, attribute, None)
            if value is not None:
                found.append(phrase.format(value))
    return found


def default(info: FieldInfo) -> str:
    if info.is_required():
        return "**required**"
    value = info.get_default(call_default_factory=True)
    if value is None:
        return "optional"
    return f"default `{value!r}`" if not isinstance(value, str) else f'default `"{value}"`'


def input_rows(specs: Mapping[str, FieldSpec], render: Types, fields: Any) -> list[str]:
    rows = ["| input | type | | on change | notes |", "|---|---|---|---|---|"]
    for spec in specs.values():
        updatable = spec.updatable
        if spec.create_only:
            change = "replaces"
        elif updatable is not None:
            change = f"in place: `{updatable.via}`" if updatable.via else "in place, no platform call"
        else:
            change = "local (never sent)"
        notes = []
        if spec.info.description:
            notes.append(spec.info.description)
        notes += constraints(spec.info)
        if spec.api_path is not None:
            notes.append(f"API field: `{spec.api_path}`")
        if spec.name in fields.set_like:
            notes.append("compared without order")
        if spec.has(WriteOnly):
            notes.append("write-only: the API never returns it, so drift is not seen")
        if spec.name in fields.secret:
            notes.append("**secret**")
        server = spec.marker(ServerDefault)
        if server is not None:
            notes.append(f"left out: {server.note or 'the platform picks it'}")
        rule = fields.replace_rules.get(spec.name)
        if rule is not None:
            notes.append(f"replaces when {rule.reason}")
        if spec.name in fields.normalisers:
            notes.append("normalised before comparing (the server rewrites it)")
        rows.append(
            f"| `{spec.name}` | {render.render(spec.info.annotation)} | {default(spec.info)} | {cell(change)} "
            f"| {joined(notes)} |"
        )
    return rows


def model_table(model: type[BaseModel], render: Types) -> list[str]:
    rows = ["| field | type | | notes |", "|---|---|---|---|"]
    for name, info in model.model_fields.items():
        notes = joined([info.description or "", *constraints(info)])
        rows.append(f"| `{name}` | {render.render(info.annotation)} | {default(info)} | {notes} |")
    return rows


def minutes(seconds: float) -> str:
    return f"{seconds / 60:g} min"


def resource_page(platform: str, cls: type[DynamicResource]) -> str:
    provider: type[GenericProvider[Any, Any]] = cls._provider_class  # type: ignore[assignment]
    fields = provider.fields
    name = cls.__name__
    token = f"pulumi-python:dynamic/{platform}:{name}"
    render = Types()
    lines = [
        f"# {name}",
        "",
        rst_to_md(provider.summary),
        "",
        f"`from aicompute.resources.{platform} import {name}` · type token `{token}`",
        "",
        "## Inputs",
        "",
        *input_rows(schema_of(provider.args_model), render, fields),
        "",
        "## Outputs",
        "",
        "Every input is also an output. Besides them:",
        "",
        "| output | type | notes |",
        "|---|---|---|",
    ]
    secret_outputs = set(cls._secret_outputs)
    outputs = schema_of(provider.outputs_model) if provider.outputs_model is not None else {}
    for spec in outputs.values():
        notes = [spec.info.description or ""] + (["**secret**"] if spec.name in secret_outputs else [])
        lines.append(f"| `{spec.name}` | {render.render(spec.info.annotation)} | {joined(notes)} |")
    lines += ["", "## What a change does", ""]
    replaces = [key for key in provider.args_model.model_fields if key in fields.create_only]
    if replaces:
        lines.append("**Replaced** when one of these changes: " + ", ".join(f"`{key}`" for key in replaces) + ".")
        if fields.delete_before_replace:
            lines.append("The old object is deleted first (the platform's names must be unique).")
        elif fields.unique_key:
            keys = ", ".join(f"`{key}`" for key in sorted(fields.unique_key))
            lines.append(
                f"The old object is deleted first when the replacement keeps {keys} (the two would collide); "
                "otherwise the new one is created first."
            )
        else:
            lines.append("The new object is created before the old one is deleted.")
        lines.append("")
    by_call: dict[str, list[str]] = {}
    for key, via in fields.calls.items():
        by_call.setdefault(via, []).append(key)
    if by_call:
        lines += ["**Updated in place**, by these platform calls:", "", "| call | inputs |", "|---|---|"]
        for via, keys in by_call.items():
            call = f"`{via}`" if via else "none (the value steers the waits)"
            lines.append(f"| {cell(call)} | {', '.join(f'`{k}`' for k in keys)} |")
        lines.append("")
    for key, rule in fields.replace_rules.items():
        lines.append(f"A change of `{key}` **replaces** when {rule.reason}.")
        lines.append("")
    if not by_call:
        lines += ["Nothing is updated in place: only `timeouts` can change without a replace.", ""]
    lines += [
        "## Import",
        "",
        f'`aicompute import {token} <name> <id>` (or `pulumi import`), or `{name}.get("<name>", <id>)` in a '
        "program, adopts an existing object by its id: " + rst_to_md(provider.summary),
        "",
        "## Timeouts",
        "",
        "| create | update | delete |",
        "|---|---|---|",
        "| " + " | ".join(minutes(provider.default_timeouts[op]) for op in ("create", "update", "delete")) + " |",
        "",
        'The `timeouts` input overrides them (`{"create": "90m"}`: seconds or Go-style durations).',
        "",
    ]
    done: set[type[BaseModel]] = set()
    if render.nested:
        lines += ["## Nested types", ""]
    while any(model not in done for model in render.nested):
        for model in [m for m in render.nested if m not in done]:
            done.add(model)
            own = model.__dict__.get("__doc__")
            lines += [f"### {model.__name__}", ""] + ([rst_to_md(" ".join(own.split())), ""] if own else [])
            lines += [*model_table(model, render), ""]
    module_doc = inspect.getdoc(inspect.getmodule(provider))
    if module_doc:
        lines += ["## Behaviour", "", rst_to_md(module_doc), ""]
    return "\n".join(lines)


def args_owner(model: type[BaseModel]) -> str | None:
    """The reference page of the resource whose Args ``model`` is, or derives from."""
    for platform, cls in resource_classes():
        args = cls._provider_class.args_model  # type: ignore[attr-defined]
        if isinstance(model, type) and issubclass(model, args):
            return f"../{platform}/{slug(cls.__name__)}.md"
    return None


def component_page(module_name: str) -> tuple[str, str]:
    module = importlib.import_module(f"aicompute.stacks.{module_name}")
    component = next(
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Component) and value.__module__ == module.__name__
    )
    args_model: type[BaseModel] = getattr(module, f"{component.__name__}Args")
    render = Types(link=args_owner)
    lines = [
        f"# {component.__name__}",
        "",
        rst_to_md(inspect.getdoc(component) or ""),
        "",
        f"`from aicompute.stacks import {component.__name__}` · type token `{component.type_token}`",
        "",
        f"`{component.__name__}(name, args, opts=None)`: `args` is a `{args_model.__name__}` or a dict of the same "
        "shape, checked when the component is constructed (a bad value stops the program before any resource is "
        "registered).",
        "",
        f"## Arguments ({args_model.__name__})",
        "",
        *model_table(args_model, render),
        "",
    ]
    children, outputs = [], []
    for attribute, annotation in inspect.get_annotations(component, eval_str=True).items():
        if typing.get_origin(annotation) is pulumi.Output:
            outputs.append(f"| `{attribute}` | {render.render(typing.get_args(annotation)[0])} |")
        elif attribute not in ("type_token",):
            children.append(f"| `{attribute}` | {child_type(annotation)} |")
    if children:
        lines += ["## Children", "", "| attribute | resource |", "|---|---|", *children, ""]
    if outputs:
        lines += ["## Outputs", "", "| output | type |", "|---|---|", *outputs, ""]
    done: set[type[BaseModel]] = set()
    if render.nested:
        lines += ["## Nested types", ""]
    while any(model not in done for model in render.nested):
        for model in [m for m in render.nested if m not in done]:
            done.add(model)
            own = model.__dict__.get("__doc__")
            lines += [f"### {model.__name__}", ""] + ([rst_to_md(" ".join(own.split())), ""] if own else [])
            lines += [*model_table(model, render), ""]
    module_doc = inspect.getdoc(module)
    if module_doc:
        lines += ["## Behaviour", "", rst_to_md(module_doc), ""]
    return slug(component.__name__), "\n".join(lines)


def child_type(annotation: Any) -> str:
    args = typing.get_args(annotation)
    target = args[-1] if args else annotation
    if isinstance(target, type) and issubclass(target, DynamicResource):
        for platform, cls in resource_classes():
            if cls is target:
                link = f"[{cls.__name__}](../{platform}/{slug(cls.__name__)}.md)"
                return f"map of name to {link}" if args else link
    return f"`{getattr(target, '__name__', target)}`" + (" (map)" if args else "")


def generate(out: Path) -> list[Path]:
    written = []
    index = ["# Reference", "", "Generated from the schemas on every docs build.", ""]
    current = None
    for platform, cls in resource_classes():
        if platform != current:
            current = platform
            index += ["", f"## {PLATFORM_TITLES[platform]}", "", "| resource | what it is |", "|---|---|"]
        page = out / platform / f"{slug(cls.__name__)}.md"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(resource_page(platform, cls))
        written.append(page)
        summary = cell(cls._provider_class.summary)  # type: ignore[attr-defined]
        index.append(f"| [{cls.__name__}]({platform}/{page.name}) | {summary} |")
    index += ["", "## Stack components", "", "| component | what it is |", "|---|---|"]
    for module_name in STACK_MODULES:
        name, text = component_page(module_name)
        page = out / "stacks" / f"{name}.md"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(text)
        written.append(page)
        index.append(f"| [{text.splitlines()[0][2:]}](stacks/{page.name}) | {cell(text.splitlines()[2])} |")
    (out / "index.md").write_text("\n".join(index) + "\n")
    written.append(out / "index.md")
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "reference"
    pages = generate(target)
    print(f"{len(pages)} reference pages written to {target}")
