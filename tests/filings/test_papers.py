"""The notices and the authority papers (legaldocs/filings/papers.py and their templates), for the
demo and every real example: the text each says (amounts as the filing states them, stable and
distinct notice numbers, one guarantee notice per guarantor, no special power in a general
authority, 负责人 or 法定代表人 by the creditor, no 授权委托书 without an agent), the review items
(a guarantee notice after the guarantee period is blocking), and the documents themselves:
rendered, converted by the real LibreOffice, A4 with every font embedded, the 回执 in one piece
on the page of its cut line, hostile case data printed as written."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
import yaml
from docx import Document as WordDocument
from PIL import Image
from pypdf import PdfReader

from legaldocs.case.load import load_case
from legaldocs.chinese import capitals_text, date_in_chinese, money_text
from legaldocs.documents.office import docx_to_pdf
from legaldocs.documents.render import DocumentProperties, render_docx
from legaldocs.errors import CaseValidationError
from legaldocs.filings import papers, stages
from legaldocs.filings.filing import build_filing
from tests_support import make_case

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
DEMO = ROOT / "examples" / "demo" / "case.yaml"
SHARED = ROOT.parent / "shared"
REAL = sorted((ROOT / "examples").glob("rc*/case.yaml"))
NOTICE_DAY = dt.date(2025, 6, 30)


def _real(path: Path):
    marks = [] if SHARED.is_dir() else [pytest.mark.skip(
        reason=f"{SHARED} is absent: the real-case examples are built from ../shared (judgments and exhibits)")]
    return pytest.param(path, id=path.parent.name, marks=marks)


CASES = [pytest.param(DEMO, id="demo"), *(_real(p) for p in REAL)]


def _filing(path: Path, day: dt.date | None = None):
    """The demo at a notice date (amounts computed to it); a real case as its file states it."""
    case = load_case(path, check_files=False).case
    if path == DEMO:
        day = day or NOTICE_DAY
        return build_filing(case, as_of=day, filing_date=day)
    return build_filing(case)


def _documents(filing, stage: str = "suit") -> list[tuple[str, str, dict]]:
    """(file stem, template, context) of every paper the case needs."""
    out = []
    for kind, document in papers.DOCUMENTS.items():
        if not document.needed(filing):
            continue
        built = document.context(filing, stages.Extras(stage=stage))
        for suffix, context in (built if document.per_party else [("", built)]):
            title = document.title_for(filing)
            out.append((f"{title}{'-' + suffix if suffix else ''}", document.template, context))
    return out


def _render(filing, folder: Path, stage: str = "suit") -> dict[str, Path]:
    """Render every paper into ``folder`` (core properties from the case) and convert them in one
    LibreOffice run; returns file stem -> PDF."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = []
    for stem, template, context in _documents(filing, stage):
        out = render_docx(TEMPLATES / template, context, folder / f"{stem}.docx",
                          DocumentProperties(author=filing.case.creditor.name, title=context["title"], date=filing.filing_date))
        sources.append(out)
    return {p.stem: p for p in docx_to_pdf(sources, folder)}


