"""Writes the templates of the write-off dossier (呆账核销申报材料) in templates/:

- writeoff_application.docx  呆账核销申报审批表: borrower, contracts and security, balances by
                             component, classification and allowance, the criterion and its facts,
                             the amount proposed, the approval chain to sign
- writeoff_report.docx       呆账核销调查报告: cause, remedies, pursuit of the borrower and each
                             guarantor, collateral, litigation and enforcement, asset searches,
                             why now, residue, tax pack, staff, responsibility
- writeoff_pursuits.docx     追索记录 (landscape): every record, then counts and spans per obligor
- writeoff_index.docx        核销证据目录: the proofs bound into 核销证据材料.pdf, with their pages

Every template opens with the draft block: when the dossier is a draft, its first page says
草稿 and lists why (what is missing, which unverified value awaits confirmation).

A4 with the margins and 宋体/黑体 of scripts/make_templates.py and the heading styles of
scripts/make_paper_forms.py; table header rows repeat on each page and rows are never split.
Run with the other templates:  .venv/bin/python scripts/make_templates.py  (or this file alone).
The variables are declared in templates/catalogue.toml.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_templates import HEI, OUT, SONG, _cell, _fix_widths, _fonts, _para  # noqa: E402
from make_paper_forms import _heading, _on, _paper, _rows_stay_whole  # noqa: E402

BODY = 12
SMALL = 10.5
CELL = 10  # table text: a date (2025年9月30日) or an amount (3,000,000.00) on one line in its column
CENTRE, RIGHT, LEFT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.LEFT
PORTRAIT_WIDTH = 15.6  # 21.0 − 2.8 − 2.6 cm
LANDSCAPE_WIDTH = 25.7  # 29.7 − 2.0 − 2.0 cm


def _tag(doc, text: str) -> None:
    """A paragraph holding only a docxtpl tag ({%p ... %}), removed when rendered."""
    doc.add_paragraph(text)


def _border(paragraph) -> None:
    """A single rule around ``paragraph`` (the draft warning)."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = _on(ppr, "w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        _on(borders, f"w:{side}", **{"w:val": "single", "w:sz": "12", "w:space": "4", "w:color": "000000"})


def _draft_block(doc) -> None:
    """草稿 and why, first on the first page, only when the dossier is a draft."""
    _tag(doc, "{%p if draft %}")
    p = _para(doc, "草　稿（不得作为正式核销材料）", font=HEI, size=16, align=CENTRE)
    _border(p)
    p.paragraph_format.space_after = Pt(4)
    p.paragraph_format.keep_with_next = True
    p = _para(doc, "本材料尚不完整，原因如下，补正后重新生成方为正式材料：", size=SMALL)
    p.paragraph_format.keep_with_next = True
    _tag(doc, "{%p for r in draft_reasons %}")
    q = _para(doc, "{{ loop.index }}．{{ r }}", size=SMALL)
    q.paragraph_format.left_indent = Pt(SMALL * 2)
    _tag(doc, "{%p endfor %}")
    s = _para(doc, "", size=SMALL)
    s.paragraph_format.space_after = Pt(6)
    _tag(doc, "{%p endif %}")


def _header_repeats(table) -> None:
    trpr = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    trpr.append(header)


def _small_cell(cell, text: str, *, bold: bool = False, align=None, size: float = SMALL) -> None:
    cell.text = ""
    p = cell.paragraphs[0]
    p.paragraph_format.line_spacing = Pt(size * 1.4)
    p.alignment = align if align is not None else LEFT  # the body's justification spreads short cell lines
    _fonts(p.add_run(text), HEI if bold else SONG, size)


