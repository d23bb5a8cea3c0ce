"""The constants the engine and the provider processes share, in a module that imports nothing.

The engine reads a provider's error text and sets its process's environment by these; the
provider writes and reads them. They live here, apart from the HTTP client and the generic provider
that use them, so that the engine (and its CLI's start-up) need not import ``httpx``, pydantic or
``deepdiff`` to know them. ``provider.errors``, ``provider.http`` and ``provider.generic`` re-export
them where they were first defined.
"""

from __future__ import annotations

OUTCOME_UNKNOWN_MARK = "the outcome is unknown"
"""In the text of a create's error when the object may exist: the engine keeps such a create pending
(``engine.deploy.providers.base.ProviderError.outcome_unknown``), and the next update adopts the object."""

RECONCILE_CREATES_ENV = "AICOMPUTE_RECONCILE_CREATES"
"""Set to ``1`` (or ``true``/``yes``) in a provider process's environment: creates look their object up
by name before posting (``provider.http``)."""

UNRECORDED = "(not recorded: imported)"
"""What an import reads for a create-only input the API never returns (``import`` writes code that
reads it from the stack config)."""
