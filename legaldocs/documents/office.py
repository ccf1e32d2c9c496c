"""Word-processor documents to PDF with LibreOffice running headless.

LibreOffice (Debian package ``libreoffice-writer-nogui``) converts ``.docx``, ``.doc``, ``.odt``
and ``.rtf`` files to PDF. Each call starts one ``soffice`` process for its whole list of files,
with a private, throw-away user profile, so that parallel workers never share (and never lock)
a profile. Fonts are embedded in the PDF, including the 14 standard PDF fonts, so that every
Chinese glyph renders on machines that lack the fonts used.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from legaldocs.errors import ConversionError

__all__ = ["CONVERTIBLE_SUFFIXES", "docx_to_pdf", "find_soffice"]

#: File name suffixes LibreOffice Writer converts (lower case).
CONVERTIBLE_SUFFIXES = frozenset({".docx", ".doc", ".odt", ".rtf"})

_INSTALL_HINT = "install Debian package libreoffice-writer-nogui"

# Writer's PDF export filter; EmbedStandardFonts also embeds the 14 standard PDF fonts, which
# LibreOffice otherwise leaves out (JSON filter options need LibreOffice 7.4 or later).
_PDF_FILTER = 'pdf:writer_pdf_Export:{"EmbedStandardFonts":{"type":"boolean","value":"true"}}'

_CANDIDATES = (
    "/usr/bin/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
)

# Chinese fonts that Word documents name, and the installed fonts of the same style that
# LibreOffice is told to use instead (its font replacement table, in the throw-away profile).
# Without it fontconfig picks whatever CJK face it finds first (often a Japanese sans serif).
FONT_SUBSTITUTIONS: dict[str, str] = {
    **dict.fromkeys(("宋体", "SimSun", "新宋体", "NSimSun", "仿宋", "FangSong", "仿宋_GB2312", "楷体", "KaiTi",
                     "楷体_GB2312", "方正小标宋简体", "华文中宋", "STSong"), "Noto Serif CJK SC"),
    **dict.fromkeys(("黑体", "SimHei", "微软雅黑", "Microsoft YaHei", "等线", "DengXian"), "Noto Sans CJK SC"),
}

# Characters of soffice's output quoted in error messages.
_OUTPUT_TAIL = 800


def find_soffice() -> str:
    """Return the path of the LibreOffice ``soffice`` program.

    Looks on the program search path (``soffice``, then ``libreoffice``), then in the usual
    install folders.

    Raises:
        ConversionError: LibreOffice is not installed; the message says which Debian package
            to install.
    """
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in _CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    for folder in sorted(Path("/opt").glob("libreoffice*/program")):
        candidate = folder / "soffice"
        if os.access(candidate, os.X_OK):
            return str(candidate)
    raise ConversionError(f"LibreOffice (soffice) not found: {_INSTALL_HINT}")


def docx_to_pdf(sources: Sequence[Path], out_dir: Path, *, timeout: float = 180) -> list[Path]:
    """Convert word-processor documents to PDF with one LibreOffice run.

    Args:
        sources: ``.docx``, ``.doc``, ``.odt`` or ``.rtf`` files. No two may share a stem,
            since ``x.docx`` becomes ``out_dir/x.pdf``.
        out_dir: folder for the PDFs; created if missing. Existing PDFs of the same names are
            replaced. Each PDF appears there complete or not at all: LibreOffice writes into
            a private folder inside ``out_dir`` (which also holds its throw-away user
            profile), and the PDFs are renamed into place once all exist.
        timeout: seconds the whole run may take; on expiry the LibreOffice process group
            is killed.

    Returns:
        The PDF paths, in the order of ``sources``. An empty ``sources`` returns ``[]``
        without starting LibreOffice.

    Raises:
        ConversionError: naming the file, when a source is missing or of another type, two
            sources share a stem, LibreOffice is not installed (install Debian package
            ``libreoffice-writer-nogui``), the run times out, or an expected PDF was not
            produced. Nothing is left in ``out_dir`` for a run that fails as a whole.
    """
    sources = [Path(source) for source in sources]
    if not sources:
        return []
    stems: dict[str, Path] = {}
    for source in sources:
        if not source.is_file():
            raise ConversionError(f"{source}: file not found")
        if source.suffix.lower() not in CONVERTIBLE_SUFFIXES:
            allowed = ", ".join(sorted(CONVERTIBLE_SUFFIXES))
            kind = source.suffix or "a file without suffix"
            raise ConversionError(f"{source}: cannot convert {kind} (expected {allowed})")
        if source.stem in stems:
            raise ConversionError(
                f"{source}: same name as {stems[source.stem]}; both would become {source.stem}.pdf"
            )
        stems[source.stem] = source
    soffice = find_soffice()
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConversionError(f"{out_dir}: cannot create output folder: {exc}") from exc

    # One private folder inside out_dir holds the throw-away profile and the PDFs as they are
    # written; nothing is written outside out_dir, and the folder goes in every case.
    with tempfile.TemporaryDirectory(
        prefix=".soffice-", dir=out_dir, ignore_cleanup_errors=True
    ) as private:
        profile = Path(private) / "profile"
        staging = Path(private) / "pdf"
        staging.mkdir()
        _write_profile(profile, FONT_SUBSTITUTIONS)
        command = [
            soffice,
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--invisible",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--norestore",
            "--convert-to",
            _PDF_FILTER,
            "--outdir",
            str(staging),
            *(str(source.resolve()) for source in sources),
        ]
        output = _run(command, sources, timeout)
        produced: list[Path] = []
        for source in sources:
            pdf = staging / f"{source.stem}.pdf"
            if not _looks_like_pdf(pdf):
                detail = output.strip()[-_OUTPUT_TAIL:] or "no output"
                raise ConversionError(f"{source}: LibreOffice produced no PDF ({detail})")
            produced.append(pdf)
        results = []
        for pdf in produced:
            target = out_dir / pdf.name
            os.replace(pdf, target)
            results.append(target)
    return results


def _write_profile(profile: Path, substitutions: dict[str, str]) -> None:
    """Seed the throw-away profile with a font replacement table (always applied, also in PDF)."""
    pairs = "".join(
        f'<node oor:name="_{i}" oor:op="replace">'
        f'<prop oor:name="Always" oor:op="fuse"><value>true</value></prop>'
        f'<prop oor:name="OnScreenOnly" oor:op="fuse"><value>false</value></prop>'
        f'<prop oor:name="ReplaceFont" oor:op="fuse"><value>{escape(name)}</value></prop>'
        f'<prop oor:name="SubstituteFont" oor:op="fuse"><value>{escape(target)}</value></prop></node>'
        for i, (name, target) in enumerate(substitutions.items())
    )
    xcu = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        '<item oor:path="/org.openoffice.Office.Common/Font/Substitution">'
        '<prop oor:name="Replacement" oor:op="fuse"><value>true</value></prop></item>'
        f'<item oor:path="/org.openoffice.Office.Common/Font/Substitution"><node oor:name="FontPairs">{pairs}</node></item>'
        "</oor:items>\n"
    )
    user = profile / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(xcu, encoding="utf-8")


def _run(command: list[str], sources: list[Path], timeout: float) -> str:
    """Run soffice in its own process group; return its combined output."""
    names = ", ".join(str(source) for source in sources)
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except OSError as exc:
        raise ConversionError(
            f"{names}: cannot start LibreOffice ({exc}): {_INSTALL_HINT}"
        ) from exc
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        _kill_group(process)
        raise ConversionError(f"{names}: LibreOffice did not finish within {timeout} s") from exc
    except BaseException:
        _kill_group(process)
        raise
    return output.decode("utf-8", "replace")


def _kill_group(process: subprocess.Popen) -> None:
    """Kill soffice and every helper it started (its own process group), then reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


def _looks_like_pdf(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return b"%PDF-" in handle.read(1024)
    except OSError:
        return False