def _rows_table(doc, headers: list[str], widths: list[float], loop: str, cells: list[str],
                aligns: list | None = None, size: float = CELL):
    """A table with a header row and one row per item of ``loop`` ("x in xs")."""
    table = doc.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, h in enumerate(headers):
        _small_cell(table.rows[0].cells[i], h, bold=True, align=CENTRE, size=size)
    _small_cell(table.rows[1].cells[0], f"{{%tr for {loop} %}}")
    aligns = aligns or [None] * len(cells)
    for i, c in enumerate(cells):
        _small_cell(table.rows[2].cells[i], c, align=aligns[i], size=size)
    _small_cell(table.rows[3].cells[0], "{%tr endfor %}")
    _fix_widths(table, widths)
    _header_repeats(table)
    _rows_stay_whole(table)
    return table


def _pairs_table(doc, rows: list[tuple[str, str]], widths: tuple[float, float] = (4.0, PORTRAIT_WIDTH - 4.0)):
    """A two-column table of labels and values."""
    table = doc.add_table(rows=len(rows), cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row, (label, value) in zip(table.rows, rows):
        _small_cell(row.cells[0], label, bold=True, align=CENTRE, size=CELL)
        _small_cell(row.cells[1], value, size=CELL)
    _fix_widths(table, list(widths))
    _rows_stay_whole(table)
    return table


def _gap(doc, points: float = 4) -> None:
    p = _para(doc, "", size=4)
    p.paragraph_format.line_spacing = Pt(points)


def _section(doc, text: str):
    return _heading(doc, text)


def _title(doc, text: str) -> None:
    p = doc.add_paragraph(style="Heading 1")
    run = p.add_run(text)
    _fonts(run, HEI, 22, bold=True)
    p.paragraph_format.space_after = Pt(10)


def _landscape(doc) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    section.left_margin, section.right_margin = Cm(2.0), Cm(2.0)


def _save(doc, name: str) -> None:
    doc.core_properties.title = ""
    doc.save(OUT / name)


def application() -> None:
    doc = _paper(BODY, lines=1.5)
    _draft_block(doc)
    _title(doc, "呆账核销申报审批表")
    p = _para(doc, "申报单位：{{ bank }}　　　　申报日期：{{ date_cn }}", size=SMALL, align=CENTRE)
    p.paragraph_format.space_after = Pt(6)
    _section(doc, "一、借款人基本情况")
    _pairs_table(doc, [
        ("借款人", "{{ borrower.name }}"),
        ("{{ borrower.id_label }}", "{{ borrower.id_number }}"),
        ("客户类型", "{{ borrower.kind }}"),
        ("住所", "{{ borrower.address }}"),
        ("法定代表人（负责人）", "{{ borrower.representative }}"),
        ("经营状况", "{{ borrower.status }}"),
    ])
    _section(doc, "二、借款合同及担保")
    _rows_table(doc, ["借款合同编号（借据编号）", "发放日", "到期日", "金额（元）", "年利率"],
                [4.8, 3.1, 3.1, 2.6, 2.0], "l in loans",
                ["{{ l.number }}{% if l.receipt %}（{{ l.receipt }}）{% endif %}", "{{ l.drawn }}", "{{ l.maturity }}",
                 "{{ l.amount }}", "{{ l.rate }}"],
                [None, CENTRE, CENTRE, RIGHT, CENTRE])
    _gap(doc)
    _rows_table(doc, ["担保方式", "合同编号", "担保人", "担保内容"], [2.6, 4.4, 2.8, 5.8], "s in securities",
                ["{{ s.kind }}", "{{ s.number }}", "{{ s.provider }}", "{{ s.terms }}"], [CENTRE, None, None, None])
    _section(doc, "三、核销时债权余额（截至{{ date_cn }}）")
    _rows_table(doc, ["项目", "金额（元）", "说明"], [3.0, 3.4, 9.2], "b in balances",
                ["{{ b.name }}", "{{ b.amount }}", "{{ b.note }}"], [CENTRE, RIGHT, None])
    _para(doc, "合计（大写）：{{ balance_total_capitals }}", size=SMALL, space_before=3)
    _para(doc, "逾期情况：{{ overdue }}", size=SMALL)
    _section(doc, "四、风险分类及减值准备")
    _rows_table(doc, ["分类日期", "风险分类", "分类依据"], [3.4, 2.0, 10.2], "c in classifications",
                ["{{ c.date }}", "{{ c.category }}", "{{ c.basis }}"], [CENTRE, CENTRE, None])
    _gap(doc)
    _rows_table(doc, ["计提日期", "减值准备（元）", "阶段", "账面余额（元）", "已发生信用减值"], [3.4, 3.2, 2.0, 3.2, 3.8],
                "p in provisions",
                ["{{ p.date }}", "{{ p.allowance }}", "{{ p.stage }}", "{{ p.carrying }}", "{{ p.impaired }}"],
                [CENTRE, RIGHT, CENTRE, RIGHT, CENTRE])
    _section(doc, "五、核销认定条件及事实")
    _para(doc, "认定条件：{{ criterion }}", size=SMALL)
    _para(doc, "依据：{{ criterion_source }}", size=SMALL)
    _gap(doc)
    _rows_table(doc, ["序号", "应具备的条件", "情况", "证明材料或缺失事项"], [1.2, 6.6, 1.6, 6.2], "f in facts",
                ["{{ f.number }}", "{{ f.text }}", "{{ f.status }}", "{{ f.proof }}"], [CENTRE, None, CENTRE, None])
    _section(doc, "六、已受偿金额及申请核销金额")
    _rows_table(doc, ["受偿日期", "来源", "付款人", "金额（元）"], [3.4, 4.0, 4.8, 3.4], "r in recoveries",
                ["{{ r.date }}", "{{ r.source }}", "{{ r.party }}", "{{ r.amount }}"], [CENTRE, None, None, RIGHT])
    _para(doc, "以上受偿合计：{{ recoveries_total }}元。", size=SMALL, space_before=3)
    _rows_table(doc, ["项目", "申请核销金额（元）"], [7.8, 7.8], "r in residue", ["{{ r.name }}", "{{ r.amount }}"],
                [CENTRE, RIGHT])
    _para(doc, "申请核销金额合计：{{ residue_total }}元（{{ residue_capitals }}）。{{ residue_note }}", size=SMALL,
          space_before=3)
    _section(doc, "七、审查审批")
    table = _rows_table(doc, ["环节", "意见", "签字", "日期"], [3.8, 6.4, 2.8, 2.6], "a in approvals",
                        ["{{ a }}", "", "", ""], [CENTRE, None, None, None])
    for row in table.rows[2:3]:
        row.height = Cm(1.6)
    _para(doc, "注：本表一式三份；核销后继续追索（账销案存），债权及担保权利不因核销而消灭。", size=9, space_before=4)
    _save(doc, "writeoff_application.docx")


def report() -> None:
    doc = _paper(BODY, lines=1.6)
    _draft_block(doc)
    _title(doc, "呆账核销调查报告")
    p = _para(doc, "{{ bank }}　　{{ date_cn }}", size=SMALL, align=CENTRE)
    p.paragraph_format.space_after = Pt(6)
    _section(doc, "一、基本情况")
    _tag(doc, "{%p for b in basics %}")
    _para(doc, "{{ b }}", indent=True, size=BODY)
    _tag(doc, "{%p endfor %}")
    _section(doc, "二、损失形成原因")
    _para(doc, "{{ cause }}", indent=True, size=BODY)
    _section(doc, "三、采取的补救措施及结果")
    _para(doc, "{{ remedies }}", indent=True, size=BODY)
    _section(doc, "四、对借款人及各保证人、抵押人的追索情况")
    _tag(doc, "{%p for o in obligors %}")
    h = _para(doc, "{{ o.heading }}", font=HEI, size=BODY, space_before=4)
    h.paragraph_format.keep_with_next = True
    _para(doc, "{{ o.summary }}", indent=True, size=BODY)
    _rows_table(doc, ["日期", "方式", "内容", "结果", "证明"], [3.4, 1.9, 4.6, 3.9, 1.8], "p in o.pursuits",
                ["{{ p.date }}", "{{ p.channel }}", "{{ p.content }}", "{{ p.outcome }}", "{{ p.proof }}"],
                [CENTRE, CENTRE, None, None, CENTRE])
    _tag(doc, "{%p if o.note %}")
    _para(doc, "{{ o.note }}", indent=True, size=SMALL)
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p endfor %}")
    _section(doc, "五、抵押物、质物处置情况")
    _tag(doc, "{%p for c in collateral %}")
    _para(doc, "{{ c }}", indent=True, size=BODY)
    _tag(doc, "{%p endfor %}")
    _section(doc, "六、诉讼、执行及破产情况")
    _tag(doc, "{%p for g in litigation %}")
    h = _para(doc, "{{ g.heading }}", font=HEI, size=BODY, space_before=2)
    h.paragraph_format.keep_with_next = True
    _tag(doc, "{%p for line in g.lines %}")
    _para(doc, "{{ line }}", indent=True, size=BODY)
    _tag(doc, "{%p endfor %}")
    _tag(doc, "{%p endfor %}")
    _section(doc, "七、财产调查情况")
    _rows_table(doc, ["日期", "被调查人", "查询途径", "结果", "证明"], [3.4, 2.8, 2.8, 4.8, 1.8], "s in searches",
                ["{{ s.date }}", "{{ s.party }}", "{{ s.by }}", "{{ s.result }}", "{{ s.proof }}"],
                [CENTRE, None, None, None, CENTRE])
    _section(doc, "八、无法收回的原因及核销理由")
    _para(doc, "{{ why_now }}", indent=True, size=BODY)
    _para(doc, "{{ criterion_summary }}", indent=True, size=BODY)
    _section(doc, "九、受偿情况及剩余债权")
    _rows_table(doc, ["受偿日期", "来源", "付款人", "金额（元）"], [3.4, 4.0, 4.8, 3.4], "r in recoveries",
                ["{{ r.date }}", "{{ r.source }}", "{{ r.party }}", "{{ r.amount }}"], [CENTRE, None, None, RIGHT])
    _gap(doc)
    _rows_table(doc, ["项目", "剩余债权（元）"], [7.8, 7.8], "r in residue", ["{{ r.name }}", "{{ r.amount }}"], [CENTRE, RIGHT])
    _para(doc, "剩余债权合计{{ residue_total }}元（{{ residue_capitals }}），即本次申请核销金额。", indent=True, size=BODY,
          space_before=3)
    _section(doc, "十、所得税税前扣除")
    _para(doc, "{{ tax.tier }}", indent=True, size=BODY)
    _tag(doc, "{%p for t in tax.lines %}")
    _para(doc, "{{ t }}", indent=True, size=BODY)
    _tag(doc, "{%p endfor %}")
    _section(doc, "十一、相关人员")
    _rows_table(doc, ["职责", "姓名", "说明"], [5.8, 2.6, 7.2], "s in staff", ["{{ s.role }}", "{{ s.name }}", "{{ s.note }}"],
                [None, CENTRE, None])
    _section(doc, "十二、责任认定及处理")
    _para(doc, "{{ responsibility }}", indent=True, size=BODY)
    _tag(doc, "{%p for n in responsibility_notes %}")
    _para(doc, "{{ n }}", indent=True, size=BODY)
    _tag(doc, "{%p endfor %}")
    closing = [_para(doc, "调查人（签字）：　　　　　　　　负责人（签字）：", size=BODY, align=RIGHT, space_before=18),
               _para(doc, "{{ bank }}（盖章）", size=BODY, align=RIGHT, space_before=6),
               _para(doc, "{{ date_cn }}", size=BODY, align=RIGHT)]
    for p in closing[:-1]:
        p.paragraph_format.keep_with_next = True
    _save(doc, "writeoff_report.docx")


