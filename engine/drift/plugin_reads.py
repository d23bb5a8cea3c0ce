"""Drift of the resources of other packages' provider plugins (``kubernetes:apps/v1:Deployment``
through ``pulumi-resource-kubernetes``), read as ``refresh`` reads them (``deploy.providers.external``).

* Each provider resource of the state (an explicit ``pulumi:providers:kubernetes`` built from a
  cluster's kubeconfig, or a package's default provider) gets its own plugin process, configured
  with that provider resource's inputs from the state — secrets revealed to the plugin only; an
  error that would quote one shows ``[secret]`` instead.
* Each resource is read with its provider's ``Read`` and judged by ``compare.compare_read``.
* A plugin that is not installed: its resources are skipped, the reason naming the plugin.
* Plugins list nothing here, so ``--unmanaged`` does not look for unmanaged objects of their types
  (they are reported as not listable).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any, Protocol

from aicompute.engine.deploy.providers.base import Provider, ReadResult
from aicompute.engine.deploy.providers.external import PLUGIN_PREFIX, package_of
from aicompute.engine.deploy.providers.kubernetes import KUBERNETES_PACKAGE
from aicompute.engine.drift.compare import (
    DriftError,
    DriftReport,
    ResourceDrift,
    TypeScan,
    compare_read,
    first_line,
)
from aicompute.engine.resource.checkpoint_values import MASK, is_secret
from aicompute.engine.resource.state import ResourceState
from aicompute.engine.resource.urn import is_provider_type, parse_provider_reference, parse_urn
from aicompute.engine.resource.wire_values import PropertyMap

MIN_MASKED_LENGTH = 4
"""Shorter secret values are not masked in error messages (they would mask ordinary words)."""


class PluginProcesses(Protocol):
    """What drift asks of ``external.PluginProviders``: whether a plugin is installed, and the
    configured process of a provider resource."""

    def available(self, package: str) -> bool: ...

    def for_reference(self, reference: str) -> Provider: ...


def plugin_skip_reason(type_: str, plugins: PluginProcesses) -> str | None:
    """Why a resource of ``type_`` cannot be read through its provider plugin; None when it can."""
    package = package_of(type_)
    if package == "pulumi":
        return "a built-in resource of the engine (stack reference): nothing on a platform to read"
    if plugins.available(package):
        return None
    install = "`make pulumi-kubernetes` builds it" if package == KUBERNETES_PACKAGE else "put it on PATH"
    return f"its provider plugin {PLUGIN_PREFIX}{package} is not installed ({install}), so drift cannot read it"


def provider_inputs(resources: Iterable[ResourceState]) -> Callable[[str], PropertyMap | None]:
    """The state's inputs of a provider resource by URN (``PluginProviders.lookup``)."""
    by_urn = {r.urn: r.inputs for r in resources if is_provider_type(r.type) and not r.delete}

    def lookup(urn: str) -> PropertyMap | None:
        inputs = by_urn.get(urn)
        return dict(inputs) if inputs is not None else None

    return lookup


def secret_texts(value: Any, inside_secret: bool = False) -> set[str]:
    """The string values under the secrets of a property value, and each line of those that have
    several (an error may quote one line of a kubeconfig)."""
    if is_secret(value):
        return secret_texts(value.get("value"), True)
    if isinstance(value, dict):
        return {text for item in value.values() for text in secret_texts(item, inside_secret)}
    if isinstance(value, list):
        return {text for item in value for text in secret_texts(item, inside_secret)}
    if not inside_secret or not isinstance(value, str):
        return set()
    texts = {value, *(line.strip() for line in value.splitlines())}
    return {text for text in texts if len(text) >= MIN_MASKED_LENGTH}


def error_text(error: Exception, secrets: set[str]) -> str:
    """The first line of an error with every secret value in it replaced by ``[secret]``: a plugin's
    error may quote its configuration (a kubeconfig)."""
    message = str(error)
    for text in sorted(secrets, key=len, reverse=True):
        message = message.replace(text, MASK)
    return first_line(error, message)


def read(plugins: PluginProcesses, resource: ResourceState) -> ReadResult:
    """What the plugin of ``resource``'s provider reads of it (``Read``, as ``refresh`` calls it)."""
    name = parse_urn(resource.urn).name
    provider = plugins.for_reference(resource.provider)
    return provider.read(resource.urn, resource.type, name, resource.id, resource.outputs, resource.inputs)


def check_plugin_resources(
    resources: list[ResourceState],
    plugins: PluginProcesses,
    secrets: set[str],
    pool: ThreadPoolExecutor,
    report: DriftReport,
) -> None:
    """Start and configure one plugin process per provider resource, then read and compare every
    resource through its provider's; a provider that fails to start or configure is one error, and
    its resources are not read."""
    by_type: dict[str, int] = {}
    for resource in resources:
        by_type[resource.type] = by_type.get(resource.type, 0) + 1
    report.types += [TypeScan(type_, count, "plugin-read") for type_, count in by_type.items()]
    report.types.sort(key=lambda t: t.type)
    started = _start_providers({r.provider for r in resources}, plugins, secrets, pool, report)
    futures = [(r, pool.submit(read, plugins, r)) for r in resources if r.provider in started]
    describe = partial(error_text, secrets=secrets)
    for resource, future in futures:
        report.judge(resource, partial(_compared, resource, future), describe)


def _compared(resource: ResourceState, future: Future[ReadResult]) -> ResourceDrift | None:
    return compare_read(resource, future.result())


def _start_providers(
    references: set[str], plugins: PluginProcesses, secrets: set[str], pool: ThreadPoolExecutor, report: DriftReport
) -> set[str]:
    """The provider references whose plugin process started and was configured."""
    futures = {reference: pool.submit(plugins.for_reference, reference) for reference in sorted(references)}
    started: set[str] = set()
    for reference, future in futures.items():
        try:
            future.result()
        except Exception as error:  # a ProviderError, or what starting a process raises (OSError)
            urn = parse_provider_reference(reference)[0]
            message = f"configuring the provider {urn} failed: {error_text(error, secrets)}"
            report.errors.append(DriftError(parse_urn(urn).type, message, urn))
            continue
        started.add(reference)
    return started
