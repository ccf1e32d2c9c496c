"""Every document of a packet is built from one resolved filing: the found kinds of issue reports
(a released guarantor still named as 被告, an annex contradicting the complaint, a fact told that
happens after filing, a fixed 附 list, a court fee counted twice) each as a test of its kind."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest

from legaldocs.case.model import ClaimedCost
from legaldocs.chinese import format_amount
from legaldocs.documents.consistency import check_documents, docx_paragraphs
from legaldocs.filings.complaint import claims, complaint_context, facts
from legaldocs.filings.filing import build_filing
from tests_support import COMPANY, make_case

D = dt.date


def _texts(folder) -> dict[str, str]:
    return {p.name: "\n".join(docx_paragraphs(p)) for p in folder.glob("*.docx")}


def _short_guarantee(data: dict) -> None:
    """The demo's guarantee period ends a month after maturity (2025-04-19), before the demand of
    2025-05-12 reached the guarantor: the guarantor is released (民法典 art 693)."""
    data["guarantees"][0]["period"] = "主债务履行期限届满之日起一个月"


def test_released_guarantor_is_in_no_document_and_goes_to_review(demo_variant, tmp_path):
    from evidence.packet import build_packet

    result = build_packet(demo_variant(_short_guarantee), tmp_path / "out")
    assert result.released == ("G1",)
    texts = _texts(result.folder)
    assert texts, "no documents"
    for name, text in texts.items():
        assert not re.search(r"被告[一二三四五六七八九十]*上海恒远", text), name
    complaint = texts["民事起诉状.docx"]
    assert "上海恒远贸易有限公司" not in complaint  # nor its guarantee, nor the demand to it
    assert "被告陈立" not in complaint and "被告（借款人、抵押人）：陈立" in complaint  # one defendant: 被告
    assert "各被告" not in complaint
    titles = [e["title"] for e in result.exhibits]  # the bundle's bookmarks
    assert not any("被告上海恒远" in t for t in titles) and not any("企业信用信息公示报告" in t for t in titles), titles
    index = texts["证据目录.docx"]
    assert "上海恒远贸易有限公司提供连带责任保证" in index  # the exhibit kept, the role word gone
    review = json.loads((result.folder / "审查意见.json").read_text(encoding="utf-8"))
    assert any(r["topic"] == "当事人" and "上海恒远贸易有限公司" in r["text"] for r in review)
    manifest = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
    assert [d["name"] for d in manifest["filing"]["defendants"]] == ["陈立"]


def test_bank_figures_are_the_only_figures_of_the_packet(demo_variant, tmp_path):
    """With claim.amounts: bank the engine's recomputation is a review item, never an annex."""
    from evidence.packet import build_packet

    def bank(data):
        data["claim"].update(amounts="bank", interest="3000.00")

    result = build_packet(demo_variant(bank), tmp_path / "out")
    assert not any(name.startswith("欠款明细表") for name in result.files)
    review = json.loads((result.folder / "审查意见.json").read_text(encoding="utf-8"))
    engine = [r for r in review if r["topic"] == "金额"]
    assert engine and "3,564.59" in engine[0]["text"] and "3,000.00" in engine[0]["text"]
    for name, text in _texts(result.folder).items():
        assert "3,564.59" not in text, name  # the engine's interest appears in no document
    complaint = _texts(result.folder)["民事起诉状.docx"]
    assert "利息3,000.00元" in complaint and "欠款明细表" not in complaint


def test_attachment_list_is_what_the_packet_holds(demo_variant, tmp_path):
    from evidence.packet import build_packet

    result = build_packet(demo_variant(lambda d: None), tmp_path / "out")
    paragraphs = docx_paragraphs(result.folder / "民事起诉状.docx")
    start = paragraphs.index("附：")
    listed = [re.sub(r"^\d+．", "", p) for p in paragraphs[start + 1:] if p.strip()]
    assert listed[0] == "本起诉状副本2份"
    for item in listed[1:]:
        title = item.split("（")[0]
        if title == "证据目录及证据材料一套":
            assert "证据材料.pdf" in result.files
        else:
            assert f"{title}.pdf" in result.files, item
    from legaldocs.filings.stages import REGISTRY

    filed_apart = {d.title for d in REGISTRY.values() if not d.attached}  # e.g. the 财产保全申请书 filed with it
    produced = {d for d in result.documents} - {"民事起诉状", "诉讼费用计算表"} - filed_apart
    assert produced <= {item.split("（")[0] for item in listed[1:]}


