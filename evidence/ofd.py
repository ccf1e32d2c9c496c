"""OFD e-documents (GB/T 33190) to PDF pages, for exhibits.

Chinese banks, courts and tax offices issue e-documents (电子回单, 电子发票, 电子判决书 ...) as
OFD: a ZIP package whose ``OFD.xml`` names a document (``Doc_0/Document.xml``), which lists its
pages (``Pages/Page_N/Content.xml``: text, paths, images in millimetres), templates, resources
(fonts, images), annotations and electronic seals (电子签章, ``Signs/``).

:func:`ofd_to_pdf` converts one such file into a PDF with one page per OFD page, of the OFD
page's size. The drawing of each page's objects is done by the easyofd library; this module
reads the package, resolves its structure as the standard defines it (page order, template
pages, resource paths relative to the file naming them, any namespace prefix) and fixes what
easyofd leaves wrong:

* **Fonts.** Text is drawn in Noto Serif CJK SC (思源宋体, Debian package fonts-noto-cjk),
  embedded as a subset of the characters the document uses (its CFF outlines converted to
  TrueType ones, which is what the PDF writer can embed): easyofd would otherwise draw with a
  Windows font name and fall back to an unembedded Helvetica without Chinese glyphs. The fonts
  an OFD names (宋体, 楷体 ...) are seldom embedded in it and are not used.
* **Size.** Pages keep their physical size (1 mm = 72/25.4 pt), not easyofd's 200 dpi scale.
* **Paths** are stroked and filled as each PathObject says (``Stroke``, ``Fill``, ``Rule``),
  in its own stroke and fill colours: easyofd strokes every path in its fill colour.
* **Errors.** A package easyofd cannot read is refused, never turned into its
  "format error" page; what it skips while drawing is counted and reported (below).

Hostile packages are refused by name (:class:`~evidence.errors.ExhibitError`) before anything
is drawn: more than :data:`MAX_MEMBERS` members, declared or actual uncompressed sizes above
:data:`MAX_UNPACKED_BYTES` in all (a ZIP bomb; every member is inflated with a running count, so
a member that inflates past its declared size is caught too), encrypted members, member names
that are absolute, climb out with ``..``, use backslashes or drive letters, or clash; no
``OFD.xml``; XML that is not well formed or declares a DTD or entities; references to parts the
package does not hold; no pages.

The conversion runs in a separate process (:mod:`evidence._ofd_worker`) with at most
:data:`MEMORY_LIMIT_BYTES` of address space and :data:`TIMEOUT_SECONDS`, in a scratch folder:
stopping the run stops it at once, and the library's process-wide settings (registered fonts,
log output) never touch ours.

What a clerk must know is returned as :class:`~evidence.errors.ExhibitNote`:
``ofd-converted`` (note: pages, the font used for the OFD's fonts), ``ofd-signature`` (check:
the seals are shown as pictures; whether the signatures are valid can only be verified on the
OFD file itself), ``ofd-content-lost`` (blocking: characters, images, paths or seals that could
not be drawn, by page), ``ofd-annotation-dropped`` (check: annotations other than stamps and
watermarks, which are not drawn).
"""

from __future__ import annotations

import json
import posixpath
import stat
import subprocess
import sys
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree
from xml.parsers import expat

from evidence.errors import ExhibitError, ExhibitNote
from legaldocs.i18n import _, get_language

__all__ = [
    "MAX_MEMBERS",
    "MAX_UNPACKED_BYTES",
    "MEMORY_LIMIT_BYTES",
    "OFD_NAMESPACE",
    "TIMEOUT_SECONDS",
    "OfdProblem",
    "is_ofd_package",
    "ofd_to_pdf",
    "parse_xml",
    "read_package",
    "resolve",
]

OFD_NAMESPACE = "http://www.ofdspec.org/2016"
#: Most members (files) a package may have.
MAX_MEMBERS = 5_000
#: Most bytes all members may take once inflated, declared and actual alike.
MAX_UNPACKED_BYTES = 256 * 2**20
#: Longest a conversion may take, in seconds, before it is stopped and the file refused.
TIMEOUT_SECONDS = 180
#: Most address space the conversion process may use.
MEMORY_LIMIT_BYTES = 4 * 2**30
#: The package's main file, at its root.
MAIN_FILE = "OFD.xml"

