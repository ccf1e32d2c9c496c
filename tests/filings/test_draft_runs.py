"""``draft`` writes through a staging folder of its run: a failure leaves the output folder as it
was (removed only if the run made it and it is empty), and the debris of a dead run there is
cleared while a live run's staging folder is kept."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from legaldocs import runs
from legaldocs.case.load import load_case
from legaldocs.errors import TemplateError
from legaldocs.filings.draft import draft

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo" / "case.yaml"


def _holder(out: Path, prefix: str) -> tuple[subprocess.Popen, Path]:
    """Another run's process holding a staging folder in ``out`` (with a half-written file)."""
    script = textwrap.dedent(f"""
        import time
        from pathlib import Path
        from legaldocs import runs
        staging, _made = runs.make_in(Path({str(out)!r}), {prefix!r})
        (staging / "催收通知书-陈立.docx").write_bytes(b"half")
        print(staging, flush=True)
        time.sleep(600)
    """)
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    return process, Path(process.stdout.readline().strip())


def test_draft_clears_a_dead_runs_staging_keeps_a_live_ones_and_leaves_none_of_its_own(tmp_path):
    out = tmp_path / "out"
    dead, dead_staging = _holder(out, f".DEMO-2025-001-demand_notice{runs.STAGING}")
    live, live_staging = _holder(out, f".DEMO-2025-001{runs.STAGING}")
    try:
        dead.kill()
        dead.wait()
        result = draft(load_case(DEMO).case, "demand_notice", out)
        assert not dead_staging.exists() and not Path(f"{dead_staging}{runs.LOCK}").exists()
        assert (live_staging / "催收通知书-陈立.docx").read_bytes() == b"half"
        written = sorted(p.name for p in (*result.docx, *result.pdf))
        assert written == ["催收通知书-陈立.docx", "催收通知书-陈立.pdf"]
        assert sorted(p.name for p in out.iterdir()) == sorted(
            [*written, live_staging.name, f"{live_staging.name}{runs.LOCK}"])
        assert all(p.parent == out and p.stat().st_size > 1000 for p in (*result.docx, *result.pdf))
    finally:
        live.kill()
        live.wait()


def test_a_failing_draft_leaves_the_output_folder_as_it_was(tmp_path):
    bank = tmp_path / "bank-templates"
    bank.mkdir()
    (bank / "demand_notice.docx").write_bytes(b"PK\x03\x04 not a Word file")
    case = load_case(DEMO).case
    new = tmp_path / "new" / "out"
    with pytest.raises(TemplateError):
        draft(case, "demand_notice", new, templates=bank)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bank-templates"]
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "notes.txt").write_text("earlier work")
    with pytest.raises(TemplateError):
        draft(case, "demand_notice", kept, templates=bank)
    assert sorted(p.name for p in kept.iterdir()) == ["notes.txt"]
