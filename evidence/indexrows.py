"""Where each exhibit's row lies on the rendered 证据目录 (index), so that it can link to the exhibit.

The index is a Word template rendered by LibreOffice: a table with one row per exhibit whose first
cell holds the exhibit number (group rows leave it empty). Its PDF is read here (pypdf, with each
font's own mapping to Unicode) for two things:

* **the number of each row**: a text run that is exactly ``str(n)`` and is the first (leftmost)
  run of its line; the numbers are looked for in the order of the rows, page after page, top to
  bottom, so a number appearing in a title or a date is never taken for a row's;
* **the row's extent**: the horizontal rules the table draws (lines, or thin filled rectangles,
  at least a quarter of the page wide) above and below that number; without rules (a template
  whose table has no borders) the row runs from the number's line down to the next row's, or
  to the last line of text that follows it closely.

Horizontally a link covers the table (the rules' extent), else the text's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["RowPlace", "find_rows"]

#: ``(left, bottom, right, top)`` in points, page coordinates.
Rect = tuple[float, float, float, float]

_SAME_LINE_PT = 1.5
_RULE_THICKNESS_PT = 2.0
_PAD_PT = 1.0


@dataclass(frozen=True)
class RowPlace:
    """Where exhibit ``number``'s row is: on index page ``page`` (0-based), within ``rect``."""

    number: int
    page: int
    rect: Rect


@dataclass
class _Run:
    x: float
    y: float  # baseline
    size: float
    text: str


def find_rows(index_pdf: Path, numbers: Sequence[int]) -> list[RowPlace]:
    """The row of each of ``numbers`` (in the order the index lists them) in ``index_pdf``.

    Returns:
        One :class:`RowPlace` per number found, in order; a number not found (a bank's template
        laid out otherwise) is left out, and so are the numbers after it when it cannot be told
        where they continue.

    Raises:
        OSError, pypdf errors: the file cannot be read (the caller treats the index as unusable).
    """
    from pypdf import PdfReader

    reader = PdfReader(str(index_pdf))
    places: list[RowPlace] = []
    wanted = list(numbers)
    position = 0
    for page_index, page in enumerate(reader.pages):
        if position >= len(wanted):
            break
        runs, rules = _read_page(page)
        if not runs:
            continue
        lines = _lines(runs)
        anchors: list[tuple[int, _Run]] = []
        for line in lines:
            first = line[0]
            if position < len(wanted) and first.text.strip() == str(wanted[position]):
                anchors.append((wanted[position], first))
                position += 1
        if not anchors:
            continue
        box = page.mediabox
        page_left, page_right = box.left, box.right
        for order, (number, run) in enumerate(anchors):
            top, bottom = _row_span(run, rules, lines, anchors[order + 1][1] if order + 1 < len(anchors) else None)
            left, right = _row_width(rules, top, bottom, lines, page_left, page_right)
            places.append(RowPlace(number, page_index, (left, bottom, right, top)))
    return places


