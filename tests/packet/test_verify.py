"""``legaldocs verify DIR``: a packet re-checked against its manifest.json names every file
changed, missing or added (outputs, packet.zip and its entries, the case's inputs) and passes an
intact packet; the manifest lists the inputs, the exhibits' pages and every output."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from evidence.packet import build_packet
from legaldocs.documents.reproducible import verify_packet

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo"
CLI = [sys.executable, "-m", "evidence.cli"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The demo case copied to a folder of its own (case file and exhibits), and its packet."""
    root = tmp_path_factory.mktemp("verify")
    case_dir = root / "case"
    case_dir.mkdir()
    shutil.copyfile(DEMO / "case.yaml", case_dir / "case.yaml")
    shutil.copytree(DEMO / "exhibits", case_dir / "exhibits")
    result = build_packet(case_dir / "case.yaml", root / "out")
    return case_dir, result.folder


@pytest.fixture
def packet(built, tmp_path):
    """A copy of the built packet, free to spoil."""
    _, folder = built
    copy = tmp_path / folder.name
    shutil.copytree(folder, copy)
    return copy


@pytest.fixture
def inputs(built, tmp_path):
    """A copy of the case's folder, free to spoil (given to verify as --inputs)."""
    case_dir, _ = built
    copy = tmp_path / "inputs"
    shutil.copytree(case_dir, copy)
    return copy


def _run(*args):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, env=env, timeout=300)


def _found(result) -> set[tuple[str, str, str]]:
    return {(f.file, f.kind, f.where) for f in result.findings}


