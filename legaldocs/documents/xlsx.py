"""The statement (欠款明细表) as an Excel workbook, for staff who check figures in a spreadsheet.

Sheets: 汇总 (totals, continuing claims, checks, differences from the bank's figures), 计息明细
(one row per accrual), 还款分配 (how each repayment was applied). Amounts are numbers formatted
to the 分; the workbook is written atomically, dated by the case (never by the clock), so that
the same statement gives the same bytes.

:func:`write_tables_xlsx` writes any workbook of plain tables the same way (the write-off
dossier's 核销清单).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from legaldocs.money.accrual import CATEGORY_NAMES
from legaldocs.chinese import unit
from legaldocs.documents.reproducible import rezip
from legaldocs.files import atomic_path
from legaldocs.money.statement import Statement

_MONEY = "#,##0.00"
_KIND = {"interest": "利息", "penalty_interest": "罚息", "compound_interest": "复利"}


def write_statement_xlsx(st: Statement, out: Path, *, title: str = "欠款明细表", date: dt.date | None = None) -> Path:
    """Write ``st`` to ``out`` (.xlsx) atomically and return the path. ``date``: the workbook's
    created and modified date (default: the statement's as-of date); the same statement and
    date give the same bytes."""
    yuan = unit(st.currency)
    wb = Workbook()
    summary = wb.active
    summary.title = "汇总"
    summary.append([title])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append(["暂计至", st.as_of])
    summary.append([])
    summary.append(["项目", f"金额（{yuan}）"])
    for name, value in (("本金", st.principal), ("利息", st.interest), ("罚息", st.penalty_interest),
                        ("复利", st.compound_interest), ("合计", st.total)):
        summary.append([name, value])
        summary.cell(summary.max_row, 2).number_format = _MONEY
    summary.append([])
    summary.append(["持续计收"])
    for text in st.continuing:
        summary.append([text])
    if st.flags:
        summary.append([])
        summary.append(["提示"])
        for text in st.flags:
            summary.append([text])
    if st.differences:
        summary.append([])
        summary.append(["与银行系统数据差异", "本系统计算", "银行系统", "差额"])
        for d in st.differences:
            summary.append([d.item, d.engine, d.bank, d.delta])
            for col in (2, 3, 4):
                summary.cell(summary.max_row, col).number_format = _MONEY
    summary.column_dimensions["A"].width = 60
    summary.column_dimensions["B"].width = 18

    lines = wb.create_sheet("计息明细")
    header = ["序号", "类别", "合同", "借据", f"基数（{yuan}）", "起算日（不计）", "截止日", "天数", "年利率", f"金额（{yuan}）", "依据"]
    lines.append(header)
    for i, line in enumerate(st.lines, start=1):
        lines.append([i, _KIND.get(line.kind, line.kind), st.label(line.loan), st.label(line.draw), line.base, line.start, line.end,
                      line.days, line.rate, line.amount, line.rule])
        row = lines.max_row
        lines.cell(row, 5).number_format = _MONEY
        lines.cell(row, 9).number_format = "0.000%"
        lines.cell(row, 10).number_format = _MONEY
    total_row = len(st.lines) + 2
    lines.cell(total_row, 8, "计提合计（含已还部分）")
    lines.cell(total_row, 10, f"=SUM(J2:J{total_row - 1})").number_format = _MONEY
    for col, width in zip(range(1, len(header) + 1), (6, 8, 10, 10, 16, 14, 12, 7, 9, 14, 48)):
        lines.column_dimensions[get_column_letter(col)].width = width
    for cell in lines[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    lines.freeze_panes = "A2"

    paid = wb.create_sheet("还款分配")
    paid.append(["日期", "合同", f"还款金额（{yuan}）", "抵充项目", f"抵充金额（{yuan}）", f"未抵充（{yuan}）", "依据"])
    for a in st.allocations:
        for j, (category, amount) in enumerate(a.parts or (("", 0),)):
            paid.append([a.date, st.label(a.loan), a.amount if j == 0 else None, CATEGORY_NAMES.get(category, category),
                         amount, a.unapplied if j == 0 else None, a.rule if j == 0 else None])
            for col in (3, 5, 6):
                paid.cell(paid.max_row, col).number_format = _MONEY
    for col, width in zip(range(1, 8), (12, 10, 16, 10, 16, 14, 48)):
        paid.column_dimensions[get_column_letter(col)].width = width
    for lp in st.later_payments:
        paid.append([lp.date, st.label(lp.loan), lp.amount, "截止日后还款", None, None,
                     f"未计入暂计金额；抵充后本金余额{lp.principal_after}"])
        paid.cell(paid.max_row, 3).number_format = _MONEY

    if st.repricings:
        repriced = wb.create_sheet("利率调整")
        repriced.append(["合同", "重定价日", "LPR期限", "LPR", "LPR公布日", "加点", "新利率", "是否适用", "说明"])
        for r in st.repricings:
            repriced.append([st.label(r.loan), r.date, r.lpr_term, r.lpr, r.lpr_published, r.spread, r.rate,
                             "是" if r.applied else "否", r.text])
            for col in (4, 6, 7):
                repriced.cell(repriced.max_row, col).number_format = "0.000%"
        for col, width in zip(range(1, 10), (10, 12, 8, 9, 12, 9, 9, 8, 70)):
            repriced.column_dimensions[get_column_letter(col)].width = width

    return _save(wb, out, title, date or st.as_of)


def _save(wb: Workbook, out: Path, title: str, date: dt.date) -> Path:
    """Write ``wb`` to ``out`` atomically, titled ``title`` and dated ``date`` (created and
    modified), never the clock: openpyxl's own save dates the workbook and its parts now, so it
    is written through ExcelWriter and re-zipped with fixed entry dates (same input, same bytes)."""
    wb.properties.created = wb.properties.modified = dt.datetime.combine(date, dt.time())
    wb.properties.title = title
    data = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED)).save()
    with atomic_path(out) as tmp:
        rezip(data.getvalue(), tmp)
    return out


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook of tables (:func:`write_tables_xlsx`): its ``name``, an optional
    ``title`` line above the table, the ``header`` row, the ``rows`` (Decimal, int, date or
    text), the column ``widths`` (characters) and the columns (0-based) holding amounts, shown
    to the 分 with thousands separators."""

    name: str
    header: Sequence[str]
    rows: Sequence[Sequence[Any]]
    widths: Sequence[float] = ()
    money: frozenset[int] = frozenset()
    title: str | None = None


def write_tables_xlsx(sheets: Sequence[Sheet], out: Path, *, title: str, date: dt.date) -> Path:
    """Write ``sheets`` (each a table with a bold, frozen header) to ``out`` (.xlsx) atomically
    and return the path. ``date``: the workbook's created and modified date (never the clock);
    the same sheets and date give the same bytes. Amounts stay numbers (Decimal) with the
    ``#,##0.00`` format, so a spreadsheet can add them up."""
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        ws = wb.create_sheet(sheet.name)
        if sheet.title:
            ws.append([sheet.title])
            ws.cell(1, 1).font = Font(bold=True, size=13)
        ws.append(list(sheet.header))
        head = ws.max_row
        for cell in ws[head]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", wrap_text=True)
        for row in sheet.rows:
            ws.append(list(row))
            for col in sheet.money:
                ws.cell(ws.max_row, col + 1).number_format = _MONEY
        for col, width in enumerate(sheet.widths, start=1):
            ws.column_dimensions[get_column_letter(col)].width = width
        ws.freeze_panes = ws.cell(head + 1, 1).coordinate
    return _save(wb, out, title, date)
