"""The JSON API of ``allocate serve`` (FastAPI), and the page that uses it.

Every route is listed in the README ("allocate serve"). Errors are JSON ``{"detail": "..."}``
with a 4xx status: 400 bad request (unknown account, seller, team or version name), 403
refused by the :class:`~allocate.serve.guard.Guard`, 404 unknown job, 409 stale version or a
solve already running, 422 a body of the wrong shape. An unexpected error is a 500 with a
one-line message, never a traceback.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from allocate.core.errors import InfeasibleError, InputError
from allocate.io.atomic import jsonable
from allocate.serve.guard import Guard
from allocate.serve.jobs import Busy, job_json
from allocate.serve.page import page_html
from allocate.serve.session import BadEdit, StaleVersion
from allocate.serve.workspace import Workspace


class Json(JSONResponse):
    """A JSON response: NaN and infinities become ``null`` (no strict-JSON failure)."""

    def render(self, content: Any) -> bytes:
        """Serialize ``content`` compactly.

        Parameters
        ----------
        content
            JSON-like data (numpy scalars allowed).

        Returns
        -------
        bytes
            UTF-8 JSON.
        """
        try:
            text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        except (ValueError, TypeError):
            text = json.dumps(jsonable(content), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return text.encode("utf-8")


#: Most account ids in one request.
MAX_IDS = 200_000


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AssignBody(_Body):
    """``POST /api/assign``."""

    account_ids: list[str] = Field(max_length=MAX_IDS)
    seller_id: str
    version: int
    team: str | None = None
    lock: bool = True


class LockBody(_Body):
    """``POST /api/lock``."""

    account_ids: list[str] = Field(max_length=MAX_IDS)
    locked: bool
    version: int | None = None
    team: str | None = None


class VersionBody(_Body):
    """``POST /api/undo``, ``/api/redo``, ``/api/reset`` (the version is optional)."""

    version: int | None = None
    team: str | None = None


class OptimizeBody(_Body):
    """``POST /api/optimize``."""

    time_limit_s: float = Field(default=4.0, gt=0, le=3600)
    max_moves: int | None = Field(default=None, ge=0)


class SolveBody(_Body):
    """``POST /api/solve`` (the scenario panel)."""

    model: str | None = None
    workload_tolerance: float | None = Field(default=None, ge=0, le=10)
    potential_tolerance: float | None = Field(default=None, ge=0, le=10)
    max_moves: int | None = Field(default=None, ge=0)
    time_limit_s: float | None = Field(default=None, gt=0, le=3600)


class NameBody(_Body):
    """``POST /api/save``, ``/api/open``, ``/api/publish``."""

    name: str = Field(min_length=1, max_length=64)


def create_app(workspace: Workspace, guard: Guard) -> FastAPI:
    """The FastAPI application serving ``workspace`` behind ``guard``.

    Parameters
    ----------
    workspace
        The instance, session, versions and jobs.
    guard
        Who may call (token, same-origin).

    Returns
    -------
    fastapi.FastAPI
        Ready for uvicorn or a test client.
    """
    app = FastAPI(title="allocate serve", docs_url=None, redoc_url=None, openapi_url=None)
    ws = workspace

    @app.middleware("http")
    async def check_access(request: Request, call_next: Any) -> Any:
        why = guard.refuse(request.method, {k.lower(): v for k, v in request.headers.items()},
                           request.query_params.get("token"), request.url.scheme)
        if why is not None:
            return JSONResponse({"detail": why}, status_code=403)
        response = await call_next(request)
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"
        )
        return response

    def fail(status: int, exc: BaseException) -> JSONResponse:
        text = getattr(exc, "reason", None) or (exc.args[0] if exc.args else str(exc))
        return JSONResponse({"detail": " ".join(str(text).split())[:1000]}, status_code=status)

    @app.exception_handler(StaleVersion)
    async def stale(request: Request, exc: StaleVersion) -> JSONResponse:
        return fail(409, exc)

    @app.exception_handler(Busy)
    async def busy(request: Request, exc: Busy) -> JSONResponse:
        return fail(409, exc)

    @app.exception_handler(BadEdit)
    async def bad(request: Request, exc: BadEdit) -> JSONResponse:
        return fail(400, exc)

    @app.exception_handler(InputError)
    async def bad_input(request: Request, exc: InputError) -> JSONResponse:
        return JSONResponse({"detail": "; ".join(str(p) for p in exc.problems[:5])}, status_code=400)

    @app.exception_handler(InfeasibleError)
    async def infeasible(request: Request, exc: InfeasibleError) -> JSONResponse:
        return fail(409, exc)

    def first_error(errors: Any, default: str) -> str:
        """``field: message`` of the first validation error (the page shows it as it is)."""
        first = errors[0] if errors else {"loc": (), "msg": default}
        field = ".".join(str(x) for x in first.get("loc", ()))
        return " ".join(f"{field}: {first.get('msg', '')}".split())[:300]

    @app.exception_handler(ValidationError)
    async def invalid(request: Request, exc: ValidationError) -> JSONResponse:
        return JSONResponse({"detail": first_error(exc.errors(), str(exc))}, status_code=400)

    @app.exception_handler(RequestValidationError)
    async def malformed(request: Request, exc: RequestValidationError) -> JSONResponse:
        # a body of the wrong shape: one line naming the field, not pydantic's list (the page
        # would show "[object Object]"), and never the input echoed back
        return JSONResponse({"detail": first_error(exc.errors(), "malformed request")}, status_code=422)

    @app.exception_handler(KeyError)
    async def missing(request: Request, exc: KeyError) -> JSONResponse:
        return JSONResponse({"detail": f"not found: {exc.args[0] if exc.args else ''}"}, status_code=404)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": f"internal error: {type(exc).__name__}: {' '.join(str(exc).split())[:300]}"},
                            status_code=500)

    @app.get("/", response_class=HTMLResponse)
    def page() -> HTMLResponse:
        return HTMLResponse(page_html(ws.instance.name))

    @app.get("/api/state")
    def state(team: str | None = None) -> JSONResponse:
        return Json(ws.session.state(team))

    @app.get("/api/map")
    def map_data(team: str | None = None) -> Response:
        return Response(ws.map_json(team), media_type="application/json")

    @app.get("/api/units")
    def units() -> Response:
        return Response(ws.units_json(), media_type="application/json")

    @app.post("/api/assign")
    def assign(body: AssignBody) -> JSONResponse:
        s = ws.session
        r = s.assign(body.account_ids, body.seller_id, body.version, body.team, lock=body.lock)
        return Json(s.state(body.team, changes=r))

    @app.post("/api/lock")
    def lock(body: LockBody) -> JSONResponse:
        s = ws.session
        r = s.set_locks(body.account_ids, body.locked, body.version, body.team)
        return Json(s.state(body.team, changes=r))

    @app.post("/api/undo")
    def undo(body: VersionBody | None = None) -> JSONResponse:
        body = body or VersionBody()
        s = ws.session
        return Json(s.state(body.team, changes=s.undo(body.version)))

    @app.post("/api/redo")
    def redo(body: VersionBody | None = None) -> JSONResponse:
        body = body or VersionBody()
        s = ws.session
        return Json(s.state(body.team, changes=s.redo(body.version)))

    @app.post("/api/reset")
    def reset(body: VersionBody | None = None) -> JSONResponse:
        body = body or VersionBody()
        s = ws.session
        return Json(s.state(body.team, changes=s.reset(body.version)))

    @app.post("/api/optimize")
    def optimize(body: OptimizeBody | None = None) -> JSONResponse:
        body = body or OptimizeBody()
        job = ws.start_optimize(body.time_limit_s, body.max_moves)
        return Json({"job_id": job.id})

    @app.get("/api/scenario")
    def scenario() -> JSONResponse:
        return Json(ws.scenario_json())

    @app.post("/api/solve")
    def solve(body: SolveBody) -> JSONResponse:
        sc = ws.scenario_with(body.model, body.workload_tolerance, body.potential_tolerance,
                              body.max_moves, body.time_limit_s)
        job = ws.start_solve(sc)
        return Json({"job_id": job.id})

    @app.get("/api/jobs/{job_id}")
    def job(job_id: str) -> JSONResponse:
        return Json(job_json(ws.jobs.get(job_id), ws.describe))

    @app.post("/api/jobs/{job_id}/accept")
    def accept(job_id: str, team: str | None = None) -> JSONResponse:
        proposal = ws.jobs.get(job_id).proposal
        s = ws.accept(job_id)
        rows = proposal.rows if proposal is not None else None
        return Json(s.state(team if team in s.team_rows else None, changes=rows))

    @app.post("/api/jobs/{job_id}/reject")
    def reject(job_id: str) -> JSONResponse:
        return Json(job_json(ws.reject(job_id), ws.describe))

    @app.post("/api/jobs/{job_id}/cancel")
    def cancel(job_id: str) -> JSONResponse:
        return Json(job_json(ws.jobs.cancel(job_id), ws.describe))

    @app.post("/api/save")
    def save(body: NameBody) -> JSONResponse:
        path = ws.store.save(ws.session, body.name)
        return Json({"run_dir": str(path), "name": path.name, "version": ws.session.version})

    @app.get("/api/versions")
    def versions() -> JSONResponse:
        return Json({"versions": [v.describe() for v in ws.store.list()], "current": ws.session.source})

    @app.post("/api/open")
    def open_version(body: NameBody) -> JSONResponse:
        return Json(ws.reopen(body.name).state(None))

    @app.get("/api/compare")
    def compare(a: str, b: str) -> JSONResponse:
        return Json(ws.compare(a, b))

    @app.post("/api/publish")
    def publish(body: NameBody) -> JSONResponse:
        page, report = ws.publish(body.name)
        return Json({"path": str(page), "report": str(report)})

    return app
