"""Writes the templates of the notices and the authority papers in templates/:

- demand_notice.docx        催收通知书, with a tear-off 回执 below a cut line
- guarantee_notice.docx     履行保证责任通知书, with its 回执
- power_of_attorney.docx    授权委托书 (general and special powers as separate lists)
- representative_certificate.docx   法定代表人 / 负责人身份证明书
- service_address.docx      送达地址确认书 (the court's table layout)

A4 with the GB/T 9704-style margins and 宋体/黑体 of scripts/make_templates.py; titles and
section headings in Word's Heading 1 and Heading 2 styles (East Asian font set, black), body
justified (两端对齐) with widow control, table rows never split across pages, the 回执 kept in one
piece with its cut line. Run with the other templates:  .venv/bin/python scripts/make_templates.py
(or this file alone). The variables are declared in templates/catalogue.toml.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_templates import HEI, OUT, SONG, _cell, _document, _east_asia, _fix_widths, _fonts, _para  # noqa: E402

BODY = 12  # 小四 body text at about 1.75 lines: a notice and its receipt fit on two pages
SMALL = 10.5  # 五号 for identity lines, the amounts table, the receipt's note and the service form
CENTRE, RIGHT, LEFT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.LEFT


# --- styles -------------------------------------------------------------------------------------


def _on(parent, tag: str, **attrs) -> OxmlElement:
    """The child ``tag`` of ``parent`` (created if absent) with ``attrs`` set."""
    el = parent.find(qn(tag))
    if el is None:
        el = OxmlElement(tag)
        parent.append(el)
    for k, v in attrs.items():
        el.set(qn(k), v)
    return el


def _plain_fonts(rpr, east_asia: str) -> None:
    """Fonts named outright (Times New Roman; ``east_asia`` for Chinese), no theme fonts, black."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is not None:
        rpr.remove(fonts)
    fonts = OxmlElement("w:rFonts")
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), "Times New Roman")
    fonts.set(qn("w:eastAsia"), east_asia)
    rpr.insert(0, fonts)
    for color in rpr.findall(qn("w:color")):
        rpr.remove(color)
    _on(rpr, "w:color", **{"w:val": "000000"})


def _paper(body_pt: float = BODY, lines: float = 1.75):
    """A document with the house page and fonts, body lines ``lines`` x the body size apart;
    Normal justified with widow control; Heading 1 (title: 黑体 22 pt, centred) and Heading 2
    (section: 黑体 14 pt) as real heading styles."""
    doc = _document(body_pt=body_pt)
    normal = doc.styles["Normal"]
    normal.paragraph_format.line_spacing = Pt(body_pt * lines)
    normal.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    normal.paragraph_format.widow_control = True
    for name, size, align, before, after in (("Heading 1", 22, CENTRE, 0, 18), ("Heading 2", BODY, LEFT, 8, 2)):
        style = doc.styles[name]
        rpr = style.element.get_or_add_rPr()
        _plain_fonts(rpr, HEI)
        style.font.size = Pt(size)
        style.font.bold = name == "Heading 1"
        pf = style.paragraph_format
        pf.alignment = align
        pf.space_before, pf.space_after = Pt(before), Pt(after)
        pf.line_spacing = Pt(size * 1.75)
        pf.keep_with_next = True
        pf.widow_control = True
    props = doc.core_properties
    props.author, props.last_modified_by, props.comments, props.keywords = "", "", "", ""
    return doc


def _heading(doc, text: str, level: int = 2):
    p = doc.add_paragraph(style=f"Heading {level}")
    run = p.add_run(text)
    _east_asia(run._element.get_or_add_rPr(), HEI)
    return p


def _keep(*paragraphs) -> None:
    for p in paragraphs:
        p.paragraph_format.keep_with_next = True


def _rows_stay_whole(table) -> None:
    """No row of ``table`` is split across pages (cantSplit)."""
    for row in table.rows:
        _on(row._tr.get_or_add_trPr(), "w:cantSplit")


def _text(doc, text: str = "", *, size: float = BODY, **kw):
    """A body paragraph (its size given, so that the two-character indent is right)."""
    return _para(doc, text, size=size, **kw)


def _loop(doc, var: str, seq: str, body: str, *, indent: bool = True, size: float = BODY, align=None):
    doc.add_paragraph(f"{{%p for {var} in {seq} %}}")
    p = _text(doc, body, indent=indent, size=size, align=align)
    doc.add_paragraph("{%p endfor %}")
    return p


