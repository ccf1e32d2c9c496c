"""Reading generated PDFs for tests: text per page, outline, fonts."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "evidence-samples"
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*/case.yaml"))


def needs_shared(case_path: Path) -> bool:
    return "shared/evidence-samples" in case_path.read_text(encoding="utf-8")


def example_params():
    """One pytest param per example case file; those that need ../shared skip where it is absent."""
    params = []
    for path in EXAMPLES:
        marks = []
        if needs_shared(path) and not SHARED.is_dir():
            reason = f"{SHARED} is absent: the real-case examples take their exhibits from ../shared/evidence-samples"
            marks.append(pytest.mark.skip(reason=reason))
        params.append(pytest.param(path, id=path.parent.name, marks=marks))
    return params


def page_texts(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(str(path)).pages]


def outline(path: Path) -> list[tuple[str, int]]:
    """Every bookmark as (title, 1-based page), in order, those nested under another (the
    exhibits of an evidence group) after it."""
    reader = PdfReader(str(path))
    items = []

    def walk(level) -> None:
        for item in level:
            if isinstance(item, list):
                walk(item)
            else:
                items.append((item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline)
    return items


def fonts(path: Path) -> list[tuple[str, bool]]:
    """(font name, embedded?) for every font used on any page, Type3 counted as embedded."""
    reader = PdfReader(str(path))
    seen: dict[str, bool] = {}

    def walk(resources, depth=0):
        if resources is None or depth > 8:
            return
        resources = resources.get_object()
        font_dict = resources.get("/Font")
        if font_dict is not None:
            for ref in font_dict.get_object().values():
                font = ref.get_object()
                name = str(font.get("/BaseFont", font.get("/Name", "?")))
                seen[name] = seen.get(name, False) or _embedded(font)
        xobjects = resources.get("/XObject")
        if xobjects is not None:
            for ref in xobjects.get_object().values():
                xo = ref.get_object()
                if xo.get("/Subtype") == "/Form":
                    walk(xo.get("/Resources"), depth + 1)

    for page in reader.pages:
        walk(page.get("/Resources"))
    return sorted(seen.items())


def _embedded(font) -> bool:
    if font.get("/Subtype") == "/Type3":
        return True
    if font.get("/Subtype") == "/Type0":
        font = font["/DescendantFonts"][0].get_object()
    descriptor = font.get("/FontDescriptor")
    if descriptor is None:
        return False
    descriptor = descriptor.get_object()
    return any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