def test_event_after_the_filing_date_is_in_no_document():
    demand = {"date": D(2025, 7, 9), "kind": "催收通知书送达", "parties": ["P1"]}
    case = make_case(signed=D(2023, 3, 18), maturity=D(2025, 3, 19), events=[demand], as_of=D(2025, 6, 30))
    filing = build_filing(case, filing_date=D(2025, 6, 30))
    assert not filing.case.events
    text = "".join(facts(filing, {}))
    assert "2025年7月9日" not in text
    assert any(r.topic == "事实" and "2025年7月9日" in r.text for r in filing.review)
    assert all(link.date <= D(2025, 6, 30) for c in filing.clocks for link in c.chain)


def test_court_fee_among_the_costs_is_claimed_once():
    case = make_case(signed=D(2023, 3, 18), maturity=D(2025, 3, 19), as_of=D(2025, 6, 30))
    claim = case.claim.model_copy(update={"costs": [
        ClaimedCost(name="律师费", amount=Decimal("10000"), clause="第十条"),
        ClaimedCost(name="财产保全费", amount=Decimal("5000")),
    ]})
    filing = build_filing(case.model_copy(update={"claim": claim}))
    assert filing.totals.costs == Decimal("10000")
    assert filing.totals.total == Decimal("110000")
    items = claims(filing)
    assert "财产保全费" in items[-1] and "诉讼费用" in items[-1]
    assert not any("财产保全费" in c for c in items[:-1])
    assert any(r.topic == "费用" and "财产保全费" in r.text for r in filing.review)


def test_wording_follows_the_number_of_defendants():
    alone = build_filing(make_case(guarantees=[]))
    assert "原告与被告签订" in facts(alone, {})[-1] and "各被告" not in "".join(claims(alone))
    two = build_filing(make_case(borrower=COMPANY))
    assert "原告与各被告签订" in facts(two, {})[-1]
    context = complaint_context(two, evidence_no={})
    assert context["attachments"][0] == "本起诉状副本2份"


def test_consistency_check_names_document_and_values():
    facts_ = {"court": "示例人民法院", "filing_date": "2025-06-30", "stage": "suit",
              "defendants": [{"id": "P1", "name": "甲", "label": "被告一", "roles": ["借款人"]},
                             {"id": "P3", "name": "丙", "label": "被告二", "roles": ["抵押人"]}],
              "left_out": [{"party": "P2", "name": "乙", "what": "保证合同G-1", "reason": "", "source": ""}],
              "amounts": {"principal": "100000.00", "total": "106000.00"},
              "rejected_amounts": {"利息": "6543.21"}}
    good = ["民事起诉状", "被告一（借款人）：甲", "被告二（抵押人）：丙", "本金100,000.00元，合计106,000.00元", "此致",
            "示例人民法院", "2025年6月30日"]
    assert check_documents({"a.docx": ("complaint", good)}, facts_) == []
    bad = ["被告二甲", "被告三（保证人）：乙", "丙", "本金100,000.00元，利息6,543.21元", "此致", "别的人民法院"]
    problems = check_documents({"b.docx": ("complaint", bad)}, facts_)
    text = "；".join(problems)
    assert "b.docx" in text
    for expected in ("别的人民法院", "被告二", "乙未被起诉", "6,543.21", "106,000.00", "2025年6月30日"):
        assert expected in text, (expected, problems)


@pytest.mark.parametrize("amounts", ["engine", "bank"])
def test_rejected_figures_never_include_what_documents_state_for_other_reasons(amounts):
    case = make_case(signed=D(2023, 3, 18), maturity=D(2024, 3, 18), as_of=D(2025, 6, 30))
    case = case.model_copy(update={"claim": case.claim.model_copy(update={"amounts": amounts, "interest": Decimal("1")})})
    filing = build_filing(case)
    rejected = set(filing.rejected_amounts().values())
    assert str(case.loans[0].principal) not in rejected
    assert format_amount(filing.totals.principal) not in {format_amount(Decimal(v)) for v in rejected}


