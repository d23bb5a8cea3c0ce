"""The emulator's world: settings, the store, the lifecycle clock and the fault rules."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request

from aicompute.localcloud.faults import FaultBook
from aicompute.localcloud.lifecycle import Lifecycle
from aicompute.localcloud.settings import LocalCloudSettings
from aicompute.localcloud.store import Project, Store


@dataclass
class Cloud:
    settings: LocalCloudSettings
    store: Store
    lifecycle: Lifecycle
    faults: FaultBook = field(default_factory=FaultBook)

    @classmethod
    def from_settings(cls, settings: LocalCloudSettings) -> Cloud:
        cloud = cls(settings=settings, store=Store(settings.db), lifecycle=Lifecycle(settings.time_scale))
        # Always written, so the server's flags win over what an existing --db file remembers.
        with cloud.store.transaction() as tx:
            tx.add_project(settings.default_project())
            tx.add_oauth_client(settings.default_central_client())
        return cloud


def cloud_of(request: Request) -> Cloud:
    """The Cloud the app serving ``request`` serves."""
    cloud: Cloud = request.app.state.cloud
    return cloud


async def get_cloud(request: Request) -> Cloud:
    """FastAPI dependency: the Cloud this app serves (async: a sync one costs every request a hop
    to a worker thread and back). The authentication dependencies call ``cloud_of`` instead: a
    sub-dependency costs every request a round of FastAPI's dependency solving."""
    return cloud_of(request)


__all__ = ["Cloud", "Project", "cloud_of", "get_cloud"]
