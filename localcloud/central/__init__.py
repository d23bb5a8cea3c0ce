"""The T/BAX central compute platform APIs (/CCP, /CAP, /ACP, /CAD) and its OAuth2 token endpoint.

One module per resource kind, each with its backend and its routes; ``common`` holds the envelopes,
the bearer-token tenancy and the parameter handling they share.
"""

from __future__ import annotations

from aicompute.localcloud.central import (
    algorithm_packages,
    algorithm_services,
    analysis_tasks,
    clusters,
    machine_mode,
    monitoring,
    nodes,
    oauth,
    registration,
    workloads,
)
from aicompute.localcloud.inline import InlineRouter

router = InlineRouter()
router.include_router(oauth.router)
router.include_router(oauth.admin_router)
router.include_router(registration.admin_router)
router.include_router(clusters.router)
router.include_router(nodes.router)
router.include_router(workloads.router)
router.include_router(monitoring.router)
# /CAP/Status before anything else under /CAP.
router.include_router(registration.router)
router.include_router(algorithm_packages.router)
router.include_router(algorithm_services.router)
router.include_router(analysis_tasks.router)
router.include_router(machine_mode.router)
