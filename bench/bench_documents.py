"""Benchmark of the documents: packets, filled templates and PDFs; prints seconds and ratios.

    .venv/bin/python bench/bench_documents.py [--count 200] [--sample 20]

(a) The filing packet of every example (examples/*/case.yaml; the rcNN ones use files from
    ../shared and are skipped with a message when it is absent): the packet as the command line
    builds it (its own LibreOffice, started and ended with it), the packet given a LibreOffice
    already running, and, next to them, the conversion of the packet's own Word files (its
    documents and Word exhibits) through a kept-running LibreOffice. Aim: the packet within 1.5x
    of that conversion.
(b) ``--count`` complaints (templates/complaint.docx, the demo's context built as the packet
    builds it) to .docx with :func:`render_docx` (template compiled once) next to a bare docxtpl
    loop on the same template (``DocxTemplate(path).render(ctx, jinja_env=env,
    autoescape=True)`` then ``save``, one environment made beforehand). Aim: 3x faster.
(c) Those complaints to PDF through one kept-running LibreOffice (its start-up and its restarts
    every 100 documents included), and through one per processor (at most 4) side by side, next
    to one ``soffice --convert-to`` run per document, timed on ``--sample`` documents and scaled.
    Aim: 8x faster.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

from docxtpl import DocxTemplate

from evidence import sniff
from evidence.errors import EvidenceError
from evidence.packet import build_packet
from legaldocs.case.load import load_case
from legaldocs.documents.office import docx_to_pdf, office_session
from legaldocs.documents.render import make_environment, render_docx
from legaldocs.documents.templates import template_folder, template_path
from legaldocs.filings.filing import build_filing
from legaldocs.filings.stages import Extras, stage_documents

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared"
DEMO = EXAMPLES / "demo" / "case.yaml"


def _timed(function):
    start = time.perf_counter()
    value = function()
    return value, time.perf_counter() - start


def _aim(ratio: float, aim: float, lower_is_better: bool) -> str:
    met = ratio <= aim if lower_is_better else ratio >= aim
    return f"{'met' if met else 'NOT met'} (aim {'<=' if lower_is_better else '>='} {aim}x)"


def _word_files_of(case_path: Path, packet: Path, into: Path) -> list[Path]:
    """Copies, under distinct names, of the packet's .docx documents and the case's Word exhibits."""
    into.mkdir()
    copies = []
    for n, document in enumerate(sorted(packet.glob("*.docx"))):
        copies.append(Path(shutil.copyfile(document, into / f"doc-{n:02d}.docx")))
    loaded = load_case(case_path)
    n = 0
    for item in loaded.case.evidence:
        for path in loaded.evidence_files[item.id]:
            try:
                kind = sniff.detect_kind(path)
            except EvidenceError:
                continue
            if kind in sniff.OFFICE_KINDS:
                copies.append(Path(shutil.copyfile(path, into / f"exhibit-{n:02d}{sniff.SUFFIXES[kind][0]}")))
                n += 1
    return copies


def bench_packets(root: Path) -> None:
    print("(a) packets as the command line builds them (own LibreOffice) and given a LibreOffice already"
          " running, each as a multiple of the conversion of the packet's Word files through a running"
          " LibreOffice")
    with office_session() as office:
        office.convert([_blank(root)], root / "warm-up")
        for case_path in sorted(EXAMPLES.glob("*/case.yaml")):
            name = case_path.parent.name
            if name.startswith("rc") and not SHARED.is_dir():
                print(f"  {name:6s} skipped: its exhibits are in ../shared, which is absent")
                continue
            out = root / f"packet-{name}"
            result, cold = _timed(lambda: build_packet(case_path, out))
            _, warm = _timed(lambda: build_packet(case_path, root / f"packet-{name}-warm", office=office))
            words = _word_files_of(case_path, result.folder, root / f"words-{name}")
            _, converting = _timed(lambda: office.convert(words, root / f"words-{name}-pdf"))
            print(f"  {name:6s} packet {cold:5.2f} s ({cold / converting:4.2f}x) | with LibreOffice running "
                  f"{warm:5.2f} s ({warm / converting:4.2f}x, {_aim(warm / converting, 1.5, True)}) | "
                  f"its {len(words)} Word files converted {converting:5.2f} s")


def _blank(root: Path) -> Path:
    import docx  # python-docx, only to make a one-line warm-up document

    document = docx.Document()
    document.add_paragraph("预热")
    path = root / "warm-up.docx"
    document.save(path)
    return path


def _complaint_context() -> tuple[Path, dict]:
    """templates/complaint.docx and the demo's variables, as evidence/packet.py builds them."""
    loaded = load_case(DEMO)
    filing = build_filing(loaded.case, source=str(DEMO))
    documents = stage_documents("suit", filing)
    complaint = documents[0]
    evidence_no = {item.id: i for i, item in enumerate(loaded.case.evidence, start=1)}
    attached = ["证据目录及证据材料一套"] + [d.title for d in documents[1:] if d.attached]
    context = complaint.context(filing, Extras(evidence_no=evidence_no, attachments=attached, stage="suit"))
    return template_path(complaint.template, template_folder(None)), context


