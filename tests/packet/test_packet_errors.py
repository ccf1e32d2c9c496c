"""An invalid case or a bad exhibit leaves the output folder exactly as it was."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from evidence.packet import build_packet
from legaldocs.errors import CaseValidationError, LegalDocsError

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo" / "case.yaml"
CLI = [sys.executable, "-m", "evidence.cli"]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_invalid_case_lists_errors_and_writes_nothing(tmp_path, demo_variant):
    def spoil(data):
        data["parties"]["P1"]["id_number"] = "110105197904120132"
        data["claim"]["principal"] = "12.345"

    case = demo_variant(spoil)
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("earlier work")
    before = _snapshot(out)
    with pytest.raises(CaseValidationError) as info:
        build_packet(case, out)
    assert ("parties.P1.id_number", "校验位不符") in info.value.problems
    assert any(path == "claim.principal" for path, _ in info.value.problems)
    assert _snapshot(out) == before
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    missing = tmp_path / "never"
    with pytest.raises(CaseValidationError):
        build_packet(case, missing)
    assert not missing.exists()


def test_broken_exhibit_leaves_earlier_packet_untouched(tmp_path, demo_variant):
    out = tmp_path / "out"
    good = build_packet(DEMO, out)
    before = _snapshot(out)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 10)

    def spoil(data):
        data["evidence"][3]["files"] = [str(broken)]

    case = demo_variant(spoil)
    with pytest.raises(LegalDocsError, match="broken.pdf"):
        build_packet(case, out)
    assert _snapshot(out) == before
    assert good.folder.is_dir()


def test_cli_validate_and_packet(tmp_path, demo_variant):
    def spoil(data):
        data["creditor"]["uscc"] = "91310115MA1H7K3D23"
        data["loans"][0]["borrowers"] = ["P1", "P7"]

    bad = demo_variant(spoil)
    run = subprocess.run([*CLI, "validate", str(bad)], capture_output=True, text=True)
    assert run.returncode == 2
    assert "creditor.uscc: 校验位不符" in run.stderr
    assert "loans[0].borrowers[1]: 引用的当事人 'P7' 未定义" in run.stderr
    run = subprocess.run([*CLI, "packet", str(bad), "--out", str(tmp_path / "o")], capture_output=True, text=True)
    assert run.returncode == 2 and not (tmp_path / "o").exists()
    run = subprocess.run([*CLI, "packet", str(DEMO), "--out", str(tmp_path / "o"), "--quiet"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "DEMO-2025-001" in run.stdout and (tmp_path / "o" / "DEMO-2025-001" / "证据材料.pdf").is_file()
    run = subprocess.run([*CLI, "packet", str(DEMO), "--out", str(tmp_path / "o"), "--as-of", "2025-13-01"], capture_output=True, text=True)
    assert run.returncode == 2 and "--as-of" in run.stderr


def test_every_bad_exhibit_file_is_listed_by_field_path(tmp_path, demo_variant):
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes((ROOT / "examples/demo/exhibits/05-guarantee.pdf").read_bytes()[:300])
    renamed = tmp_path / "photo.pdf"
    renamed.write_bytes((ROOT / "examples/demo/exhibits/01-business-licence.png").read_bytes())

    def spoil(data):
        data["evidence"][1]["files"] = [str(truncated)]
        data["evidence"][4]["files"] = [data["evidence"][4]["files"][0], str(renamed)]

    case = demo_variant(spoil)
    out = tmp_path / "out"
    with pytest.raises(CaseValidationError) as info:
        build_packet(case, out)
    problems = dict(info.value.problems)
    assert "truncated.pdf" in problems["evidence[1].files[0]"]
    assert "photo.pdf" in problems["evidence[4].files[1]"]
    assert not out.exists()
    run = subprocess.run([*CLI, "validate", str(case), "--quiet"], capture_output=True, text=True)
    assert run.returncode == 2
    assert "evidence[1].files[0]" in run.stderr and "evidence[4].files[1]" in run.stderr


def test_filing_date_before_as_of_and_foreign_files(tmp_path):
    out = tmp_path / "out"
    run = subprocess.run([*CLI, "packet", str(DEMO), "--out", str(out), "--filing-date", "2025-06-01"],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "--filing-date" in run.stderr and not out.exists()
    result = build_packet(DEMO, out)
    (result.folder / "my-notes.txt").write_text("mine")
    with pytest.raises(LegalDocsError, match="my-notes.txt"):
        build_packet(DEMO, out)
    assert (result.folder / "my-notes.txt").read_text() == "mine"
    assert oct(result.folder.stat().st_mode & 0o777) == "0o755"
    assert all(p.stat().st_mode & 0o777 == (0o755 if p.is_dir() else 0o644) for p in result.folder.rglob("*") if p.name != "my-notes.txt")
    file_out = tmp_path / "afile"
    file_out.write_text("x")
    with pytest.raises(LegalDocsError, match="是文件"):
        build_packet(DEMO, file_out)