def _cell_lines(cell, lines: list[tuple[str, dict]]) -> None:
    """Fill ``cell`` with paragraphs: (text, options) where options are align, bold, size, indent."""
    cell.text = ""
    first = True
    for text, opt in lines:
        p = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        size = opt.get("size", SMALL)
        p.paragraph_format.line_spacing = Pt(size * opt.get("lines", 1.6))
        if opt.get("align") is not None:
            p.alignment = opt["align"]
        if opt.get("indent"):
            p.paragraph_format.first_line_indent = Pt(size * 2)
        if opt.get("before"):
            p.paragraph_format.space_before = Pt(opt["before"])
        if text:
            _fonts(p.add_run(text), HEI if opt.get("bold") else SONG, size)


def _amounts_table(doc) -> None:
    """项目 / 金额 rows of ``owed_rows``, then the total in figures and capitals."""
    table = doc.add_table(rows=5, cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _cell(table.rows[0].cells[0], "项目", bold=True, size=BODY, align=CENTRE)
    _cell(table.rows[0].cells[1], "金额", bold=True, size=BODY, align=CENTRE)
    _cell(table.rows[1].cells[0], "{%tr for r in owed_rows %}", size=BODY)
    _cell(table.rows[2].cells[0], "{{ r.name }}", size=BODY)
    _cell(table.rows[2].cells[1], "{{ r.amount }}", size=BODY, align=RIGHT)
    _cell(table.rows[3].cells[0], "{%tr endfor %}", size=BODY)
    _cell(table.rows[4].cells[0], "合计", bold=True, size=BODY)
    _cell_lines(table.rows[4].cells[1], [("{{ owed_total }}", {"align": RIGHT, "size": BODY}),
                                         ("（{{ owed_total_capitals }}）", {"align": RIGHT, "size": 10.5})])
    _widths(table, [7.0, 8.6])
    _rows_stay_whole(table)
    for r in table.rows[:-1]:  # the table stays in one piece (each row kept with the next)
        for cell in r.cells:
            for para in cell.paragraphs:
                para.paragraph_format.keep_with_next = True
    header = _on(table.rows[0]._tr.get_or_add_trPr(), "w:tblHeader")
    header.set(qn("w:val"), "true")


def _widths(table, widths_cm: list[float]) -> None:
    """Fixed layout with the grid's column widths; each cell as wide as the columns it spans
    (merged cells included), so that Word and LibreOffice lay the table out alike."""
    _fix_widths(table, widths_cm)
    for tr in table._tbl.tr_lst:
        col = 0
        for tc in tr.tc_lst:
            span = tc.grid_span
            tc.width = Cm(sum(widths_cm[col:col + span]))
            col += span


def _cut_line(doc) -> None:
    """A dashed line across the page with the instruction to cut, kept with the receipt below."""
    p = _text(doc, "✂　沿此线剪下，回执由签收人签章后交回", size=10.5, align=CENTRE, space_before=14)
    ppr = p._p.get_or_add_pPr()
    border = _on(ppr, "w:pBdr")
    _on(border, "w:bottom", **{"w:val": "dashed", "w:sz": "8", "w:space": "4", "w:color": "000000"})
    p.paragraph_format.space_after = Pt(10)
    p.paragraph_format.keep_with_next = True


def _receipt(doc, title: str, agree: str) -> None:
    """The 回执 in one framed block that never splits: to whom, what was received (number and
    date), the optional tick, signature or seal, date of receipt."""
    _cut_line(doc)
    table = doc.add_table(rows=1, cols=1)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _cell_lines(table.rows[0].cells[0], [
        ("回　执", {"align": CENTRE, "bold": True, "size": 16, "before": 6}),
        ("编号：{{ number }}", {"align": RIGHT}),
        ("{{ receipt_to }}", {"size": BODY}),
        ("{{ receipt_text }}", {"indent": True, "size": BODY}),
        (f"□ {agree}", {"indent": True, "size": BODY}),
        ("{{ receipt_sign }}", {"before": 10, "size": BODY}),
        ("签收日期：　　　　年　　月　　日", {"before": 6, "size": BODY}),
        (f"（请将本回执签章后交回{{{{ creditor.name }}}}，地址：{{{{ creditor.address }}}}。{title}正文由签收人留存。）",
         {"size": 10.5, "before": 6}),
    ])
    _fix_widths(table, [15.6])
    _rows_stay_whole(table)


def _addressee(doc) -> None:
    _text(doc, "{{ addressee.name }}：", size=BODY, align=LEFT, space_before=6)
    _text(doc, "（{{ addressee_role }}；{{ addressee.identity }}{% if addressee.representative %}；"
               "{{ addressee.representative }}{% endif %}；地址：{{ addressee.address }}）", size=SMALL)


def _signature(doc, first: str, second: str):
    a = _text(doc, first, align=RIGHT, space_before=18)
    b = _text(doc, second, align=RIGHT)
    _keep(a)
    return a, b


# --- the notices --------------------------------------------------------------------------------


def demand_notice() -> None:
    doc = _paper()
    doc.core_properties.title = "催收通知书"
    _heading(doc, "{{ title }}", 1)
    _text(doc, "编号：{{ number }}", size=SMALL, align=RIGHT)
    _addressee(doc)
    _heading(doc, "一、借款及担保情况")
    _loop(doc, "f", "facts", "{{ f }}")
    _heading(doc, "二、欠款金额")
    _keep(_text(doc, "{{ owed_intro }}", indent=True))
    _amounts_table(doc)
    _text(doc, "{{ continuing }}", indent=True, space_before=4)
    _heading(doc, "三、还款要求")
    _loop(doc, "d", "demand", "{{ d }}")
    _text(doc, "{{ consequences }}", indent=True)
    _text(doc, "特此通知。", indent=True)
    _signature(doc, "{{ creditor.name }}（盖章）", "{{ notice_date_cn }}")
    _receipt(doc, "通知书", "对上述欠款金额无异议。")
    doc.save(OUT / "demand_notice.docx")


def guarantee_notice() -> None:
    doc = _paper()
    doc.core_properties.title = "履行保证责任通知书"
    _heading(doc, "{{ title }}", 1)
    _text(doc, "编号：{{ number }}", size=SMALL, align=RIGHT)
    _addressee(doc)
    _heading(doc, "一、保证合同")
    _loop(doc, "c", "contracts", "{{ c }}")
    _heading(doc, "二、主债务及欠款金额")
    _loop(doc, "f", "facts", "{{ f }}")
    _keep(_text(doc, "{{ owed_intro }}", indent=True))
    _amounts_table(doc)
    _text(doc, "{{ continuing }}", indent=True, space_before=4)
    _heading(doc, "三、履行保证责任的要求")
    _loop(doc, "d", "demand", "{{ d }}")
    _text(doc, "{{ consequences }}", indent=True)
    _text(doc, "特此通知。", indent=True)
    _signature(doc, "{{ creditor.name }}（盖章）", "{{ notice_date_cn }}")
    _receipt(doc, "通知书", "对上述债务金额及保证责任无异议。")
    doc.save(OUT / "guarantee_notice.docx")


# --- the authority papers -----------------------------------------------------------------------


def power_of_attorney() -> None:
    doc = _paper(lines=1.5)
    doc.core_properties.title = "授权委托书"
    _heading(doc, "{{ title }}", 1)
    _loop(doc, "line", "principal_lines", "{{ line }}", indent=False)
    _loop(doc, "a", "agents", "{{ a.heading }}：{{ a.line }}", indent=False)
    _text(doc, "{{ appointment }}", indent=True, space_before=8)
    _heading(doc, "代理事项和权限")
    doc.add_paragraph("{%p for a in agents %}")
    _keep(_text(doc, "{{ a.authority_line }}", indent=True))
    _keep(_text(doc, "（一）一般代理事项：", indent=True))
    # the lists stay with what follows: the signature never stands alone on a page
    _keep(_loop(doc, "p", "a.general_powers", "{{ loop.index }}．{{ p }}；"))
    doc.add_paragraph("{%p if a.special_powers %}")
    _keep(_text(doc, "（二）特别授权事项：", indent=True))
    _keep(_loop(doc, "p", "a.special_powers", "{{ loop.index }}．{{ p }}；"))
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p if term %}")
    _keep(_text(doc, "{{ term }}", indent=True))
    doc.add_paragraph("{%p endif %}")
    a = _text(doc, "委托单位：{{ principal_name }}（盖章）", align=RIGHT, space_before=18)
    b = _text(doc, "{{ role }}：　　　　　　（签字）", align=RIGHT)
    _text(doc, "{{ date_cn }}", align=RIGHT)
    _keep(a, b)
    doc.save(OUT / "power_of_attorney.docx")