def bench_docx(root: Path, count: int) -> list[Path]:
    template, context = _complaint_context()
    print(f"(b) {count} complaints ({template.name}, demo context) to .docx")
    cached_dir, bare_dir = root / "cached", root / "bare"
    cached_dir.mkdir()
    bare_dir.mkdir()
    env = make_environment()

    def cached():
        return [render_docx(template, context, cached_dir / f"complaint-{n:03d}.docx") for n in range(count)]

    def bare():
        for n in range(count):
            document = DocxTemplate(template)
            document.render(context, jinja_env=env, autoescape=True)
            document.save(bare_dir / f"complaint-{n:03d}.docx")

    outputs, cached_s = _timed(cached)
    _, bare_s = _timed(bare)
    with zipfile.ZipFile(outputs[-1]) as ours, zipfile.ZipFile(bare_dir / outputs[-1].name) as theirs:
        same = sorted(ours.namelist()) == sorted(theirs.namelist()) and all(
            ours.read(member) == theirs.read(member) for member in ours.namelist()
        )
    print(f"  compiled once {cached_s:6.2f} s ({cached_s / count * 1000:5.1f} ms each) | bare docxtpl loop "
          f"{bare_s:6.2f} s ({bare_s / count * 1000:5.1f} ms each) | {bare_s / cached_s:4.1f}x faster, "
          f"{_aim(bare_s / cached_s, 3, False)} | every part identical: {'yes' if same else 'NO'}")
    return outputs


def bench_pdf(root: Path, documents: list[Path], sample: int) -> None:
    print(f"(c) {len(documents)} complaints to PDF")
    sample_docs = documents[:sample]
    one_dir = root / "pdf-one-shot"

    def one_shot():
        for document in sample_docs:
            docx_to_pdf([document], one_dir)

    _, sample_s = _timed(one_shot)
    scaled = sample_s * len(documents) / len(sample_docs)
    print(f"  one soffice run per document: {sample_s:5.2f} s for a sample of {len(sample_docs)}, "
          f"scaled to {len(documents)}: {scaled:6.2f} s ({scaled / len(documents) * 1000:4.0f} ms each)")
    for workers in sorted({1, min(os.cpu_count() or 1, 4)}):
        with office_session(workers=workers) as office:
            _, kept_s = _timed(lambda: office.convert(documents, root / f"pdf-kept-{workers}"))
            starts, note = office.starts, office.note
        if note:
            print(f"  note: {note}")
        print(f"  kept-running LibreOffice x{workers} {kept_s:6.2f} s ({kept_s / len(documents) * 1000:4.0f} ms "
              f"each, {starts} start(s) included) | {scaled / kept_s:4.1f}x faster, {_aim(scaled / kept_s, 8, False)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="complaints in (b) and (c)")
    parser.add_argument("--sample", type=int, default=20, help="documents converted one run each in (c)")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-documents-") as name:
        root = Path(name)
        bench_packets(root)
        documents = bench_docx(root, arguments.count)
        bench_pdf(root, documents, min(arguments.sample, arguments.count))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
