"""OpenAPI fuzzing with schemathesis: every operation of the service's schema called with
generated input, both input that fits the schema and input that does not (wrong types, boundary
values, hostile strings, NUL bytes, huge numbers), on SQLite and on PostgreSQL, as a role the
access table allows (legal staff where it may, else an administrator, else a manager), and no
answer may be a server error (5xx).

The operations are driven one by one with their Hypothesis strategies (``operation.as_strategy``)
inside one test per database, so that one service (and database) serves the whole run; failures
are collected per operation with the request that caused them (as a curl command) and reported
together. Half of the generated case ids are replaced by the demo case's, so that a case's
routes are fuzzed past the lookup of the case too. The role users and their tokens are kept out
of reach of generated ids (a generated revocation or deactivation would turn the rest of the run
into 401s): such ids are pointed at a spare user and token made for the purpose.

``LEGALDOCS_FUZZ_EXAMPLES`` sets the examples per operation and mode (default 20, deterministic);
``LEGALDOCS_FUZZ_RANDOM=1`` draws new examples on every run instead."""

from __future__ import annotations

import os
import time
import traceback
from urllib.parse import quote

import schemathesis
from fastapi.routing import APIRoute, iter_route_contexts
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from sqlmodel import select

from api.access import ACCESS, PUBLIC
from api.auth import issue_token
from api.models import ApiToken, Role, TokenKind, User

EXAMPLES = int(os.environ.get("LEGALDOCS_FUZZ_EXAMPLES", "20"))
#: The role that calls an operation: the first of these the access table allows.
PREFERENCE = (Role.legal_staff, Role.admin, Role.manager, Role.external_counsel)


def _role_for(name: str) -> Role | None:
    if name in PUBLIC:
        return None
    return next(r for r in PREFERENCE if r in ACCESS[name])


def _route_names(app) -> dict[tuple[str, str], str]:
    names = {}
    for rc in iter_route_contexts(app.routes):
        if isinstance(rc.original_route, APIRoute):
            for method in rc.methods:
                names[(method.upper(), rc.path_format)] = rc.name
    return names


def test_no_operation_answers_with_a_server_error(service):
    app = service.app
    names = _route_names(app)
    with service.session() as s:
        spare = User(username="fuzz_spare", display_name="备用", role=Role.legal_staff)
        s.add(spare)
        s.commit()
        s.refresh(spare)
        _secret, spare_token = issue_token(s, spare, TokenKind.api, name="fuzz")
        protected_users = {u.id for u in service.users.values()}
        protected_tokens = set(s.exec(select(ApiToken.id).where(ApiToken.user_id.in_(protected_users))).all())

    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: dict[str, str] = {}
    counts: dict[str, int] = {}
    started = time.monotonic()
    operations = [r.ok() for r in schema.get_all_operations()]
    documented = {(m.upper(), rc.path_format) for rc in iter_route_contexts(app.routes)
                  if isinstance(rc.original_route, APIRoute) and rc.include_in_schema for m in rc.methods}
    assert {(o.method.upper(), o.path) for o in operations} == documented

    for operation in operations:
        name = names[(operation.method.upper(), operation.path)]
        role = _role_for(name)
        headers = {"Authorization": f"Bearer {service.tokens[role]}"} if role else {}

        def run(case) -> None:
            path = case.path_parameters
            if path:
                if isinstance(path.get("case_id"), str) and len(path["case_id"]) % 2 == 0:
                    path["case_id"] = service.own
                if path.get("user_id") in protected_users:
                    path["user_id"] = spare.id
                if path.get("token_id") in protected_tokens:
                    path["token_id"] = spare_token.id
            counts[name] = counts.get(name, 0) + 1
            try:
                response = case.call(headers=headers)
            except Exception as exc:  # the app raised: what a client sees as 500
                raise AssertionError(f"{case.as_curl_command(headers=headers)}\n"
                                     + "".join(traceback.format_exception(exc))[-2500:]) from None
            if response.status_code >= 500:
                raise AssertionError(f"{response.status_code} {response.text[:500]}\n{case.as_curl_command(headers=headers)}")

        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            test = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                            derandomize=os.environ.get("LEGALDOCS_FUZZ_RANDOM") != "1", database=None,
                            phases=[Phase.explicit, Phase.generate])(given(operation.as_strategy(mode))(run))
            try:
                test()
            except Unsatisfiable:  # nothing to make invalid (an operation without parameters)
                continue
            except Exception as exc:  # noqa: BLE001 - collected, reported below
                failures[f"{operation.method.upper()} {operation.path} ({name}, {mode.value})"] = str(exc)[:5000]
    elapsed = time.monotonic() - started
    print(f"\nfuzzing: {len(operations)} operations, {sum(counts.values())} requests in {elapsed:.0f} s")
    assert not failures, f"{len(failures)} operations answered with a server error:\n\n" + "\n\n".join(
        f"{k}:\n{v}" for k, v in failures.items())


#: Values the databases cannot take or that sit on their limits, tried in every parameter and
#: body field of their type (schemathesis rarely draws them).
HOSTILE_TEXT = ("a\x00b", "\x1b[31m", "x" * 8_000, "../../etc/passwd", "{{ 7*7 }}", "<script>", "\ud7ff\ufffd")
#: A body field also gets this (a URL that long is refused by HTTP clients and servers alike).
LONG_TEXT = "长" * 100_000
HOSTILE_INT = (0, -1, 2**31 - 1, 2**31, 2**63, -(2**63) - 1)


