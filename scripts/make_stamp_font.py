"""Make evidence/data/stamp-font.ttf, the page numbers' and exhibit labels' font, from Noto Sans CJK SC.

    .venv/bin/python scripts/make_stamp_font.py [FONT]

FONT defaults to the Noto Sans CJK collection of Debian package fonts-noto-cjk
(:data:`evidence.stamp.SOURCE_FONT`). Only the glyphs the stamps use are kept (digits, space,
hyphen, em dash, 证, 据), as TrueType outlines (:func:`evidence.stamp.build_font`); the same
font gives the same bytes, which tests/evidence/test_evidence_stamps.py checks. The font is
under the SIL Open Font License 1.1, evidence/data/OFL.txt.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evidence.stamp import DEFAULT_FONT, SOURCE_FONT, build_font  # noqa: E402


def main() -> int:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE_FONT
    program = build_font(source)
    DEFAULT_FONT.write_bytes(program)
    print(f"{DEFAULT_FONT}: {len(program)} bytes from {source}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
