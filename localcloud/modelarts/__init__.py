"""The ModelArts APIs: one module per resource kind, each with its backend and its routes."""

from __future__ import annotations

from aicompute.localcloud.inline import InlineRouter
from aicompute.localcloud.modelarts import (
    catalog,
    events,
    model_runtimes,
    models,
    networks,
    nodepools,
    nodes,
    pool_metrics,
    pool_routes,
    service_catalogue,
    service_routes,
    service_tags,
    tags,
    workspaces,
)

router = InlineRouter()
# Literal paths before their {id} siblings: /models/ai-engine-runtimes before /models/{model_id}.
router.include_router(model_runtimes.router)
router.include_router(models.router)
# /services/specifications and /services/tms/tags before /services/{service_id}.
router.include_router(service_catalogue.router)
router.include_router(service_tags.router)
router.include_router(service_routes.router)
# Resource management (seed chapters 10, 13-16). /v1/{project_id}/pools/tags is included before
# every /pools/{pool_name}/... route, so that "tags" is never read as a pool name.
router.include_router(tags.router)
router.include_router(catalog.router)
router.include_router(workspaces.router)
router.include_router(networks.router)
router.include_router(pool_routes.router)
router.include_router(nodepools.router)
router.include_router(nodes.router)
router.include_router(pool_metrics.router)
router.include_router(events.router)
