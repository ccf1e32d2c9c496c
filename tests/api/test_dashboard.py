"""The dashboard's pages through the real app, on SQLite and PostgreSQL (the ``service`` fixture):
signing in and out with the form and its forgery token, a visitor without a session sent to the
login page, throttling, what each role sees (an external counsel only its firm's cases, identity
numbers masked for managers), and case data shown as text, never as markup or template code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from api.models import Role
from api.routes.dashboard import CSRF_COOKIE, days_text, nobreak_dates, size_text
from tests.api.conftest import PASSWORD

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo" / "case.yaml"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
BORROWER_ID = "110105197904120131"
BORROWER_PHONE = "13900000002"


def _client(service) -> TestClient:
    return TestClient(service.app, base_url="http://testserver", follow_redirects=False)


def _token(client: TestClient, path: str = "/login") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return TOKEN.search(page.text).group(1)


def _login(client: TestClient, role: Role | str, password: str = PASSWORD, next: str = ""):
    token = _token(client)
    return client.post("/login", data={"username": f"t_{Role(role).value}", "password": password,
                                       "csrf_token": token, "next": next})


def _signed_in(service, role: Role | str) -> TestClient:
    client = _client(service)
    r = _login(client, role)
    assert r.status_code == 303, r.text
    return client


def test_without_a_session_every_page_sends_to_the_login_page(service):
    client = _client(service)
    r = client.get("/")
    assert r.status_code == 303 and r.headers["location"] == "/login"
    r = client.get(f"/cases/{service.own}")
    assert r.status_code == 303
    assert r.headers["location"] == f"/login?next=%2Fcases%2F{service.own}"
    r = client.get("/?within=30&branch=x")
    assert r.headers["location"] == "/login?next=%2F%3Fwithin%3D30%26branch%3Dx"
    page = client.get("/login")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text
    assert "<h1 id=\"login-title\">登录</h1>" in page.text
    assert "script-src" not in page.headers["content-security-policy"]  # default-src 'none': no script at all
    assert "default-src 'none'" in page.headers["content-security-policy"]
    # the style sheet is served, and names only system fonts
    css = client.get("/static/dashboard.css")
    assert css.status_code == 200 and "Noto Sans CJK SC" in css.text
    assert "http" not in css.text and "@import" not in css.text and "@font-face" not in css.text


def test_login_flow_sets_the_session_cookie_and_logout_ends_it(service):
    client = _client(service)
    token = _token(client)
    assert client.cookies.get(CSRF_COOKIE) == token
    r = client.post("/login", data={"username": "t_manager", "password": PASSWORD, "csrf_token": token,
                                    "next": f"/cases/{service.own}"})
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{service.own}"
    cookies = r.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith("legaldocs_session="))
    assert "HttpOnly" in session_cookie and "SameSite=strict" in session_cookie and "Path=/" in session_cookie
    # a new form token comes with the session
    assert client.cookies.get(CSRF_COOKIE) != token
    page = client.get("/")
    assert page.status_code == 200
    assert "<h1>期限总览</h1>" in page.text
    assert "测试manager" in page.text and "管理人员" in page.text
    # the session cookie also authenticates the JSON API, as /api/login's does
    assert client.get("/api/me").json()["username"] == "t_manager"
    with service.session() as s:
        from sqlmodel import select

        from api.models import AuditEntry
        actions = [a.action for a in s.exec(select(AuditEntry).where(AuditEntry.username == "t_manager")).all()]
    assert "login" in actions
    # logging out revokes the session
    token = TOKEN.search(page.text).group(1)
    r = client.post("/logout", data={"csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert client.get("/").status_code == 303
    assert client.get("/api/me").status_code == 401


def test_wrong_password_shows_the_form_again_and_failures_are_throttled(service):
    client = _client(service)
    r = _login(client, Role.manager, "wrong-password")
    assert r.status_code == 401
    assert "用户名或密码错误" in r.text and 'value="t_manager"' in r.text
    assert "legaldocs_session" not in r.headers.get("set-cookie", "")
    for _ in range(service.settings.login_attempts - 1):
        assert _login(client, Role.manager, "wrong-password").status_code == 401
    # now even the right password is refused, with the minutes to wait
    r = _login(client, Role.manager)
    assert r.status_code == 429
    minutes = service.settings.login_window_s // 60
    assert f"登录失败次数过多，请 {minutes} 分钟后再试" in r.text
    assert r.headers["retry-after"] == str(service.settings.login_window_s)
    assert client.get("/").status_code == 303


def test_a_form_without_its_token_is_refused(service):
    client = _client(service)
    client.get("/login")
    # no token, a wrong token, and a right token without its cookie
    for token in ("", "x" * 43):
        r = client.post("/login", data={"username": "t_manager", "password": PASSWORD, "csrf_token": token})
        assert r.status_code == 403, r.text
        assert "页面已过期或来源不明" in r.text
        assert "legaldocs_session" not in r.headers.get("set-cookie", "")
    token = client.cookies.get(CSRF_COOKIE)
    stranger = _client(service)
    r = stranger.post("/login", data={"username": "t_manager", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 403
    assert stranger.get("/").status_code == 303
    # a signed-in user is not signed out by a forged form
    signed = _signed_in(service, Role.manager)
    r = signed.post("/logout", data={"csrf_token": "forged-token-forged-token"})
    assert r.status_code == 403 and "未退出登录" in r.text
    assert signed.get("/").status_code == 200


def test_login_never_redirects_to_another_site(service):
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"):
        client = _client(service)
        r = _login(client, Role.manager, next=target)
        assert r.status_code == 303 and r.headers["location"] == "/", target


def test_portfolio_lists_clocks_with_chinese_names_and_severity(service):
    client = _signed_in(service, Role.manager)
    page = client.get("/")
    assert page.status_code == 200
    html = page.text
    assert "<h2 id=\"clocks-title\">最先届满的期限</h2>" in html
    assert "<h2 id=\"counts-title\">各经办机构期限数</h2>" in html
    # both cases' clocks, each linking to its case, with its kind in Chinese
    assert f'href="/cases/{service.own}"' in html and f'href="/cases/{service.foreign}"' in html
    assert "诉讼时效" in html and "届满日" in html
    # the enforcement example's seizure ended long ago: a red row, labelled in words as well
    assert re.search(r'<tr class="sev-critical">\s*<td data-label="紧急程度"><span class="badge badge-critical">已届满</span>', html)
    assert re.search(r"已届满\d+天", html)
    # no identity or phone number on the list
    assert BORROWER_ID not in html and BORROWER_PHONE not in html and BORROWER_ID[:6] + "*" not in html
    # the counts by branch, a row per branch
    assert "示例银行股份有限公司滨江支行" in html
    # filters: one kind only
    page = client.get("/?kind=limitation")
    kinds = set(re.findall(r'data-label="期限种类">([^<]+)<', page.text))
    assert kinds == {"诉讼时效"}, kinds
    # an empty result says so in words
    page = client.get("/?within=7&kind=bankruptcy_claim")
    assert "7日内没有届满的期限。" in page.text
    # a filter that does not read is named, not ignored
    page = client.get("/?kind=nonsense&within=12")
    assert page.status_code == 422
    assert "期限种类：没有“nonsense”这一种类" in page.text and "剩余天数：只能选择7日、30日、90日或全部" in page.text


def test_counsel_sees_only_its_firms_cases_and_a_foreign_case_is_not_found(service):
    client = _signed_in(service, Role.external_counsel)
    index = client.get("/")
    assert index.status_code == 200
    assert f'href="/cases/{service.own}"' in index.text
    assert service.foreign not in index.text
    own = client.get(f"/cases/{service.own}")
    assert own.status_code == 200 and "陈立" in own.text
    # counsel drafts and files: identity numbers in full on the case page
    assert BORROWER_ID in own.text
    foreign = client.get(f"/cases/{service.foreign}")
    missing = client.get("/cases/NO-SUCH-CASE")
    assert foreign.status_code == missing.status_code == 404
    assert "<h1>案件不存在</h1>" in foreign.text
    # the same page, whether the case exists or not
    assert foreign.text.replace(service.foreign, "X") == missing.text.replace("NO-SUCH-CASE", "X")
    assert service.foreign not in foreign.text


def test_case_page_shows_parties_clocks_chains_and_evidence(service):
    manager = _signed_in(service, Role.manager)
    page = manager.get(f"/cases/{service.own}")
    assert page.status_code == 200
    html = page.text
    assert "示例银行滨江支行诉陈立、上海恒远贸易有限公司金融借款合同纠纷" in html
    for heading in ("当事人", "期限", "证据", "生成任务与文书"):
        assert f">{heading}</h2>" in html
    # a manager sees identity and phone numbers masked
    assert BORROWER_ID not in html and "110105********0131" in html
    assert BORROWER_PHONE not in html and "139****0002" in html
    assert "借款人" in html and "保证人" in html
    # a clock with its chain: the demand notice served, its evidence linking to the evidence list
    assert "诉讼时效" in html and "催收通知书送达" in html
    assert '<a href="#evidence-E7">E7</a>' in html and 'id="evidence-E7"' in html
    assert "第一百九十五条" in html
    # evidence files with size and a short SHA-256
    assert "exhibits/07-demand-notice.pdf" in html
    assert re.search(r'<abbr title="[0-9a-f]{64}">[0-9a-f]{12}</abbr>', html)
    staff = _signed_in(service, Role.legal_staff)
    assert BORROWER_ID in staff.get(f"/cases/{service.own}").text


def test_case_data_is_shown_as_text_never_as_markup_or_template_code(service):
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    data["case_id"] = "XSS-2025-001"
    data["title"] = "{{ 7*7 }}号案件<b>粗体</b>"
    data["parties"]["P1"]["name"] = "<script>alert(1)</script>"
    data["parties"]["C1"]["name"] = "{% raw %}{{ config }}{% endraw %}\" onmouseover=\"alert(2)"
    data["creditor"]["name"] = "示例银行<img src=x onerror=alert(3)>支行"
    data["events"][0]["note"] = "<script>alert(4)</script>于2025-05-09签收"  # shown in the clocks' chains
    import json

    r = service.client.post("/api/cases", content=json.dumps(data, default=str, ensure_ascii=False).encode(),
                            headers={**service.auth(Role.legal_staff), "Content-Type": "application/json"})
    assert r.status_code == 201, r.text
    client = _signed_in(service, Role.legal_staff)
    case = client.get("/cases/XSS-2025-001")
    assert case.status_code == 200
    html = case.text
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>粗体" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "{{ 7*7 }}号案件&lt;b&gt;粗体&lt;/b&gt;" in html
    assert "&#34; onmouseover=&#34;alert(2)" in html and '" onmouseover="' not in html
    assert "{% raw %}{{ config }}{% endraw %}" in html
    assert "49号案件" not in html
    # an event's note in a chain: escaped first, its date then kept on one line
    assert '&lt;script&gt;alert(4)&lt;/script&gt;于<span class="nw">2025-05-09</span>签收' in html
    assert "<script>alert(4)" not in html
    # the same on the portfolio (obligor names, branch names in the filter and the counts)
    index = client.get("/")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in index.text
    assert "<script>" not in index.text and "<img src=x" not in index.text
    assert "示例银行&lt;img src=x onerror=alert(3)&gt;支行" in index.text
    # a branch filter with markup is echoed as text
    page = client.get("/", params={"branch": "<script>x</script>"})
    assert "<script>x" not in page.text


def test_figures_are_said_in_words():
    assert days_text(None) == "—" and days_text(0) == "今日届满"
    assert days_text(-3) == "已届满3天" and days_text(12) == "剩余12天"
    assert str(nobreak_dates("<b>至2026-06-24止</b>")) == '&lt;b&gt;至<span class="nw">2026-06-24</span>止&lt;/b&gt;'
    assert size_text(980) == "980 B" and size_text(1536) == "1.5 KB" and size_text(3 * 1024 ** 2) == "3.0 MB"


@pytest.mark.parametrize("role", [Role.manager, Role.admin])
def test_pages_for_every_role_that_reads(service, role):
    client = _signed_in(service, role)
    assert client.get("/").status_code == 200
    assert client.get(f"/cases/{service.foreign}").status_code == 200


def test_legal_staff_generate_a_packet_from_the_case_page(service):
    from sqlmodel import select

    from api.models import Job

    staff = _signed_in(service, Role.legal_staff)
    page = staff.get(f"/cases/{service.own}")
    assert f'action="/cases/{service.own}/jobs"' in page.text and "生成立案材料" in page.text
    token = TOKEN.search(page.text).group(1)
    # a forged form starts nothing
    r = staff.post(f"/cases/{service.own}/jobs", data={"stage": "notices", "csrf_token": "forged-" * 6})
    assert r.status_code == 403 and "未生成材料" in r.text
    r = staff.post(f"/cases/{service.own}/jobs", data={"stage": "appeal", "csrf_token": token})
    assert r.status_code == 422 and "阶段：请选择" in r.text
    with service.session() as s:
        assert s.exec(select(Job)).all() == []
    # the notices stage (the quickest packet), run inline by the tests' queue
    r = staff.post(f"/cases/{service.own}/jobs", data={"stage": "notices", "csrf_token": token})
    assert r.status_code == 303
    assert r.headers["location"].startswith(f"/cases/{service.own}?started=")
    page = staff.get(r.headers["location"])
    assert "已提交生成任务" in page.text
    assert "立案材料（催收通知）" in page.text and "已完成" in page.text, page.text[-3000:]
    links = re.findall(rf'href="(/api/cases/{service.own}/outputs/\d+)" download>([^<]+)<', page.text)
    assert links and links[0][1] == "packet.zip", links[:3]
    # the session cookie authenticates the download
    download = staff.get(links[0][0])
    assert download.status_code == 200 and download.content[:2] == b"PK"
    with service.session() as s:
        job = s.exec(select(Job)).one()
        assert job.params == {"stage": "notices"} and job.created_by == service.users[Role.legal_staff].id
    # counsel sees the outputs (no jobs, no button); a manager has no button and cannot post
    counsel = _signed_in(service, Role.external_counsel)
    page = counsel.get(f"/cases/{service.own}")
    assert "packet.zip" in page.text and "生成立案材料" not in page.text and ">文书下载</h2>" in page.text
    manager = _signed_in(service, Role.manager)
    page = manager.get(f"/cases/{service.own}")
    assert "生成立案材料" not in page.text and "已完成" in page.text
    token = TOKEN.search(page.text).group(1)
    r = manager.post(f"/cases/{service.own}/jobs", data={"stage": "notices", "csrf_token": token})
    assert r.status_code == 403 and "只有法务人员可以生成立案材料" in r.text
    # another firm's case: 404, as one that does not exist
    token = TOKEN.search(counsel.get("/").text).group(1)
    r = counsel.post(f"/cases/{service.foreign}/jobs", data={"stage": "notices", "csrf_token": token})
    assert r.status_code == 404 and "<h1>案件不存在</h1>" in r.text
    with service.session() as s:
        assert len(s.exec(select(Job)).all()) == 1


def test_an_offset_past_the_last_page_is_named_not_a_crash(service):
    c = service.client
    _login(c, Role.manager)
    page = c.get("/?offset=1000000")
    assert page.status_code == 422 and "offset" in page.text
