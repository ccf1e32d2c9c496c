"""The dashboard: server-rendered pages for legal staff, managers and law firms (Chinese
throughout, no script, one style sheet of our own, system CJK fonts: the service runs in a
closed network).

Pages: ``GET /login`` and ``POST /login`` (the form signs in exactly as ``POST /api/login``
does and sets the same HttpOnly, SameSite=Strict session cookie), ``POST /logout``, ``GET /``
(the clocks ending soonest across the portfolio, filterable, with counts by branch) and
``GET /cases/{case_id}`` (a case: parties, clocks with their chains, evidence, jobs and
downloads), and ``POST /cases/{case_id}/jobs`` (legal staff: generate a packet).

Sessions: the pages are public in :mod:`api.access` and check the session themselves, sending a
visitor without one to the login page (303). An external counsel sees only its firm's cases;
any other case page answers 404 with the same page as a case that does not exist.

Forgery: every form carries a random token that is also in a cookie of its own (HttpOnly,
SameSite=Strict; double submit, compared in constant time). A form whose token does not match
the cookie is refused with 403 and changes nothing. The bearer-token API needs no such token.

Escaping: templates are rendered with autoescaping and strict undefined variables, so case data
(``<script>``, ``{{ 7*7 }}``) is shown as text and never evaluated; the pages also send a
Content-Security-Policy allowing no script at all."""

from __future__ import annotations

import datetime as dt
import math
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import jinja2
import markupsafe
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlmodel import Session, select

from api.access import ACCESS, SEES_IDENTIFIERS
from api.audit import record
from api.auth import LoginRefused, authenticate, issue_token, revoke_session
from api.cases import CaseInputError, loaded
from api.deps import SESSION_COOKIE, SessionDep, SettingsDep, case_visible, client_address, optional_user
from api.jobs import STAGES, JobParamsError, check_params, create_job
from api.models import Blob, CaseFile, CaseRecord, Job, LawFirm, Output, Role, TokenKind, User, utcnow
from api.portfolio import MAX_OFFSET as PORTFOLIO_MAX_OFFSET, ClockFilter, counts_by_branch, query_clocks
from api.security import mask_case_data, mask_text
from api.settings import Settings, bank_today
from legaldocs.deadlines.chain import KIND_NAMES, STATUS_NAMES
from legaldocs.errors import LegalDocsError
from legaldocs.portfolio.status import write_off_status

HERE = Path(__file__).resolve().parents[1]
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"

#: The cookie and form field of the double-submit token against cross-site form posts.
CSRF_COOKIE = "legaldocs_csrf"
CSRF_FIELD = "csrf_token"
#: Rows of the portfolio table per page.
PAGE_SIZE = 100
#: Most clocks shown on one case page.
CASE_CLOCKS = 500
#: Jobs shown on a case page, newest first.
CASE_JOBS = 20
#: Seconds after which a case page with a job under way reloads itself (no script needed).
JOB_REFRESH_S = 5

ROLE_NAMES = {Role.legal_staff: "法务人员", Role.manager: "管理人员", Role.external_counsel: "外聘律师",
              Role.admin: "系统管理员"}
SEVERITIES = ("critical", "high", "medium", "review", "low")
#: Short labels of the severities (the CLI's alerts use the longer ``SEVERITY_NAMES``).
SEVERITY_LABELS = {"critical": "已届满", "high": "7日内届满", "medium": "30日内届满", "review": "待人工核定",
                   "low": "30日以后"}
WITHIN_OPTIONS = (("7", "7日内"), ("30", "30日内"), ("90", "90日内"), ("", "全部"))
WRITTEN_OFF_OPTIONS = (("", "全部"), ("no", "未核销"), ("yes", "已核销"))
JOB_STATUS_NAMES = {"queued": "排队中", "running": "生成中", "done": "已完成", "failed": "失败"}
JOB_KIND_NAMES = {"packet": "立案材料", "document": "单份文书", "draft": "单份文书", "deadlines": "重算期限",
                  "recompute": "重算期限", "supplement": "补充证据"}
STAGE_NAMES = {"suit": "起诉", "preservation": "财产保全", "enforcement": "强制执行", "notices": "催收通知"}
SHANGHAI = ZoneInfo("Asia/Shanghai")

_env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True,
                          undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
