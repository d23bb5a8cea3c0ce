"""The T/BAX central compute platform APIs (/CCP, /CAP, /ACP, /CAD) and its OAuth2 token endpoint.

One module per resource kind, each with its backend and its routes.
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
