"""The FastAPI application: every platform's router, the admin API, errors and fault injection."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from aicompute.localcloud import admin, iam, openapi
from aicompute.localcloud.admin_guard import AdminGuard
from aicompute.localcloud.central import router as central_router
from aicompute.localcloud.cloud import Cloud
from aicompute.localcloud.errors import PlatformError, generic_error, platform_for_path
from aicompute.localcloud.faults import FaultMiddleware
from aicompute.localcloud.hilens import router as hilens_router
from aicompute.localcloud.inline import check_inline
from aicompute.localcloud.modelarts import router as modelarts_router
from aicompute.localcloud.routing import index_routes
from aicompute.localcloud.settings import LocalCloudSettings


async def _platform_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PlatformError)
    return JSONResponse(exc.body, status_code=exc.status, headers=exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """A request the models reject: the platform's generic 400, naming the field and the rule."""
    assert isinstance(exc, RequestValidationError)
    platform = platform_for_path(request.url.path)
    details = "; ".join(
        f"{'.'.join(str(part) for part in error['loc'] if part != 'body')}: {error['msg']}" for error in exc.errors()
    )
    if platform is None:
        return JSONResponse({"error_msg": details}, status_code=400)
    error = generic_error(platform, 400)
    body = dict(error.body)
    body["error_msg"] = f"{body['error_msg']} {details}".strip()
    return JSONResponse(body, status_code=400)


async def _http_error(request: Request, exc: Exception) -> Response:
    """FastAPI's own 400 (a body its pydantic parameters could not read: the IAM token request, the
    admin API) in the platform's shape on a platform's path; anything else as FastAPI answers it."""
    assert isinstance(exc, StarletteHTTPException)
    platform = platform_for_path(request.url.path)
    if exc.status_code == 400 and platform is not None:
        error = generic_error(platform, 400)
        return JSONResponse(error.body, status_code=400)
    return await http_exception_handler(request, exc)


@asynccontextmanager
async def _one_worker_thread(_: FastAPI) -> AsyncIterator[None]:
    """Sync handlers run on one worker thread, not anyio's default 40: each holds the store's lock
    for its whole transaction anyway, and 40 threads queueing on that lock (and on the GIL) cost
    more than they run in parallel (bench/localcloud_load.py: about twice the reads per second)."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = 1
    yield


def create_app(settings: LocalCloudSettings | None = None, cloud: Cloud | None = None) -> FastAPI:
    cloud = cloud or Cloud.from_settings(settings or LocalCloudSettings())
    app = FastAPI(
        title="localcloud", description="Emulator of the ModelArts, HiLens and T/BAX APIs", lifespan=_one_worker_thread
    )
    app.state.cloud = cloud
    app.add_exception_handler(PlatformError, _platform_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.include_router(admin.router)
    app.include_router(iam.router)
    app.include_router(modelarts_router)
    app.include_router(hilens_router)
    app.include_router(central_router)
    index_routes(app)
    app.add_middleware(FaultMiddleware, book=cloud.faults)
    app.add_middleware(AdminGuard, token=cloud.settings.admin_token)  # outermost: before anything runs
    openapi.install(app)
    check_inline(app)
    return app
