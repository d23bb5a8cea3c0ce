"""The HiLens APIs (professional console, basic console, skill market) and localcloud's simulated
edge agent (admin API).

One module per resource kind, each with its backend and its routes.
"""

from __future__ import annotations

from aicompute.localcloud.hilens import (
    activation,
    agent,
    basic_console,
    configmaps,
    deployment_routes,
    devices,
    firmware,
    pod_routes,
    secrets,
    skill_market,
    tags,
    tasks,
    workspaces,
)
from aicompute.localcloud.inline import InlineRouter

router = InlineRouter()
router.include_router(agent.router)
router.include_router(firmware.router)
router.include_router(workspaces.router)
router.include_router(devices.router)
router.include_router(activation.router)
router.include_router(deployment_routes.router)
# The jobs' /deployments/{id}/tasks… routes before the instances' /deployments/{id}/{pod_id} ones.
router.include_router(tasks.router)
router.include_router(pod_routes.router)
router.include_router(configmaps.router)
router.include_router(secrets.router)
router.include_router(skill_market.router)
router.include_router(basic_console.router)
# /v3/{project_id}/{resource_type}/{resource_id}/tags last: its first two segments match anything.
router.include_router(tags.router)
