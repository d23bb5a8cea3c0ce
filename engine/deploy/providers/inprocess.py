"""Dynamic providers run in this process, as the provider server runs them: loaded from the pickle a
resource's state carries (``__provider``), configured with the stack config, and asked to read and
list what is on the platforms (for ``drift``; ``refresh`` reads through the gRPC ``Provider``).

``live_provider`` gives each loaded provider one face, ``LiveProvider``: an aicompute provider
(``GenericProvider``) reads through a shared client, lists a type page by page and declares its
secret and set-like fields; any other dynamic provider only has its own ``read`` and ``diff``.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Protocol

import dill
from deepdiff import DeepDiff
from pulumi.dynamic import Config, ConfigureRequest, ReadResult, ResourceProvider

from aicompute.engine.resource.wire_values import PROVIDER_KEY
from aicompute.provider.config import ConfigError
from aicompute.provider.generic import GenericProvider

Listed = tuple[str, str | None]
"""An object a platform lists: its id, and its name where the listing gives one."""


class LiveProvider(Protocol):
    """What drift asks of a resource's provider: read one object, list a type, compare."""

    listable: bool
    """Whether the provider can list its type's objects (else each is read on its own)."""
    secret_fields: frozenset[str]
    set_like_fields: frozenset[str]

    def client(self) -> AbstractContextManager[Any]:
        """A platform client reads and listings may share (None for a provider without one)."""
        ...

    def list_live(self, api: Any) -> dict[str, dict[str, Any]] | None:
        """Every object of the type, by id, as a read answers it; None when the type cannot list."""
        ...

    def list_ids(self, api: Any) -> list[Listed] | None:
        """The ids (and names) of the type's objects where ``list_live`` cannot give whole objects."""
        ...

    def owner(self, resource_id: str, live: Mapping[str, Any]) -> tuple[str, str] | None:
        """The ``(type, id)`` of the object a listed object belongs to (made and deleted with it)."""
        ...

    def read(self, resource_id: str, props: Mapping[str, Any], api: Any, listed: Any = None) -> ReadResult:
        """What the provider's ``read`` answers for the object: from ``listed`` (its value in a listing)
        when given, else by one read through ``api``."""
        ...

    def changed_keys(self, resource_id: str, live: Mapping[str, Any], wanted: Mapping[str, Any]) -> list[str]:
        """The inputs the provider's diff finds changed between the live and the wanted values."""
        ...


class AicomputeLiveProvider:
    """An aicompute provider: listing, shared clients, its own normalised diff and field declarations."""

    listable = True

    def __init__(self, provider: GenericProvider[Any, Any]) -> None:
        self.provider = provider
        self.secret_fields: frozenset[str] = provider.fields.secret
        self.set_like_fields: frozenset[str] = provider.fields.set_like

    def client(self) -> AbstractContextManager[Any]:
        return self.provider.client()

    def list_live(self, api: Any) -> dict[str, dict[str, Any]] | None:
        items = self.provider.list_live(api)
        return None if items is None else dict(items)

    def list_ids(self, api: Any) -> list[Listed] | None:
        hook = getattr(self.provider, "list_ids", None)
        items: Iterable[Any] | None = None if hook is None else hook(api)
        if items is None:
            return None
        return [(str(item), None) if isinstance(item, str) else (str(item[0]), item[1]) for item in items]

    def owner(self, resource_id: str, live: Mapping[str, Any]) -> tuple[str, str] | None:
        return self.provider.owner(resource_id, live)

    def read(self, resource_id: str, props: Mapping[str, Any], api: Any, listed: Any = None) -> ReadResult:
        live = listed if listed is not None else self.provider.read_live(api, resource_id, props)
        return self.provider.read_result(resource_id, live, props)

    def changed_keys(self, resource_id: str, live: Mapping[str, Any], wanted: Mapping[str, Any]) -> list[str]:
        return sorted(self.provider.changed_keys(live, wanted))


class ForeignLiveProvider:
    """Another package's dynamic provider: its own ``read`` and ``diff``, nothing to list."""

    listable = False
    secret_fields: frozenset[str] = frozenset()
    set_like_fields: frozenset[str] = frozenset()

    def __init__(self, provider: ResourceProvider) -> None:
        self.provider = provider

    def client(self) -> AbstractContextManager[Any]:
        return nullcontext()

    def list_live(self, api: Any) -> dict[str, dict[str, Any]] | None:
        return None

    def list_ids(self, api: Any) -> list[Listed] | None:
        return None

    def owner(self, resource_id: str, live: Mapping[str, Any]) -> tuple[str, str] | None:
        return None

    def read(self, resource_id: str, props: Mapping[str, Any], api: Any, listed: Any = None) -> ReadResult:
        return self.provider.read(resource_id, dict(props))

    def changed_keys(self, resource_id: str, live: Mapping[str, Any], wanted: Mapping[str, Any]) -> list[str]:
        """Its ``diff``'s answer, broken down over the keys that differ."""
        answer = self.provider.diff(resource_id, dict(live), dict(wanted))
        if not answer.changes:
            return []
        return sorted(key for key in wanted if key != PROVIDER_KEY and differs(wanted.get(key), live.get(key)))


def differs(state: Any, live: Any) -> bool:
    """Whether a state's value and a live one differ (``2`` and ``2.0`` do not)."""
    return bool(DeepDiff(state, live, ignore_numeric_type_changes=True))


def live_provider(provider: ResourceProvider) -> LiveProvider:
    """The provider's ``LiveProvider`` face."""
    if isinstance(provider, GenericProvider):
        return AicomputeLiveProvider(provider)
    return ForeignLiveProvider(provider)


class ProviderLoadError(Exception):
    """A pickled provider that cannot be loaded in this process."""


class ProviderConfigError(ProviderLoadError):
    """An aicompute provider refused the stack config (no credentials, no endpoint): an error of
    the run, not a resource to skip."""


class ProviderLoader:
    """Each distinct pickled provider, loaded and configured once (the provider server's cache)."""

    def __init__(self, config: Mapping[str, Any], project: str) -> None:
        self._config = dict(config)
        self._project = project
        self._cache: dict[str, LiveProvider] = {}
        self._lock = threading.Lock()

    def load(self, serialized: Any) -> LiveProvider:
        if not isinstance(serialized, str) or not serialized:
            raise ProviderLoadError("the state holds no provider for it")
        with self._lock:
            provider = self._cache.get(serialized)
            if provider is None:
                provider = live_provider(self._configured(serialized))
                self._cache[serialized] = provider
        return provider

    def _configured(self, serialized: str) -> ResourceProvider:
        try:
            provider = dill.loads(base64.b64decode(serialized))
        except Exception as error:  # an unpickler raises anything its classes raise
            raise ProviderLoadError(f"its provider cannot be loaded here ({type(error).__name__}: {error})") from None
        if not isinstance(provider, ResourceProvider):
            raise ProviderLoadError("its __provider is not a dynamic resource provider")
        try:
            provider.configure(ConfigureRequest(Config(dict(self._config), self._project)))
        except ConfigError as error:  # aicompute's: what is missing, never a secret value
            raise ProviderConfigError(str(error)) from None
        except Exception as error:  # another package's provider may refuse the stack config
            raise ProviderLoadError(f"its provider refused the stack config ({type(error).__name__})") from None
        return provider
