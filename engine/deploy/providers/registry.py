"""Which provider runs a resource type (Pulumi: ``pkg/resource/deploy/providers/registry.go``).

Dynamic resources (``pulumi-python:dynamic…``) go to the plugin pool whatever ``pulumi-python`` provider
they name (explicit ones are recorded by ``dynamic_providers``) — or, for a create that an
interrupted deployment left pending, to the adopting pool, whose creates look their object up by
name first; ``kubernetes:*`` resources go to the manifest renderer when ``--render-kubernetes`` set
one; any other package's resources go to the process of the provider resource they name, when its
plugin ``pulumi-resource-<package>`` is installed (``external``), and that package's provider resources
to the engine's own handling of them. Without a plugin a type is refused: ``unsupported_type_message``.
"""

from __future__ import annotations

from aicompute.engine.deploy.providers.base import Provider, is_dynamic
from aicompute.engine.deploy.providers.dynamic_providers import DynamicProviderResources, is_dynamic_provider
from aicompute.engine.deploy.providers.external import PluginProviders, ProviderResources, package_of
from aicompute.engine.deploy.providers.kubernetes import is_kubernetes
from aicompute.engine.resource.urn import is_provider_type


def unsupported_type_message(type_: str) -> str:
    package = type_.split(":", 1)[0]
    if is_provider_type(type_):
        package = type_.removeprefix("pulumi:providers:")
    message = (
        f"resource type {type_!r} needs the Pulumi provider plugin {package!r} (pulumi-resource-{package}), "
        "which is not installed: put it on PATH (for kubernetes, `make pulumi-kubernetes` builds it), or deploy "
        "this program with the Pulumi CLI (`pulumi preview` / `pulumi up`), which shares aicompute's state format"
    )
    if is_kubernetes(type_):
        message += ", or render its Kubernetes objects as YAML manifests with `--render-kubernetes DIR`"
    return message


class ProviderRegistry:
    """The providers of one run, routed by resource type."""

    def __init__(
        self,
        pool: Provider | None,
        *,
        kubernetes: Provider | None = None,
        adopting: Provider | None = None,
        plugins: PluginProviders | None = None,
    ) -> None:
        self.pool = pool
        self.kubernetes = kubernetes
        self.adopting = adopting
        self.plugins = plugins

    def renders(self, type_: str) -> bool:
        """Whether ``type_`` is a Kubernetes resource rendered to manifests in this run."""
        return self.kubernetes is not None and is_kubernetes(type_)

    def runs_plugin(self, type_: str) -> bool:
        """Whether ``type_`` (or its package's provider type) runs through an installed provider plugin."""
        if is_dynamic(type_) or is_dynamic_provider(type_) or self.renders(type_) or self.plugins is None:
            return False
        return self.plugins.available(package_of(type_))

    def supports(self, type_: str) -> bool:
        return is_dynamic(type_) or is_dynamic_provider(type_) or self.renders(type_) or self.runs_plugin(type_)

    def for_resource(self, type_: str, provider: str) -> Provider:
        """The provider of a resource of ``type_`` whose provider reference is ``provider``."""
        if is_dynamic_provider(type_):
            return DynamicProviderResources()
        if self.runs_plugin(type_):
            assert self.plugins is not None
            if is_provider_type(type_):
                return ProviderResources(self.plugins)
            return self.plugins.for_reference(provider)
        return self.for_type(type_)

    def for_type(self, type_: str = "") -> Provider:
        if self.kubernetes is not None and is_kubernetes(type_):
            return self.kubernetes
        if self.pool is None:
            raise RuntimeError("this run has no provider pool")
        return self.pool

    def adopting_for(self, type_: str) -> Provider | None:
        """The provider that repeats an interrupted create of ``type_`` by adopting its object, if any."""
        return self.adopting if self.adopting is not None and is_dynamic(type_) else None