def test_hostile_values_in_every_parameter_and_field(service):
    """Each string path or query parameter and each top-level string field of a JSON body gets
    NUL, an escape sequence, 8,000 characters (a body field 100,000 too), a path, template syntax
    and markup; each
    integer one 0, -1, 2**31 - 1, 2**31, 2**63 and -(2**63) - 1; every other value is the
    minimal valid one. No answer is a server error."""
    from test_access_matrix import _example  # noqa: PLC0415 - the matrix's schema examples

    app, client = service.app, service.client
    spec = app.openapi()
    names = _route_names(app)
    problems, calls = [], 0
    for path, item in spec["paths"].items():
        for method, op in item.items():
            name = names[(method.upper(), path)]
            role = _role_for(name)
            auth = {"Authorization": f"Bearer {service.tokens[role]}"} if role else {}
            params = op.get("parameters", [])
            base_path = {p["name"]: (service.own if p["name"] == "case_id" else _example(p.get("schema", {}), spec))
                         for p in params if p["in"] == "path"}
            body_schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            base_body = _example(body_schema, spec) if body_schema else None
            variants = []
            for p in params:
                if p["in"] not in ("path", "query"):
                    continue
                kind = p.get("schema", {}).get("type") or next(
                    (o.get("type") for o in p.get("schema", {}).get("anyOf", []) if o.get("type") != "null"), None)
                values = HOSTILE_TEXT if kind == "string" else HOSTILE_INT if kind == "integer" else ()
                for v in values:
                    variants.append((p["in"], p["name"], v))
            if isinstance(base_body, dict) and body_schema:
                props = body_schema
                if "$ref" in props:
                    props = spec["components"]["schemas"][props["$ref"].rsplit("/", 1)[1]]
                for field, fs in props.get("properties", {}).items():
                    kind = fs.get("type") or next((o.get("type") for o in fs.get("anyOf", []) if o.get("type") != "null"), None)
                    values = (*HOSTILE_TEXT, LONG_TEXT) if kind == "string" else HOSTILE_INT if kind == "integer" else ()
                    for v in values:
                        variants.append(("body", field, v))
            for where, pname, value in variants:
                path_values, query, body = dict(base_path), {}, dict(base_body) if isinstance(base_body, dict) else base_body
                if where == "path":
                    path_values[pname] = value
                elif where == "query":
                    query[pname] = value
                else:
                    body[pname] = value
                url = path
                for k, v in path_values.items():
                    url = url.replace("{" + k + "}", quote(str(v), safe=""))
                kwargs = {"json": body} if body is not None else {}
                calls += 1
                try:
                    r = client.request(method.upper(), url, params=query, headers=auth, **kwargs)
                    status, text = r.status_code, r.text[:300]
                except Exception as exc:  # noqa: BLE001 - the app raised: a 500 to a client
                    status, text = 500, "".join(traceback.format_exception(exc))[-1500:]
                if status >= 500:
                    problems.append(f"{method.upper()} {path} ({name}) {where} {pname}={ascii(value)[:60]}: {status} {text}")
    print(f"\nhostile values: {calls} requests")
    assert not problems, f"{len(problems)} server errors:\n" + "\n\n".join(problems)


def test_hostile_values_in_the_pages_parameters(service):
    """The dashboard's pages are not in the OpenAPI schema: each query and path parameter of each
    undocumented route, read from the route itself, gets the hostile values, with a manager's
    session. No answer is a server error."""
    from api.deps import SESSION_COOKIE  # noqa: PLC0415

    def params(dependant, kind):
        """The route's ``kind`` parameters (``query_params``, ``path_params``), its dependencies' too."""
        found = {f.alias: f for f in getattr(dependant, kind)}
        for sub in dependant.dependencies:
            found.update(params(sub, kind))
        return found

    app, client = service.app, service.client
    with service.session() as s:
        secret, _ = issue_token(s, s.get(User, service.users[Role.manager].id), TokenKind.session)
    cookie = {"Cookie": f"{SESSION_COOKIE}={secret}", "Origin": "http://testserver"}
    problems, calls = [], 0
    for rc in iter_route_contexts(app.routes):
        if not isinstance(rc.original_route, APIRoute) or rc.include_in_schema:
            continue
        path_names = list(params(rc.dependant, "path_params"))
        base = {n: service.own if n == "case_id" else "x" for n in path_names}
        tries = [("query", q, v) for q in params(rc.dependant, "query_params") for v in (*HOSTILE_TEXT, *HOSTILE_INT)]
        tries += [("path", n, v) for n in path_names for v in HOSTILE_TEXT]
        for method in rc.methods:
            for where, pname, value in tries:
                values = {**base, **({pname: value} if where == "path" else {})}
                url = rc.path_format
                for k, v in values.items():
                    url = url.replace("{" + k + "}", quote(str(v), safe=""))
                calls += 1
                try:
                    r = client.request(method, url, params={pname: str(value)} if where == "query" else {},
                                       headers=cookie, follow_redirects=False)
                    status, text = r.status_code, r.text[:300]
                except Exception as exc:  # noqa: BLE001
                    status, text = 500, "".join(traceback.format_exception(exc))[-1500:]
                finally:
                    client.cookies.clear()
                if status >= 500:
                    problems.append(f"{method} {rc.path} ({rc.name}) {where} {pname}={ascii(value)[:60]}: {status} {text}")
    print(f"\nhostile values in pages: {calls} requests")
    assert not problems, f"{len(problems)} server errors:\n" + "\n\n".join(problems)
