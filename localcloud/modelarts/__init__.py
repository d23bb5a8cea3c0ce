"""The ModelArts APIs: one module per resource kind, each with its backend and its routes."""

from __future__ import annotations

from fastapi import APIRouter

from aicompute.localcloud.modelarts import model_runtimes, models

router = APIRouter()
# Literal paths before their {id} siblings: /models/ai-engine-runtimes before /models/{model_id}.
router.include_router(model_runtimes.router)
router.include_router(models.router)
