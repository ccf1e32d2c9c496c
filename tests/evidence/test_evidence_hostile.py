"""Hostile and damaged exhibit files, each kind as a whole.

* Decoding runs within a budget (bytes a PDF's streams decode to, time, memory) in worker
  processes: decompression bombs are refused in seconds naming the file, a worker over its time
  or memory is killed, and SIGTERM stops ``legaldocs packet`` at once with no worker left.
* A damaged PDF that lost pages or content is refused with the pages it declares, found and
  intact; one repaired without loss is accepted with a ``repaired`` note; ``validate`` says both.
* Every image mode Pillow can write into a PNG or TIFF is bundled.

The bombs and damaged files are made here; the found files of ../shared/cases/found/exhibits are
used too where present (skipped with a message otherwise).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import os
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pikepdf
import pytest
import yaml
from PIL import Image
from pikepdf import Array, Dictionary, Name

from evidence import DecodeBudget, ExhibitError, assemble_bundle, prepare_exhibit
from evidence.decoding import decoded_size
from evidence.worker import Task, Workers

ROOT = Path(__file__).resolve().parents[2]
FOUND = ROOT / ".." / "shared" / "cases" / "found" / "exhibits"
SAMPLES = ROOT / ".." / "shared" / "evidence-samples"
DEMO = ROOT / "examples" / "demo" / "case.yaml"
CLI = [sys.executable, "-m", "evidence.cli"]
MIB = 1 << 20


def found(name: str) -> Path:
    path = FOUND / name
    if not path.is_file():
        pytest.skip(f"../shared/cases/found/exhibits not present: {path} is missing")
    return path


# -- making hostile files ------------------------------------------------------------------------


def _reversed_bits(code: int, width: int) -> int:
    return int(f"{code:0{width}b}"[::-1], 2)


def zero_zlib(size: int) -> bytes:
    """zlib data decoding to at least ``size`` zero bytes, made directly rather than compressed
    (4 GiB in a tenth of a second): one fixed-Huffman block holding a literal 0 and then copies
    of 258 bytes at distance 1, whose bits repeat every 8 copies (13 bytes)."""
    groups = max(2, -(-(size - 1) // (258 * 8)))
    copy = [(_reversed_bits(0b11000101, 8), 8), (0, 5)]  # length 258 (code 285), distance 1

    def block(count: int) -> bytes:
        fields = [(1, 1), (1, 2), (_reversed_bits(0x30, 8), 8)] + copy * (8 * count) + [(0, 7)]
        value = width = 0
        for bits, size_ in fields:  # deflate packs bits from the least significant
            value |= bits << width
            width += size_
        return value.to_bytes((width + 7) // 8, "little")

    two = block(2)
    period = two[2:15]
    body = two[:2] + period * (groups - 2) + two[2:]
    length = 1 + 258 * 8 * groups
    return b"\x78\x01" + body + (((length % 65521) << 16) | 1).to_bytes(4, "big")


def bomb_pdf(path: Path, decoded: int, layers: int = 3) -> Path:
    """A one-page PDF whose content stream is ``layers`` nested Flate layers of ``decoded``
    zero bytes (about; at least)."""
    data = zero_zlib(decoded)
    for _ in range(layers - 1):
        data = zlib.compress(data, 9)
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(595, 842))
    stream = pikepdf.Stream(pdf, b"")
    stream.write(data, filter=Array([Name.FlateDecode] * layers))
    page.obj.Contents = pdf.make_indirect(stream)
    # (qpdf would decode and re-encode the nested layers if it compressed streams)
    pdf.save(path, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return path


def object_stream_bomb(path: Path, padding: int) -> Path:
    """A PDF whose catalog, page tree and page lie in an object stream (two nested Flate
    layers) that decodes to them followed by ``padding`` zero bytes: qpdf decodes it whole to
    find any of them, before a check of the streams can run."""
    objects = [b"<< /Type /Catalog /Pages 3 0 R >>", b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 595 842] /Contents 5 0 R /Resources << >> >>"]
    index, body = b"", b""
    for number, text in zip((2, 3, 4), objects):
        index += b"%d %d " % (number, len(body))
        body += text + b"\n"
    decoded = index + body
    zeros = zero_zlib(padding)
    length = 1 + 258 * 8 * (-(-(padding - 1) // (258 * 8)))  # the zeros zero_zlib gives
    stored = b"\0" + len(decoded).to_bytes(2, "little") + (len(decoded) ^ 0xFFFF).to_bytes(2, "little") + decoded
    adler = zlib.adler32(decoded)
    low, high = adler & 0xFFFF, ((adler >> 16) + (adler & 0xFFFF) * length) % 65521
    data = zlib.compress(b"\x78\x01" + stored + zeros[2:-4] + ((high << 16) | low).to_bytes(4, "big"), 9)
    out = bytearray(b"%PDF-1.5\n")
    offsets = [len(out)]
    out += b"1 0 obj\n<< /Type /ObjStm /N 3 /First %d /Length %d /Filter [/FlateDecode /FlateDecode] >>\nstream\n" % (
        len(index), len(data)) + data + b"\nendstream\nendobj\n"
    offsets.append(len(out))
    out += b"5 0 obj\n<< /Length 5 >>\nstream\nBT ET\nendstream\nendobj\n"
    xref_at = len(out)
    rows = [b"\0" + bytes(4) + b"\xff\xff", b"\1" + offsets[0].to_bytes(4, "big") + bytes(2)]
    rows += [b"\2" + (1).to_bytes(4, "big") + i.to_bytes(2, "big") for i in range(3)]
    rows += [b"\1" + offsets[1].to_bytes(4, "big") + bytes(2), b"\1" + xref_at.to_bytes(4, "big") + bytes(2)]
    xref = b"".join(rows)
    out += b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 2 0 R /Length %d >>\nstream\n" % len(xref)
    out += xref + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at
    path.write_bytes(bytes(out))
    return path


def text_pdf(path: Path, pages: int, *, compress: bool = True, text: str = "page") -> Path:
    """``pages`` pages of text in Helvetica, one font object shared by them."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica))
    for number in range(1, pages + 1):
        page = pdf.add_blank_page(page_size=(595, 842))
        page.obj.Resources = Dictionary(Font=Dictionary(F1=font))
        page.obj.Contents = pdf.make_stream(f"BT /F1 24 Tf 72 720 Td ({text} {number}) Tj ET".encode())
    pdf.save(path, compress_streams=compress, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return path


def _page_texts(path: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return [page.strip() for page in out.split("\f")[:-1]]


# -- decoding, measured piece by piece -----------------------------------------------------------


def _lzw(data: bytes) -> bytes:
    """PDF LZW (early change) of ``data``, to check the decoder against qpdf's."""
    table = {bytes([i]): i for i in range(256)}
    width, out, acc, nbits = 9, bytearray(), 0, 0

    def emit(code: int) -> None:
        nonlocal acc, nbits
        acc, nbits = (acc << width) | code, nbits + width
        while nbits >= 8:
            nbits -= 8
            out.append((acc >> nbits) & 0xFF)
            acc &= (1 << nbits) - 1

    emit(256)
    word, next_code = b"", 258
    for byte in data:
        longer = word + bytes([byte])
        if longer in table:
            word = longer
            continue
        emit(table[word])
        if next_code < 4096:
            table[longer] = next_code
            next_code += 1
            if next_code + 1 > (1 << width) and width < 12:
                width += 1
        else:
            emit(256)
            table, next_code, width = {bytes([i]): i for i in range(256)}, 258, 9
        word = bytes([byte])
    emit(table[word])
    emit(257)
    if nbits:
        out.append((acc << (8 - nbits)) & 0xFF)
    return bytes(out)


def _run_length(data: bytes) -> bytes:
    out, at = bytearray(), 0
    while at < len(data):
        end = at
        while end < len(data) and end - at < 128 and data[end] == data[at]:
            end += 1
        if end - at >= 2:
            out += bytes([257 - (end - at), data[at]])
            at = end
        else:
            end = min(len(data), at + 128)
            out += bytes([end - at - 1]) + data[at:end]
            at = end
    return bytes(out + b"\x80")


SAMPLE_DATA = b"".join(
    [b"BT /F1 12 Tf 72 720 Td (evidence) Tj ET\n" * 300, bytes(range(256)) * 40, b"\0" * 5000, os.urandom(3000)] * 8)
ENCODINGS = {
    "/FlateDecode": zlib.compress(SAMPLE_DATA),
    "/LZWDecode": _lzw(SAMPLE_DATA),
    "/RunLengthDecode": _run_length(SAMPLE_DATA),
    "/ASCIIHexDecode": binascii.hexlify(SAMPLE_DATA) + b">",
    "/ASCII85Decode": base64.a85encode(SAMPLE_DATA, wrapcol=72) + b"~>",
}


@pytest.mark.parametrize("name", sorted(ENCODINGS))
def test_each_filter_is_measured_exactly_as_qpdf_decodes_it(name):
    encoded = ENCODINGS[name]
    pdf = pikepdf.new()
    stream = pikepdf.Stream(pdf, b"")
    stream.write(encoded, filter=Name(name))
    assert stream.read_bytes(pikepdf.StreamDecodeLevel.specialized) == SAMPLE_DATA  # the test's encoders are right
    assert decoded_size(encoded, [name], limit=1 << 40).size == len(SAMPLE_DATA)
    stopped = decoded_size(encoded, [name], limit=10_000)
    assert stopped.exceeded and stopped.size > 10_000


def test_a_chain_of_filters_is_measured_and_an_image_codec_ends_it():
    chained = base64.a85encode(zlib.compress(_lzw(SAMPLE_DATA))) + b"~>"
    result = decoded_size(chained, ["/ASCII85Decode", "/FlateDecode", "/LZWDecode"], limit=1 << 40)
    assert (result.size, result.exceeded, result.error) == (len(SAMPLE_DATA), False, None)
    jpeg_in_flate = zlib.compress(b"\xff\xd8" + b"x" * 1000)
    assert decoded_size(jpeg_in_flate, ["/FlateDecode", "/DCTDecode"], limit=1 << 40).size == 1002
    assert decoded_size(b"\xff\xd8whatever", ["/DCTDecode"], limit=1 << 40).size == 0


def test_corrupt_data_and_unknown_filters_are_errors_not_sizes():
    assert "incorrect header" in decoded_size(b"not zlib at all", ["/FlateDecode"], limit=1 << 40).error
    assert decoded_size(b"data", ["/NoSuchDecode"], limit=1 << 40).error == "unknown filter /NoSuchDecode"


def test_a_nested_bomb_is_stopped_after_decoding_the_limit():
    data = zlib.compress(zlib.compress(zero_zlib(4 << 30), 9), 9)
    assert len(data) < 1000
    start = time.monotonic()
    result = decoded_size(data, ["/FlateDecode"] * 3, limit=32 * MIB)
    assert result.exceeded and 32 * MIB < result.size <= 34 * MIB
    assert time.monotonic() - start < 5


# -- the byte and time budget --------------------------------------------------------------------


def test_decompression_bomb_is_refused_within_seconds_naming_the_file(tmp_path):
    bomb = bomb_pdf(tmp_path / "nested-flate.pdf", 4 << 30)  # 4 GiB in a few hundred bytes
    assert bomb.stat().st_size < 2000
    start = time.monotonic()
    with pytest.raises(ExhibitError) as refused:
        prepare_exhibit(1, "炸弹", [bomb], tmp_path / "work")
    elapsed = time.monotonic() - start
    assert refused.value.path == bomb
    assert "1000 MiB" in refused.value.reason  # the default budget, said in the message
    assert elapsed < 30, elapsed  # about 3 s on an idle machine: 1000 MiB decoded at ~300 MB/s
    assert [p.name for p in (tmp_path / "work").iterdir()] == []


def test_a_smaller_budget_refuses_sooner(tmp_path):
    bomb = bomb_pdf(tmp_path / "nested-flate.pdf", 4 << 30)
    start = time.monotonic()
    with pytest.raises(ExhibitError) as refused:
        prepare_exhibit(1, "炸弹", [bomb], tmp_path / "work", budget=DecodeBudget(decoded_mib=16))
    assert refused.value.path == bomb and "16 MiB" in refused.value.reason
    assert time.monotonic() - start < 10


def test_found_flate_bomb_is_refused_within_the_budget(tmp_path):
    bomb = found("flate-bomb.pdf")
    start = time.monotonic()
    with pytest.raises(ExhibitError) as refused:
        prepare_exhibit(1, "炸弹", [bomb], tmp_path / "work")
    assert refused.value.path == bomb and "MiB" in refused.value.reason
    assert time.monotonic() - start < 30


def test_found_slow_pdf_is_within_the_budget_or_refused_by_it(tmp_path):
    slow = found("slow.pdf")
    start = time.monotonic()
    try:
        exhibit = prepare_exhibit(1, "慢", [slow], tmp_path / "work")
    except ExhibitError as exc:
        assert exc.path == slow and "MiB" in exc.reason
    else:
        assert exhibit.page_count == 1
    assert time.monotonic() - start < 60


def test_a_task_over_its_time_is_killed_and_the_file_named(tmp_path):
    slow = bomb_pdf(tmp_path / "slow.pdf", 900 * MIB, layers=2)  # within 1000 MiB, seconds to decode
    start = time.monotonic()
    with pytest.raises(ExhibitError) as refused:
        prepare_exhibit(1, "慢", [slow], tmp_path / "work", budget=DecodeBudget(seconds=1, seconds_per_mib=1))
    assert refused.value.path == slow
    assert "2 秒" in refused.value.reason  # 1 s, and 1 s for its (first) MiB
    assert time.monotonic() - start < 15
    assert [p.name for p in (tmp_path / "work").iterdir()] == []
    # the next exhibit gets a new worker
    assert prepare_exhibit(2, "正常", [text_pdf(tmp_path / "ok.pdf", 2)], tmp_path / "work").page_count == 2


def test_an_image_over_the_memory_budget_is_refused_naming_the_file(tmp_path):
    side = 20_000  # a 400 MB grey image in a 2.5 MB PNG
    rows = zero_zlib((side + 1) * side)
    header = side.to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    png = tmp_path / "huge.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b""))
    with pytest.raises(ExhibitError) as refused:
        prepare_exhibit(1, "大图", [png], tmp_path / "work", max_image_pixels=side * side,
                        budget=DecodeBudget(memory_mib=256))
    assert refused.value.path == png and "256 MiB" in refused.value.reason


def test_an_object_stream_bomb_is_stopped_by_the_memory_budget(tmp_path):
    harmless = object_stream_bomb(tmp_path / "objstm.pdf", 100)
    assert prepare_exhibit(1, "对象流", [harmless], tmp_path / "ok").page_count == 1
    bomb = object_stream_bomb(tmp_path / "objstm-bomb.pdf", 16 << 30)  # 16 GiB behind the page tree
    start = time.monotonic()
    with pytest.raises(ExhibitError) as refused:
        prepare_exhibit(1, "对象流炸弹", [bomb], tmp_path / "work", budget=DecodeBudget(memory_mib=1024))
    assert refused.value.path == bomb  # qpdf ran out of the worker's memory and could not read it
    assert time.monotonic() - start < 30


def test_a_blank_page_is_no_lost_content(tmp_path):
    path = text_pdf(tmp_path / "blank.pdf", 2)
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        pdf.pages[1].obj.Contents = Array([])  # a page left blank on purpose
        pdf.save(path)
    exhibit = prepare_exhibit(1, "空白页", [path], tmp_path / "work")
    assert exhibit.page_count == 2 and not [n for n in exhibit.notes if n.kind == "repaired"]


def test_prepared_exhibits_hold_no_stream_the_bundle_would_decode(tmp_path):
    nested = bomb_pdf(tmp_path / "nested.pdf", 8 * MIB, layers=2)
    exhibit = prepare_exhibit(1, "双层压缩", [nested, text_pdf(tmp_path / "t.pdf", 1)], tmp_path / "work")
    with pikepdf.open(exhibit.pdf) as pdf:
        filters = {str(obj.get(Name.Filter)) for obj in pdf.objects if isinstance(obj, pikepdf.Stream)}
    # written once with a lone /FlateDecode: saving the bundle copies such streams as they are
    assert filters <= {"/FlateDecode", "None"}, filters
    result = assemble_bundle(_index_pdf(tmp_path), [exhibit], tmp_path / "bundle.pdf")
    assert result.page_count == 3


def _index_pdf(tmp_path: Path) -> Path:
    """A one-page index whose only text is drawn as paths (no font needed)."""
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(595, 842))
    page.obj.Contents = pdf.make_stream(b"0 0 0 rg 72 720 200 20 re f")
    pdf.save(tmp_path / "index.pdf")
    return tmp_path / "index.pdf"


# -- the workers themselves ----------------------------------------------------------------------


def test_a_worker_over_its_written_data_budget_is_stopped(tmp_path):
    with Workers(1) as workers:
        (result,) = workers.run([Task(Path.write_bytes, (tmp_path / "big.bin", bytes(3 * MIB)), label="big.bin")],
                                DecodeBudget(output_mib=1))
    assert isinstance(result, ExhibitError) and result.path == Path("big.bin") and "1 MiB" in result.reason


def test_a_worker_that_dies_is_reported_against_the_file():
    with Workers(1) as workers:
        died, after = workers.run([Task(os._exit, (3,), label="a.pdf"), Task(os.getpid, label="b.pdf")])
    assert isinstance(died, ExhibitError) and died.path == Path("a.pdf") and "3" in died.reason
    assert isinstance(after, int)  # the next task got a new worker


def test_an_interrupted_run_kills_its_workers_at_once():
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    with Workers(1) as workers:
        (pid,) = workers.run([Task(os.getpid)])
        previous = signal.signal(signal.SIGALRM, interrupt)
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        start = time.monotonic()
        try:
            with pytest.raises(KeyboardInterrupt):
                workers.run([Task(time.sleep, (60,), label="slow.pdf")])
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        assert time.monotonic() - start < 2
        assert not _alive(pid)


# -- SIGTERM stops a packet at once --------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found_ = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"evidence.worker" in cmdline:
            found_.append(int(entry.name))
    return found_


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _demo_case(tmp_path: Path, extra: list[Path]) -> Path:
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    for item in data["evidence"]:
        item["files"] = [str((DEMO.parent / f).resolve()) for f in item["files"]]
    for n, path in enumerate(extra, start=1):
        data["evidence"].append({"id": f"X{n}", "title": f"补充材料{n}", "files": [str(path)],
                                 "purpose": "证明有关事实", "group": "其他"})
    case = tmp_path / "case.yaml"
    case.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return case


def test_sigterm_stops_a_packet_at_once_and_leaves_no_worker(tmp_path):
    bombs = [bomb_pdf(tmp_path / f"bomb-{n}.pdf", 4 << 30) for n in range(6)]  # ~3 s each, 2 at a time
    case = _demo_case(tmp_path, bombs)
    run = subprocess.Popen([*CLI, "packet", str(case), "--out", str(tmp_path / "out"), "--quiet",
                            "--filing-date", "2025-07-10"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        workers: list[int] = []
        while time.monotonic() < deadline and run.poll() is None:
            workers = _children(run.pid)
            if workers:
                break
            time.sleep(0.1)
        assert workers, "no worker process was started"
        time.sleep(1)
        workers = sorted(set(workers) | set(_children(run.pid)))
        run.send_signal(signal.SIGTERM)
        start = time.monotonic()
        out, err = run.communicate(timeout=30)
        took = time.monotonic() - start
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    assert took < 2.5, took
    assert run.returncode == 128 + signal.SIGTERM, (run.returncode, err)
    assert "SIGTERM" in err, err
    time.sleep(0.2)
    assert [pid for pid in workers if _alive(pid)] == []
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


# -- damaged PDFs: refused with their page counts, or noted as repaired --------------------------


def test_found_truncated_pdf_is_refused_with_its_page_counts(tmp_path):
    truncated = found("truncated.pdf")
    with pytest.raises(ExhibitError) as refused:
        prepare_exhibit(1, "截断", [truncated], tmp_path / "work")
    assert refused.value.path == truncated
    reason = refused.value.reason
    assert "4" in reason and "0" in reason, reason  # declares 4 pages, 0 intact


def test_half_of_a_pdf_is_refused_with_the_pages_declared_found_and_intact(tmp_path):
    whole = text_pdf(tmp_path / "whole.pdf", 4).read_bytes()
    half = tmp_path / "half.pdf"
    half.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ExhibitError) as refused:
        prepare_exhibit(1, "截断", [half], tmp_path / "work")
    message = str(refused.value)
    assert message.startswith(str(half))
    assert "PDF 已损坏" in message
    assert "声明4页" in message and "找到4页" in message and "0页内容完整" in message, message


def test_found_broken_pdf_is_refused_by_name(tmp_path):
    broken = found("broken.pdf")
    with pytest.raises(ExhibitError) as refused:
        prepare_exhibit(1, "损坏", [broken], tmp_path / "work")
    assert refused.value.path == broken and "PDF 已损坏" in refused.value.reason


def test_first_400_bytes_of_a_pdf_are_refused_by_name(tmp_path):
    broken = tmp_path / "stub.pdf"
    broken.write_bytes(text_pdf(tmp_path / "whole.pdf", 4, compress=False).read_bytes()[:400])
    with pytest.raises(ExhibitError) as refused:
        prepare_exhibit(1, "损坏", [broken], tmp_path / "work")
    assert refused.value.path == broken


def test_a_pdf_repaired_without_loss_is_accepted_with_a_note(tmp_path):
    data = text_pdf(tmp_path / "good.pdf", 3).read_bytes()
    start = data.rindex(b"startxref")
    damaged = tmp_path / "badxref.pdf"
    damaged.write_bytes(data[:start] + b"startxref\n99999\n%%EOF\n")  # the cross-reference table lost
    exhibit = prepare_exhibit(1, "修复", [damaged], tmp_path / "work")
    assert exhibit.page_count == 3
    assert _page_texts(exhibit.pdf) == ["page 1", "page 2", "page 3"]
    (note,) = [n for n in exhibit.notes if n.kind == "repaired"]
    assert note.file == str(damaged) and note.severity == "check"
    assert "声明3页" in note.text and "3页内容完整" in note.text, note.text


def test_a_page_drawing_a_missing_font_is_refused(tmp_path):
    path = text_pdf(tmp_path / "nofont.pdf", 2)
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        del pdf.pages[1].obj.Resources.Font["/F1"]  # page 2 draws /F1, which is gone
        pdf.save(path)
    with pytest.raises(ExhibitError) as refused:
        prepare_exhibit(1, "缺字体", [path], tmp_path / "work")
    assert refused.value.path == path
    assert "内容缺失" in refused.value.reason and "2" in refused.value.reason


def test_a_page_drawing_a_missing_image_or_corrupt_content_is_refused(tmp_path):
    path = tmp_path / "noimage.pdf"
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(595, 842))
    page.obj.Resources = Dictionary(XObject=Dictionary())
    page.obj.Contents = pdf.make_stream(b"q 100 0 0 100 72 600 cm /Im0 Do Q")
    pdf.save(path)
    with pytest.raises(ExhibitError) as refused:
        prepare_exhibit(1, "缺图", [path], tmp_path / "work")
    assert refused.value.path == path
    corrupt = tmp_path / "corrupt.pdf"
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(595, 842))
    stream = pikepdf.Stream(pdf, b"")
    stream.write(b"x\x9c" + os.urandom(200), filter=Name.FlateDecode)
    page.obj.Contents = pdf.make_indirect(stream)
    pdf.save(corrupt)
    with pytest.raises(ExhibitError) as refused:
        prepare_exhibit(1, "坏内容", [corrupt], tmp_path / "work")
    assert refused.value.path == corrupt


