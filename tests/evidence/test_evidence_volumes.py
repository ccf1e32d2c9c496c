"""The bundle's outline by evidence group, its index rows linked to the exhibits, volumes below a
size limit, and numbers continued from an earlier bundle: checked in the written PDFs (outline and
link annotations read back with pikepdf, stamps and row positions with pdftotext).

The exhibits are real files from ../shared/evidence-samples (skipped with a message when absent);
the 证据目录 is the project's template rendered by LibreOffice.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import docx
import pikepdf
import pytest

from evidence import assemble_bundle, page_ranges, prepare_exhibit
from evidence.indexrows import find_rows
from evidence.volumes import parse_size, plan_volumes, volume_name
from evidence.errors import EvidenceError
from legaldocs.documents.office import docx_to_pdf
from legaldocs.documents.render import render_docx

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / ".." / "shared" / "evidence-samples"
TEMPLATE = ROOT / "templates" / "evidence_index.docx"
BIG = "009-pdflatex-geotopo_GeoTopo-komprimiert.pdf"
# (title, sample file, group bookmark or None)
EXHIBITS = [
    ("借款合同", "001-trivial_minimal-document.pdf", "第一组　借款合同关系"),
    ("借据", "004-pdflatex-4-pages_pdflatex-4-pages.pdf", "第一组　借款合同关系"),
    ("催收通知", "007-imagemagick-images_smile.png", None),
    ("担保合同及附件", BIG, "第二组　担保"),
    ("抵押登记证明", "011-google-doc-document_google-doc-document.pdf", "第二组　担保"),
    ("传真件", "007-imagemagick-images_imagemagick-CCITTFaxDecode.pdf", None),
]
GROUPS = [group for _title, _file, group in EXHIBITS]
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')
PAGE_NUMBER = re.compile(r"—\s*(\d+)\s*—")


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    missing = [name for _t, name, _g in EXHIBITS if not (SAMPLES / name).is_file()]
    if missing:
        pytest.skip(f"../shared/evidence-samples not present: {SAMPLES} lacks {missing[0]}")
    work = tmp_path_factory.mktemp("exhibits")
    return [prepare_exhibit(number, title, [SAMPLES / name], work)
            for number, (title, name, _group) in enumerate(EXHIBITS, start=1)]


def _index(folder: Path, exhibits, *, volumes=None, first_page: int = 1, index_pages: int = 1) -> Path:
    """The 证据目录 from the project's template, as the packet renders it (group rows included)."""
    entries = page_ranges(exhibits, index_pages, first_page=first_page, volumes=volumes)
    rows, current = [], None
    for entry, group in zip(entries, GROUPS):
        if group and group != current:
            rows.append({"number": "", "title": group, "source": "", "purpose": "", "original": "", "pages": ""})
        current = group
        pages = f"{entry.first_page}-{entry.last_page}"
        rows.append({"number": entry.number, "title": entry.title, "source": "原告持有",
                     "purpose": "证明借款及担保事实", "original": "原件",
                     "pages": pages if volumes is None else f"第{entry.volume}册 {pages}"})
    context = {"cause": "金融借款合同纠纷", "plaintiff_name": "某银行股份有限公司", "defendant_names": "张三",
               "filing_date_cn": "2025年6月30日", "exhibits": rows, "exhibit_count": len(entries),
               "total_pages": 0, "index_pages": index_pages, "volumes": ""}
    folder.mkdir(parents=True, exist_ok=True)
    render_docx(TEMPLATE, context, folder / "证据目录.docx")
    return docx_to_pdf([folder / "证据目录.docx"], folder)[0]


def _outline(path: Path) -> list[tuple[int, str, int]]:
    """(level, title, 0-based page) of every bookmark, in order."""
    with pikepdf.open(path) as pdf:
        pages = {page.objgen: index for index, page in enumerate(pdf.pages)}
        out = []

        def walk(items, level):
            for item in items:
                out.append((level, item.title, pages[item.destination[0].objgen]))
                walk(item.children, level + 1)

        with pdf.open_outline() as outline:
            walk(outline.root, 0)
    return out


def _words(path: Path, page: int) -> list[tuple[float, float, float, float, str]]:
    """Words of a page (1-based) with their boxes in PDF coordinates (y from the bottom)."""
    html = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path), "-"],
                          capture_output=True, text=True, check=True).stdout
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', html).group(1))
    return [(float(x0), height - float(y1), float(x1), height - float(y0), text)
            for x0, y0, x1, y1, text in WORD.findall(html)]


