"""The same case and settings give the same bytes: the demo packet built twice (in this process
and as a separate program, seconds apart, into different folders, with another hash seed and
working folder) is identical file for file, and so is the evidence bundle assembled twice from
exhibits prepared twice. No file carries the clock: the dates inside are the filing date (or
1980-01-01 for the parts of a Word document and workbook, as Word dates them)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pikepdf
import pytest
import yaml

from evidence import assemble_bundle, prepare_exhibit
from evidence.packet import build_packet
from legaldocs.case.load import load_case
from legaldocs.documents.office import office_session
from legaldocs.filings.stages import evidence_groups

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo" / "case.yaml"
CLI = [sys.executable, "-m", "evidence.cli"]


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _differences(first: dict[str, bytes], second: dict[str, bytes]) -> list[str]:
    return sorted(name for name in first.keys() | second.keys() if first.get(name) != second.get(name))


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    """The demo packet built in this process, then, two seconds later, by the command line in
    another process (another PYTHONHASHSEED, another working folder, a deeper --out)."""
    root = tmp_path_factory.mktemp("rebuild")
    first = build_packet(DEMO, root / "first").folder
    time.sleep(2)
    out = root / "second" / "nested" / "out"
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(ROOT)}
    run = subprocess.run([*CLI, "packet", str(DEMO), "--out", str(out), "--quiet"], capture_output=True, text=True,
                         cwd=root, env=env, timeout=600)
    assert run.returncode == 0, run.stderr
    return first, out / first.name


def test_packet_rebuilt_is_identical_file_for_file(two_builds):
    first, second = two_builds
    a, b = _files(first), _files(second)
    assert len(a) > 20 and {"民事起诉状.docx", "民事起诉状.pdf", "证据材料.pdf", "欠款明细表.xlsx", "manifest.json",
                            "packet.zip", "packet.zip.sha256", "deadlines.json", "审查意见.md"} <= a.keys()
    assert any(name.startswith("online-filing/") for name in a)
    assert _differences(a, b) == []


def test_no_file_carries_the_clock(two_builds):
    folder, _ = two_builds
    filed = dt.date.fromisoformat(json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["filing_date"])
    stamp = f"D:{filed:%Y%m%d}000000Z"
    for pdf_path in sorted(folder.glob("*.pdf")):  # LibreOffice's documents, and the bundle
        with pikepdf.open(pdf_path) as pdf:
            info = {str(k): str(v) for k, v in pdf.docinfo.items()}
            assert "/Metadata" not in pdf.Root, pdf_path.name  # XMP: dates and random ids
            assert "/DocChecksum" not in pdf.trailer, pdf_path.name
            if pdf_path.name != "证据材料.pdf":
                assert info["/CreationDate"] == info["/ModDate"] == stamp, (pdf_path.name, info)
            else:
                assert "/CreationDate" not in info and "/ModDate" not in info
    for name in ("民事起诉状.docx", "证据目录.docx", "欠款明细表.xlsx"):
        with zipfile.ZipFile(folder / name) as package:
            assert {info.date_time for info in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}, name
            core = package.read("docProps/core.xml").decode("utf-8")
        assert re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]*)<", core) == [f"{filed}T00:00:00Z"] * 2, name
    with zipfile.ZipFile(folder / "packet.zip") as packet:
        entries = packet.infolist()
    names = [e.filename for e in entries]
    assert names == sorted(names)
    assert {e.date_time for e in entries} == {(filed.year, filed.month, filed.day, 0, 0, 0)}
    assert {e.external_attr >> 16 for e in entries} == {0o100644}


def test_bundle_assembled_twice_from_exhibits_prepared_twice_is_identical(two_builds, tmp_path):
    folder, _ = two_builds
    case = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    titles = {e["number"]: e["title"] for e in json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["exhibits"]}
    index = tmp_path / "证据目录.pdf"
    shutil.copyfile(folder / "证据目录.pdf", index)
    bundles = []
    for attempt in ("a", "b"):
        work = tmp_path / attempt / "work"
        exhibits = [prepare_exhibit(n, titles[n], [DEMO.parent / f for f in item["files"]], work / f"{n:02d}")
                    for n, item in enumerate(case["evidence"], start=1)]
        # grouped as the packet groups them (the outline nests each group's exhibits)
        groups = evidence_groups(load_case(DEMO, check_files=False).case.evidence)
        result = assemble_bundle(index, exhibits, tmp_path / attempt / "bundle" / "证据材料.pdf", groups=groups)
        bundles.append((result, [e.pdf.read_bytes() for e in exhibits]))
        time.sleep(1.1)
    (first, first_exhibits), (second, second_exhibits) = bundles
    assert first.page_count == second.page_count > len(case["evidence"])
    assert first_exhibits == second_exhibits
    assert first.path.read_bytes() == second.path.read_bytes()
    # the same pages as the packet's bundle, assembled there from the same exhibits
    assert first.path.read_bytes() == (folder / "证据材料.pdf").read_bytes()


def test_same_packet_from_a_libreoffice_kept_running_across_packets(two_builds, tmp_path):
    """LibreOffice numbers the fonts it embeds by a counter that runs on while it stays open;
    a packet built by a LibreOffice that has converted other documents before is still the same."""
    first, _ = two_builds
    with office_session() as office:
        office.convert([ROOT / "examples" / "demo" / "exhibits" / "03-loan-contract.docx"], tmp_path / "before")
        again = build_packet(DEMO, tmp_path / "out", office=office).folder
    assert _differences(_files(first), _files(again)) == []