_CHUNK = 1 << 16
_WORKER = ("import sys; sys.path.insert(0, sys.argv.pop(1)); "
           "from evidence._ofd_worker import main; sys.exit(main(sys.argv[1:]))")
_MAX_NAME = 1024


class OfdProblem(Exception):
    """Why a package cannot be converted (a message for the clerk, already translated)."""


def is_ofd_package(names: Iterable[str]) -> bool:
    """True when a ZIP's member names include the OFD main file ``OFD.xml`` at the root."""
    return any(name == MAIN_FILE or name.lower() == MAIN_FILE.lower() for name in names)


# -- reading the package -------------------------------------------------------------------------


def read_package(path: Path) -> dict[str, bytes]:
    """Every member of the OFD package at ``path``, inflated, by name.

    Raises:
        OfdProblem: not a readable ZIP, too many members, a ZIP bomb (declared or actual
            sizes above :data:`MAX_UNPACKED_BYTES` in all, or a member inflating past its
            declared size), an encrypted member, a member name that is absolute, climbs out
            with ``..``, holds a backslash, a drive letter or a NUL, or clashes with another
            (ignoring case), or no ``OFD.xml`` at the root.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        raise OfdProblem(_("not a readable OFD package (a ZIP file): {error}").format(error=exc)) from exc
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        if len(infos) > MAX_MEMBERS:
            raise OfdProblem(_("the OFD package has {count} members, more than the {limit} accepted").format(
                count=len(infos), limit=MAX_MEMBERS))
        declared = sum(info.file_size for info in infos)
        if declared > MAX_UNPACKED_BYTES:
            raise OfdProblem(_("the OFD package would inflate to {size} MiB, more than the {limit} MiB accepted "
                               "(refused as a possible ZIP bomb)").format(
                size=-(-declared // 2**20), limit=MAX_UNPACKED_BYTES // 2**20))
        seen: dict[str, str] = {}
        for info in infos:
            _check_name(info)
            folded = info.filename.casefold()
            if folded in seen:
                raise OfdProblem(_("the OFD package holds two members named {name}").format(name=info.filename))
            seen[folded] = info.filename
        if MAIN_FILE not in seen.values():
            if MAIN_FILE.casefold() not in seen:
                raise OfdProblem(_("no {main} at the root of the package: not an OFD file").format(main=MAIN_FILE))
        members: dict[str, bytes] = {}
        budget = MAX_UNPACKED_BYTES
        for info in infos:
            data = _inflate(archive, info, budget)
            budget -= len(data)
            members[info.filename] = data
    if MAIN_FILE not in members:  # named in another case: take it as the main file
        members[MAIN_FILE] = members[seen[MAIN_FILE.casefold()]]
    return members


def _check_name(info: zipfile.ZipInfo) -> None:
    name = info.filename
    parts = name.split("/")
    unsafe = (
        not name
        or len(name) > _MAX_NAME
        or "\x00" in name
        or "\\" in name
        or name.startswith("/")
        or (len(name) > 1 and name[1] == ":")
        or any(part in ("..", ".") for part in parts)
        or any(":" in part for part in parts)
    )
    if unsafe:
        raise OfdProblem(_("the OFD package holds a member with an unsafe name ({name}): refused").format(
            name=repr(name)))
    if stat.S_ISLNK(info.external_attr >> 16):
        raise OfdProblem(_("the OFD package holds a symbolic link ({name}): refused").format(name=name))
    if info.flag_bits & 0x1:
        raise OfdProblem(_("the OFD package is encrypted ({name}); provide an unprotected copy").format(name=name))


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    """The member's bytes, read with a running count: never more than declared, nor than ``budget``."""
    limit = min(info.file_size, budget)
    chunks = []
    total = 0
    try:
        with archive.open(info) as member:
            while True:
                chunk = member.read(min(_CHUNK, limit - total + 1))
                if not chunk:
                    break
                total += len(chunk)
                if total > limit:
                    raise OfdProblem(_("{name} inflates beyond its declared size or the package's budget of "
                                       "{limit} MiB (refused as a possible ZIP bomb)").format(
                        name=info.filename, limit=MAX_UNPACKED_BYTES // 2**20))
                chunks.append(chunk)
    except OfdProblem:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as exc:
        raise OfdProblem(_("{name} in the OFD package is damaged: {error}").format(name=info.filename, error=exc)) from exc
    if total != info.file_size:
        raise OfdProblem(_("{name} in the OFD package is damaged: {actual} bytes instead of {declared}").format(
            name=info.filename, actual=total, declared=info.file_size))
    return b"".join(chunks)


def parse_xml(data: bytes, name: str) -> ElementTree.Element:
    """Parse one XML member; a DTD or entity declaration is refused (no entity expansion).

    Raises:
        OfdProblem: not well-formed XML, or it declares a DTD or entities.
    """
    parser = expat.ParserCreate(namespace_separator="}")

    def refuse(*args) -> None:
        raise OfdProblem(_("{name} declares a DTD or entities, which an OFD file never needs: refused").format(
            name=name))

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise OfdProblem(_("{name} is not well-formed XML: {error}").format(name=name, error=exc)) from exc
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise OfdProblem(_("{name} is not well-formed XML: {error}").format(name=name, error=exc)) from exc


def resolve(base_file: str, reference: str) -> str:
    """The member name a path inside the package refers to.

    A path starting with ``/`` is from the package root, any other is relative to the folder of
    ``base_file`` (the member that names it), as GB/T 33190 defines; backslashes count as
    slashes.

    Raises:
        OfdProblem: the path climbs out of the package.
    """
    reference = (reference or "").strip().replace("\\", "/")
    if reference.startswith("/"):
        joined = reference.lstrip("/")
    else:
        joined = posixpath.join(posixpath.dirname(base_file), reference)
    normal = posixpath.normpath(joined) if joined else ""
    if not normal or normal == "." or normal.startswith("../") or normal == "..":
        raise OfdProblem(_("{base} refers to {reference}, outside the package: refused").format(
            base=base_file, reference=reference))
    return normal


# -- conversion ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfdReport:
    """What the conversion process found: see :func:`ofd_to_pdf`."""

    pages: int
    fonts: tuple[str, ...]
    font_used: str
    lost_chars: dict[int, tuple[int, str]]
    lost_images: dict[int, int]
    lost_seals: dict[int, int]
    seals: int
    lost_paths: dict[int, int]
    dropped_annotations: dict[str, int]


def ofd_to_pdf(source: Path, out: Path, *, label: Path | None = None,
               notes: list[ExhibitNote] | None = None, timeout: float = TIMEOUT_SECONDS) -> int:
    """Convert the OFD file ``source`` into the PDF ``out``, one page per OFD page.

    Args:
        source: the OFD file.
        out: the PDF to write; its folder must exist and is used for the conversion's
            temporary files (removed).
        label: the file as the caller named it, for messages (defaults to ``source``).
        notes: what a clerk must know is appended (see the module's documentation).
        timeout: seconds the conversion may take.

    Returns:
        The number of pages written.

    Raises:
        ExhibitError: naming ``label``, when the package is hostile or damaged (see the
            module's documentation), has no pages, no CJK font is installed, or the
            conversion fails, exceeds its memory or takes longer than ``timeout``.
            ``out`` is then not written.
    """
    source = Path(source)
    out = Path(out)
    label = Path(label or source)
    report_path = out.with_name(out.name + ".report.json")
    # the worker imports this package from where this process has it, whatever its own folder
    command = [sys.executable, "-c", _WORKER, str(Path(__file__).resolve().parents[1]), str(source.resolve()),
               str(out.resolve()), str(report_path.resolve()), get_language(), str(MEMORY_LIMIT_BYTES)]
    try:
        try:
            completed = subprocess.run(
                command, cwd=out.parent, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise ExhibitError(label, _("converting the OFD file took longer than {seconds} s: refused").format(
                seconds=int(timeout))) from exc
        except OSError as exc:
            raise ExhibitError(label, _("cannot start the OFD conversion: {error}").format(error=exc)) from exc
        result = _read_report(report_path)
        if result is None or (completed.returncode != 0 and "error" not in result):
            detail = completed.stderr.decode("utf-8", "replace").strip().splitlines()
            reason = detail[-1] if detail else _("exit status {status}").format(status=completed.returncode)
            out.unlink(missing_ok=True)
            raise ExhibitError(label, _("the OFD file could not be converted: {reason}").format(reason=reason))
        if "error" in result:
            out.unlink(missing_ok=True)
            raise ExhibitError(label, result["error"])
    finally:
        report_path.unlink(missing_ok=True)
    report = OfdReport(
        pages=int(result["pages"]),
        fonts=tuple(result.get("fonts", ())),
        font_used=str(result.get("font_used", "")),
        lost_chars={int(k): (int(v[0]), str(v[1])) for k, v in result.get("lost_chars", {}).items()},
        lost_images={int(k): int(v) for k, v in result.get("lost_images", {}).items()},
        lost_seals={int(k): int(v) for k, v in result.get("lost_seals", {}).items()},
        seals=int(result.get("seals", 0)),
        lost_paths={int(k): int(v) for k, v in result.get("lost_paths", {}).items()},
        dropped_annotations={str(k): int(v) for k, v in result.get("dropped_annotations", {}).items()},
    )
    if notes is not None:
        notes.extend(_notes(report, label))
    return report.pages


def _read_report(path: Path) -> dict | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _pages_text(pages: Iterable[int]) -> str:
    return "、".join(f"第{page}页" for page in sorted(pages))


def _notes(report: OfdReport, label: Path) -> list[ExhibitNote]:
    """The clerk's notes for one converted OFD file (texts in Chinese, as the review list)."""
    file = str(label)
    fonts = "、".join(report.fonts) if report.fonts else "未注明"
    notes = [ExhibitNote(
        file, "ofd-converted",
        f"OFD 版式文件已转换为 PDF（{report.pages} 页），文字以 {report.font_used} 字体显示并嵌入"
        f"（原文件所用字体：{fonts}），版面位置与原文件一致；请与 OFD 阅读器显示的原件核对一遍。",
        "note")]
    if report.seals:
        notes.append(ExhibitNote(
            file, "ofd-signature",
            f"OFD 文件带有 {report.seals} 个电子签章：PDF 中只显示印章图像，电子签名是否有效无法在 PDF 中核验；"
            "如对方可能质疑真实性，请一并提交原 OFD 文件或出具验签结果。",
            "check"))
    lost = []
    for page, (count, sample) in sorted(report.lost_chars.items()):
        lost.append(f"第{page}页有 {count} 个字符未能显示（如「{sample}」）")
    for page, count in sorted(report.lost_images.items()):
        lost.append(f"第{page}页有 {count} 幅图像未能显示")
    for page, count in sorted(report.lost_seals.items()):
        lost.append(f"第{page}页有 {count} 个签章图像未能显示")
    for page, count in sorted(report.lost_paths.items()):
        lost.append(f"第{page}页有 {count} 处线条或图形未能显示")
    if lost:
        notes.append(ExhibitNote(
            file, "ofd-content-lost",
            "OFD 文件转换后内容不全：" + "；".join(lost) + "。请用 OFD 阅读器打印为 PDF 后替换本文件，或取得纸质原件。",
            "blocking"))
    if report.dropped_annotations:
        kinds = "、".join(f"{kind} {count} 个" for kind, count in sorted(report.dropped_annotations.items()))
        notes.append(ExhibitNote(
            file, "ofd-annotation-dropped",
            f"OFD 文件中的注释（{kinds}）未转入 PDF（只转入印章和水印注释）；请在 OFD 阅读器中查看是否有打印时可见的标注。",
            "check"))
    return notes
