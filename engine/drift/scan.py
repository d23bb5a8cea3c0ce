"""``aicompute drift``: read every managed resource of a stack from its platform and compare it with
the state, without writing the state and without running the program.

* Providers come from the state: each dynamic resource carries its provider pickled (dill, base64)
  in ``__provider``; it is loaded once per distinct pickle and configured with the stack config,
  as the SDK's provider server does (``Configure`` then ``provider.configure``).
* Reads are grouped by type. A type whose provider can list (``LiveProvider.listable``: an aicompute
  ``GenericProvider`` with ``list_live``) is
  read page by page — one listing per type — and each listed value goes through the provider's
  ``read_result``, what its ``read`` answers for that value, so it is judged exactly as ``refresh``
  would judge it.
  An id a listing lacks is confirmed with one read before it is called deleted. Other types are
  read one by one, through one client per type. Listings and reads run on ``parallel`` threads.
* Resources of other packages' provider plugins (``kubernetes:*``) are read one by one with their
  provider plugin's ``Read``, as ``refresh`` reads them (``drift.plugin_reads``).
* Resources drift reads nothing of: components and providers (nothing to read), read-only
  resources (``Resource.get``), stack references, and those whose provider plugin is not
  installed — those are listed as skipped with the reason. A dynamic resource whose provider is
  not aicompute's is read with its own ``read`` and judged by its own ``diff``.
* ``unmanaged``: for each type of the stack, the objects the platform lists (``list_live``, or a
  provider's ``list_ids`` where its list lacks fields) that no stack of the backend manages —
  neither themselves nor the object that owns them (``owner``: a resource pool's default node pool
  is the pool's). Provider plugins' types are not listed: they are reported as not listable.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from pulumi.dynamic import ReadResult

from aicompute.engine.backend.base import Backend
from aicompute.engine.backend.config import resolve_config
from aicompute.engine.backend.secrets_manager import state_crypter
from aicompute.engine.deploy.events import EventStream
from aicompute.engine.deploy.operations import StackTarget, provider_config
from aicompute.engine.deploy.providers.base import is_dynamic
from aicompute.engine.deploy.providers.external import PluginProviders
from aicompute.engine.deploy.providers.inprocess import (
    LiveProvider,
    ProviderConfigError,
    ProviderLoader,
    ProviderLoadError,
)
from aicompute.engine.drift.compare import (
    DriftError,
    DriftReport,
    ReadMethod,
    ResourceDrift,
    Skipped,
    TypeScan,
    Unmanaged,
    compare,
    first_line,
)
from aicompute.engine.drift.options import DEFAULT_PARALLEL as DEFAULT_PARALLEL
from aicompute.engine.drift.options import DriftOptions as DriftOptions
from aicompute.engine.drift.plugin_reads import (
    PluginProcesses,
    check_plugin_resources,
    plugin_skip_reason,
    provider_inputs,
    secret_texts,
)
from aicompute.engine.resource.state import ResourceState
from aicompute.engine.resource.urn import ROOT_STACK_TYPE, is_provider_type
from aicompute.engine.resource.wire_values import PROVIDER_KEY, reveal

Listing = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class Managed:
    """A resource of the stack to read, with its configured provider."""

    resource: ResourceState
    provider: LiveProvider


@dataclass
class Selection:
    """The resources drift reads: dynamic ones by type, each with its provider, and those of
    provider plugins."""

    groups: dict[str, list[Managed]] = field(default_factory=dict)
    plugin_resources: list[ResourceState] = field(default_factory=list)


def scan(target: StackTarget, options: DriftOptions) -> DriftReport:
    """The drift of the stack ``target`` (see the module docstring)."""
    started = time.monotonic()
    backend, ref, manager = target.backend, target.ref, target.secrets
    deployment = backend.load_deployment(ref, state_crypter(backend.secrets_providers(ref), manager))
    config = resolve_config(target.project, target.settings, manager)
    # A provider class defined next to the program is pickled by reference to its module.
    if str(target.project.directory) not in sys.path:
        sys.path.insert(0, str(target.project.directory))
    loader = ProviderLoader(reveal(provider_config(config)), target.project.name)
    report = DriftReport(target.project.name, ref.name)
    plugins = PluginProviders(EventStream())  # the plugins' logs are of no use to a drift report
    plugins.lookup = provider_inputs(deployment.resources)
    selection = select_resources(deployment.resources, loader, plugins, report)
    secrets = secret_texts([r.inputs for r in deployment.resources])
    with closing(plugins), ThreadPoolExecutor(max(1, options.parallel), thread_name_prefix="drift") as pool:
        groups = selection.groups
        listings: dict[str, Listing | None] = (
            {type_: None for type_ in groups} if options.read_each else list_types(groups, pool, report)
        )
        check_resources(groups, listings, pool, report)
        check_plugin_resources(selection.plugin_resources, plugins, secrets, pool, report)
        if options.unmanaged:
            find_unmanaged(groups, listings, managed_everywhere(backend), pool, report)
            report.unlisted_types = sorted({*report.unlisted_types, *(r.type for r in selection.plugin_resources)})
    report.drifts.sort(key=lambda d: (d.type, d.urn))
    report.errors.sort(key=lambda e: (e.type, e.urn))
    report.unmanaged.sort(key=lambda u: (u.type, u.id))
    report.duration = time.monotonic() - started
    return report


# what to read ----------------------------------------------------------------------------------
def select_resources(
    resources: Iterable[ResourceState], loader: ProviderLoader, plugins: PluginProcesses, report: DriftReport
) -> Selection:
    """The resources to read, each dynamic one with its provider; the others recorded as skipped."""
    selection = Selection()
    for resource in resources:
        if not _readable(resource):
            continue
        reason = _skip_reason(resource, plugins)
        if reason is None and is_dynamic(resource.type):
            reason = _add_dynamic(resource, loader, selection.groups, report)
        elif reason is None:
            selection.plugin_resources.append(resource)
            report.managed += 1
        if reason:
            report.skipped.append(Skipped(resource.urn, resource.type, reason))
    return selection


def _readable(resource: ResourceState) -> bool:
    """A custom resource with an object to read: not the stack, nor a provider, nor one being deleted."""
    if not resource.custom or resource.delete:
        return False
    return resource.type != ROOT_STACK_TYPE and not is_provider_type(resource.type)


def _add_dynamic(
    resource: ResourceState, loader: ProviderLoader, groups: dict[str, list[Managed]], report: DriftReport
) -> str | None:
    """Add a dynamic resource to its type's group with its provider loaded from the state; else the
    reason to skip it, or None when its provider refused the stack config (an error of its type)."""
    serialized = reveal(resource.inputs.get(PROVIDER_KEY) or resource.outputs.get(PROVIDER_KEY))
    try:
        provider = loader.load(serialized)
    except ProviderConfigError as error:
        failed = DriftError(resource.type, f"reading {resource.type} failed: {error}")
        if failed not in report.errors:  # one error per type, not one per resource
            report.errors.append(failed)
        return None
    except ProviderLoadError as error:
        return str(error)
    groups.setdefault(resource.type, []).append(Managed(resource, provider))
    report.managed += 1
    return None


def _skip_reason(resource: ResourceState, plugins: PluginProcesses) -> str | None:
    if resource.external:
        return "read-only (adopted with Resource.get): the stack does not manage it"
    if not resource.id:
        return "it has no id in the state"
    if is_dynamic(resource.type):
        return None
    if not resource.provider:
        return "it names no provider in the state"
    return plugin_skip_reason(resource.type, plugins)


def _listing_provider(group: list[Managed]) -> LiveProvider | None:
    provider = group[0].provider
    return provider if provider.listable else None


# reading -----------------------------------------------------------------------------------------
def list_live(provider: LiveProvider) -> Listing | None:
    """Every object of the provider's type, by id, page by page; None when the type cannot list."""
    with provider.client() as api:
        return provider.list_live(api)


