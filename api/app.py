"""The FastAPI application: ``create_app(settings)`` opens (and migrates) the database, the
evidence store and the job queue, and mounts the routes. Every route passes the access check
of :mod:`api.access`; a route missing from its table stops the app from being built."""

from __future__ import annotations

import asyncio
import logging

from fastapi import Depends, FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi_swagger import patch_fastapi

from api.access import ACCESS, PUBLIC
from api.db import REQUESTS_IN_FLIGHT, make_engine, migrate
from api.deps import authorize
from api.security import MaskingFilter, install_record_masking
from api.settings import Settings
from api.store import EvidenceStore
from legaldocs.case.load import validation_problems
from legaldocs.i18n import CHINESE, set_language

DESCRIPTION = """不良贷款清收处置：案件、证据、文书与证据材料生成、期限预警、审计日志。

认证：`Authorization: Bearer <令牌>`（管理员签发，律师事务所使用），或 `/api/login` 登录后的会话。
外聘律师只能访问分配给本所的案件；其他案件一律答复 404。"""


def unlisted_routes(app: FastAPI) -> list[str]:
    """Routes of ``app`` with no entry in the access table (must be none). FastAPI keeps an
    included router as one entry of ``app.routes``; ``iter_route_contexts`` walks into them."""
    return sorted(rc.name for rc in iter_route_contexts(app.routes)
                  if isinstance(rc.original_route, APIRoute) and rc.name not in ACCESS and rc.name not in PUBLIC)


def install_log_masking() -> None:
    """Identity and phone numbers masked in every log record of the service and of uvicorn: as
    each record is made (a record factory: any logger, any handler, also those set up later), and
    by the filters on the service's loggers and handlers as before."""
    install_record_masking()
    masking = MaskingFilter()
    for name in ("", "uvicorn", "uvicorn.access", "uvicorn.error", "api", "huey"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskingFilter) for f in logger.filters):
            logger.addFilter(masking)
        for handler in logger.handlers:
            if not any(isinstance(f, MaskingFilter) for f in handler.filters):
                handler.addFilter(masking)


async def request_problems(request, exc: RequestValidationError) -> JSONResponse:  # noqa: ANN001
    """A request that does not read (a parameter, a body field): 422 with every problem by field,
    in Chinese, in the shape the case routes use (``{"detail": {"message", "problems": [{"field",
    "message"}]}}``); the values sent are not repeated."""
    problems = validation_problems(list(exc.errors()), case_fields=False)
    return JSONResponse(status_code=422, content={"detail": {
        "message": "请求有误", "problems": [{"field": f, "message": m} for f, m in problems]}})


class RequestSlots:
    """ASGI middleware: at most ``slots`` requests inside the app at once; the others wait, in
    order, before any of their work starts (see :data:`api.db.REQUESTS_IN_FLIGHT` for why: the
    database connections of a process must outnumber the requests that can hold one).

    A slot must not be held hostage by a client: a request body that stops arriving for
    ``BODY_WAIT_S`` seconds ends the request, as does an answer the client stops reading for
    ``SEND_WAIT_S`` seconds; a body larger than :data:`MAX_BODY` (other than evidence uploads and
    case imports, which have their own limits) is refused with 413 before it is read."""

    BODY_WAIT_S = 30
    SEND_WAIT_S = 60
    MAX_BODY = 1024 * 1024

    def __init__(self, app, slots: int):  # noqa: ANN001
        self.app = app
        self.slots = slots
        self._semaphore: asyncio.Semaphore | None = None

    @staticmethod
    def _own_limit(scope) -> bool:  # noqa: ANN001
        path, method = scope.get("path", ""), scope.get("method", "")
        return (method == "PUT" and "/evidence/" in path) or (method == "POST" and path.rstrip("/") == "/api/cases")

    async def __call__(self, scope, receive, send):  # noqa: ANN001
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = None if self._own_limit(scope) else self.MAX_BODY
        length = dict(scope.get("headers") or []).get(b"content-length", b"0")
        if limit is not None and (not length.isdigit() or int(length) > limit):
            await JSONResponse(status_code=413, content={"detail": f"请求体超过上限（{limit}字节）"})(scope, receive, send)
            return
        received = 0

        async def timed_receive():
            nonlocal received
            try:
                message = await asyncio.wait_for(receive(), self.BODY_WAIT_S)
            except asyncio.TimeoutError:
                return {"type": "http.disconnect"}
            received += len(message.get("body", b""))
            if limit is not None and received > limit:  # a chunked body past the limit
                return {"type": "http.disconnect"}
            return message

        async def timed_send(message):  # noqa: ANN001
            try:
                await asyncio.wait_for(send(message), self.SEND_WAIT_S)
            except asyncio.TimeoutError as exc:
                raise ConnectionAbortedError("the client stopped reading") from exc

        if self._semaphore is None:  # made in the server's event loop
            self._semaphore = asyncio.Semaphore(self.slots)
        async with self._semaphore:
            await self.app(scope, timed_receive, timed_send)


def create_app(settings: Settings) -> FastAPI:
    """The service over ``settings``: the database migrated to the newest revision, the store
    folder made, the job queue opened (its worker is started by ``legaldocs serve``)."""
    from api import jobs
    from api.routes import admin, audit, auth, cases, dashboard, deadlines, evidence, jobs as job_routes, outputs

    # what the service says comes from the core too (validation problems, job messages): in
    # Chinese, whatever the locale of the shell that started it
    set_language(CHINESE)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    migrate(engine)
    store = EvidenceStore(settings.store_dir)
    store.clear_incoming()
    app = FastAPI(title="legaldocs 清收案件服务", version="0.1.0", description=DESCRIPTION,
                  dependencies=[Depends(authorize)], docs_url=None, redoc_url=None,
                  swagger_ui_oauth2_redirect_url=None)
    # /docs with Swagger UI served by the service itself (a bank's network reaches no CDN)
    patch_fastapi(app, docs_url="/docs", redirect_from_root_to_docs=False, title="legaldocs 清收案件服务 API")
    app.add_exception_handler(RequestValidationError, request_problems)
    app.add_middleware(RequestSlots, slots=REQUESTS_IN_FLIGHT)
    app.state.settings = settings
    app.state.engine = engine
    app.state.store = store
    app.state.queue = jobs.open_queue(settings, engine, store)
    for module in (auth, admin, cases, evidence, job_routes, outputs, deadlines, audit, dashboard):
        app.include_router(module.router)
    dashboard.mount_static(app)
    missing = unlisted_routes(app)
    if missing:
        raise RuntimeError(f"routes without an entry in api.access: {missing}")
    install_log_masking()
    return app