def representative_certificate() -> None:
    doc = _paper(lines=1.5)
    doc.core_properties.title = "法定代表人身份证明书"
    _heading(doc, "{{ title }}", 1)
    _loop(doc, "line", "unit_lines", "{{ line }}", indent=False)
    _text(doc, "{{ sentence }}", indent=True, space_before=12)
    _text(doc, "特此证明。", indent=True)
    _text(doc, "{{ attachment }}", size=SMALL, space_before=12)
    table = doc.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, side in zip(table.rows[0].cells, ("正面", "反面")):
        _cell_lines(cell, [("", {}), ("", {}), (f"{{{{ role }}}}身份证{side}复印件粘贴处", {"align": CENTRE, "size": 10.5})])
    _fix_widths(table, [7.8, 7.8])
    trpr = table.rows[0]._tr.get_or_add_trPr()
    _on(trpr, "w:trHeight", **{"w:val": str(int(5.4 * 567)), "w:hRule": "atLeast"})
    _rows_stay_whole(table)
    _signature(doc, "{{ unit }}（盖章）", "{{ date_cn }}")
    doc.save(OUT / "representative_certificate.docx")


def service_address() -> None:
    doc = _paper(body_pt=SMALL, lines=1.5)
    section = doc.sections[0]  # the court's form: one page, narrower margins
    section.top_margin, section.bottom_margin = Cm(2.2), Cm(2.0)
    section.left_margin, section.right_margin = Cm(2.5), Cm(2.5)
    doc.core_properties.title = "送达地址确认书"
    _heading(doc, "{{ title }}", 1)
    widths = [3.0, 3.2, 9.8]
    table = doc.add_table(rows=0, cols=3)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER

    def row(label: str, content: list[tuple[str, dict]], sub: str | None = None):
        r = table.add_row()
        _cell(r.cells[0], label, bold=True, size=SMALL, align=CENTRE)
        if sub is None:
            merged = r.cells[1].merge(r.cells[2])
            _cell_lines(merged, content)
        else:
            _cell(r.cells[1], sub, size=SMALL, align=CENTRE)
            _cell_lines(r.cells[2], content)
        return r

    row("案号", [("{{ case_number }}", {})])
    row("案由", [("{{ cause }}", {})])
    notes = row("告知事项", [("{%p for n in notes %}", {}),
                             ("{{ loop.index }}．{{ n }}", {"indent": True, "size": 9, "lines": 1.4}),
                             ("{%p endfor %}", {})])
    first = row("送达地址及方式", [("{{ party }}", {})], "受送达人")
    block = [first]
    for sub, text in (("指定签收人", "{{ recipient }}"), ("证件类型", "{{ id_type }}"), ("证件号码", "{{ id_number }}"),
                      ("送达地址", "{{ address }}"), ("邮政编码", "{{ postcode }}"), ("联系电话", "{{ phone }}")):
        block.append(row("", [(text, {})], sub))
    block.append(row("", [("{{ electronic_yes }}是　　{{ electronic_no }}否", {}),
                          ("{{ by_phone }}手机号码：{{ phone }}", {}),
                          ("{{ by_email }}电子邮件地址：{{ email }}", {}),
                          ("□传真号码：", {})], "是否接受\n电子送达"))
    for r in block[1:]:  # one 送达地址及方式 cell spanning its rows
        _on(r.cells[0]._tc.get_or_add_tcPr(), "w:vMerge")
    _on(block[0].cells[0]._tc.get_or_add_tcPr(), "w:vMerge", **{"w:val": "restart"})
    row("受送达人确认", [("{{ confirmation }}", {"indent": True}),
                         ("受送达人（签名或盖章）：", {"before": 10}),
                         ("{{ party }}", {"align": RIGHT}),
                         ("{{ date_cn }}", {"align": RIGHT})])
    row("备注", [("", {})])
    row("法院工作人员", [("", {})])
    _widths(table, widths)
    _rows_stay_whole(table)
    # the notice row may run long: it alone may split, so the table never overflows a page
    notes._tr.get_or_add_trPr().remove(notes._tr.trPr.find(qn("w:cantSplit")))
    doc.save(OUT / "service_address.docx")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    demand_notice()
    guarantee_notice()
    power_of_attorney()
    representative_certificate()
    service_address()


if __name__ == "__main__":
    main()
    print(f"notice and authority templates written to {OUT}")