templates = Jinja2Templates(env=_env)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def nobreak_dates(text: Any) -> markupsafe.Markup:
    """``text`` escaped, each ISO date in it kept on one line (a Chinese line may otherwise break
    inside ``2026-06-24`` after a hyphen). Escaping comes first, so data can add no markup."""
    escaped = str(markupsafe.escape(str(text)))
    return markupsafe.Markup(_DATE.sub(lambda m: f'<span class="nw">{m.group(0)}</span>', escaped))


_env.filters["nobreak_dates"] = nobreak_dates

#: Headers of every page: no script of any kind, nothing from elsewhere, not framed, not cached
#: (pages carry personal data).
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

router = APIRouter(include_in_schema=False)

UserOpt = Annotated[User | None, Depends(optional_user)]


def mount_static(app) -> None:  # noqa: ANN001
    """Serve the style sheet under ``/static`` (public: it holds no data)."""
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")


# ---------------------------------------------------------------- helpers

def _csrf_value(request: Request) -> str | None:
    value = request.cookies.get(CSRF_COOKIE, "")
    return value if 20 <= len(value) <= 100 else None


def _csrf_ok(request: Request, submitted: str) -> bool:
    """The form's token matches the cookie's (both present)."""
    cookie = _csrf_value(request)
    return bool(cookie and submitted) and secrets.compare_digest(cookie.encode(), submitted.encode())


def _set_csrf(response: Response, settings: Settings, value: str) -> None:
    response.set_cookie(CSRF_COOKIE, value, httponly=True, samesite="strict", secure=settings.secure_cookies,
                        max_age=settings.session_hours * 3600, path="/")


def _safe_next(value: str | None) -> str:
    """A place in this service to return to after signing in: a path, never another site."""
    if not value or len(value) > 500 or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    if any(ord(c) < 32 or c == "\\" for c in value):
        return "/"
    return value


def _to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    query = "" if target == "/" else "?" + urlencode({"next": _safe_next(target)})
    return RedirectResponse("/login" + query, status_code=303, headers={"Cache-Control": "no-store"})


def _page(request: Request, settings: Settings, name: str, context: dict, *, user: User | None = None,
          status_code: int = 200, headers: dict | None = None) -> HTMLResponse:
    """Render template ``name`` with the common context (user, role, the form token, today)."""
    token = _csrf_value(request)  # kept while it lasts: a refused form leaves the user's other pages valid
    fresh = token is None
    token = token or secrets.token_urlsafe(32)
    ctx = {"user": user, "role_name": ROLE_NAMES.get(user.role, "") if user else "", "csrf": token,
           "today_text": bank_today().isoformat(), "active": "", "title": "", "refresh": 0, **context}
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code,
                                          headers={**PAGE_HEADERS, **(headers or {})})
    if fresh:
        _set_csrf(response, settings, token)
    return response


def _not_found(request: Request, settings: Settings, user: User) -> HTMLResponse:
    """The one answer for a case that does not exist and a case the user may not see."""
    return _page(request, settings, "error.html", {"title": "案件不存在",
                 "message": "没有找到该案件，或您无权查看。请核对案件编号。"}, user=user, status_code=404)


def _get(row: Any, name: str, default: Any = None) -> Any:
    if isinstance(row, dict):
        return row.get(name, default)
    return getattr(row, name, default)


def _date_text(value: Any) -> str:
    if value is None or value == "":
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def days_text(days_left: int | None) -> str:
    """``剩余N天``, ``今日届满``, ``已届满N天``, or ``—`` when there is no last day."""
    if days_left is None:
        return "—"
    if days_left < 0:
        return f"已届满{-days_left}天"
    if days_left == 0:
        return "今日届满"
    return f"剩余{days_left}天"


