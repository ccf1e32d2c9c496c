"""legaldocs.documents.office.office_session: one LibreOffice kept running, with the real program.

Covers batches, the restart after N documents, a document that takes too long (LibreOffice is
killed and the session goes on), LibreOffice killed under a conversion (restarted, the document
tried again), the fallback to one-shot runs, and that no LibreOffice process outlives the
session: after a normal end, after an error, and after SIGTERM to the process holding it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import docx
import pytest

from legaldocs.documents.office import docx_to_pdf, find_soffice, find_uno_python, office_session
from legaldocs.errors import ConversionError

ROOT = Path(__file__).resolve().parents[2]
TEXT = "借款合同：借款人张三向贷款人借款人民币壹佰万元整"
MARKS = "甲乙丙丁戊"


@pytest.fixture(scope="module", autouse=True)
def _libreoffice_with_bridge():
    try:
        find_soffice()
        find_uno_python()
    except ConversionError as exc:
        pytest.fail(f"LibreOffice and its Python bridge are needed for these tests: {exc}")


def _docx(path: Path, text: str, paragraphs: int = 1) -> Path:
    document = docx.Document()
    for number in range(paragraphs):
        document.add_paragraph(f"{text}（段{number + 1}）" if paragraphs > 1 else text)
    document.save(path)
    return path


def _pdftotext(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def _fonts(pdf: Path) -> list[tuple[str, str]]:
    rows = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout.splitlines()[2:]
    return [(row.split()[0].split("+")[-1], row.split()[-5]) for row in rows]


def _live_processes(group: int) -> list[str]:
    """Processes of process group ``group`` still running (zombies count as ended)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name_end = text.rindex(")")
        fields = text[name_end + 2:].split()
        state, pgid = fields[0], int(fields[2])
        if pgid == group and state != "Z":
            found.append(f"{stat.parent.name} {text[:name_end + 1]}")
    return found


