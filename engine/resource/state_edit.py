"""Direct edits of a stack's state, as ``pulumi state unprotect|delete|rename`` make them (Pulumi:
``pkg/resource/edit`` and ``pkg/cmd/pulumi/state``): no provider is called, only the record changes.
Each raises ``StateEditError`` with the message Pulumi's command prints when the edit is unsafe."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from aicompute.engine.resource.state import Deployment, ResourceState, references, rename_references
from aicompute.engine.resource.urn import Urn, parse_urn


class StateEditError(ValueError):
    """An edit that would leave the state inconsistent, or names a resource the state lacks."""


def unprotect(deployment: Deployment, urns: Iterable[str] | None) -> int:
    """Clear ``protect`` on ``urns`` (every resource when None); how many were cleared."""
    wanted = None if urns is None else list(dict.fromkeys(urns))
    live = {r.urn for r in deployment.resources if not r.delete}
    missing = [urn for urn in wanted or [] if urn not in live]
    if missing:
        raise StateEditError("\n".join(_not_found(urn) for urn in missing))
    count = 0
    for index, resource in enumerate(deployment.resources):
        if not resource.delete and (wanted is None or resource.urn in wanted):
            deployment.resources[index] = replace(resource, protect=False)
            count += 1
    return count


def delete(deployment: Deployment, urn: str, *, force: bool = False, target_dependents: bool = False) -> list[str]:
    """Remove ``urn`` from the state (and, with ``target_dependents``, what depends on it or is its
    child, transitively); refused for a protected resource unless ``force``, and for one that others
    still refer to. The URNs removed, dependents first."""
    condemned = deployment.find(urn)
    if condemned is None:
        raise StateEditError(_not_found(urn))
    dependents = _dependents(deployment.resources, urn)
    if dependents and not target_dependents:
        listed = "".join(f" * {parse_urn(d.urn).name!r:<15} ({d.urn})\n" for d in dependents)
        raise StateEditError(
            f"{urn} can't be safely deleted because the following resources depend on it:\n{listed}\n"
            "Delete those resources first or pass --target-dependents."
        )
    doomed = [*reversed(dependents), condemned]
    protected = [r.urn for r in doomed if r.protect]
    if protected and not force:
        raise StateEditError(
            f"{protected[0]} can't be safely deleted because it is protected. "
            "Re-run this command with --force to force deletion"
        )
    ids = {id(r) for r in doomed}
    deployment.resources = [r for r in deployment.resources if id(r) not in ids]
    return [r.urn for r in doomed]


def rename(deployment: Deployment, urn: str, new_name: str) -> str:
    """Give ``urn`` the name ``new_name``; every reference to it (parent, dependencies, property
    dependencies, ``deletedWith``, provider references) follows. The new URN."""
    matches = [r for r in deployment.resources if r.urn == urn]
    if not matches:
        raise StateEditError(_not_found(urn))
    if len(matches) > 1:
        raise StateEditError("The input URN ambiguously refers to multiple resources")
    parts = parse_urn(urn)
    new_urn = str(Urn(parts.stack, parts.project, parts.qualified_type, new_name))
    if new_urn == urn:
        return urn
    if any(r.urn == new_urn for r in deployment.resources):
        raise StateEditError("The chosen new urn for the state corresponds to an already existing resource")
    renamed = {urn: new_urn}
    deployment.resources = [
        rename_references(replace(r, urn=new_urn) if r.urn == urn else r, renamed) for r in deployment.resources
    ]
    return new_urn


def _dependents(resources: list[ResourceState], urn: str) -> list[ResourceState]:
    """The live resources that refer to ``urn`` (as child, dependent, or through their provider), transitively,
    in state order."""
    reached, found = {urn}, []
    for resource in resources:
        if resource.urn not in reached and not resource.delete and set(references(resource)) & reached:
            reached.add(resource.urn)
            found.append(resource)
    return found


def _not_found(urn: str) -> str:
    return f"No such resource {urn!r} exists in the current state"