def pursuits() -> None:
    doc = _paper(SMALL, lines=1.5)
    _landscape(doc)
    _draft_block(doc)
    _title(doc, "追索记录")
    p = _para(doc, "债权人：{{ bank }}　　借款人：{{ borrower_name }}　　截至：{{ date_cn }}", size=SMALL, align=CENTRE)
    p.paragraph_format.space_after = Pt(6)
    _rows_table(doc, ["序号", "日期", "追索对象", "方式", "追索内容", "结果", "经办人", "负责人", "共同签章", "证明"],
                [1.2, 3.4, 3.8, 1.9, 5.0, 4.1, 1.5, 1.5, 1.8, 1.5], "r in records",
                ["{{ r.number }}", "{{ r.date }}", "{{ r.party }}", "{{ r.channel }}", "{{ r.content }}", "{{ r.outcome }}",
                 "{{ r.handler }}", "{{ r.responsible }}", "{{ r.cosigned }}", "{{ r.proof }}"],
                [CENTRE, CENTRE, None, CENTRE, None, None, CENTRE, CENTRE, CENTRE, CENTRE])
    h = _para(doc, "追索次数及期间", font=HEI, size=BODY, space_before=10)
    h.paragraph_format.keep_with_next = True
    _rows_table(doc, ["追索对象", "身份", "首次追索", "最近追索", "次数", "历时（天）", "追索方式", "结论"],
                [4.0, 1.6, 3.4, 3.4, 1.2, 1.6, 4.0, 6.5], "s in spans",
                ["{{ s.party }}", "{{ s.role }}", "{{ s.first }}", "{{ s.last }}", "{{ s.count }}", "{{ s.days }}",
                 "{{ s.channels }}", "{{ s.conclusion }}"],
                [None, CENTRE, CENTRE, CENTRE, CENTRE, CENTRE, None, None])
    _para(doc, "共{{ total_count }}条记录。历时天数自首次追索日起算至最近追索日（含首尾两日）。", size=SMALL, space_before=4)
    closing = [_para(doc, "经办人（签字）：　　　　　　　　负责人（签字）：", size=SMALL, align=RIGHT, space_before=14),
               _para(doc, "{{ bank }}　{{ date_cn }}", size=SMALL, align=RIGHT)]
    closing[0].paragraph_format.keep_with_next = True
    _save(doc, "writeoff_pursuits.docx")