def size_text(size: int | None) -> str:
    """A byte count for people: ``980 B``, ``12.4 KB``, ``3.1 MB`` (integer arithmetic)."""
    if size is None:
        return ""
    if size < 1024:
        return f"{size} B"
    for unit, scale in (("KB", 1024), ("MB", 1024 ** 2), ("GB", 1024 ** 3)):
        if size < scale * 1024 or unit == "GB":
            tenths = (size * 10 + scale // 2) // scale
            return f"{tenths // 10}.{tenths % 10} {unit}"
    return f"{size} B"  # pragma: no cover


def _local_time(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def clock_view(row: Any) -> dict:
    """What a page shows of one clock row (a :mod:`api.portfolio` row): names in Chinese, the
    days left as words, the severity as a class and a label."""
    status = _get(row, "status") or ""
    days_left = _get(row, "days_left")
    if status == "running" and days_left is not None and days_left < 0:
        status = "expired"  # stored as running, its last day has passed since (as api.portfolio ranks it)
    severity = _get(row, "severity") or "low"
    label = SEVERITY_LABELS.get(severity, severity)
    if status == "satisfied":  # claimed in time: nothing is urgent about it any more
        severity, label = "done", STATUS_NAMES["satisfied"]
    elif status == "released":
        label = STATUS_NAMES["released"]
    elif severity not in SEVERITY_LABELS:
        severity = "low"
    chain = []
    for link in _get(row, "chain") or []:
        if not isinstance(link, dict):
            continue
        evidence = [{"id": str(e), "anchor": "evidence-" + quote(str(e), safe=""), "known": True}
                    for e in link.get("evidence") or []]
        event = str(link.get("event") or "").replace(" -> ", " → ")
        chain.append({"date": str(link.get("date") or ""), "event": event,
                      "evidence": evidence, "rule": str(link.get("rule") or "")})
    kind = _get(row, "kind") or ""
    case_id = str(_get(row, "case_id") or "")
    return {
        "case_id": case_id, "case_url": "/cases/" + quote(case_id, safe=""),
        "kind": kind, "kind_name": KIND_NAMES.get(kind, kind),
        "obligor_names": _get(row, "obligor_names") or "",
        "last_day_text": _date_text(_get(row, "last_day")) or "待人工核定",
        "alternative_text": _date_text(_get(row, "alternative_date")),
        "days_text": days_text(days_left),
        "status": status, "status_name": STATUS_NAMES.get(status, status),
        "provisional": bool(_get(row, "provisional")),
        "branch": _get(row, "branch") or "",
        "severity": severity, "severity_name": label,
        "chain": chain, "notes": [str(n) for n in _get(row, "notes") or []],
        "written_off": bool(_get(row, "written_off")),
    }


def _visible_cases(user: User):
    q = select(CaseRecord)
    if user.role == Role.external_counsel:
        q = q.where(CaseRecord.law_firm_id == (user.law_firm_id if user.law_firm_id is not None else -1))
    return q


def _branch_options(s: Session, user: User) -> list[str]:
    q = _visible_cases(user).with_only_columns(CaseRecord.branch).distinct().order_by(CaseRecord.branch)
    return [b for b in s.exec(q).all() if b]


def _officer_options(s: Session, user: User) -> list[tuple[int, str]]:
    ids = _visible_cases(user).with_only_columns(CaseRecord.officer_id).distinct()
    rows = s.exec(select(User.id, User.display_name).where(User.id.in_(ids)).order_by(User.display_name)).all()
    return [(uid, name) for uid, name in rows]


# ---------------------------------------------------------------- signing in and out

@router.get("/login", name="page_login", response_class=HTMLResponse)
def page_login(request: Request, settings: SettingsDep, user: UserOpt, next: str = "") -> Response:
    """The login form (a signed-in user goes straight on)."""
    if user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _page(request, settings, "login.html", {"title": "登录", "error": "", "username": "",
                                                   "next": _safe_next(next)})


@router.post("/login", name="page_login_submit", response_class=HTMLResponse)
def page_login_submit(request: Request, s: SessionDep, settings: SettingsDep,
                      username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
                      csrf_token: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "") -> Response:
    """Sign in from the form: the same checks, throttling, audit entries and session cookie as
    ``POST /api/login``. Wrong name or password: the form again (401); too many failures: 429
    with the minutes to wait; a form whose token does not match its cookie: 403."""
    target = _safe_next(next)
    username = username.strip()

    def again(message: str, status: int, headers: dict | None = None) -> HTMLResponse:
        return _page(request, settings, "login.html", {"title": "登录", "error": message, "username": username[:80],
                                                       "next": target}, status_code=status, headers=headers)

    if not _csrf_ok(request, csrf_token):
        return again("页面已过期或来源不明，请重新登录。", 403)
    if not username or not password:
        return again("请输入用户名和密码。", 422)
    if len(username) > 80 or len(password) > 256:
        return again("用户名或密码错误", 401)
    address = client_address(request)
    try:
        user = authenticate(s, settings, username, password, address)
    except LoginRefused as exc:
        if exc.reason == "throttled":
            minutes = max(1, math.ceil(exc.retry_after / 60))
            return again(f"登录失败次数过多，请 {minutes} 分钟后再试", 429, {"Retry-After": str(exc.retry_after)})
        record(s, None, "login.failed", detail=f"用户名 {username[:80]}", address=address)
        return again("用户名或密码错误", 401)
    expires = utcnow() + dt.timedelta(hours=settings.session_hours)
    secret, _row = issue_token(s, user, TokenKind.session, name="login", expires_at=expires)
    record(s, user, "login", address=address)
    response = RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})
    response.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="strict", secure=settings.secure_cookies,
                        max_age=settings.session_hours * 3600, path="/")
    _set_csrf(response, settings, secrets.token_urlsafe(32))  # a new form token with the new session
    return response