def _page_text(path: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"],
                          capture_output=True, text=True, check=True).stdout


def _links(path: Path, page: int = 0) -> list[dict]:
    """The link annotations of a page: rect, and the target page (this file) or file and page."""
    with pikepdf.open(path) as pdf:
        pages = {p.objgen: index for index, p in enumerate(pdf.pages)}
        out = []
        for annotation in pdf.pages[page].obj.get("/Annots", []):
            action = annotation.A
            rect = tuple(float(v) for v in annotation.Rect)
            if action.S == "/GoTo":
                out.append({"rect": rect, "page": pages[action.D[0].objgen], "file": None})
            else:
                out.append({"rect": rect, "page": int(action.D[0]), "file": str(action.F.UF)})
    return out


def test_outline_nests_the_exhibits_of_each_group_under_it(prepared, tmp_path):
    index = _index(tmp_path / "index", prepared)
    result = assemble_bundle(index, prepared, tmp_path / "证据材料.pdf", groups=GROUPS)
    first = {entry.number: entry.first_page - 1 for entry in result.entries}
    assert _outline(result.path) == [
        (0, "证据目录", 0),
        (0, "第一组　借款合同关系", first[1]),
        (1, "证据1 借款合同", first[1]),
        (1, "证据2 借据", first[2]),
        (0, "证据3 催收通知", first[3]),
        (0, "第二组　担保", first[4]),
        (1, "证据4 担保合同及附件", first[4]),
        (1, "证据5 抵押登记证明", first[5]),
        (0, "证据6 传真件", first[6]),
    ]


def test_each_index_row_links_to_its_exhibits_first_page(prepared, tmp_path):
    index = _index(tmp_path / "index", prepared)
    result = assemble_bundle(index, prepared, tmp_path / "证据材料.pdf", groups=GROUPS)
    assert result.index_pages == 1 and result.linked == len(prepared)
    links = _links(result.path)
    words = _words(result.path, 1)
    assert len(links) == len(prepared)
    for entry in result.entries:
        # the row is the one whose number cell reads the exhibit number and whose title follows
        number = next(w for w in words if w[4] == str(entry.number) and w[0] < 120)
        title = next(w for w in words if w[4].startswith(entry.title[:2]) and abs(w[1] - number[1]) < 2)
        middle = (number[1] + number[3]) / 2
        (link,) = [link for link in links if link["rect"][1] < middle < link["rect"][3]]
        left, bottom, right, top = link["rect"]
        assert top - bottom >= (number[3] - number[1]) * 0.9, "the link covers the row's height"
        assert left <= number[0] and title[2] <= right, "the link spans the row"
        assert link["file"] is None and link["page"] == entry.first_page - 1
    # rows never overlap, and group rows have no link
    spans = sorted((link["rect"][1], link["rect"][3]) for link in links)
    assert all(upper[0] >= lower[1] - 0.5 for lower, upper in zip(spans, spans[1:]))
    group_row = next(w for w in words if w[4].startswith("第一组"))
    assert not any(link["rect"][1] < (group_row[1] + group_row[3]) / 2 < link["rect"][3] for link in links)


