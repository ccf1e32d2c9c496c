"""The dashboard in a real browser: the service started as a user starts it (``legaldocs serve
--demo``, its own SQLite database and store in a temporary folder), Debian's Chromium driven
through Playwright. Signs in as the demo manager, filters the portfolio, opens the demo case,
and takes full-page screenshots on a laptop screen (1366x768) and a phone (390x844) into the
test's folder (and into the folder ``LEGALDOCS_SCREENSHOTS`` names, when it is set).

No browser is ever downloaded: without /usr/bin/chromium (Debian's ``chromium`` package) the
test is skipped and says what to install."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
DEMO_CASE = "DEMO-2025-001"
ENFORCEMENT_CASE = "ENF-2025-001"
# the demo users' lines: "demo user manager (manager), password XXXX", or the same in Chinese (密码)
PASSWORD_LINE = re.compile(r"(?<![A-Za-z])(staff|manager|counsel|admin)(?![A-Za-z]).*?(?:password|密码)"
                           r"[^A-Za-z0-9_-]*([A-Za-z0-9_-]{8,})")

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium "
                                                     "(apt-get install chromium); no browser is downloaded"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    """The service in a subprocess: its address, the demo users' passwords and what it printed."""

    def __init__(self, data: Path, extra: tuple[str, ...] = ()):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.lines: list[str] = []
        self.passwords: dict[str, str] = {}
        env = {k: v for k, v in os.environ.items() if not k.startswith("LEGALDOCS_")}
        env["PYTHONUNBUFFERED"] = "1"
        script = Path(sys.executable).with_name("legaldocs")
        command = [str(script)] if script.exists() else [sys.executable, "-m", "api.cli"]
        self.proc = subprocess.Popen([*command, "serve", "--demo", "--data", str(data), "--port", str(self.port),
                                      *extra],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True,
                                     encoding="utf-8", errors="replace")
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            m = PASSWORD_LINE.search(line)
            if m:
                self.passwords[m.group(1)] = m.group(2)

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("the service stopped:\n" + "\n".join(self.lines[-40:]))
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200 and "manager" in self.passwords:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise AssertionError("the service did not answer in time:\n" + "\n".join(self.lines[-40:]))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    service = Served(tmp_path_factory.mktemp("served") / "data")
    try:
        service.wait_ready()
        yield service
    finally:
        service.stop()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def shots(tmp_path):
    """Save a full-page screenshot under the test's folder (and ``LEGALDOCS_SCREENSHOTS``)."""
    folder = tmp_path / "screenshots"
    folder.mkdir()
    extra = Path(os.environ["LEGALDOCS_SCREENSHOTS"]) if os.environ.get("LEGALDOCS_SCREENSHOTS") else None

    def take(page, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000, f"{name}: an empty screenshot"
        if extra is not None:
            extra.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, extra / path.name)
        return path

    return take


def _sign_in(page, served: Served, username: str = "manager") -> None:
    page.goto(served.url + "/")
    # without a session the portfolio sends to the login page
    assert page.url.endswith("/login"), page.url
    assert page.locator("h1").inner_text() == "登录"
    page.fill("#username", username)
    page.fill("#password", served.passwords[username])
    page.click("button[type=submit]")
    page.wait_for_url(served.url + "/")


def _no_horizontal_overflow(page) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page is wider ({widths[0]}px) than the screen ({widths[1]}px)"


def _check_portfolio(page) -> None:
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").inner_text() == "期限总览"
    assert page.locator("#clocks-title").inner_text() == "最先届满的期限"
    assert page.locator("#counts-title").inner_text() == "各经办机构期限数"
    # the enforcement case's seizure ended: a red row, with its label and its last day
    expired = page.locator("table.clocks tbody tr.sev-critical").first
    expect_visible(expired)
    assert expired.locator("td[data-label=紧急程度]").inner_text() == "已届满"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", expired.locator("td[data-label=届满日]").inner_text(), re.S)
    assert re.fullmatch(r"已届满\d+天", expired.locator("td[data-label=剩余天数]").inner_text())
    colour = expired.evaluate("el => getComputedStyle(el).backgroundColor")
    assert colour == "rgb(253, 236, 234)", colour
    badge = expired.locator(".badge").evaluate("el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color]")
    assert badge == ["rgb(180, 35, 24)", "rgb(255, 255, 255)"], badge


def expect_visible(locator) -> None:
    locator.wait_for(state="visible", timeout=5000)