def _docx_text(path: Path) -> str:
    doc = WordDocument(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                parts += [p.text for p in cell.paragraphs]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """case path -> (filing, {stem: pdf}) rendered once per module."""
    cache: dict[Path, tuple] = {}

    def get(path: Path):
        if path not in cache:
            filing = _filing(path)
            cache[path] = (filing, _render(filing, tmp_path_factory.mktemp(path.parent.name)))
        return cache[path]

    return get


# --- what the documents say ---------------------------------------------------------------------


@pytest.mark.parametrize("path", CASES)
def test_demand_notices_state_the_filing_totals_and_demand_payment(path, rendered):
    filing, pdfs = rendered(path)
    t = filing.totals
    addressees = papers.demand_addressees(filing)
    assert set(filing.case.borrower_ids()) <= set(addressees)
    for party in addressees:
        context = papers.demand_notice_context(filing, party)
        assert context["owed_total"] == money_text(t.total, t.currency)
        assert context["owed_total_capitals"] == capitals_text(t.total, t.currency)
        assert context["owed_intro"].startswith(f"截至{date_in_chinese(t.as_of)}")
        rows = {r["name"]: r["amount"] for r in context["owed_rows"]}
        assert rows["借款本金"] == money_text(t.principal, t.currency)
        for name, value in (("利息", t.interest), ("罚息", t.penalty_interest), ("复利", t.compound_interest)):
            assert rows.get(name) == (money_text(value, t.currency) if value else None)
        name = filing.case.parties[party].name
        text = _docx_text(pdfs[f"催收通知书-{papers.file_suffix(name)}"].with_suffix(".docx"))
        assert context["number"] in text and name in text
        # a request for performance, with the time to pay, never a mere information
        assert "特此正式通知并要求贵方" in text and f"自收到本通知书之日起{filing.case.notices.pay_within_days}日内" in text
        assert "本通知书即为" in text and "履行请求" in text
        for loan in filing.case.loans:
            if party in loan.borrowers:
                assert loan.number in text
                assert all(d.receipt_number in text for d in loan.draws if d.receipt_number)
                assert all(date_in_chinese(d.maturity) in text for d in loan.draws)


def test_the_demo_notice_states_the_amounts_of_its_own_date(tmp_path):
    later = dt.date(2025, 8, 15)
    first, second = _filing(DEMO), _filing(DEMO, later)
    a = papers.demand_notice_context(first, "P1")
    b = papers.demand_notice_context(second, "P1")
    assert second.totals.as_of == later and second.totals.total > first.totals.total
    assert b["owed_total"] == money_text(second.totals.total) != a["owed_total"]
    assert b["owed_intro"].startswith("截至2025年8月15日") and b["notice_date_cn"] == "2025年8月15日"
    # the demo's settings: ten days, the contact named
    assert any("联系人：王晓" in d for d in a["demand"])


def test_notice_numbers_are_stable_and_distinct():
    paths = [DEMO, *(p for p in REAL if SHARED.is_dir())]
    seen: set[str] = set()
    for path in paths:
        one, two = _filing(path), _filing(path)
        numbers = [c["number"] for _, c in papers.demand_notice_contexts(one) + papers.guarantee_notice_contexts(one)]
        again = [c["number"] for _, c in papers.demand_notice_contexts(two) + papers.guarantee_notice_contexts(two)]
        assert numbers == again
        assert not seen & set(numbers) and len(set(numbers)) == len(numbers)
        seen |= set(numbers)
    later = _filing(DEMO, dt.date(2025, 7, 1))
    assert papers.demand_notice_context(later, "P1")["number"] == "CS-DEMO-2025-001-20250701-P1"
    assert papers.demand_notice_context(_filing(DEMO), "P1")["number"] == "CS-DEMO-2025-001-20250630-P1"


@pytest.mark.parametrize("path", CASES)
def test_one_guarantee_notice_per_guarantor_listing_each_contract(path, rendered):
    filing, pdfs = rendered(path)
    guarantees = filing.recorded.guarantees
    built = papers.guarantee_notice_contexts(filing)
    assert len(built) == len({g.guarantor for g in guarantees})
    for suffix, context in built:
        party = next(p for p in papers.guarantors(filing) if papers.file_suffix(filing.recorded.parties[p].name) == suffix)
        mine = [g for g in guarantees if g.guarantor == party]
        assert len(context["contracts"]) == len(mine)
        text = _docx_text(pdfs[f"履行保证责任通知书-{suffix}"].with_suffix(".docx"))
        for g in mine:
            assert g.number in text
        assert "现正式要求贵方" in text and "承担" in text and "保证责任" in text
        assert context["number"] in text


def test_rc10_two_guarantors_with_two_contracts_each():
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent: the real-case examples are built from ../shared")
    filing = _filing(ROOT / "examples" / "rc10" / "case.yaml")
    built = papers.guarantee_notice_contexts(filing)
    assert [s for s, _ in built] == ["汪某丁", "徐某戊"]
    assert all(len(c["contracts"]) == 2 for _, c in built)


def test_guarantee_notices_cite_the_law_of_the_guarantee_date():
    demo = papers.guarantee_notice_context(_filing(DEMO), "C1")
    assert "《中华人民共和国民法典》第六百九十三条第二款" in demo["demand"][0]
    old = make_case(signed=dt.date(2020, 3, 1), maturity=dt.date(2021, 3, 1), as_of=dt.date(2021, 4, 1))
    text = papers.guarantee_notice_context(build_filing(old), "P2")["demand"][0]
    assert "《中华人民共和国担保法》第二十六条第二款" in text and "民法典" not in text


def test_a_capped_guarantee_is_asked_for_no_more_than_its_maximum():
    case = make_case(guarantee={"maximum_amount": "60000", "title": "最高额保证合同"}, as_of=dt.date(2022, 4, 1))
    context = papers.guarantee_notice_context(build_filing(case), "P2")
    assert "清偿60,000.00元（大写：人民币陆万元整）（以最高债权额60,000.00元为限）" in context["demand"][0]
    assert "最高债权额60,000.00元" in context["contracts"][0]


def _guarantee_review(case, day):
    filing = build_filing(case, filing_date=day)
    papers.guarantee_notice_context(filing, "P2")
    return [r for r in filing.review if r.topic == "保证"]


def test_a_guarantee_notice_after_the_period_is_blocking():
    # joint guarantee, period not agreed: six months from maturity 2022-03-01, to 2022-09-01
    case = make_case(as_of=dt.date(2022, 3, 1))
    after = _guarantee_review(case, dt.date(2022, 9, 15))
    assert [r.severity for r in after] == ["blocking"]
    assert "2022年9月1日" in after[0].text and "已免除保证责任" in after[0].text
    assert "第六百九十三条" in after[0].source
    near = _guarantee_review(case, dt.date(2022, 8, 20))
    assert [r.severity for r in near] == ["check"] and "仅剩12日" in near[0].text
    assert _guarantee_review(case, dt.date(2022, 5, 1)) == []
    # the period was kept by an earlier demand: a later notice only restarts the guarantor's limitation
    kept = make_case(as_of=dt.date(2022, 3, 1), events=[
        {"date": dt.date(2022, 4, 1), "kind": "履行保证责任通知书送达", "parties": ["P2"]}])
    later = _guarantee_review(kept, dt.date(2022, 10, 1))
    assert [r.severity for r in later] == ["note"]
    # the notice does not claim to be within a period it is not
    filing = build_filing(case, filing_date=dt.date(2022, 9, 15))
    assert "在保证期间内" not in "".join(papers.guarantee_notice_context(filing, "P2")["demand"])


def test_a_released_guarantor_still_gets_its_notice_with_the_blocking_item():
    case = make_case(as_of=dt.date(2022, 3, 1))
    filing = build_filing(case, filing_date=dt.date(2023, 1, 10))
    assert not filing.case.guarantees and papers.guarantors(filing) == ["P2"]
    assert papers.DOCUMENTS["guarantee_notice"].needed(filing)
    papers.guarantee_notice_contexts(filing)
    papers.guarantee_notice_contexts(filing)  # built twice, listed once
    assert [r.severity for r in filing.review if r.topic == "保证"] == ["blocking"]


def test_a_general_guarantee_is_flagged_the_notice_cannot_keep_it():
    case = make_case(guarantee={"kind": "一般保证"}, as_of=dt.date(2022, 3, 1))
    filing = build_filing(case, filing_date=dt.date(2022, 5, 1))
    context = papers.guarantee_notice_context(filing, "P2")
    assert "在其财产依法强制执行后仍不能履行的部分" in context["demand"][0]
    assert any(r.severity == "check" and "一般保证" in r.text for r in filing.review)


def test_a_mortgagor_who_is_not_a_borrower_gets_a_demand_within_the_mortgage():
    case = make_case(as_of=dt.date(2022, 4, 1), collateral=[{
        "id": "M1", "kind": "mortgage", "contract_number": "DY-1", "signed_on": dt.date(2021, 3, 1), "owner": "P2",
        "secures": ["L1"], "description": "示例小区2号房屋", "maximum_amount": "80000"}])
    filing = build_filing(case)
    assert papers.demand_addressees(filing) == ["P1", "P2"]
    context = papers.demand_notice_context(filing, "P2")
    assert context["addressee_role"] == "抵押人"
    assert "在抵押担保范围内承担担保责任" in context["demand"][0] and "以最高债权额80,000.00元为限" in context["demand"][0]
    assert context["owed_intro"].startswith("截至2022年4月1日，债务人尚欠")


_SPECIAL = [p for stage in papers.POWERS.values() for p in stage[1]]


@pytest.mark.parametrize("stage", list(papers.POWERS))
def test_a_general_authority_never_carries_a_special_power(stage, demo_variant, tmp_path):
    def general(data):
        data["agents"] = [data["agents"][0] | {"authority": "一般授权"},
                          {"name": "李律", "employer": "示例律师事务所", "kind": "lawyer", "authority": "特别授权"}]

    filing = _filing(demo_variant(general))
    context = papers.power_of_attorney_context(filing, stage)
    first, second = context["agents"]
    assert first["authority"] == "一般授权" and first["special_powers"] == []
    assert second["special_powers"] == list(papers.POWERS[stage][1])
    assert second["line"] == "李律，示例律师事务所律师"
    out = render_docx(TEMPLATES / "power_of_attorney.docx", context, tmp_path / "poa.docx")
    text = _docx_text(out)
    own = text[text.index("受委托人王晓的代理权限"):text.index("受委托人李律的代理权限")]
    assert "一般授权" in own and "特别授权事项" not in own
    assert not [p for p in _SPECIAL if p in own]
    assert "特别授权事项" in text[text.index("受委托人李律的代理权限"):]
    assert ("委托期限" in text) == (stage == "enforcement")


def test_no_agent_no_power_of_attorney(demo_variant):
    filing = _filing(demo_variant(lambda d: d.pop("agents")))
    assert not papers.DOCUMENTS["power_of_attorney"].needed(filing)
    kinds = [d.kind for d in stages.stage_documents("suit", filing)]
    assert "power_of_attorney" not in kinds and "service_address" in kinds
    with pytest.raises(ValueError, match="no agent"):
        papers.power_of_attorney_context(filing)
    assert "power_of_attorney" in [d.kind for d in stages.stage_documents("suit", _filing(DEMO))]


def test_the_certificate_follows_the_creditor_role(demo_variant):
    certificate = papers.DOCUMENTS["representative_certificate"]
    branch = papers.representative_certificate_context(_filing(DEMO))
    assert branch["title"] == "负责人身份证明书" and branch["sentence"] == "周明在我单位任行长职务，系我单位的负责人。"
    assert certificate.title_for(_filing(DEMO)) == "负责人身份证明书"  # the file's name and the 附 list

    def head_office(data):
        data["creditor"] |= {"name": "示例银行股份有限公司", "representative_title": "董事长"}

    head = _filing(demo_variant(head_office))
    legal = papers.representative_certificate_context(head)
    assert legal["title"] == "法定代表人身份证明书" and "系我单位的法定代表人" in legal["sentence"]
    assert certificate.title_for(head) == "法定代表人身份证明书"
    chosen = papers.representative_certificate_context(_filing(demo_variant(
        lambda d: d["creditor"].update(representative_role="法定代表人"))))
    assert chosen["title"] == "法定代表人身份证明书"


def test_the_service_address_form(demo_variant):
    filing = _filing(DEMO)
    context = papers.service_address_context(filing)
    assert context["recipient"] == "王晓" and context["id_type"] == "居民身份证"
    assert (context["electronic_yes"], context["electronic_no"], context["by_phone"], context["by_email"]) == ("☑", "□", "☑", "☑")
    assert context["case_number"] == ""
    assert "包括判决书、裁定书、调解书" in context["notes"][-1] and "第九十条" in context["notes"][-1]
    assert not [r for r in filing.review if r.topic == "送达"]
    bare = _filing(demo_variant(lambda d: d["creditor"].pop("service")))
    context = papers.service_address_context(bare)
    assert context["address"] == bare.case.creditor.address and context["phone"] == bare.case.creditor.phone
    assert context["recipient"] == "" and context["electronic_yes"] == context["electronic_no"] == "□"
    assert [r.severity for r in bare.review if r.topic == "送达"] == ["check"]


def test_electronic_service_as_the_law_of_the_filing_date_allows():
    old = make_case(signed=dt.date(2018, 3, 1), maturity=dt.date(2019, 3, 1))
    notes = papers.service_address_context(build_filing(old, filing_date=dt.date(2019, 10, 25)))["notes"]
    assert "但判决书、裁定书、调解书除外" in notes[-1] and "第八十七条" in notes[-1]
    older = make_case(signed=dt.date(2010, 3, 1), maturity=dt.date(2011, 3, 1))
    notes = papers.service_address_context(build_filing(older, filing_date=dt.date(2012, 6, 1)))["notes"]
    assert not [n for n in notes if "电子" in n] and "第一百三十七条" not in notes[-1]


# --- the documents themselves -------------------------------------------------------------------


def _fonts_embedded(pdf: Path) -> list[str]:
    """Names of the fonts of ``pdf`` without an embedded font file."""
    missing = []
    with pikepdf.open(pdf) as doc:
        for page in doc.pages:
            for _, font in (page.resources.get("/Font") or {}).items():
                target = font.DescendantFonts[0] if "/DescendantFonts" in font else font
                if font.get("/Subtype") == "/Type3":
                    continue
                descriptor = target.get("/FontDescriptor")
                if descriptor is None or not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    missing.append(str(font.get("/BaseFont")))
    return missing


def _page_texts(pdf: Path) -> list[str]:
    return [re.sub(r"\s+", "", p.extract_text() or "") for p in PdfReader(str(pdf)).pages]


def _rules(png: Path) -> list[tuple[int, int]]:
    """Horizontal rules of a page image, top to bottom: (row, dark pixels) where at least 30 %
    of the width is ink (a table border; the dashed cut line, about half of it ink)."""
    image = Image.open(png).convert("L")
    width, height = image.size
    pixels = image.load()
    rules: list[tuple[int, int]] = []
    for y in range(height):
        dark = sum(1 for x in range(width) if pixels[x, y] < 128)
        if dark >= 0.3 * width and not (rules and rules[-1][0] == y - 1):
            rules.append((y, dark))
    return rules


@pytest.mark.parametrize("path", CASES)
def test_every_paper_is_a4_with_fonts_embedded_and_the_receipt_in_one_piece(path, rendered, tmp_path):
    filing, pdfs = rendered(path)
    assert pdfs
    for stem, pdf in pdfs.items():
        with pikepdf.open(pdf) as doc:
            for page in doc.pages:
                x0, y0, x1, y1 = (float(v) for v in page.mediabox)
                assert (round(x1 - x0), round(y1 - y0)) == (595, 842), f"{stem}: not A4"
        assert _fonts_embedded(pdf) == [], stem
        word = WordDocument(str(pdf.with_suffix(".docx")))
        assert word.core_properties.author == filing.case.creditor.name
        assert word.core_properties.created.date() == filing.filing_date
        pages = _page_texts(pdf)
        if stem == "授权委托书" and len(filing.case.agents) == 2:
            # two agents' powers may take a second page; the signature stays with the last powers
            assert len(pages) <= 2 and "代为" in pages[-1] and "委托单位" in pages[-1], stem
            continue
        if not stem.startswith(("催收通知书", "履行保证责任通知书")):
            assert len(pages) == 1, f"{stem}: {len(pages)} pages"
            continue
        # the receipt: its title, text and signature lines on the page of the cut line, after it
        where = [i for i, t in enumerate(pages) if "回执" in t and "沿此线剪下" in t]
        assert len(where) == 1, stem
        page = pages[where[0]]
        assert page.index("沿此线剪下") < page.index("回执") < page.index("签收日期")
        assert "特此通知" in "".join(pages[: where[0] + 1])
        # the page as an image: the cut line and the receipt's frame are long dark rows below the text
        subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", str(where[0] + 1), "-l", str(where[0] + 1),
                        str(pdf), str(tmp_path / "page")], check=True)
        png = next(tmp_path.glob("page*.png"))
        rules = _rules(png)
        assert len(rules) >= 3, f"{stem}: cut line and receipt frame not found ({rules})"
        (cut, cut_ink), (top, frame_ink), (bottom, _) = rules[-3], rules[-2], rules[-1]
        assert cut < top < bottom < Image.open(png).size[1] * 0.9, f"{stem}: {rules}"
        assert cut_ink < 0.85 * frame_ink, f"{stem}: the cut line is not dashed"
        png.unlink()