@router.post("/logout", name="page_logout")
def page_logout(request: Request, s: SessionDep, settings: SettingsDep, user: UserOpt,
                csrf_token: Annotated[str, Form()] = "") -> Response:
    """End the session (its token is revoked) and go to the login page; a form whose token does not
    match is refused with 403 and the session stays."""
    if not _csrf_ok(request, csrf_token):
        return _page(request, settings, "error.html", {"title": "请求被拒绝",
                     "message": "页面已过期或来源不明，未退出登录。请返回后重试。"}, user=user, status_code=403)
    secret = request.cookies.get(SESSION_COOKIE, "")
    if secret:
        revoke_session(s, secret)
    if user is not None:
        record(s, user, "logout", address=client_address(request))
    response = RedirectResponse("/login", status_code=303, headers={"Cache-Control": "no-store"})
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


# ---------------------------------------------------------------- the portfolio

@dataclass
class _Filters:
    kinds: list[str]
    branch: str
    officer: str
    within: str
    written_off: str
    offset: int

    def query(self, **changes) -> str:
        values = {"kind": self.kinds[0] if len(self.kinds) == 1 else self.kinds, "branch": self.branch,
                  "officer": self.officer, "within": self.within, "written_off": self.written_off,
                  "offset": str(self.offset) if self.offset else ""}
        values.update(changes)
        pairs = []
        for k, v in values.items():
            for item in (v if isinstance(v, list) else [v]):
                if item not in ("", None):
                    pairs.append((k, item))
        return "/?" + urlencode(pairs) if pairs else "/"


@router.get("/", name="page_index", response_class=HTMLResponse)
def page_index(request: Request, s: SessionDep, settings: SettingsDep, user: UserOpt,
               kind: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies the default
               branch: str = "", officer: str = "", within: str = "", written_off: str = "",
               offset: str = "") -> Response:
    """The clocks ending soonest across the cases the user may see (``api.portfolio``), filtered
    by kind, branch, officer, days left and write-off, with counts by branch. A filter that does
    not read is named on the page (422)."""
    if user is None:
        return _to_login(request)
    errors = []
    kinds = [k for k in kind if k]
    for k in kinds:
        if k not in KIND_NAMES:
            errors.append(f"期限种类：没有“{k[:40]}”这一种类")
    if len(branch) > 200:
        errors.append("经办机构：过长")
    officer_id = None
    if officer:
        if officer.isdigit() and len(officer) < 10:
            officer_id = int(officer)
        else:
            errors.append("经办人：须为经办人编号")
    within_days = None
    if within:
        if within in {v for v, _n in WITHIN_OPTIONS}:
            within_days = int(within)
        else:
            errors.append("剩余天数：只能选择7日、30日、90日或全部")
    wo = {"": None, "no": False, "yes": True}.get(written_off, "bad")
    if wo == "bad":
        errors.append("是否已核销：只能选择全部、未核销或已核销")
        wo = None
    start = 0
    if offset:
        if offset.isdigit() and len(offset) < 8 and int(offset) <= PORTFOLIO_MAX_OFFSET:
            start = int(offset)
        else:
            errors.append(f"offset：须为0至{PORTFOLIO_MAX_OFFSET}的整数")
    filters = _Filters(kinds=kinds, branch=branch[:200], officer=officer[:10], within=within if within_days else "",
                       written_off=written_off if wo is not None else "", offset=start)
    today = bank_today()
    rows, counts, next_url, prev_url = [], [], "", ""
    if not errors:
        f = ClockFilter(kinds=kinds or None, branch=branch or None, officer_id=officer_id, within_days=within_days,
                        written_off=wo, case_id=None, limit=PAGE_SIZE + 1, offset=start, chains=False)
        found = list(query_clocks(s, user, f, today))
        if len(found) > PAGE_SIZE:
            found = found[:PAGE_SIZE]
            next_url = filters.query(offset=str(start + PAGE_SIZE))
        if start:
            prev_url = filters.query(offset=str(max(0, start - PAGE_SIZE)) if start > PAGE_SIZE else "")
        rows = [clock_view(r) for r in found]
        all_branches = ClockFilter(kinds=kinds or None, branch=None, officer_id=officer_id, within_days=within_days,
                                   written_off=wo, case_id=None)
        for b, by in counts_by_branch(s, user, all_branches, today):
            by = {sev: int(by.get(sev, 0)) for sev in SEVERITIES}
            counts.append({"branch": b, "by": by, "total": sum(by.values()), "selected": bool(branch) and b == branch,
                           "url": filters.query(branch=b or "", offset="")})
    if within_days:
        empty = f"{within_days}日内没有届满的期限。"
    elif kinds or branch or officer_id is not None or wo is not None:
        empty = "没有符合条件的期限。"
    else:
        empty = "没有需要关注的期限。"
    context = {
        "title": "期限总览", "active": "index", "errors": errors, "rows": rows, "counts": counts,
        "filters": filters, "empty_text": empty, "next_url": next_url, "prev_url": prev_url,
        "page_from": start + 1, "page_to": start + len(rows),
        "kind_options": list(KIND_NAMES.items()), "branch_options": _branch_options(s, user),
        "officer_options": _officer_options(s, user), "within_options": WITHIN_OPTIONS,
        "written_off_options": WRITTEN_OFF_OPTIONS,
        "severity_legend": [(sev, SEVERITY_LABELS[sev]) for sev in SEVERITIES],
        "scope_note": "仅本所受托案件" if user.role == Role.external_counsel else "",
    }
    return _page(request, settings, "index.html", context, user=user, status_code=422 if errors else 200)