def index() -> None:
    doc = _paper(BODY, lines=1.5)
    # no page number in the footer: 核销证据材料.pdf stamps a continuous number on every page
    for para in doc.sections[0].footer.paragraphs:
        for child in list(para._p):
            if child.tag != qn("w:pPr"):
                para._p.remove(child)
    _draft_block(doc)
    _title(doc, "核销证据目录")
    _para(doc, "申报单位：{{ bank }}", size=BODY)
    _para(doc, "借款人：{{ borrower_name }}", size=BODY)
    _para(doc, "核销认定条件：{{ criterion }}", size=BODY)
    p = _para(doc, "日期：{{ date_cn }}", size=BODY)
    p.paragraph_format.space_after = Pt(6)
    _rows_table(doc, ["序号", "证据名称", "证明事项", "原件/复印件", "页码"], [1.2, 5.2, 5.4, 2.0, 1.8], "e in exhibits",
                ["{{ e.number }}", "{{ e.title }}", "{{ e.purpose }}", "{{ e.original }}", "{{ e.pages }}"],
                [CENTRE, None, None, CENTRE, CENTRE])
    _para(doc, "以上证据共{{ exhibit_count }}项，连续编页，共{{ total_pages }}页（含本目录{{ index_pages }}页）。", size=BODY,
          space_before=6)
    _save(doc, "writeoff_index.docx")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    application()
    report()
    pursuits()
    index()


if __name__ == "__main__":
    main()
    print(f"write-off dossier templates written to {OUT}")