def test_volumes_stay_below_the_limit_and_numbers_run_on(prepared, tmp_path):
    limit = 600_000  # the 117-page file (about 1.4 MB) is above it alone
    sizes = [exhibit.pdf.stat().st_size for exhibit in prepared]
    assert max(sizes) > limit > sum(sorted(sizes)[:-1])
    index_dir = tmp_path / "index"
    index = _index(index_dir, prepared)
    plan = plan_volumes([s + 2000 for s in sizes], limit, index_bytes=index.stat().st_size)
    index = _index(index_dir, prepared, volumes=plan)
    result = assemble_bundle(index, prepared, tmp_path / "out" / "证据材料.pdf", groups=GROUPS,
                             max_volume_bytes=limit, volumes=plan)
    assert [v.path.name for v in result.volumes] == ["证据材料（第一册）.pdf", "证据材料（第二册）.pdf",
                                                     "证据材料（第三册）.pdf"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(v.path.name for v in result.volumes)
    assert [v.exhibits for v in result.volumes] == [(1, 2, 3), (4,), (5, 6)]
    big = result.volumes[1]
    assert big.oversized and big.size > limit
    for volume in result.volumes:
        assert volume.size == volume.path.stat().st_size
        assert volume.oversized or volume.size <= limit
        assert not volume.over_limit
    # page numbers run on from volume to volume; each volume starts with the next exhibit's label
    assert [v.first_page for v in result.volumes] == [1, result.volumes[0].last_page + 1,
                                                      result.volumes[1].last_page + 1]
    assert result.page_count == result.volumes[-1].last_page == 1 + sum(e.page_count for e in prepared)
    for volume in result.volumes:
        with pikepdf.open(volume.path) as pdf:
            assert len(pdf.pages) == volume.last_page - volume.first_page + 1
        first, last = _page_text(volume.path, 1), _page_text(volume.path, volume.last_page - volume.first_page + 1)
        assert PAGE_NUMBER.findall(first) == [str(volume.first_page)]
        assert PAGE_NUMBER.findall(last) == [str(volume.last_page)]
        if volume.number > 1:
            assert f"证据{volume.exhibits[0]}-1" in first
    # each volume has its own outline: the index only in the first, groups split where the volumes are
    assert [(level, title) for level, title, _page in _outline(result.volumes[1].path)] == [
        (0, "第二组　担保"), (1, "证据4 担保合同及附件")]
    assert [(level, title, page) for level, title, page in _outline(result.volumes[2].path)] == [
        (0, "第二组　担保", 0), (1, "证据5 抵押登记证明", 0), (0, "证据6 传真件", 1)]
    # the index (first volume) names the volume of each row and links into the other files
    text = _page_text(result.path, 1)
    assert "第2册" in text and "第3册" in text
    by_row = sorted(_links(result.path), key=lambda link: -link["rect"][3])
    assert [(link["file"], link["page"]) for link in by_row] == [
        (None, 1), (None, 2), (None, 6), ("证据材料（第二册）.pdf", 0), ("证据材料（第三册）.pdf", 0),
        ("证据材料（第三册）.pdf", 1)]


def test_a_later_bundle_continues_the_numbers(prepared, tmp_path):
    index = _index(tmp_path / "index", prepared[:2], first_page=40)
    result = assemble_bundle(index, prepared[:2], tmp_path / "补充证据材料.pdf", first_page=40)
    assert [(e.first_page, e.last_page) for e in result.entries] == [(41, 41), (42, 45)]
    assert PAGE_NUMBER.findall(_page_text(result.path, 1)) == ["40"]
    assert PAGE_NUMBER.findall(_page_text(result.path, 6)) == ["45"]
    assert [link["page"] for link in sorted(_links(result.path), key=lambda link: -link["rect"][3])] == [1, 2]


def test_rows_of_a_table_without_borders_are_found(tmp_path):
    document = docx.Document()
    document.add_paragraph("证据目录")
    table = document.add_table(rows=0, cols=3)  # the default style draws no rules
    for number, title in [(1, "借款合同"), (2, "借据，共三页，载明借款金额一百万元及利率年百分之六"), (3, "催收通知")]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = str(number), title, f"{number}-{number + 1}"
    document.add_paragraph("以上证据共3项。")
    document.save(tmp_path / "plain.docx")
    index = docx_to_pdf([tmp_path / "plain.docx"], tmp_path)[0]
    rows = find_rows(index, [1, 2, 3])
    assert [row.number for row in rows] == [1, 2, 3]
    words = _words(index, 1)
    for row in rows:
        left, bottom, right, top = row.rect
        number = next(w for w in words if w[4] == str(row.number) and w[0] < 120)
        assert left <= number[0] and bottom < (number[1] + number[3]) / 2 < top
    assert all(lower.rect[3] <= upper.rect[1] + 0.5 for upper, lower in zip(rows, rows[1:]))
    summary = next(w for w in words if w[4].startswith("以上证据"))
    assert summary[3] <= rows[-1].rect[1] + 0.5, "the last row stops before the text after the table"


def test_sizes_and_names():
    assert parse_size("20MB") == 20_000_000 and parse_size("50 MiB") == 50 * 2**20 and parse_size("1.5GB") == 1_500_000_000
    for wrong in ("20 parsecs", "", "10KB"):
        with pytest.raises(EvidenceError):
            parse_size(wrong)
    assert volume_name("证据材料.pdf", 1, 1) == "证据材料.pdf"
    assert volume_name("证据材料.pdf", 12, 12) == "证据材料（第十二册）.pdf"
    assert plan_volumes([10, 10, 10], 40_000) == (1, 1, 1)
    assert plan_volumes([40_000, 10, 40_000, 10], 40_000, index_bytes=100) == (2, 3, 4, 5)