# ---------------------------------------------------------------- a case

PARTY_ROLE_ORDER = ("借款人", "保证人", "抵押人", "出质人", "被执行人")


def _party_roles(data: dict) -> dict[str, list[str]]:
    """Party id -> its roles in the case (借款人, 保证人, 抵押人, 出质人), from the contracts."""
    roles: dict[str, list[str]] = {}

    def add(pid: Any, role: str) -> None:
        if isinstance(pid, str) and role not in roles.setdefault(pid, []):
            roles[pid].append(role)

    for loan in data.get("loans") or []:
        for pid in (loan.get("borrowers") or []) if isinstance(loan, dict) else []:
            add(pid, "借款人")
    for g in data.get("guarantees") or []:
        if isinstance(g, dict):
            add(g.get("guarantor"), "保证人")
    for c in data.get("collateral") or []:
        if isinstance(c, dict):
            add(c.get("owner"), "出质人" if str(c.get("kind", "")).startswith("pledge") else "抵押人")
    return roles


def _parties(data: dict) -> list[dict]:
    out = []
    creditor = data.get("creditor")
    if isinstance(creditor, dict):
        out.append({"name": str(creditor.get("name") or ""), "roles": "债权人（原告/申请人）", "kind_name": "单位",
                    "id_value": str(creditor.get("uscc") or ""), "phone": str(creditor.get("phone") or ""),
                    "address": str(creditor.get("address") or "")})
    roles = _party_roles(data)
    parties = data.get("parties") or {}
    for pid, p in (parties.items() if isinstance(parties, dict) else []):
        if not isinstance(p, dict):
            continue
        person = p.get("kind") == "person"
        out.append({"name": str(p.get("name") or pid), "roles": "、".join(roles.get(pid, [])),
                    "kind_name": "自然人" if person else "单位",
                    "id_value": str((p.get("id_number") if person else p.get("uscc")) or p.get("id_number") or ""),
                    "phone": str(p.get("phone") or ""), "address": str(p.get("address") or "")})
    return out


