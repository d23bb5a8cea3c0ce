"""The ModelArts APIs: one module per resource kind, each with its backend and its routes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
