"""Inputs that once went wrong when the bundle was tried with hostile files: a page missing from
the page tree, a form whose Chinese value qpdf would redraw as question marks, an unembedded
Chinese font without a substitute in a packet, and a worker left running by a killed caller."""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pikepdf
import pytest
import yaml
from pikepdf import Array, Dictionary, Name

from evidence import ExhibitError, prepare_exhibit
from evidence.packet import build_packet

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo" / "case.yaml"


def _pdf(objects: list[bytes]) -> bytes:
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def test_a_page_missing_from_the_page_tree_is_refused_with_both_counts(tmp_path):
    content = b"0 0 1 rg 100 100 200 200 re f"
    path = tmp_path / "missing-kid.pdf"
    path.write_bytes(_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count 2 /Kids [3 0 R 6 0 R] >>",  # object 6 does not exist
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]))
    with pytest.raises(ExhibitError) as raised:
        prepare_exhibit(1, "缺页", [path], tmp_path / "work")
    assert "missing-kid.pdf" in str(raised.value)
    assert "2" in raised.value.reason and "1" in raised.value.reason


def _form(tmp_path: Path, value: str, *, appearance: bool, need: bool) -> Path:
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(595, 842))
    field = Dictionary(Type=Name.Annot, Subtype=Name.Widget, FT=Name.Tx, T=pikepdf.String("payee"),
                       V=pikepdf.String(value), Rect=Array([100, 700, 400, 730]), F=4,
                       DA=pikepdf.String("/Helv 12 Tf 0 g"))
    if appearance:  # the value drawn by the form's writer, in a vector shape qpdf would lose
        stream = pikepdf.Stream(pdf, b"0 0 1 rg 2 2 296 26 re f")
        stream.Type, stream.Subtype, stream.BBox = Name.XObject, Name.Form, Array([0, 0, 300, 30])
        field.AP = Dictionary(N=stream)
    field = pdf.make_indirect(field)
    page.obj.Annots = Array([field])
    pdf.Root.AcroForm = Dictionary(Fields=Array([field]), NeedAppearances=need,
                                   DR=Dictionary(Font=Dictionary(Helv=Dictionary(Type=Name.Font, Subtype=Name.Type1,
                                                                                  BaseFont=Name.Helvetica))))
    path = tmp_path / f"form-{appearance}-{need}.pdf"
    pdf.save(path)
    return path


def test_a_chinese_form_value_is_never_printed_as_question_marks(tmp_path):
    value = "上海示例律师事务所 收款一万五千元"
    kept = prepare_exhibit(1, "表单", [_form(tmp_path, value, appearance=True, need=True)], tmp_path / "a")
    text = subprocess.run(["pdftotext", str(kept.pdf), "-"], capture_output=True, text=True).stdout
    assert "?" not in text
    with pikepdf.open(kept.pdf) as pdf:  # the writer's own appearance is what prints
        assert b"0 0 1 rg" in b"".join(x.read_bytes() for x in pdf.pages[0].Resources.XObject.values()
                                       if isinstance(x, pikepdf.Stream))
    assert any(note.kind == "annotation-dropped" for note in kept.notes)
    bare = prepare_exhibit(1, "表单", [_form(tmp_path, value, appearance=False, need=False)], tmp_path / "b")
    text = subprocess.run(["pdftotext", str(bare.pdf), "-"], capture_output=True, text=True).stdout
    assert "?" not in text
    assert any(note.kind == "annotation-dropped" and "第1页" in note.text for note in bare.notes)


def test_a_packet_with_an_unembedded_chinese_font_without_substitute_is_built(tmp_path):
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(595, 842))
    font = Dictionary(Type=Name.Font, Subtype=Name.TrueType, BaseFont=Name("/SimSun"), Encoding=Name.WinAnsiEncoding)
    page.obj.Resources = Dictionary(Font=Dictionary(F1=font))
    page.obj.Contents = pikepdf.Stream(pdf, b"BT /F1 12 Tf 100 700 Td (Receipt 15000) Tj ET")
    exhibit = tmp_path / "simsun.pdf"
    pdf.save(exhibit)
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    for item in data["evidence"]:
        item["files"] = [str((DEMO.parent / f).resolve()) for f in item["files"]]
    data["evidence"].append({"id": "X1", "title": "收款凭证", "files": [str(exhibit)], "purpose": "付款事实"})
    case = tmp_path / "case.yaml"
    case.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = build_packet(case, tmp_path / "out", filing_date=dt.date(2025, 7, 10))
    assert any("simsun.pdf" in item.text for item in result.review)
    assert (result.folder / "证据材料.pdf").is_file()


def test_a_busy_worker_ends_when_its_caller_is_killed(tmp_path):
    script = tmp_path / "caller.py"
    script.write_text(f"""
import sys, time
sys.path.insert(0, {str(ROOT)!r})
from evidence.worker import Task, Workers
from evidence import DecodeBudget
workers = Workers(1)
print("ready", flush=True)
workers.run([Task(time.sleep, (120,), label="x")], DecodeBudget())
""")
    caller = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert caller.stdout.readline().strip() == "ready"
        time.sleep(1.5)
        children = subprocess.run(["pgrep", "-P", str(caller.pid)], capture_output=True, text=True).stdout.split()
        assert children, "no worker started"
        caller.kill()
        caller.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(os.path.exists(f"/proc/{pid}") for pid in children):
            time.sleep(0.2)
        left = [pid for pid in children if os.path.exists(f"/proc/{pid}")
                and b"Z" not in open(f"/proc/{pid}/stat", "rb").read().rsplit(b")", 1)[1][:3]]
        assert not left, f"worker {left} still running after its caller was killed"
    finally:
        if caller.poll() is None:
            caller.send_signal(signal.SIGKILL)
