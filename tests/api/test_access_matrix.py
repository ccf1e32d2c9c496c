"""The access matrix, generated from the routes the app has when the test runs: every route x
every role x (own case, foreign case, a case that does not exist), without credentials and with
revoked, expired or deactivated tokens; the expected answer comes from :mod:`api.access`.

- a role the table does not allow: 403, the same answer for own, foreign and missing cases;
- an allowed role on a case it may see: neither 401/403 nor 404 "案件不存在", never 5xx; a GET
  (and every route with a request built below) succeeds (2xx/3xx);
- an external counsel on another firm's case (or its job, output, evidence file): 404 with the
  very same body as for a case (job, output, file) that does not exist, and no answer it gets
  names another firm's case;
- no credentials, a revoked, an expired token or a deactivated user's: 401 on every route not in
  ``PUBLIC``;
- a route in neither ``ACCESS`` nor ``PUBLIC`` stops the app from being built, and every name in
  the table is a route (no stale entries).

Requests are built from the route's OpenAPI operation (required parameters and bodies from their
schemas) and, where that cannot make a call succeed, from ``REQUESTS`` below. A path parameter
this test does not know fails it, naming the route: add it to ``_value``."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from sqlmodel import select

from api.access import ACCESS, PUBLIC
from api.app import create_app, unlisted_routes
from api.auth import issue_token
from api.deps import SESSION_COOKIE, visible_case
from api.models import ApiToken, Blob, CaseFile, CaseRecord, Job, JobStatus, Output, Role, TokenKind, User, utcnow
from api.settings import Settings

PASSWORD = "correct-horse-battery"  # the test users' password (conftest.py)

ROLES = tuple(Role)
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NOT_FOUND_BODY = {"detail": "案件不存在"}
#: Path parameters that lead to one case (its id, or one of its jobs, outputs or evidence files).
CASE_SCOPED = ("case_id", "job_id", "output_id", "name")
MISSING = {"case_id": "NO-SUCH-CASE-9", "job_id": "0" * 32, "output_id": 987654, "name": "exhibits/no-such-file.pdf"}
#: Words of the foreign case (its id, borrower and guarantor) that no answer to its firm may contain.
FOREIGN_MARKERS = ("ENF-2025-001", "宁波示例机械制造有限公司", "孙建华")
_PARAM = re.compile(r"{(\w+)(?::(\w+))?}")


@dataclass
class Answer:
    status: int
    body: bytes
    detail: object = None

    @classmethod
    def of(cls, r) -> "Answer":
        try:
            detail = r.json()
        except ValueError:
            detail = None
        return cls(r.status_code, r.content, detail)

    def __str__(self) -> str:
        return f"{self.status} {self.body[:200].decode('utf-8', 'replace')}"


@dataclass
class World:
    """The service with what the matrix calls reach: per case (own, foreign) a job, an output and an
    evidence file; sessions and calendar tokens made per call; and bad tokens."""

    service: object
    cases: dict = field(default_factory=dict)         # variant -> CaseRecord
    jobs: dict = field(default_factory=dict)          # variant -> job id
    outputs: dict = field(default_factory=dict)       # variant -> output id
    files: dict = field(default_factory=dict)         # variant -> (name, sha256)
    bad_tokens: dict = field(default_factory=dict)    # why -> token
    counter: int = 0

    def unique(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}{uuid.uuid4().hex[:6]}"

    def session_cookie(self, role: Role) -> str:
        with self.service.session() as s:
            user = s.get(User, self.service.users[role].id)
            secret, _ = issue_token(s, user, TokenKind.session, name="matrix",
                                    expires_at=utcnow() + dt.timedelta(hours=1))
        return secret

    def calendar_token(self, role: Role) -> str:
        with self.service.session() as s:
            secret, _ = issue_token(s, s.get(User, self.service.users[role].id), TokenKind.calendar, name="matrix")
        return secret

    def throwaway_user(self) -> int:
        with self.service.session() as s:
            user = User(username=self.unique("tmp_"), display_name="临时用户", role=Role.legal_staff)
            s.add(user)
            s.commit()
            s.refresh(user)
            return user.id

    def throwaway_token(self) -> int:
        uid = self.throwaway_user()
        with self.service.session() as s:
            _secret, row = issue_token(s, s.get(User, uid), TokenKind.api, name="matrix")
            return row.id


def build_world(service) -> World:
    w = World(service=service)
    with service.session() as s:
        for variant, cid in (("own", service.own), ("foreign", service.foreign)):
            case = s.exec(select(CaseRecord).where(CaseRecord.case_id == cid)).one()
            w.cases[variant] = case
            f = s.exec(select(CaseFile).where(CaseFile.case_pk == case.id).order_by(CaseFile.name)).first()
            if f is None:  # give the case an evidence file of its own, as an upload would
                blob = s.exec(select(Blob)).first()
                f = CaseFile(case_pk=case.id, name="exhibits/matrix.pdf", sha256=blob.sha256)
                s.add(f)
                s.flush()
            w.files[variant] = (f.name, f.sha256)
            job = Job(id=uuid.uuid4().hex, kind="packet", case_pk=case.id, params={"stage": "suit"},
                      status=JobStatus.done, progress=100, created_by=service.users[Role.legal_staff].id,
                      finished_at=utcnow())
            s.add(job)
            s.flush()
            blob = s.get(Blob, f.sha256)
            out = Output(job_id=job.id, case_pk=case.id, kind="document", name="matrix/证据.pdf", sha256=f.sha256,
                         size=blob.size)
            s.add(out)
            s.flush()
            w.jobs[variant], w.outputs[variant] = job.id, out.id
        s.commit()
        staff = s.get(User, service.users[Role.legal_staff].id)
        revoked, row = issue_token(s, staff, TokenKind.api, name="revoked")
        row.revoked_at = utcnow()
        s.add(row)
        expired, _ = issue_token(s, staff, TokenKind.api, name="expired", expires_at=utcnow() - dt.timedelta(minutes=1))
        gone = User(username="t_deactivated", display_name="已停用", role=Role.admin, active=False)
        s.add(gone)
        s.commit()
        s.refresh(gone)
        deactivated, _ = issue_token(s, gone, TokenKind.api, name="deactivated")
        counsel = s.get(User, service.users[Role.external_counsel].id)
        counsel_expired_session, _ = issue_token(s, counsel, TokenKind.session, name="expired",
                                                 expires_at=utcnow() - dt.timedelta(seconds=1))
        s.commit()
    w.bad_tokens = {"revoked": revoked, "expired": expired, "deactivated user": deactivated,
                    "expired session": counsel_expired_session, "unknown": "ld_" + "A" * 43,
                    "malformed": "x" * 300}
    return w


# ------------------------------------------------------------------ building requests

def _value(w: World, route: APIRoute, param: str, variant: str, role: Role | None):
    """The value of path parameter ``param`` for a call on ``variant`` (own/foreign/missing/none)."""
    if param in CASE_SCOPED and variant == "missing":
        return MISSING[param]
    if param == "case_id":
        return w.cases[variant].case_id
    if param == "job_id":
        return w.jobs[variant]
    if param == "output_id":
        return w.outputs[variant]
    if param == "name":
        return w.files[variant][0]
    if param == "user_id":
        return w.throwaway_user()
    if param == "token_id":
        return w.throwaway_token()
    if param == "token":  # the calendar feed's secret address: the role's own, made now (rotating revokes it)
        return w.calendar_token(role) if role is not None else "ld_" + "B" * 43
    raise AssertionError(f"{route.name} {route.path}: path parameter {param!r} unknown to the access matrix; "
                         f"say in tests/api/test_access_matrix.py::_value what it stands for")


def _path(w: World, route: APIRoute, variant: str, role: Role | None) -> str:
    def fill(m):
        value = str(_value(w, route, m.group(1), variant, role))
        slashes = m.group(2) not in (None, "str", "int", "float", "uuid")  # path-like convertors
        return quote(value, safe="/" if slashes else "")
    return _PARAM.sub(fill, route.path)


def _variants(route: APIRoute) -> tuple[str, ...]:
    names = {p for p, _convertor in _PARAM.findall(route.path)}
    return ("own", "foreign", "missing") if names & set(CASE_SCOPED) else ("none",)


def _example(schema: dict, spec: dict, depth: int = 0):
    """A small instance of a JSON schema: required properties only, the first enum value, minimums."""
    if depth > 8:
        return None
    if "$ref" in schema:
        target = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return _example(target, spec, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"] or schema[key]
            return _example(options[0], spec, depth + 1)
    if "allOf" in schema:
        return _example(schema["allOf"][0], spec, depth + 1)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {k: _example(props.get(k, {}), spec, depth + 1) for k in schema.get("required", [])}
    if kind == "array":
        return [_example(schema.get("items", {}), spec, depth + 1) for _ in range(schema.get("minItems", 0))]
    if kind == "integer":
        return max(schema.get("minimum", 1), 1) if "maximum" not in schema or schema["maximum"] >= 1 else schema["maximum"]
    if kind == "number":
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date":
            return "2025-07-01"
        if fmt == "date-time":
            return "2025-07-01T00:00:00Z"
        if fmt == "binary":
            return b"x"
        return "x" * max(schema.get("minLength", 1), 1)
    return None


def _generic_request(route: APIRoute, method: str, spec: dict) -> dict:
    op = spec["paths"].get(route.path_format, {}).get(method.lower(), {})
    kwargs: dict = {"params": {}, "headers": {}}
    for p in op.get("parameters", []):
        if p.get("required") and p["in"] in ("query", "header"):
            value = _example(p.get("schema", {}), spec)
            kwargs["params" if p["in"] == "query" else "headers"][p["name"]] = str(value)
    body = op.get("requestBody")
    if body:
        content = body.get("content", {})
        if "application/json" in content:
            kwargs["json"] = _example(content["application/json"].get("schema", {}), spec)
        elif content:
            ctype, media = next(iter(content.items()))
            value = _example(media.get("schema", {}), spec)
            if ctype == "multipart/form-data" or ctype == "application/x-www-form-urlencoded":
                kwargs["data"] = {k: v for k, v in (value or {}).items() if not isinstance(v, bytes)}
                files = {k: ("x.bin", v) for k, v in (value or {}).items() if isinstance(v, bytes)}
                if files:
                    kwargs["files"] = files
            else:
                kwargs["content"] = value if isinstance(value, bytes) else str(value).encode()
                kwargs["headers"]["Content-Type"] = ctype
    return kwargs


def _demo_yaml(case_id: str) -> bytes:
    text = (EXAMPLES / "demo" / "case.yaml").read_text(encoding="utf-8")
    return text.replace("case_id: DEMO-2025-001", f"case_id: {case_id}").encode("utf-8")


def _store_bytes(w: World, sha256: str) -> bytes:
    return w.service.app.state.store.path(sha256).read_bytes()


#: Requests that make an allowed call really succeed, by route name: (world, variant, role) -> kwargs.
REQUESTS = {
    "import_case": lambda w, v, r: {"content": _demo_yaml(w.unique("MATRIX-")),
                                    "headers": {"Content-Type": "application/yaml"}},
    "update_case": lambda w, v, r: {"json": {"branch": w.cases.get(v, w.cases["own"]).branch},
                                    "headers": {"If-Match": "*"}},
    "add_event": lambda w, v, r: {"json": dict(w.cases.get(v, w.cases["own"]).data["events"][0])},
    "assign_case": lambda w, v, r: {"json": {"law_firm_id": w.service.firm_id if v == "own" else None}},
    "upload_evidence": lambda w, v, r: {"content": _store_bytes(w, w.files.get(v, w.files["own"])[1]),
                                        "headers": {"Content-Type": "application/octet-stream"}},
    "start_job": lambda w, v, r: {"json": {"kind": "recompute"}},
    "create_user": lambda w, v, r: {"json": {"username": w.unique("u"), "display_name": "新用户", "role": "manager",
                                             "password": "long-enough-password"}},
    "update_user": lambda w, v, r: {"json": {"display_name": "改名"}},
    "create_firm": lambda w, v, r: {"json": {"name": w.unique("律师事务所")}},
    "create_token": lambda w, v, r: {"json": {"user_id": w.throwaway_user(), "days": 30}},
    "login": lambda w, v, r: {"json": {"username": "t_legal_staff", "password": PASSWORD}},
}
#: Routes an allowed call need not succeed on (with the reason); every other allowed call on a
#: case the role may see must answer 2xx or 3xx.
MAY_FAIL: dict[str, str] = {}


def _request(w: World, route: APIRoute, method: str, variant: str, role: Role | None, spec: dict) -> dict:
    kwargs = _generic_request(route, method, spec)
    if route.name in REQUESTS:
        special = REQUESTS[route.name](w, variant, role)
        kwargs["headers"].update(special.pop("headers", {}))
        for k in ("json", "content", "data", "files"):
            if k in special:
                for other in ("json", "content", "data", "files"):
                    kwargs.pop(other, None)
        kwargs.update(special)
    return kwargs


def _call(w: World, route: APIRoute, method: str, variant: str, spec: dict, *, role: Role | None = None,
          bearer: str | None = None, cookie: str | None = None) -> Answer:
    client = w.service.client
    client.cookies.clear()
    kwargs = _request(w, route, method, variant, role, spec)
    headers = kwargs.pop("headers")
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    if cookie:
        headers["Cookie"] = f"{SESSION_COOKIE}={cookie}"
        headers["Origin"] = "http://testserver"
    r = client.request(method, _path(w, route, variant, role), headers=headers, follow_redirects=False, **kwargs)
    client.cookies.clear()
    return Answer.of(r)


_FORM_TOKEN = re.compile(rb'(name="csrf_token" value=")[^"]*"')


def _same(body: bytes, w: World, variant: str) -> bytes:
    """A body with what may rightly differ between two answers taken out: a page's random form
    token, and the id asked for (a page may repeat it: "案件 X 不存在")."""
    body = _FORM_TOKEN.sub(rb'\1"', body)
    asked = w.cases[variant].case_id if variant in w.cases else MISSING["case_id"]
    return body.replace(asked.encode(), b"<id>").replace(quote(asked).encode(), b"<id>")


def api_routes(app: FastAPI) -> list:
    """Every API route of ``app`` as FastAPI serves it (``RouteContext``: the full path, the name,
    the methods and the dependencies, its router's included), routers included walked into."""
    return [rc for rc in iter_route_contexts(app.routes) if isinstance(rc.original_route, APIRoute)]


def _methods(route: APIRoute) -> list[str]:
    return sorted(route.methods)


# ------------------------------------------------------------------ the matrix

def test_access_matrix(service):
    w = build_world(service)
    app = service.app
    spec = app.openapi()
    problems: list[str] = []
    succeeded, weak = 0, []

    def expect(ok: bool, what: str, answer: Answer) -> None:
        if not ok:
            problems.append(f"{what}: {answer}")

    def leaks(answer: Answer) -> bool:
        text = answer.body.decode("utf-8", "replace")
        return any(m in text for m in FOREIGN_MARKERS)

    routes = api_routes(app)
    assert len(routes) >= len(ACCESS) - 5, "the app has fewer routes than the access table names"
    cells = 0
    for route in routes:
        public = route.name in PUBLIC
        allowed = frozenset() if public else ACCESS.get(route.name, frozenset())
        for method in _methods(route):
            where = f"{method} {route.path} ({route.name})"
            variants = _variants(route)
            # 1. no credentials, bad credentials
            for variant in variants:
                a = _call(w, route, method, variant, spec)
                cells += 1
                expect(a.status < 500, f"{where} [{variant}] without credentials: server error", a)
                if public:
                    expect(a.status != 401, f"{where} [{variant}] public, without credentials", a)
                else:
                    expect(a.status == 401, f"{where} [{variant}] without credentials must be 401", a)
            if not public:
                for why, token in w.bad_tokens.items():
                    a = _call(w, route, method, variants[0], spec, bearer=token)
                    cells += 1
                    expect(a.status == 401, f"{where} with a {why} token must be 401", a)
            # 2. roles refused: 403, one answer whatever the case
            for role in ROLES:
                if public or role in allowed:
                    continue
                answers = {v: _call(w, route, method, v, spec, role=role, bearer=w.service.tokens[role]) for v in variants}
                cells += len(answers)
                for v, a in answers.items():
                    expect(a.status == 403, f"{where} [{v}] as {role.value} (not allowed) must be 403", a)
                bodies = {a.body for a in answers.values()}
                if len(bodies) > 1:
                    problems.append(f"{where} as {role.value}: refusals differ between cases: "
                                    + "; ".join(f"{v}: {a}" for v, a in answers.items()))
            # 3. roles allowed (or public routes with each role's session)
            for role in ROLES:
                if not public and role not in allowed:
                    continue
                answers = {}
                for v in variants:
                    if public:
                        answers[v] = _call(w, route, method, v, spec, role=role, cookie=w.session_cookie(role))
                    else:
                        answers[v] = _call(w, route, method, v, spec, role=role, bearer=w.service.tokens[role])
                    cells += 1
                for v, a in answers.items():
                    label = f"{where} [{v}] as {role.value}"
                    expect(a.status < 500, f"{label}: server error", a)
                    counsel_foreign = role == Role.external_counsel and v == "foreign"
                    if v == "missing" or counsel_foreign:
                        expect(a.status == 404, f"{label} must be 404", a)
                        continue
                    if public:
                        if method in ("GET", "HEAD"):
                            expect(200 <= a.status < 400, f"{label} with a session should succeed", a)
                        continue
                    expect(a.status not in (401, 403), f"{label} (allowed) must not be refused", a)
                    expect(not (a.status == 404 and a.detail == NOT_FOUND_BODY),
                           f"{label} (allowed, case visible) answered as if the case did not exist", a)
                    if route.name in MAY_FAIL:
                        weak.append(f"{label}: {a.status}")
                    else:
                        expect(200 <= a.status < 400, f"{label} should succeed (if it needs a body or "
                               f"parameters the OpenAPI schema cannot give, add them to REQUESTS)", a)
                        succeeded += 1
                # 3a. another firm's case answers exactly as one that does not exist
                if role == Role.external_counsel and "foreign" in answers:
                    f, m = answers["foreign"], answers["missing"]
                    if (f.status, _same(f.body, w, "foreign")) != (m.status, _same(m.body, w, "missing")):
                        problems.append(f"{where} as external_counsel: foreign case answered differently from a "
                                        f"missing one: foreign {f} / missing {m}")
                # 3b. and nothing the firm gets names the other firm's case
                if role == Role.external_counsel:
                    for v in ("own", "none"):
                        if v in answers and leaks(answers[v]):
                            problems.append(f"{where} [{v}] as external_counsel names the foreign case: {answers[v]}")
    print(f"\naccess matrix: {len(routes)} routes, {cells} calls; {succeeded} allowed calls succeeded; "
          f"not required to: {weak}")
    assert not problems, f"{len(problems)} cells of the access matrix are wrong:\n" + "\n".join(problems)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The app alone (embedded database), for what does not depend on the database."""
    application = create_app(Settings(data_dir=tmp_path_factory.mktemp("matrix") / "data", queue_url="memory"))
    yield application
    application.state.engine.dispose()


def test_every_route_is_in_the_table_and_every_entry_is_a_route(app):
    routes = api_routes(app)
    names = [r.name for r in routes]
    assert unlisted_routes(app) == []
    endpoints: dict[str, set] = {}
    for r in routes:  # one name, one endpoint (a GET and HEAD route is served as two, same endpoint)
        endpoints.setdefault(r.name, set()).add(r.endpoint)
    shared = sorted(n for n, e in endpoints.items() if len(e) > 1)
    assert not shared, f"two endpoints share a name (and so an access entry): {shared}"
    stale = sorted((set(ACCESS) | set(PUBLIC)) - set(names))
    assert not stale, f"names in api.access with no route: {stale}"
    assert not set(ACCESS) & set(PUBLIC)
    for name, roles in ACCESS.items():
        assert roles and roles <= set(Role), name


def test_a_route_with_a_case_reaches_it_only_through_visible_case(app):
    """Every route with ``{case_id}`` in its path depends on :func:`api.deps.visible_case` (the one
    place that answers 404 for another firm's case), the dashboard's pages excepted (public; they
    check visibility themselves and are in the matrix with each role's session)."""
    for route in api_routes(app):
        if "{case_id}" not in route.path or route.name in PUBLIC:
            continue
        def walk(dep):
            yield dep.call
            for sub in dep.dependencies:
                yield from walk(sub)
        calls = set(walk(route.dependant))
        assert visible_case in calls, f"{route.name} {route.path} does not go through visible_case"


def test_an_unlisted_route_stops_the_app(tmp_path):
    from api.routes import cases

    def sneaky() -> dict:
        return {}

    cases.router.add_api_route("/{case_id}/sneaky", sneaky, methods=["GET"], name="sneaky_route")
    try:
        with pytest.raises(RuntimeError, match="sneaky_route"):
            create_app(Settings(data_dir=tmp_path / "data", queue_url="memory"))
    finally:
        cases.router.routes[:] = [r for r in cases.router.routes if getattr(r, "name", None) != "sneaky_route"]
    app = create_app(Settings(data_dir=tmp_path / "data2", queue_url="memory"))
    assert unlisted_routes(app) == []
    router = APIRouter()
    router.add_api_route("/api/extra", sneaky, methods=["POST"], name="extra_route")
    app.include_router(router)
    assert unlisted_routes(app) == ["extra_route"]
    app.state.engine.dispose()


# ------------------------------------------------------------------ facts the table must hold

MUST_REFUSE = {
    Role.external_counsel: ("upload_evidence", "start_job", "recompute_deadlines", "case_audit", "audit_log",
                            "audit_export", "list_users", "create_user", "create_token", "list_tokens", "import_case",
                            "update_case", "add_event", "assign_case"),
    Role.manager: ("import_case", "update_case", "add_event", "upload_evidence", "list_users", "create_token"),
    Role.legal_staff: ("case_audit", "audit_log", "audit_export", "list_users", "create_user", "create_token",
                       "revoke_token", "assign_case"),
}


@pytest.mark.parametrize("role", list(MUST_REFUSE), ids=lambda r: r.value)
def test_facts_that_do_not_come_from_the_table(service, role):
    """External counsel uploads no evidence, starts no job, reads no audit log, lists no users;
    a manager does not edit case data; legal staff neither audit nor administer. Checked against
    the table and by calling each route (own case) as the role."""
    w = build_world(service)
    spec = service.app.openapi()
    by_name = {r.name: r for r in api_routes(service.app)}
    for name in MUST_REFUSE[role]:
        assert role not in ACCESS[name], f"api.access lets {role.value} call {name}"
        route = by_name.get(name)
        if route is None:
            continue  # not built yet; the table entry is checked above and the matrix will call it
        for method in _methods(route):
            variant = _variants(route)[0]
            a = _call(w, route, method, variant, spec, role=role, bearer=service.tokens[role])
            assert a.status == 403, (role.value, name, method, str(a))
            assert a.detail == {"detail": "当前角色无权执行此操作"}


def test_external_counsel_sees_only_its_firms_cases_in_lists(service):
    h = service.auth(Role.external_counsel)
    listed = service.client.get("/api/cases", headers=h)
    assert [c["case_id"] for c in listed.json()] == [service.own]
    staff = service.client.get("/api/cases", headers=service.auth(Role.legal_staff)).json()
    assert {c["case_id"] for c in staff} == {service.own, service.foreign}
    # taking the case back from the firm closes it to the firm at once
    r = service.client.put(f"/api/cases/{service.own}/assignment", json={"law_firm_id": None},
                           headers=service.auth(Role.manager))
    assert r.status_code == 200, r.text
    gone = service.client.get(f"/api/cases/{service.own}", headers=h)
    assert gone.status_code == 404 and gone.json() == NOT_FOUND_BODY
    assert service.client.get("/api/cases", headers=h).json() == []