def _evidence(s: Session, case: CaseRecord, data: dict) -> list[dict]:
    """The case file's evidence items, each with its files as uploaded (size, SHA-256)."""
    stored = {f.name: f for f in s.exec(select(CaseFile).where(CaseFile.case_pk == case.id)).all()}
    sizes = {}
    if stored:
        digests = {f.sha256 for f in stored.values()}
        sizes = {b.sha256: b.size for b in s.exec(select(Blob).where(Blob.sha256.in_(digests))).all()}
    out = []
    for item in data.get("evidence") or []:
        if not isinstance(item, dict):
            continue
        ev_id = str(item.get("id") or "")
        files = []
        for name in item.get("files") or []:
            name = str(name)
            f = stored.get(name)
            files.append({"name": name, "uploaded": f is not None, "sha256": f.sha256 if f else "",
                          "sha_short": f.sha256[:12] if f else "", "size_text": size_text(sizes.get(f.sha256)) if f else ""})
        out.append({"id": ev_id, "anchor": "evidence-" + quote(ev_id, safe=""), "title": str(item.get("title") or ""),
                    "files": files})
    return out


def _jobs_and_outputs(s: Session, case: CaseRecord, user: User) -> tuple[list[dict], list[dict]]:
    outputs_by_job: dict[str, list[dict]] = {}
    flat = []
    rows = s.exec(select(Output).where(Output.case_pk == case.id)).all()
    for o in sorted(rows, key=lambda o: (o.job_id, o.name != "packet.zip", o.name)):  # the whole packet first
        view = {"name": o.name, "size_text": size_text(o.size),
                "url": f"/api/cases/{quote(case.case_id, safe='')}/outputs/{o.id}"}
        outputs_by_job.setdefault(o.job_id, []).append(view)
        flat.append(view)
    jobs = []

    def shown(text: str) -> str:  # a job's message may quote the case: identifiers as the role may see them
        return text if user.role in SEES_IDENTIFIERS else mask_text(text)

    if user.role in ACCESS["list_jobs"]:
        q = select(Job).where(Job.case_pk == case.id).order_by(Job.created_at.desc()).limit(CASE_JOBS)
        for j in s.exec(q).all():
            status = j.status.value if hasattr(j.status, "value") else str(j.status)
            stage = (j.params or {}).get("stage") if isinstance(j.params, dict) else None
            kind_name = JOB_KIND_NAMES.get(j.kind, j.kind)
            if stage in STAGE_NAMES:
                kind_name += f"（{STAGE_NAMES[stage]}）"
            jobs.append({"kind_name": kind_name, "status": status, "status_name": JOB_STATUS_NAMES.get(status, status),
                         "created_text": _local_time(j.created_at),
                         "progress_text": f"{j.progress}%" if status == "running" else "",
                         "message": shown(j.message or ""), "error": shown(j.error or ""),
                         "outputs": outputs_by_job.get(j.id, [])})
    return jobs, flat


def _write_off_view(case: CaseRecord, today: dt.date) -> dict:
    """The case's write-off as its page shows it: ``state`` (pursued, ended or ""), the badge's
    text (账销案存, 完全终结) and the full line (账销案存（2025年12月15日核销）). Read from the case
    data (the written_off flag is 账销案存 only); data that no longer loads shows the flag."""
    if not case.written_off and not case.data.get("write_off"):
        return {"state": "", "badge": "", "text": "未核销"}
    try:
        status = write_off_status(loaded(case).case, today, recoveries=False)
    except (LegalDocsError, CaseInputError):
        return {"state": "pursued" if case.written_off else "", "badge": "账销案存" if case.written_off else "",
                "text": "已核销（账销案存）" if case.written_off else "未核销"}
    return {"state": status.state or "", "badge": status.state_name, "text": status.label or "未核销"}


def _find_case(s: Session, user: User, case_id: str) -> CaseRecord | None:
    if len(case_id) > 80:
        return None
    case = s.exec(select(CaseRecord).where(CaseRecord.case_id == case_id)).first()
    return case if case_visible(user, case) else None