def _read_page(page) -> tuple[list[_Run], list[tuple[float, float, float]]]:
    """The page's text runs (leftmost x, baseline, size, text) and horizontal rules (y, x0, x1)."""
    runs: list[_Run] = []
    rules: list[tuple[float, float, float]] = []
    path: list[tuple[float, float]] = []
    pending: list[tuple[float, float, float, float]] = []  # rectangles of the current path

    def point(cm, x: float, y: float) -> tuple[float, float]:
        return cm[0] * x + cm[2] * y + cm[4], cm[1] * x + cm[3] * y + cm[5]

    def before(operator, operands, cm, tm):
        op = operator.decode("latin-1") if isinstance(operator, bytes) else str(operator)
        try:
            if op == "m" and len(operands) == 2:
                path[:] = [point(cm, _coordinate(operands[0]), _coordinate(operands[1]))]
            elif op == "l" and len(operands) == 2:
                path.append(point(cm, _coordinate(operands[0]), _coordinate(operands[1])))
            elif op == "re" and len(operands) == 4:
                x, y, w, h = (_coordinate(v) for v in operands)
                (x0, y0), (x1, y1) = point(cm, x, y), point(cm, x + w, y + h)
                pending.append((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)))
            elif op in ("S", "s"):
                for (xa, ya), (xb, yb) in zip(path, path[1:]):
                    if abs(ya - yb) <= _RULE_THICKNESS_PT / 2:
                        rules.append(((ya + yb) / 2, min(xa, xb), max(xa, xb)))
                path.clear()
                pending.clear()
            elif op in ("f", "F", "f*", "B", "B*", "b", "b*"):
                for x0, y0, x1, y1 in pending:
                    if y1 - y0 <= _RULE_THICKNESS_PT and x1 - x0 > 0:
                        rules.append(((y0 + y1) / 2, x0, x1))
                path.clear()
                pending.clear()
            elif op == "n":
                path.clear()
                pending.clear()
        except (TypeError, ValueError):
            pass

    def text(value, cm, tm, font, size):
        if value and value.strip():
            x, y = point(cm, tm[4], tm[5])
            scale = (abs(cm[3] * tm[3]) or 1) * (size or 1)
            runs.append(_Run(x, y, scale, value))

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    width = page.mediabox.width
    rules = [rule for rule in rules if rule[2] - rule[1] >= width / 4]
    return runs, rules


def _coordinate(operand: object) -> int | float:
    """A path operand as a number in points (pypdf's numbers are int and float subclasses).

    Raises:
        TypeError: the operand is no number (a damaged content stream).
    """
    if isinstance(operand, bool) or not isinstance(operand, (int, float)):
        raise TypeError(f"not a number: {operand!r}")
    return operand


def _lines(runs: list[_Run]) -> list[list[_Run]]:
    """Runs grouped by baseline, top to bottom, each line left to right."""
    lines: list[list[_Run]] = []
    for run in sorted(runs, key=lambda r: (-r.y, r.x)):
        if lines and abs(lines[-1][0].y - run.y) <= _SAME_LINE_PT:
            lines[-1].append(run)
        else:
            lines.append([run])
    for line in lines:
        line.sort(key=lambda r: r.x)
    return lines


def _row_span(run: _Run, rules, lines, following: _Run | None) -> tuple[float, float]:
    """``(top, bottom)`` of the row whose number is ``run``."""
    text_top = run.y + run.size * 0.9
    above = [y for y, _x0, _x1 in rules if y >= text_top - _PAD_PT]
    below = [y for y, _x0, _x1 in rules if y <= run.y]
    if above and below:
        return min(above), max(below)
    top = min(above) if above else text_top + _PAD_PT
    if following is not None:
        return top, following.y + following.size * 0.9 + _PAD_PT
    # the last row without rules: the lines that follow the number's closely
    bottom = run.y - run.size * 0.3
    previous = run.y
    for line in lines:
        y = line[0].y
        if y >= run.y:
            continue
        if previous - y > line[0].size * 1.8:
            break
        bottom, previous = y - line[0].size * 0.3, y
    return top, bottom - _PAD_PT


def _row_width(rules, top: float, bottom: float, lines, page_left: float, page_right: float) -> tuple[float, float]:
    """``(left, right)`` of a row: the table's rules between ``top`` and ``bottom``, else the text."""
    near = [(x0, x1) for y, x0, x1 in rules if bottom - _PAD_PT <= y <= top + _PAD_PT]
    if near:
        return min(x0 for x0, _ in near), max(x1 for _, x1 in near)
    inside = [run for line in lines for run in line if bottom <= run.y <= top]
    if not inside:
        return page_left, page_right
    right = max(run.x + run.size * len(run.text) for run in inside)
    return min(run.x for run in inside) - _PAD_PT, min(right, page_right)