# --- hostile data -------------------------------------------------------------------------------

HOSTILE = "{{ 7*7 }}{% for x in range(3) %}x{% endfor %}<w:t>&amp;</w:t>"


def test_hostile_names_are_printed_as_written(demo_variant, tmp_path):
    long_name = "超长名称有限责任公司" * 30

    def hostile(data):
        data["parties"]["P1"]["name"] = "陈立" + HOSTILE
        data["parties"]["C1"]["name"] = long_name
        data["parties"]["C1"]["address"] = "上海市/浦东新区\\张杨路500号<12层>"
        data["agents"][0]["name"] = "{%p if true %}王晓"
        data["creditor"]["name"] = "示例银行股份有限公司{{ creditor }}支行"

    filing = _filing(demo_variant(hostile))
    pdfs = _render(filing, tmp_path / "out")
    demand = _docx_text(tmp_path / "out" / f"催收通知书-{papers.file_suffix('陈立' + HOSTILE)}.docx")
    assert "陈立" + HOSTILE in demand  # printed, never evaluated
    assert "示例银行股份有限公司{{ creditor }}支行" in demand
    guarantee = _docx_text(tmp_path / "out" / f"履行保证责任通知书-{papers.file_suffix(long_name)}.docx")
    assert long_name in guarantee and "上海市/浦东新区\\张杨路500号<12层>" in guarantee
    poa = _docx_text(tmp_path / "out" / "授权委托书.docx")
    assert "{%p if true %}王晓" in poa
    for stem, pdf in pdfs.items():
        assert "/" not in stem and "\\" not in stem and len(stem) < 80
        assert _fonts_embedded(pdf) == [], stem
    text = "".join(_page_texts(pdfs[f"履行保证责任通知书-{papers.file_suffix(long_name)}"]))
    assert long_name in text


def test_control_characters_never_reach_a_document(demo_variant):
    path = demo_variant(lambda d: d["parties"]["P1"].update(name="陈\u202e立\x07"))
    with pytest.raises(CaseValidationError) as caught:
        load_case(path, check_files=False)
    assert any(field == "parties.P1.name" for field, _ in caught.value.problems)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert raw["parties"]["P1"]["name"] == "陈\u202e立\x07"  # the file really held them