def test_check_command_finds_a_document_changed_after_building(demo_variant, tmp_path):
    """`legaldocs check DIR` reads the packet back: a court name edited in one document is named."""
    import shutil
    import subprocess
    import sys
    import zipfile

    from evidence.packet import build_packet

    result = build_packet(demo_variant(lambda d: None), tmp_path / "out")
    cli = [sys.executable, "-m", "evidence.cli"]
    ok = subprocess.run([*cli, "check", str(result.folder)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    copy = tmp_path / "copy"
    shutil.copytree(result.folder, copy)
    docx = copy / "民事起诉状.docx"
    with zipfile.ZipFile(docx) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["word/document.xml"] = parts["word/document.xml"].replace("上海市浦东新区人民法院".encode(), "上海市黄浦区人民法院".encode())
    with zipfile.ZipFile(docx, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    bad = subprocess.run([*cli, "check", str(copy)], capture_output=True, text=True)
    assert bad.returncode == 1
    assert "民事起诉状.docx" in bad.stderr and "上海市黄浦区人民法院" in bad.stderr


def test_statement_notes_are_chinese_whatever_the_reader_language():
    """The engine's notes go into the 欠款明细表, a Chinese court document: never English, even for
    a clerk who reads the command line in English."""
    from legaldocs.i18n import in_language

    case = make_case(signed=D(2023, 3, 18), maturity=D(2026, 3, 18), as_of=D(2025, 6, 30))
    with in_language("en"):
        filing = build_filing(case)
    assert filing.statement.flags, "the case should raise a note (principal not yet due)"
    for flag in filing.statement.flags:
        assert re.search(r"[\u4e00-\u9fff]", flag) and "not yet due" not in flag, flag


ENFORCEMENT = __import__("pathlib").Path(__file__).resolve().parents[2] / "examples" / "enforcement" / "case.yaml"


def _edit_docx(path, old: str, new: str) -> None:
    import zipfile

    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["word/document.xml"] = parts["word/document.xml"].replace(old.encode(), new.encode())
    with zipfile.ZipFile(path, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)


def test_check_reads_every_stage_and_every_file(tmp_path):
    """An enforcement packet: a respondent renamed in the application, a PDF replaced and a
    document deleted after building are each named by `legaldocs check`."""
    import shutil
    import subprocess
    import sys

    from evidence.packet import build_packet

    result = build_packet(ENFORCEMENT, tmp_path / "out", stage="enforcement")
    assert result.folder.name.endswith("-enforcement")
    cli = [sys.executable, "-m", "evidence.cli", "check"]
    assert subprocess.run([*cli, str(result.folder)], capture_output=True, text=True).returncode == 0
    copy = tmp_path / "copy"
    shutil.copytree(result.folder, copy)
    application = next(copy.glob("*申请书.docx"), None) or next(copy.glob("申请执行书.docx"))
    respondent = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))["filing"]["requires"][application.name][0]
    _edit_docx(application, respondent, "某某某")
    pdf = next(copy.glob("*.pdf"))
    pdf.write_bytes(b"not a pdf")
    (copy / "授权委托书.docx").unlink()
    bad = subprocess.run([*cli, str(copy)], capture_output=True, text=True)
    assert bad.returncode == 1
    for expected in (application.name, respondent, pdf.name, "授权委托书.docx"):
        assert expected in bad.stderr, (expected, bad.stderr)


def test_stages_keep_their_own_folders_and_enforcement_waits_for_the_judgment(tmp_path):
    from evidence.packet import build_packet
    from legaldocs.errors import CaseValidationError

    with pytest.raises(CaseValidationError) as info:
        build_packet(ENFORCEMENT, tmp_path / "out", stage="enforcement", filing_date=D(2024, 4, 18))
    assert "--filing-date" in dict(info.value.problems)
    assert not (tmp_path / "out").exists()


def test_draft_refuses_an_output_path_that_is_a_file(tmp_path):
    import subprocess
    import sys

    target = tmp_path / "afile"
    target.write_text("x")
    run = subprocess.run([sys.executable, "-m", "evidence.cli", "draft", str(ENFORCEMENT), "--doc", "complaint",
                          "--out", str(target)], capture_output=True, text=True)
    assert run.returncode == 1 and "Traceback" not in run.stderr and str(target) in run.stderr
    missing = subprocess.run([sys.executable, "-m", "evidence.cli", "draft", str(ENFORCEMENT), "--doc", "preservation",
                              "--out", str(tmp_path / "o")], capture_output=True, text=True)
    assert missing.returncode == 2 and "preservation" in missing.stderr