def list_types(
    groups: Mapping[str, list[Managed]], pool: ThreadPoolExecutor, report: DriftReport
) -> dict[str, Listing | None]:
    """One listing per type that can list (None for the others); a failed listing is an error of
    its type, whose resources are then not read."""
    futures: dict[str, Future[Listing | None]] = {}
    for type_, group in groups.items():
        provider = _listing_provider(group)
        if provider is not None:
            futures[type_] = pool.submit(list_live, provider)
    listings: dict[str, Listing | None] = {type_: None for type_ in groups}
    for type_, future in futures.items():
        try:
            listings[type_] = future.result()
        except Exception as error:  # a provider raises whatever its platform client raises
            report.errors.append(DriftError(type_, f"listing {type_} failed: {first_line(error)}"))
            del listings[type_]
    return listings


def _reader(managed: Managed, listing: Listing | None, api: Any) -> Callable[[], ReadResult]:
    """What reads one resource: its listed value (the provider answers for it as its ``read`` would),
    else one read through the type's shared client. Not listable, or absent from the listing: one
    read confirms whether it is gone."""
    resource, provider = managed.resource, managed.provider
    props = reveal(resource.outputs) or reveal(resource.inputs)
    listed = listing.get(resource.id) if listing is not None else None
    return lambda: provider.read(resource.id, props, api, listed)