def test_manifest_lists_inputs_exhibit_pages_and_outputs(built):
    case_dir, folder = built
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs_relative_to"] == str(case_dir.resolve())
    inputs = manifest["inputs"]
    assert inputs[0]["path"] == "case.yaml" and inputs[0]["role"] == "case"
    for entry in inputs:
        data = (case_dir / entry["path"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["size"] == len(data)
    exhibit_files = [e for e in inputs[1:]]
    assert all(e["path"].startswith("exhibits/") and e["evidence"] and e["exhibit"] >= 1 for e in exhibit_files)
    # each exhibit: its pages in the bundle, consecutive, after the index, and its files as given
    exhibits = manifest["exhibits"]
    bundle_pages = len(PdfReader(str(folder / "证据材料.pdf")).pages)
    index_pages = len(PdfReader(str(folder / "证据目录.pdf")).pages)
    assert exhibits[0]["first_page"] == index_pages + 1 and exhibits[-1]["last_page"] == bundle_pages
    for before, after in zip(exhibits, exhibits[1:]):
        assert after["first_page"] == before["last_page"] + 1
    for e in exhibits:
        assert e["pages"] == e["last_page"] - e["first_page"] + 1
        assert e["files"] == [i["path"] for i in exhibit_files if i["exhibit"] == e["number"]]
    # every output with its hash, and nothing else in the folder but the manifest and the zip
    outputs = {e["path"]: e for e in manifest["outputs"]}
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert set(outputs) == on_disk - {"manifest.json", "packet.zip", "packet.zip.sha256"}
    for name, entry in outputs.items():
        data = (folder / name).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["size"] == len(data)


def test_intact_packet_passes(packet):
    result = verify_packet(packet)
    assert result.ok and result.findings == ()
    assert result.inputs == 12 and result.outputs > 20


def test_changed_output_caught_even_at_the_same_size(packet):
    pdf = packet / "民事起诉状.pdf"
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 0x01
    pdf.write_bytes(bytes(data))
    (packet / "审查意见.md").write_text("已处理", encoding="utf-8")
    assert _found(verify_packet(packet)) == {("民事起诉状.pdf", "changed", "output"), ("审查意见.md", "changed", "output")}


def test_missing_and_added_files_caught(packet):
    upload = next((packet / "online-filing").glob("01-*.pdf"))
    upload.unlink()
    (packet / "说明.txt").write_text("后加的", encoding="utf-8")
    (packet / "online-filing" / ".DS_Store").write_bytes(b"\0")
    found = _found(verify_packet(packet))
    assert found == {(f"online-filing/{upload.name}", "missing", "output"), ("说明.txt", "added", "output"),
                     ("online-filing/.DS_Store", "added", "output")}


def test_changed_and_missing_inputs_caught(packet, inputs):
    contract = inputs / "exhibits" / "05-guarantee.pdf"
    contract.write_bytes(contract.read_bytes() + b"\n% changed\n")
    (inputs / "exhibits" / "02-borrower-id.jpg").unlink()
    result = verify_packet(packet, inputs)
    assert _found(result) == {("exhibits/05-guarantee.pdf", "changed", "input"),
                              ("exhibits/02-borrower-id.jpg", "missing", "input")}
    assert result.inputs_folder == inputs


def test_inputs_not_found_are_not_checked(built, tmp_path):
    """A packet whose case folder has moved still verifies its own files, saying the inputs
    were not checked."""
    case_dir, _ = built
    moved = tmp_path / "case"
    shutil.copytree(case_dir, moved)
    folder = build_packet(moved / "case.yaml", tmp_path / "out").folder
    shutil.rmtree(moved)
    result = verify_packet(folder)
    assert result.ok and result.inputs is None and result.inputs_folder == moved.resolve()


def test_packet_zip_checked_against_its_checksum_and_the_folder(packet):
    manifest = packet / "manifest.json"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace('"stage": "suit"', '"stage": "other"'),
                        encoding="utf-8")
    zip_path = packet / "packet.zip"
    with zipfile.ZipFile(zip_path) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(zip_path, "w") as archive:  # one document replaced, one added inside the zip
        for info, data in members:
            archive.writestr(info, b"other" if info.filename.endswith("/证据目录.pdf") else data)
        archive.writestr("DEMO-2025-001/extra.pdf", b"%PDF-1.4")
    case_id = json.loads(manifest.read_text(encoding="utf-8"))["case_id"]
    found = _found(verify_packet(packet))
    assert found == {("packet.zip", "changed", "zip"), (f"packet.zip:{case_id}/证据目录.pdf", "changed", "zip"),
                     (f"packet.zip:{case_id}/manifest.json", "changed", "zip"),
                     (f"packet.zip:{case_id}/extra.pdf", "added", "zip")}


def test_not_a_packet_folder(tmp_path):
    run = _run("verify", tmp_path)
    assert run.returncode == 2 and "manifest.json" in run.stderr
    run = _run("verify", tmp_path / "absent", "--json")
    assert run.returncode == 2 and json.loads(run.stdout)["exit"] == 2


def test_command_line_passes_an_intact_packet_and_names_a_changed_input(packet, inputs):
    run = _run("verify", packet)
    assert run.returncode == 0, run.stderr
    assert "一致" in run.stdout and "12" in run.stdout
    receipt = inputs / "exhibits" / "04-loan-receipt.tiff"
    receipt.write_bytes(receipt.read_bytes()[:-1] + b"\x01")
    (packet / "证据材料.pdf").write_bytes(b"%PDF-1.4 replaced")
    run = _run("verify", packet, "--inputs", inputs)
    assert run.returncode == 2
    assert "exhibits/04-loan-receipt.tiff" in run.stdout and "证据材料.pdf" in run.stdout
    assert "不一致" in run.stderr
    run = _run("verify", packet, "--inputs", inputs, "--json")
    assert run.returncode == 2
    body = json.loads(run.stdout)
    assert body["ok"] is False and body["inputs_checked"] == 12
    assert {(f["file"], f["kind"], f["where"]) for f in body["findings"]} == {
        ("exhibits/04-loan-receipt.tiff", "changed", "input"), ("证据材料.pdf", "changed", "output")}
    assert all(f["message"] for f in body["findings"])


def test_check_and_verify_share_the_comparison(packet):
    """``legaldocs check`` names a changed document through the same comparison."""
    (packet / "诉讼费用计算表.docx").write_bytes((packet / "民事起诉状.docx").read_bytes())
    run = _run("check", packet)
    assert run.returncode == 1 and "诉讼费用计算表.docx" in run.stderr
    assert ("诉讼费用计算表.docx", "changed", "output") in _found(verify_packet(packet))


def test_an_edited_manifest_is_named_and_the_sealed_copy_is_the_reference(packet, inputs):
    """Editing an input's recorded size in manifest.json must not make verify say the case file
    changed: the manifest sealed in packet.zip (whose checksum still holds) is what the packet was
    built with, so the edited manifest is what is reported."""
    manifest = packet / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    case_entry = next(e for e in data["inputs"] if e["path"] == "case.yaml")
    case_entry["size"] += 1
    manifest.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    found = _found(verify_packet(packet, inputs))
    assert ("manifest.json", "changed", "output") in found
    assert not any(where == "input" for _, _, where in found)


def test_a_manifest_that_no_longer_reads_is_named_and_the_sealed_copy_used(packet):
    (packet / "manifest.json").write_text("{not json", encoding="utf-8")
    found = _found(verify_packet(packet))
    assert ("manifest.json", "changed", "output") in found
    assert not any(name != "manifest.json" and not name.endswith("manifest.json") for name, _, _ in found)
