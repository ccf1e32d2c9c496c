"""Splitting the evidence bundle into volumes (分册) below a size limit, at exhibit boundaries.

Courts' online filing systems limit the size of each uploaded file (often 20 MB or 50 MB). With a
limit, the bundle is written as several files, 证据材料（第一册）.pdf, 证据材料（第二册）.pdf ...:

* exhibits stay whole and in order; each volume takes as many as fit below the limit (the first
  also holds the 证据目录);
* an exhibit larger than the limit on its own gets a volume of its own, and is reported;
* page numbers and exhibit numbers run on across volumes (volume 2 starts with the page after the
  last of volume 1), and the 证据目录 says which volume holds each exhibit.

The sizes are estimated before writing (an exhibit's PDF is copied into the bundle as it is
stored, plus its stamps), so that the index can name the volumes; the bundle's writer measures
the real sizes, and a volume found above the limit is planned again with them
(:func:`plan_volumes` ``sizes``).
"""

from __future__ import annotations

import re
from decimal import Decimal
from collections.abc import Sequence
from pathlib import Path

from evidence.errors import EvidenceError
from legaldocs.chinese import numeral
from legaldocs.i18n import _

__all__ = ["chinese_number", "estimated_bytes", "parse_size", "plan_volumes", "volume_name", "volume_title"]

# what the bundle adds to an exhibit's own PDF: each page's stamps and page dictionary, and the
# exhibit's object stream and bookmark; and to a volume: the stamp font, page tree, outline,
# cross-reference stream
_PER_PAGE_BYTES = 600
_PER_EXHIBIT_BYTES = 1024
_PER_VOLUME_BYTES = 32 * 1024
_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9, "gb": 10**9,
          "kib": 2**10, "mib": 2**20, "gib": 2**30}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$")


def parse_size(text: str) -> int:
    """A size such as ``20MB`` (20,000,000 bytes), ``50 MiB``, ``1.5GB`` or ``800000``, in bytes.

    MB, KB and GB are decimal (as courts state their limits, so that a file is never above what
    they mean); MiB, KiB and GiB binary.

    Raises:
        EvidenceError: not a size, or below 100 KB.
    """
    match = _SIZE.match(str(text).lower())
    if not match or match.group(2) not in _UNITS:
        raise EvidenceError(_("{text}: not a size; write it as 20MB, 50MB or 1GB").format(text=text))
    size = int(Decimal(match.group(1)) * _UNITS[match.group(2)])
    if size < 100_000:
        raise EvidenceError(_("{text}: a volume size limit must be at least 100KB").format(text=text))
    return size


def chinese_number(n: int) -> str:
    """``n`` (at least 1) in Chinese numerals: 一, 十二, 二十, 一百零五."""
    return numeral(n)


def volume_title(volume: int) -> str:
    """``第N册`` for volume ``volume`` (1-based)."""
    return f"第{chinese_number(volume)}册"


def volume_name(name: str, volume: int, count: int) -> str:
    """The file name of volume ``volume`` of ``count`` of the bundle ``name`` (e.g.
    ``证据材料.pdf``): the name itself when there is one volume, else ``证据材料（第二册）.pdf``."""
    if count <= 1:
        return name
    path = Path(name)
    return f"{path.stem}（{volume_title(volume)}）{path.suffix}"


def estimated_bytes(pdf: Path, pages: int) -> int:
    """What an exhibit (its PDF ``pdf`` of ``pages`` pages) adds to a bundle, in bytes."""
    return Path(pdf).stat().st_size + pages * _PER_PAGE_BYTES + _PER_EXHIBIT_BYTES


def plan_volumes(sizes: Sequence[int], max_bytes: int, *, index_bytes: int = 0) -> tuple[int, ...]:
    """The volume (1-based) of each exhibit, given what each adds to the bundle (``sizes``,
    bytes, in bundle order) and the 证据目录's size (``index_bytes``, in the first volume).

    Volumes are filled in order, a new one begun when the next exhibit would take the current
    one above ``max_bytes``; an exhibit above the limit on its own is alone in its volume (the
    first volume then holds only the index when the first exhibit is such a one).

    Raises:
        EvidenceError: ``max_bytes`` is not positive.
    """
    if max_bytes < 1:
        raise EvidenceError(_("a volume size limit must be positive, not {value}").format(value=max_bytes))
    plan: list[int] = []
    volume, used = 1, _PER_VOLUME_BYTES + index_bytes
    occupied = index_bytes > 0  # the current volume holds something already
    for size in sizes:
        if occupied and used + size > max_bytes:
            volume, used, occupied = volume + 1, _PER_VOLUME_BYTES, False
        plan.append(volume)
        used += size
        occupied = True
    return tuple(plan)