def _needs_reads(group: list[Managed], listing: Listing | None) -> bool:
    return listing is None or any(m.resource.id not in listing for m in group)


def check_resources(
    groups: Mapping[str, list[Managed]],
    listings: Mapping[str, Listing | None],
    pool: ThreadPoolExecutor,
    report: DriftReport,
) -> None:
    """Read (or take from the listing) every resource of a type that did not fail, and compare."""
    with ExitStack() as clients:
        futures: list[tuple[Managed, Future[ReadResult]]] = []
        for type_, group in groups.items():
            if type_ not in listings:
                continue  # its listing failed
            listing, provider = listings[type_], _listing_provider(group)
            method: ReadMethod = "provider-read" if provider is None else ("list" if listing is not None else "read")
            report.types.append(TypeScan(type_, len(group), method))
            try:
                api = clients.enter_context(provider.client()) if provider and _needs_reads(group, listing) else None
            except Exception as error:  # e.g. a configuration the platform client refuses
                report.errors.append(DriftError(type_, f"reading {type_} failed: {first_line(error)}"))
                continue
            futures += [(managed, pool.submit(_reader(managed, listing, api))) for managed in group]
        for managed, future in futures:
            report.judge(managed.resource, partial(_compared, managed, future))
    report.types.sort(key=lambda t: t.type)


def _compared(managed: Managed, future: Future[ReadResult]) -> ResourceDrift | None:
    result = future.result()
    return compare(managed.provider, managed.resource, result.id or "", dict(result.outs or {}))


# unmanaged ---------------------------------------------------------------------------------------
def managed_everywhere(backend: Backend) -> set[tuple[str, str]]:
    """``(type, id)`` of every resource any stack of the backend holds (read without decrypting)."""
    managed: set[tuple[str, str]] = set()
    for summary in backend.list_stacks(None):
        latest = (backend.read_checkpoint(summary.ref).get("checkpoint") or {}).get("latest") or {}
        for resource in latest.get("resources") or []:
            if resource.get("id"):
                managed.add((str(resource.get("type")), str(resource["id"])))
    return managed


def list_ids(provider: LiveProvider) -> list[tuple[str, str | None]] | None:
    """The ids (and names, where given) the provider's ``list_ids`` hook lists; None without one."""
    with provider.client() as api:
        return provider.list_ids(api)


def find_unmanaged(
    groups: Mapping[str, list[Managed]],
    listings: Mapping[str, Listing | None],
    managed: set[tuple[str, str]],
    pool: ThreadPoolExecutor,
    report: DriftReport,
) -> None:
    """The listed objects of the stack's types that no stack manages."""
    report.unmanaged_checked = True
    futures: dict[str, Future[list[tuple[str, str | None]] | None]] = {}
    for type_, group in groups.items():
        provider = _listing_provider(group)
        listing = listings.get(type_)
        if provider is None or type_ not in listings:
            if type_ in listings:
                report.unlisted_types.append(type_)
            continue
        if listing is not None:
            futures[type_] = _done([(id_, _name(live)) for id_, live in listing.items()])
        else:
            futures[type_] = pool.submit(list_ids, provider)
    for type_, future in futures.items():
        try:
            objects = future.result()
        except Exception as error:  # a provider raises whatever its platform client raises
            report.errors.append(DriftError(type_, f"listing {type_} failed: {first_line(error)}"))
            continue
        if objects is None:
            report.unlisted_types.append(type_)
            continue
        provider = groups[type_][0].provider
        live = listings.get(type_) or {}
        report.unmanaged += [
            Unmanaged(type_, id_, name)
            for id_, name in objects
            if not _is_managed((type_, id_), provider.owner(id_, live.get(id_) or {}), managed)
        ]
    report.unlisted_types.sort()


def _is_managed(object_: tuple[str, str], owner: tuple[str, str] | None, managed: set[tuple[str, str]]) -> bool:
    """Managed by a stack, or owned by an object a stack manages (a resource pool's default node pool)."""
    return object_ in managed or (owner is not None and owner in managed)


def _name(live: Mapping[str, Any]) -> str | None:
    name = live.get("name")
    return str(name) if name else None


def _done(value: list[tuple[str, str | None]]) -> Future[list[tuple[str, str | None]] | None]:
    future: Future[list[tuple[str, str | None]] | None] = Future()
    future.set_result(value)
    return future
