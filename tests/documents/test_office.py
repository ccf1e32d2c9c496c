"""legaldocs.documents.office: word-processor documents to PDF with the real LibreOffice."""

from __future__ import annotations

import subprocess
from pathlib import Path

import docx
import pytest

from legaldocs.errors import ConversionError
from legaldocs.documents.office import docx_to_pdf, find_soffice

CONTRACT_TEXT = "借款合同：借款人张三向贷款人借款人民币壹佰万元整"
NOTICE_TEXT = "催款通知书"


def _require_soffice() -> str:
    try:
        return find_soffice()
    except ConversionError as exc:
        pytest.fail(f"LibreOffice is needed for this test: {exc}")


def _docx(path: Path, text: str) -> Path:
    document = docx.Document()
    document.add_paragraph(text)
    document.save(path)
    return path


def _rtf(path: Path, text: str) -> Path:
    escaped = "".join(f"\\u{ord(char)}?" for char in text)
    path.write_text("{\\rtf1\\ansi\\deff0 " + escaped + " Notice}", encoding="ascii")
    return path


def _pdftotext(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout


def _pdffonts_rows(pdf: Path) -> list[str]:
    output = subprocess.run(
        ["pdffonts", str(pdf)], check=True, capture_output=True, text=True
    ).stdout
    return output.splitlines()[2:]


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    _require_soffice()
    sources_dir = tmp_path_factory.mktemp("office-src")
    sources = [
        _docx(sources_dir / "b-contract.docx", CONTRACT_TEXT),
        _rtf(sources_dir / "a-notice.rtf", NOTICE_TEXT),
    ]
    out = tmp_path_factory.mktemp("office-out")
    return sources, docx_to_pdf(sources, out), out


def test_find_soffice_returns_an_executable():
    path = Path(_require_soffice())
    assert path.exists()


def test_pdfs_come_back_in_input_order_named_after_their_sources(converted):
    sources, pdfs, out = converted
    assert [pdf.name for pdf in pdfs] == ["b-contract.pdf", "a-notice.pdf"]
    for pdf in pdfs:
        assert pdf.parent == out
        assert pdf.read_bytes().startswith(b"%PDF-")
    # Only the PDFs: no staging folder, no profile, no temporary file left in out_dir.
    assert sorted(entry.name for entry in out.iterdir()) == ["a-notice.pdf", "b-contract.pdf"]


def test_chinese_text_is_in_the_pdf(converted):
    _, pdfs, _ = converted
    assert CONTRACT_TEXT in _pdftotext(pdfs[0]).replace("\n", "")
    assert NOTICE_TEXT in _pdftotext(pdfs[1])


def test_every_font_is_embedded(converted):
    _, pdfs, _ = converted
    for pdf in pdfs:
        rows = _pdffonts_rows(pdf)
        assert rows, f"{pdf}: no fonts at all"
        for row in rows:
            # columns: name type encoding emb sub uni object ID; 'emb' is 5th from the end
            assert row.split()[-5] == "yes", f"{pdf}: font not embedded: {row}"


def test_empty_list_converts_nothing(tmp_path):
    assert docx_to_pdf([], tmp_path / "out") == []


def test_missing_source_is_named(tmp_path):
    missing = tmp_path / "没有这个文件.docx"
    with pytest.raises(ConversionError, match="没有这个文件.docx：找不到文件"):
        docx_to_pdf([missing], tmp_path / "out")


def test_unsupported_suffix_is_named(tmp_path):
    source = tmp_path / "scan.pdf"
    source.write_bytes(b"%PDF-1.4\n")
    with pytest.raises(ConversionError, match="scan.pdf：无法转换 .pdf"):
        docx_to_pdf([source], tmp_path / "out")


def test_two_sources_with_one_stem_are_refused(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
    first = _docx(tmp_path / "a" / "x.docx", "one")
    second = _rtf(tmp_path / "b" / "x.rtf", "two")
    out = tmp_path / "out"
    with pytest.raises(ConversionError, match=r"x\.rtf：与 .*x\.docx 同名"):
        docx_to_pdf([first, second], out)
    assert not out.exists()


def test_timeout_kills_libreoffice_and_leaves_nothing(tmp_path):
    _require_soffice()
    source = _docx(tmp_path / "slow-timeout-probe.docx", CONTRACT_TEXT)
    out = tmp_path / "out"
    expected = "slow-timeout-probe.docx：LibreOffice 未在0.2秒内完成"
    with pytest.raises(ConversionError, match=expected):
        docx_to_pdf([source], out, timeout=0.2)
    assert list(out.iterdir()) == []
    # No process of that run survives: none has the source on its command line.
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes()
        except OSError:
            continue
        assert str(source).encode() not in text, f"left running: {text!r}"
