"""The HiLens APIs (professional console, basic console, skill market).

One module per resource kind, each with its backend and its routes.
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
