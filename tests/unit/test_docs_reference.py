"""The reference pages are generated from the schemas: one per resource and per component, each
naming every input and the call that updates it."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from aicompute.resources.catalog import resource_classes

ROOT = Path(__file__).resolve().parents[2]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_reference", ROOT / "docs" / "gen_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_page_per_resource_and_component_naming_every_input(tmp_path: Path) -> None:
    generator = _generator()
    pages = generator.generate(tmp_path)
    assert len(pages) == 17 + 5 + 1  # resources, components, the index
    for platform, cls in resource_classes():
        text = (tmp_path / platform / f"{generator.slug(cls.__name__)}.md").read_text()
        provider = cls._provider_class  # type: ignore[attr-defined]
        for name in provider.args_model.model_fields:
            assert f"| `{name}` |" in text, (cls.__name__, name)
        for via in set(provider.fields.calls.values()) - {""}:
            assert generator.cell(via) in text
    assert "`aicompute:stacks:EdgeFleet`" in (tmp_path / "stacks" / "edge-fleet.md").read_text()
