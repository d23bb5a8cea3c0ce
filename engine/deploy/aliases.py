"""Aliases: the old URNs a registration may be found under (Pulumi: ``step_generator.go``'s
``generateAliases``, ``collapseAliasToUrn`` and ``inheritedChildAlias``).

A resource's own aliases come as URNs or as specs (name, type, parent, project, stack, each
defaulting to the resource's own). A child also inherits its parent's alias: when the parent was
found under an old URN, the child is looked for under that parent too — with its name's prefix
renamed when the child is named after its parent (``{parent}-item``), the convention components follow.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from aicompute.engine.deploy.registrations import AliasSpec
from aicompute.engine.resource.urn import ROOT_STACK_TYPE, make_urn, parse_urn


@dataclass(frozen=True)
class AliasScope:
    """Where aliases are resolved: the run's stack and project, and the old URN each resource
    registered so far was found under (new URN → old URN)."""

    stack: str
    project: str
    used: Mapping[str, str]

    def collapse(self, spec: AliasSpec, name: str, type_: str, parent: str) -> str:
        """The URN an alias names."""
        if spec.urn:
            return spec.urn
        alias_parent = self.used.get(spec.parent, spec.parent) if spec.parent else parent
        if spec.no_parent or (alias_parent and parse_urn(alias_parent).qualified_type == ROOT_STACK_TYPE):
            alias_parent = ""
        return make_urn(
            spec.stack or self.stack,
            spec.project or self.project,
            spec.type or type_,
            spec.name or name,
            alias_parent or None,
        )

    def inherited(self, type_: str, name: str, parent: str, parent_alias: str) -> str:
        """The URN a child had under its parent's old URN (its name's prefix renamed with the parent's)."""
        parent_name, old_parent_name = parse_urn(parent).name, parse_urn(parent_alias).name
        alias_name = old_parent_name + name[len(parent_name) :] if name.startswith(parent_name) else name
        return make_urn(self.stack, self.project, type_, alias_name, parent_alias)

    def aliases(self, name: str, type_: str, parent: str, specs: Iterable[AliasSpec]) -> list[str]:
        """Every URN the resource may have had, its own aliases first, then those its parent's alias implies."""
        own = [self.collapse(spec, name, type_, parent) for spec in specs]
        found = list(own)
        parent_alias = self.used.get(parent) if parent else None
        if parent_alias:
            found.append(self.inherited(type_, name, parent, parent_alias))
            for urn in own:
                alias = parse_urn(urn)
                found.append(self.inherited(alias.type, alias.name, parent, parent_alias))
        return list(dict.fromkeys(found))