def _case_page(request: Request, s: Session, settings: Settings, user: User, case: CaseRecord, *,
               notice: str = "", error: str = "", status_code: int = 200) -> HTMLResponse:
    data = case.data if user.role in SEES_IDENTIFIERS else mask_case_data(case.data)
    officer = s.get(User, case.officer_id) if case.officer_id else None
    firm = s.get(LawFirm, case.law_firm_id) if case.law_firm_id else None
    rows = query_clocks(s, user, ClockFilter(kinds=None, branch=None, officer_id=None, within_days=None,
                                             written_off=None, include_satisfied=True, case_id=case.case_id,
                                             limit=CASE_CLOCKS), bank_today())
    evidence = _evidence(s, case, data)
    known = {e["id"] for e in evidence}
    clocks = [clock_view(r) for r in rows]
    clocks.sort(key=lambda c: c["severity"] == "done")  # claimed in time: after those still running (stable)
    for c in clocks:
        for link in c["chain"]:
            for ev in link["evidence"]:
                ev["known"] = ev["id"] in known
    jobs, outputs = _jobs_and_outputs(s, case, user)
    working = any(j["status"] in ("queued", "running") for j in jobs)
    context = {
        "title": case.case_id,
        "case": {"case_id": case.case_id, "title": case.title, "branch": case.branch,
                 "court": str(data.get("court") or ""), "officer_name": officer.display_name if officer else "",
                 "firm_name": firm.name if firm else "", "written_off": case.written_off,
                 "write_off": _write_off_view(case, bank_today())},
        "parties": _parties(data), "sees_identifiers": user.role in SEES_IDENTIFIERS,
        "clocks": clocks, "evidence": evidence, "show_files": user.role in ACCESS["list_evidence"],
        "show_jobs": user.role in ACCESS["list_jobs"], "jobs": jobs, "outputs": outputs,
        "can_generate": user.role in ACCESS["start_job"],
        "job_action": f"/cases/{quote(case.case_id, safe='')}/jobs",
        "stage_options": [(st, STAGE_NAMES.get(st, st)) for st in STAGES],
        "notice": notice, "error": error, "working": working,
        "refresh": JOB_REFRESH_S if working else 0,
    }
    return _page(request, settings, "case.html", context, user=user, status_code=status_code)


@router.get("/cases/{case_id}", name="page_case", response_class=HTMLResponse)
def page_case(case_id: str, request: Request, s: SessionDep, settings: SettingsDep, user: UserOpt) -> Response:
    """A case: its facts, parties (identity and phone numbers in full only for legal staff and
    external counsel), its clocks with their chains, its evidence, its jobs and downloads. 404 for
    a case that does not exist or that the user may not see, alike."""
    if user is None:
        return _to_login(request)
    case = _find_case(s, user, case_id)
    if case is None:
        return _not_found(request, settings, user)
    notice = ""
    started = request.query_params.get("started", "")
    if started and len(started) <= 32:
        job = s.get(Job, started)
        if job is not None and job.case_pk == case.id:
            notice = "已提交生成任务，完成后可在下方下载。"
    return _case_page(request, s, settings, user, case, notice=notice)


@router.post("/cases/{case_id}/jobs", name="page_case_job", response_class=HTMLResponse)
def page_case_job(case_id: str, request: Request, s: SessionDep, settings: SettingsDep, user: UserOpt,
                  stage: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = "") -> Response:
    """The case page's button: start the filing packet of ``stage`` (suit, preservation,
    enforcement, notices) as a job (:func:`api.jobs.create_job`, then the queue), and go back to
    the case page (303), where the job shows with its progress and, once done, its downloads.

    Checked in this order: a session (else the login page); the case (404 as for a case that does
    not exist); the roles that may start jobs (``ACCESS["start_job"]``, else 403); the form's
    token (else 403, nothing started); the stage (else the case page naming it, 422)."""
    if user is None:
        return _to_login(request)
    case = _find_case(s, user, case_id)
    if case is None:
        return _not_found(request, settings, user)
    if user.role not in ACCESS["start_job"]:
        return _page(request, settings, "error.html", {"title": "无权操作",
                     "message": "只有法务人员可以生成立案材料。"}, user=user, status_code=403)
    if not _csrf_ok(request, csrf_token):
        return _page(request, settings, "error.html", {"title": "请求被拒绝",
                     "message": "页面已过期或来源不明，未生成材料。请返回案件页面后重试。"}, user=user,
                     status_code=403)
    if stage not in STAGES:
        return _case_page(request, s, settings, user, case, error="阶段：请选择起诉、财产保全、强制执行或催收通知。",
                          status_code=422)
    try:
        kind, params = check_params("packet", {"stage": stage}, case=case)
    except JobParamsError as exc:
        return _case_page(request, s, settings, user, case, status_code=422,
                          error="；".join(f"{p}：{m}" for p, m in exc.problems))
    job = create_job(s, kind=kind, params=params, case=case, user=user, address=client_address(request))
    request.app.state.queue.submit(job.id)  # the memory queue (tests) runs it here; the others return at once
    # no #fragment: the page reloads itself while the job runs, and a reload to a URL with a
    # fragment is taken by browsers as a jump within the page, never fetched again
    target = f"/cases/{quote(case.case_id, safe='')}?" + urlencode({"started": job.id})
    return RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})