def test_validate_reports_a_truncated_file_and_a_repaired_one(tmp_path):
    whole = text_pdf(tmp_path / "whole.pdf", 4).read_bytes()
    (tmp_path / "half.pdf").write_bytes(whole[: len(whole) // 2])
    data = text_pdf(tmp_path / "good.pdf", 2).read_bytes()
    (tmp_path / "badxref.pdf").write_bytes(data[: data.rindex(b"startxref")] + b"startxref\n99999\n%%EOF\n")
    refused = subprocess.run([*CLI, "validate", str(_demo_case(tmp_path, [tmp_path / "half.pdf"])), "--quiet"],
                             capture_output=True, text=True, timeout=600)
    assert refused.returncode == 2, refused.stderr
    assert "half.pdf" in refused.stderr and "声明4页" in refused.stderr, refused.stderr
    (tmp_path / "case.yaml").unlink()
    noted = subprocess.run([*CLI, "validate", str(_demo_case(tmp_path, [tmp_path / "badxref.pdf"])), "--quiet"],
                           capture_output=True, text=True, timeout=600)
    assert noted.returncode == 0, noted.stderr
    line = next(line for line in noted.stderr.splitlines() if "badxref.pdf" in line)
    assert "修复" in line and "2页内容完整" in line, line


# -- every image mode ----------------------------------------------------------------------------


PILLOW_MODES = ["1", "L", "LA", "La", "P", "PA", "RGB", "RGBA", "RGBa", "RGBX", "CMYK", "YCbCr", "LAB", "HSV",
                "I", "I;16", "I;16L", "I;16B", "I;16N", "F"]


def _mode_image(mode: str) -> Image.Image:
    """A 300 x 200 image of ``mode``: dark on the left half, light on the right."""
    light = {"1": 1, "I": 60000, "I;16": 60000, "I;16L": 60000, "I;16B": 60000, "I;16N": 60000, "F": 0.9}.get(mode, 230)
    dark = {"1": 0, "I": 2000, "I;16": 2000, "I;16L": 2000, "I;16B": 2000, "I;16N": 2000, "F": 0.1}.get(mode, 20)
    bands = len(Image.new(mode, (1, 1)).getbands())

    def value(level):
        if mode in ("LA", "La", "PA", "RGBA", "RGBa"):
            return (level,) * (bands - 1) + (255,)
        if mode == "CMYK":
            return (0, 0, 0, 255 - level)
        if mode == "YCbCr" or mode == "LAB" or mode == "HSV":
            return (level, 128, 128) if mode != "HSV" else (0, 0, level)
        return (level,) * bands if bands > 1 else level

    if mode in ("P", "PA"):  # palette images: from grey ones, so that the palette holds the greys
        return _mode_image("L" if mode == "P" else "LA").convert(mode)
    image = Image.new(mode, (300, 200), value(light))
    image.paste(Image.new(mode, (150, 200), value(dark)), (0, 0))
    return image


def test_every_image_mode_pillow_can_write_is_bundled(tmp_path):
    written = {}
    for mode in PILLOW_MODES:
        image = _mode_image(mode)
        for suffix, fmt in ((".png", "PNG"), (".tiff", "TIFF")):
            path = tmp_path / f"{mode.replace(';', '-')}{suffix}"
            try:
                image.save(path, format=fmt)
            except (OSError, ValueError, KeyError):
                continue
            written[path] = mode
    with_modes = {Image.open(path).mode for path in written}
    assert {"1", "L", "LA", "P", "PA", "RGB", "RGBA", "CMYK", "YCbCr", "LAB", "I", "I;16", "I;16B", "F"} <= with_modes
    exhibit = prepare_exhibit(1, "各种图像模式", sorted(written), tmp_path / "work")
    assert exhibit.page_count == len(written)
    subprocess.run(["pdftoppm", "-r", "20", "-gray", str(exhibit.pdf), str(tmp_path / "page")], check=True)
    for number, path in enumerate(sorted(written), start=1):
        shown = Image.open(next(tmp_path.glob(f"page-{number:0{len(str(len(written)))}d}.pgm")))
        width, height = shown.size
        # the image fills the page width within the margins: its dark half on the left
        left = shown.getpixel((int(width * 0.3), height // 2))
        right = shown.getpixel((int(width * 0.7), height // 2))
        assert left < 100 < right, (path.name, written[path], left, right)
