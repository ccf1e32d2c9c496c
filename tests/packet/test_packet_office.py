"""One LibreOffice serves a whole packet: the Word exhibits, the documents and every 证据目录 pass."""

from __future__ import annotations

from pathlib import Path

from evidence import sniff
from evidence.packet import build_packet
from legaldocs.case.load import load_case
from legaldocs.documents.office import office_session

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo" / "case.yaml"


def test_one_libreoffice_converts_every_word_file_of_the_packet(tmp_path):
    loaded = load_case(DEMO)
    word_exhibits = [
        path
        for item in loaded.case.evidence
        for path in loaded.evidence_files[item.id]
        if sniff.detect_kind(path) in sniff.OFFICE_KINDS
    ]
    assert word_exhibits, "the demo should have Word exhibits"
    with office_session() as office:
        result = build_packet(DEMO, tmp_path / "out", office=office)
        documents = sorted(result.folder.glob("*.docx"))
        assert office.note is None
        assert office.starts == 1
        # every exhibit and document once, the 证据目录 once more for each extra pass
        assert office.converted >= len(word_exhibits) + len(documents)
        assert office.process_group is not None  # the caller's session outlives the packet
        for document in documents:
            assert document.with_suffix(".pdf").is_file()
