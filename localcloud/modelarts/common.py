"""What every ModelArts module shares: the authenticated-project dependency, clocks, directives."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends

from aicompute.localcloud.auth import MODELARTS_AUTH_CODES, authenticated_project
from aicompute.localcloud.cloud import Cloud, get_cloud
from aicompute.localcloud.errors import MODELARTS, PlatformError, modelarts_error
from aicompute.localcloud.store import Project, Transaction

# Route parameter types: ``project: ModelArtsProject`` authenticates the caller for the URL's
# project and advances that project's lifecycles; ``cloud: CloudDep`` is the emulator's world.
ModelArtsProject = Annotated[Project, Depends(authenticated_project(MODELARTS, MODELARTS_AUTH_CODES))]
CloudDep = Annotated[Cloud, Depends(get_cloud)]


def rfc3339_now() -> str:
    """Kubernetes-style timestamps, e.g. ``2021-11-01T03:49:41Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch_ms() -> int:
    """Workspace, model and service timestamps are epoch milliseconds."""
    return int(time.time() * 1000)


__all__ = [
    "CloudDep",
    "ModelArtsProject",
    "PlatformError",
    "Transaction",
    "epoch_ms",
    "modelarts_error",
    "rfc3339_now",
]
