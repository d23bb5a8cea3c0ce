"""Which old resources depend on a resource, transitively (Pulumi: ``pkg/resource/graph``'s
``DependingOn`` without children): what a delete-before-replace must consider replacing first."""

from __future__ import annotations

from collections.abc import Iterable

from aicompute.engine.resource.state import ResourceState
from aicompute.engine.resource.urn import parse_provider_reference


def depending_on(root: str, resources: Iterable[ResourceState], skip: set[str]) -> list[ResourceState]:
    """The resources that refer to ``root`` through a dependency, a property dependency, ``deletedWith``
    or their provider — directly or through one another — in the state's (dependency) order; a child
    is not a dependent of its parent. ``skip``: URNs to leave out (already registered this run, so
    they cannot depend on ``root`` any more)."""
    reached, found = {root}, []
    for resource in resources:
        if resource.urn in skip or resource.urn in reached or resource.delete:
            continue
        if _depends_on(resource) & reached:
            reached.add(resource.urn)
            found.append(resource)
    return found


def _depends_on(resource: ResourceState) -> set[str]:
    urns = {*resource.dependencies, *(u for us in resource.property_dependencies.values() for u in us)}
    if resource.deleted_with:
        urns.add(resource.deleted_with)
    if resource.provider:
        urns.add(parse_provider_reference(resource.provider)[0])
    return urns