def test_dashboard_on_a_laptop(served, browser, shots):
    context = browser.new_context(viewport=LAPTOP, locale="zh-CN", device_scale_factor=1)
    page = context.new_page()
    _sign_in(page, served)
    _check_portfolio(page)
    rows = page.locator("table.clocks tbody tr")
    assert rows.count() >= 5
    assert page.locator("table.counts tbody tr").count() >= 1
    assert page.locator(".who-name").inner_text() == "李敏（部门经理）"
    _no_horizontal_overflow(page)
    shots(page, "portfolio-laptop")

    # filter: seizure clocks only, as a GET form
    page.select_option("#f-kind", "seizure_expiry")
    page.click(".field-actions button[type=submit]")
    page.wait_for_url(re.compile(r".*kind=seizure_expiry.*"))
    kinds = set(page.locator("table.clocks td[data-label=期限种类]").all_inner_texts())
    assert kinds == {"查封冻结期限"}, kinds
    assert page.locator("#f-kind").input_value() == "seizure_expiry"
    shots(page, "portfolio-filtered-laptop")

    # within 7 days and of a kind no case has: said in words
    page.goto(served.url + "/?within=7&kind=bankruptcy_claim")
    assert page.locator("p.empty").first.inner_text() == "7日内没有届满的期限。"

    # the demo case, from its row on the portfolio
    page.goto(served.url + "/?kind=limitation")
    page.locator(f"table.clocks a[href='/cases/{DEMO_CASE}']").first.click()
    page.wait_for_url(served.url + f"/cases/{DEMO_CASE}")
    assert page.locator("h1").inner_text() == "示例银行滨江支行诉陈立、上海恒远贸易有限公司金融借款合同纠纷"
    for heading in ("#parties-title", "#clocks-title", "#evidence-title", "#jobs-title"):
        expect_visible(page.locator(heading))
    # masked for a manager
    parties = page.locator("table.parties").inner_text()
    assert "110105********0131" in parties and "110105197904120131" not in parties
    # a clock with its chain, whose evidence link leads to the evidence list
    limitation = page.locator("article.clock", has=page.locator("h3", has_text="诉讼时效")).first
    assert re.search(r"\d{4}-\d{2}-\d{2}", limitation.locator(".clock-facts").inner_text())
    assert "催收通知书送达" in limitation.locator("table.chain").inner_text()
    limitation.locator("a[href='#evidence-E7']").first.click()
    assert page.url.endswith("#evidence-E7")
    assert "贷款逾期催收通知书" in page.locator("#evidence-E7").inner_text()
    _no_horizontal_overflow(page)
    shots(page, "case-laptop")
    context.close()


def test_dashboard_on_a_phone(served, browser, shots):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.goto(served.url + "/login")
    _no_horizontal_overflow(page)
    shots(page, "login-phone")
    _sign_in(page, served)
    _check_portfolio(page)
    # the table is a column of cards: each cell shows its own label, nothing wider than the screen
    first = page.locator("table.clocks tbody tr").first
    box = first.bounding_box()
    assert box["width"] <= PHONE["width"]
    label = first.locator("td[data-label=届满日]").evaluate("el => getComputedStyle(el, '::before').content")
    assert label == '"届满日"', label
    _no_horizontal_overflow(page)
    shots(page, "portfolio-phone")

    page.goto(served.url + f"/cases/{DEMO_CASE}")
    assert page.locator("h1").inner_text().startswith("示例银行滨江支行诉陈立")
    _no_horizontal_overflow(page)
    shots(page, "case-phone")

    page.goto(served.url + f"/cases/{ENFORCEMENT_CASE}")
    expect_visible(page.locator("article.clock.sev-critical").first)
    _no_horizontal_overflow(page)
    shots(page, "case-enforcement-phone")

    # signing out from the menu ends the session
    page.click("text=退出登录")
    page.wait_for_url(served.url + "/login")
    page.goto(served.url + "/")
    assert page.url.endswith("/login")
    context.close()


def test_counsel_in_the_browser_sees_only_its_firms_case(served, browser, shots):
    context = browser.new_context(viewport=LAPTOP, locale="zh-CN")
    page = context.new_page()
    # a wrong password: the form again, with the message and the name typed
    page.goto(served.url + "/login")
    page.fill("#username", "counsel")
    page.fill("#password", "not-the-password")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text() == "用户名或密码错误"
    assert page.locator("#username").input_value() == "counsel"
    shots(page, "login-error-laptop")
    _sign_in(page, served, "counsel")
    links = set(page.locator("table.clocks td[data-label=案件编号] a").all_inner_texts())
    assert links <= {DEMO_CASE}, links
    response = page.goto(served.url + f"/cases/{ENFORCEMENT_CASE}")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "案件不存在"
    shots(page, "not-found-laptop")
    context.close()


def test_staff_generate_a_packet_and_download_it(served, browser, shots, tmp_path):
    context = browser.new_context(viewport=LAPTOP, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    _sign_in(page, served, "staff")
    page.goto(served.url + f"/cases/{DEMO_CASE}")
    page.select_option("#g-stage", "notices")
    page.click("form.generate button[type=submit]")
    page.wait_for_url(re.compile(r".*[?]started=[0-9a-f]{32}.*"))
    assert page.locator(".alert-ok").inner_text() == "已提交生成任务，完成后可在下方下载。"
    # the page reloads itself while the job is under way, until it has ended
    ended = page.locator("article.job-done, article.job-failed").first
    ended.wait_for(timeout=240_000)
    assert ended.get_attribute("class") == "job job-done", ended.inner_text()
    assert "立案材料（催收通知）" in ended.inner_text()
    link = ended.locator("ul.outputs a").first
    assert link.inner_text() == "packet.zip"
    with page.expect_download() as info:
        link.click()
    saved = tmp_path / "packet.zip"
    info.value.save_as(saved)
    assert saved.read_bytes()[:2] == b"PK"
    shots(page, "case-job-laptop")
    context.close()