def _wait_until_gone(group: int, seconds: float = 10) -> list[str]:
    deadline = time.monotonic() + seconds
    while (left := _live_processes(group)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def _soffice_bin(group: int) -> int:
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        if int(fields[2]) == group and "(soffice.bin)" in text and fields[0] != "Z":
            return int(stat.parent.name)
    raise AssertionError(f"no soffice.bin in process group {group}")


def test_a_batch_converts_like_the_one_shot_run(tmp_path):
    sources = [_docx(tmp_path / f"doc-{n}.docx", f"{TEXT}{MARKS[n]}") for n in range(3)]
    with office_session() as office:
        pdfs = office.convert(sources, tmp_path / "kept")
        group, folder = office.process_group, office.private_folder
        assert office.note is None and office.starts == 1 and office.converted == 3
    assert not folder.exists()
    assert [pdf.name for pdf in pdfs] == ["doc-0.pdf", "doc-1.pdf", "doc-2.pdf"]
    assert sorted(p.name for p in (tmp_path / "kept").iterdir()) == ["doc-0.pdf", "doc-1.pdf", "doc-2.pdf"]
    one_shot = docx_to_pdf(sources, tmp_path / "one-shot")
    for pdf, reference in zip(pdfs, one_shot):
        assert _pdftotext(pdf) == _pdftotext(reference)
        fonts = _fonts(pdf)
        assert fonts and all(embedded == "yes" for _, embedded in fonts), fonts
        assert sorted(fonts) == sorted(_fonts(reference))  # the same font substitutions
    assert not _wait_until_gone(group)


def test_several_batches_share_one_libreoffice_and_it_restarts_after_n_documents(tmp_path):
    sources = [_docx(tmp_path / f"n{n}.docx", f"{TEXT}{MARKS[n]}") for n in range(5)]
    with office_session(restart_every=2) as office:
        office.convert(sources[:1], tmp_path / "a")
        first_group = office.process_group
        office.convert(sources[1:2], tmp_path / "b")
        assert office.process_group == first_group and office.starts == 1
        office.convert(sources[2:], tmp_path / "c")  # documents 3, 4 and 5: restarts before 3 and 5
        assert office.starts == 3 and office.converted == 5
        assert office.process_group != first_group
        assert not _wait_until_gone(first_group)
        last_group = office.process_group
    assert not _wait_until_gone(last_group)
    for n, folder in ((0, "a"), (1, "b"), (4, "c")):
        assert f"{TEXT}{MARKS[n]}" in _pdftotext(tmp_path / folder / f"n{n}.pdf")


def test_a_document_past_the_timeout_is_named_and_the_session_goes_on(tmp_path):
    slow = _docx(tmp_path / "slow.docx", TEXT, paragraphs=6000)
    quick = _docx(tmp_path / "quick.docx", TEXT)
    with office_session() as office:
        office.convert([quick], tmp_path / "warm")  # LibreOffice running before the slow one
        group = office.process_group
        office.timeout = 1.5  # the quick document takes a tenth of that, the slow one four times
        with pytest.raises(ConversionError, match=r"slow\.docx：LibreOffice 未在1\.5秒内完成"):
            office.convert([quick, slow], tmp_path / "out")
        assert list((tmp_path / "out").iterdir()) == []  # nothing of the failed batch
        assert not _wait_until_gone(group)  # the hung LibreOffice was killed, group and all
        office.timeout = 120
        pdf, = office.convert([quick], tmp_path / "after")
        assert office.starts == 2
        assert TEXT in _pdftotext(pdf)


def test_libreoffice_killed_under_a_conversion_is_restarted_and_the_document_retried(tmp_path):
    long = _docx(tmp_path / "long.docx", TEXT, paragraphs=3000)
    with office_session() as office:
        office.convert([_docx(tmp_path / "first.docx", TEXT)], tmp_path / "warm")
        group = office.process_group
        victim = _soffice_bin(group)
        killer = threading.Timer(0.5, os.kill, (victim, signal.SIGKILL))
        killer.start()
        try:
            pdf, = office.convert([long], tmp_path / "out")
        finally:
            killer.cancel()
        assert office.starts == 2, "the conversion was not interrupted; make the document longer"
        assert _pdftotext(pdf).count("借款合同") == 3000  # the whole document
        assert not _wait_until_gone(group)
        # LibreOffice dying between two batches is noticed on the next document too
        os.kill(_soffice_bin(office.process_group), signal.SIGKILL)
        pdf, = office.convert([_docx(tmp_path / "next.docx", "下一份")], tmp_path / "next")
        assert office.starts == 3 and "下一份" in _pdftotext(pdf)


def test_a_document_libreoffice_cannot_open_fails_alone(tmp_path):
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04 not really a document")
    good = _docx(tmp_path / "good.docx", TEXT)
    with office_session() as office:
        with pytest.raises(ConversionError, match=r"broken\.docx：LibreOffice"):
            office.convert([good, broken], tmp_path / "out")
        pdf, = office.convert([good], tmp_path / "out")
        assert TEXT in _pdftotext(pdf)


def test_no_libreoffice_is_left_after_an_error_in_the_block(tmp_path):
    source = _docx(tmp_path / "a.docx", TEXT)
    with pytest.raises(RuntimeError, match="caller failed"):
        with office_session() as office:
            office.convert([source], tmp_path / "out")
            group = office.process_group
            raise RuntimeError("caller failed")
    assert not _wait_until_gone(group)
    with pytest.raises(ConversionError, match="LibreOffice 会话已关闭"):
        office.convert([source], tmp_path / "again")


def test_no_libreoffice_is_left_after_sigterm_to_its_holder(tmp_path):
    source = _docx(tmp_path / "a.docx", TEXT)
    script = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from legaldocs.documents.office import office_session
        with office_session() as office:
            office.convert([Path({str(source)!r})], Path({str(tmp_path / 'out')!r}))
            print(office.process_group, office.private_folder, flush=True)
            time.sleep(600)
    """)
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        group, folder = holder.stdout.readline().split()
        group, folder = int(group), Path(folder)
        assert _live_processes(group), "LibreOffice should be running while its holder lives"
        assert (folder / "profile-0").is_dir()
        holder.send_signal(signal.SIGTERM)
        assert holder.wait(timeout=30) == -signal.SIGTERM
        assert not _wait_until_gone(group)
        deadline = time.monotonic() + 10
        while folder.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not folder.exists(), "the profile of the killed holder's LibreOffice was left behind"
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


def test_when_libreoffice_cannot_be_kept_running_batches_run_one_shot(tmp_path, caplog):
    source = _docx(tmp_path / "a.docx", TEXT)
    with office_session(start_timeout=0.001) as office:  # no LibreOffice answers within 1 ms
        pdf, = office.convert([source], tmp_path / "out")
        assert office.note is not None and "LibreOffice" in office.note
        assert office.process_group is None
    assert TEXT in _pdftotext(pdf)
    assert any("LibreOffice" in record.getMessage() for record in caplog.records)


def test_two_workers_share_a_batch_and_both_end(tmp_path):
    sources = [_docx(tmp_path / f"w{n}.docx", f"{TEXT}{MARKS[n]}") for n in range(5)]
    with office_session(workers=2) as office:
        office.convert(sources[:1], tmp_path / "one")
        assert office.starts == 1  # a one-document list starts only one LibreOffice
        pdfs = office.convert(sources, tmp_path / "all")
        groups = office.process_groups
        assert office.starts == 2 and len(groups) == 2 and office.converted == 6
    assert [pdf.name for pdf in pdfs] == [f"w{n}.pdf" for n in range(5)]
    for n, pdf in enumerate(pdfs):
        assert f"{TEXT}{MARKS[n]}" in _pdftotext(pdf)
    for group in groups:
        assert not _wait_until_gone(group)


def test_the_worker_says_so_when_its_python_lacks_the_uno_bridge(tmp_path):
    # the project's own interpreter has no uno module: the session would try the next candidate
    worker = ROOT / "legaldocs" / "documents" / "uno_worker.py"
    run = subprocess.run(
        [sys.executable, "-I", str(worker), find_soffice(), (tmp_path / "p").as_uri(), "never-used", "1000",
         str(tmp_path / "gone")],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 1
    reply = json.loads(run.stdout)
    assert reply["ready"] is False and reply["no_uno"] is True and "uno" in reply["error"]
