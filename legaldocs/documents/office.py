"""Word-processor documents to PDF with LibreOffice running headless.

LibreOffice (Debian package ``libreoffice-writer-nogui``) converts ``.docx``, ``.doc``, ``.odt``
and ``.rtf`` files to PDF, always with a private, throw-away user profile (so that parallel
workers never share, and never lock, a profile) that maps the Chinese fonts Word documents name
to the installed Noto CJK faces. Fonts are embedded in the PDF, including the 14 standard PDF
fonts, so that every Chinese glyph renders on machines that lack the fonts used.

Two ways:

* :func:`docx_to_pdf` starts one ``soffice`` for its list of files and ends it (about a second
  or two of start-up each time);
* :func:`office_session` keeps one LibreOffice running for many lists (a filing packet's
  exhibits, documents and index passes): each document then costs only its own conversion. It
  needs LibreOffice's Python bridge (Debian package ``python3-uno``), driven by the program
  ``uno_worker.py`` beside this module under the Python that has it; without it, or when
  LibreOffice does not start, the session says why in :attr:`OfficeSession.note` (also logged
  as a warning) and converts each list with :func:`docx_to_pdf` instead, with the same results.

The maintained ``unoserver`` package was weighed for the kept-running LibreOffice and not used:
its server waits a fixed five seconds after starting LibreOffice before it serves (longer than
a whole packet takes with the one-shot runs it would replace), listens on fixed TCP ports that
parallel workers would have to share out, must be importable by the distribution's Python rather
than the project's virtualenv, and did not exit on SIGTERM (it waited for its stopped
LibreOffice). The worker here talks to LibreOffice over a named pipe, private to the session.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import secrets
import select
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from xml.sax.saxutils import escape

from legaldocs import runs
from legaldocs.errors import ConversionError
from legaldocs.i18n import N_, _

__all__ = [
    "CONVERTIBLE_SUFFIXES",
    "OfficeSession",
    "docx_to_pdf",
    "find_soffice",
    "find_uno_python",
    "office_session",
]

#: File name suffixes LibreOffice Writer converts (lower case).
CONVERTIBLE_SUFFIXES = frozenset({".docx", ".doc", ".odt", ".rtf"})

_INSTALL_HINT = N_("install Debian package libreoffice-writer-nogui")

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
    raise ConversionError(_("LibreOffice (soffice) not found: {hint}").format(hint=_(_INSTALL_HINT)))


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
    sources = _checked_sources(sources)
    if not sources:
        return []
    soffice = find_soffice()
    out_dir = _output_folder(out_dir)

    # One private folder inside out_dir holds the throw-away profile (LibreOffice's temporary
    # files too) and the PDFs as they are written; nothing is written outside out_dir, and the
    # folder goes in every case. Its lock names the LibreOffice started, which a later run kills
    # if this process is killed first (legaldocs.runs).
    with runs.folder(out_dir, ".soffice-") as private:
        profile = private / "profile"
        staging = private / "pdf"
        staging.mkdir()
        _write_profile(profile, FONT_SUBSTITUTIONS)
        url = profile.resolve().as_uri()
        sockets = _pipe_sockets(_instance_pipe(url))
        command = [
            soffice,
            f"-env:UserInstallation={url}",
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
        try:
            output = _run(command, sources, timeout,
                          started=lambda group: runs.record(private, libreoffice=[group], sockets=sockets))
        finally:
            _remove_sockets(sockets)  # left by a LibreOffice killed on timeout
        produced: list[Path] = []
        for source in sources:
            pdf = staging / f"{source.stem}.pdf"
            if not _looks_like_pdf(pdf):
                detail = output.strip()[-_OUTPUT_TAIL:] or _("no output")
                raise ConversionError(_("{source}: LibreOffice produced no PDF ({detail})").format(source=source, detail=detail))
            produced.append(pdf)
        results = []
        for pdf in produced:
            target = out_dir / pdf.name
            os.replace(pdf, target)
            results.append(target)
    return results


def _checked_sources(sources: Sequence[Path]) -> list[Path]:
    """The sources as paths; ConversionError for a missing file, another type or a shared stem."""
    sources = [Path(source) for source in sources]
    stems: dict[str, Path] = {}
    for source in sources:
        if not source.is_file():
            raise ConversionError(_("{source}: file not found").format(source=source))
        if source.suffix.lower() not in CONVERTIBLE_SUFFIXES:
            allowed = ", ".join(sorted(CONVERTIBLE_SUFFIXES))
            kind = source.suffix or _("a file without suffix")
            raise ConversionError(_("{source}: cannot convert {kind} (expected {allowed})").format(
                source=source, kind=kind, allowed=allowed))
        if source.stem in stems:
            raise ConversionError(_("{source}: same name as {other}; both would become {pdf}").format(
                source=source, other=stems[source.stem], pdf=f"{source.stem}.pdf"))
        stems[source.stem] = source
    return sources


def _output_folder(out_dir: Path) -> Path:
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConversionError(_("{folder}: cannot create output folder: {error}").format(folder=out_dir, error=exc)) from exc
    return out_dir


def _write_profile(profile: Path, substitutions: dict[str, str]) -> None:
    """Seed the throw-away profile with a font replacement table (always applied, also in PDF),
    and LibreOffice's temporary folder inside it (``profile/tmp``, instead of the system's, where
    a killed LibreOffice would leave its ``lu*.tmp`` folders)."""
    pairs = "".join(
        f'<node oor:name="_{i}" oor:op="replace">'
        f'<prop oor:name="Always" oor:op="fuse"><value>true</value></prop>'
        f'<prop oor:name="OnScreenOnly" oor:op="fuse"><value>false</value></prop>'
        f'<prop oor:name="ReplaceFont" oor:op="fuse"><value>{escape(name)}</value></prop>'
        f'<prop oor:name="SubstituteFont" oor:op="fuse"><value>{escape(target)}</value></prop></node>'
        for i, (name, target) in enumerate(substitutions.items())
    )
    temporary = profile / "tmp"
    temporary.mkdir(parents=True, exist_ok=True)
    xcu = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        '<item oor:path="/org.openoffice.Office.Common/Font/Substitution">'
        '<prop oor:name="Replacement" oor:op="fuse"><value>true</value></prop></item>'
        f'<item oor:path="/org.openoffice.Office.Common/Font/Substitution"><node oor:name="FontPairs">{pairs}</node></item>'
        '<item oor:path="/org.openoffice.Office.Common/Path/Current">'
        f'<prop oor:name="Temp" oor:op="fuse"><value>{escape(temporary.resolve().as_uri())}</value></prop></item>'
        "<item oor:path=\"/org.openoffice.Office.Paths/Paths/org.openoffice.Office.Paths:NamedPath['Temp']\">"
        f'<prop oor:name="WritePath" oor:op="fuse"><value>{escape(temporary.resolve().as_uri())}</value></prop></item>'
        "</oor:items>\n"
    )
    user = profile / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(xcu, encoding="utf-8")


def _run(command: list[str], sources: list[Path], timeout: float, started: Callable[[int], None] | None = None) -> str:
    """Run soffice in its own process group (``started`` is told its id); return its combined output."""
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
        raise ConversionError(_("{names}: cannot start LibreOffice ({error}): {hint}").format(
            names=names, error=exc, hint=_(_INSTALL_HINT))) from exc
    try:
        if started is not None:
            started(process.pid)
        output, _errors = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        _kill_group(process)
        raise ConversionError(_("{names}: LibreOffice did not finish within {seconds} s").format(
            names=names, seconds=timeout)) from exc
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


def _pipe_sockets(*names: str) -> list[str]:
    """The socket files of LibreOffice's named pipes ``names`` (``/tmp/OSL_PIPE_<uid>_<name>``,
    in ``/var/tmp`` when ``/tmp`` cannot be written), which a LibreOffice ended with SIGKILL
    leaves behind: the caller removes them (:func:`_remove_sockets`)."""
    folder = "/tmp" if os.access("/tmp", os.W_OK) or not os.access("/var/tmp", os.W_OK) else "/var/tmp"
    return [f"{folder}/OSL_PIPE_{os.getuid()}_{name}" for name in names]


def _instance_pipe(profile_url: str) -> str:
    """The name of the pipe of the LibreOffice using the profile ``profile_url`` (through which
    a second start hands it its files): ``SingleOfficeIPC_`` and the MD5 of the URL in UTF-16,
    each byte in hexadecimal without padding, as LibreOffice makes it."""
    digest = hashlib.md5(profile_url.encode("utf-16-le"), usedforsecurity=False).digest()
    return "SingleOfficeIPC_" + "".join(format(byte, "x") for byte in digest)


def _clear_stale_pipes() -> None:
    """Remove the socket files of the pipes of sessions' LibreOffice killed earlier
    (``OSL_PIPE_<uid>_legaldocs-*``) on which nothing listens any more: no socket bound to the
    path is open (``/proc/net/unix``). Leaves everything as it is without ``/proc``."""
    try:
        lines = Path("/proc/net/unix").read_text(encoding="utf-8", errors="replace").splitlines()[1:]
    except OSError:
        return
    bound = {line.split(None, 7)[7] for line in lines if len(line.split(None, 7)) == 8}
    pattern = _pipe_sockets("legaldocs-")[0]
    folder, prefix = os.path.dirname(pattern), os.path.basename(pattern)
    try:
        names = [name for name in os.listdir(folder) if name.startswith(prefix)]
    except OSError:
        return
    _remove_sockets([path for path in (os.path.join(folder, name) for name in names) if path not in bound])


def _remove_sockets(paths: Sequence[str]) -> None:
    for path in paths:
        try:
            if stat.S_ISSOCK(os.lstat(path).st_mode):
                os.unlink(path)
        except OSError:
            pass


def _looks_like_pdf(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return b"%PDF-" in handle.read(1024)
    except OSError:
        return False


# --- LibreOffice kept running -------------------------------------------------------------------

_WORKER = Path(__file__).with_name("uno_worker.py")
_UNO_HINT = N_("install Debian package python3-uno")
_log = logging.getLogger(__name__)
_uno_python: dict[str, str] = {}  # soffice path -> the Python found for it
# Seconds the worker is given, beyond LibreOffice's own start-up, to report.
_START_MARGIN = 10


def find_uno_python() -> str:
    """Return a Python interpreter that can ``import uno`` (LibreOffice's Python bridge).

    Tries LibreOffice's own ``program/python`` (builds from libreoffice.org bundle one), then
    ``/usr/bin/python3`` and ``python3`` on the search path (Debian's ``python3-uno`` serves the
    distribution's Python). The project's own interpreter usually cannot load the bridge.

    Raises:
        ConversionError: LibreOffice is not installed, or no interpreter has the bridge (the
            message says to install Debian package ``python3-uno``).
    """
    soffice = find_soffice()
    for candidate in _python_candidates(soffice):
        try:
            probe = subprocess.run(
                [candidate, "-I", "-c", "import uno"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=60,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            _uno_python[soffice] = candidate
            return candidate
    raise ConversionError(_("no Python can use LibreOffice's uno bridge: {hint}").format(hint=_(_UNO_HINT)))


def _python_candidates(soffice: str) -> list[str]:
    """Interpreters that may have the uno bridge, best first: the one found already if any, else
    LibreOffice's own ``program/python``, ``/usr/bin/python3``, ``python3`` on the search path."""
    if soffice in _uno_python:
        return [_uno_python[soffice]]
    candidates = [Path(os.path.realpath(soffice)).parent / "python", Path("/usr/bin/python3")]
    on_path = shutil.which("python3")
    if on_path:
        candidates.append(Path(on_path))
    found: list[str] = []
    for candidate in candidates:
        if os.access(candidate, os.X_OK) and str(candidate) not in found:
            found.append(str(candidate))
    return found


class _WorkerGone(Exception):
    """The worker (and LibreOffice with it) ended or stopped answering properly."""


class _Worker:
    """One ``uno_worker.py`` process and its LibreOffice, leaders of their own process group."""

    def __init__(self, command: list[str], log: Path, sockets: Sequence[str] = ()) -> None:
        self.sockets = list(sockets)  # LibreOffice's pipes, removed when it is killed
        with log.open("ab") as stderr:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                start_new_session=True,
                bufsize=0,
            )
        self.converted = 0
        self.soffice_pid: int | None = None
        self._buffer = b""

    def send(self, message: dict) -> None:
        try:
            self.process.stdin.write(json.dumps(message).encode("ascii") + b"\n")
        except (BrokenPipeError, OSError) as exc:
            raise _WorkerGone(_("the worker is gone ({error})").format(error=exc)) from exc

    def receive(self, seconds: float) -> dict:
        """The next message; TimeoutError after ``seconds``; _WorkerGone if the worker ended."""
        deadline = time.monotonic() + seconds
        stdout = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            ready, _writable, _failed = select.select([stdout], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(stdout, 65536)
            if not chunk:
                raise _WorkerGone(_("LibreOffice stopped"))
            self._buffer += chunk
        line, _newline, self._buffer = self._buffer.partition(b"\n")
        try:
            return json.loads(line)
        except ValueError as exc:
            raise _WorkerGone(_("unreadable answer {line}").format(line=repr(line[:200]))) from exc

    def kill(self) -> None:
        """Kill the worker's whole process group (LibreOffice included), reap the worker and
        remove the pipes LibreOffice leaves when killed."""
        _kill_group(self.process)
        _remove_sockets(self.sockets)
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass


class _Slot:
    """One kept-running LibreOffice of a session: its worker, profile and log, and its restarts."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.worker: _Worker | None = None
        self.ready = False  # the worker reported LibreOffice answering
        self.deadline = 0.0  # time.monotonic() by which a starting worker must report
        self.python = ""  # the interpreter the worker runs under
        self.profile_ready = False
        self.starts = 0


class _Resources:
    """What a session owns, for its finaliser: the slots' workers and the private folder."""

    def __init__(self, slots: int) -> None:
        self.slots = [_Slot(number) for number in range(slots)]
        self.home: Path | None = None

    def release(self) -> None:
        for slot in self.slots:
            if slot.worker is not None:
                slot.worker.kill()
                slot.worker = None
        if self.home is not None:
            runs.release(self.home)
            self.home = None


class OfficeSession:
    """LibreOffice kept running for many conversions, each instance with its own throw-away profile.

    Use through :func:`office_session` (or call :meth:`close`). A LibreOffice starts when first
    needed (see ``eager``), in a process group of its own, with a private folder (profiles, logs) in the system's
    temporary folder; it is restarted after ``restart_every`` documents, when a document takes
    longer than ``timeout`` seconds (that document fails), and when it crashes (the document is
    then tried once more). :meth:`close`, the end of the ``with`` block, an error, or the end of
    the calling process in any way (SIGTERM, SIGKILL included: each worker watches its standard
    input and then removes the private folder too) kills every process group. Should a worker be
    killed with its caller, the LibreOffice left running is recorded in the lock of the private
    folder, and the next session started on the machine kills it and removes the folder
    (:mod:`legaldocs.runs`).

    ``workers`` LibreOffice instances (at most one per processor is sensible) convert the
    documents of one :meth:`convert` call side by side; the second and later ones start only for
    a call with several documents. One suits a filing packet, whose lists are short. With
    ``eager`` the first one is started at once, in the background, so that its start-up overlaps
    the caller's own work until the first conversion.

    When LibreOffice cannot be kept running (no ``python3-uno``, or it does not start within
    ``start_timeout`` seconds, twice), :attr:`note` says why, a warning is logged, and the
    documents are converted with :func:`docx_to_pdf` instead: same PDFs, slower.

    One :meth:`convert` at a time (calls from several threads wait for each other); give each
    worker process its own session.

    Attributes:
        timeout: seconds one document may take.
        start_timeout: seconds LibreOffice may take to start.
        restart_every: documents converted before a LibreOffice is restarted (at least 1).
        note: why the session converts with one-shot runs, or ``None`` while it keeps
            LibreOffice running.
        converted: documents converted by the kept-running LibreOffice instances.
    """

    def __init__(self, *, timeout: float = 120, start_timeout: float = 60, restart_every: int = 100,
                 workers: int = 1, eager: bool = True) -> None:
        if restart_every < 1:
            raise ValueError(f"restart_every must be at least 1, not {restart_every}")
        if workers < 1:
            raise ValueError(f"workers must be at least 1, not {workers}")
        self.timeout = timeout
        self.start_timeout = start_timeout
        self.restart_every = restart_every
        self.note: str | None = None
        self.converted = 0
        self._closed = False
        self._lock = threading.Lock()
        self._state_lock = threading.Lock()  # note, counters and the private folder
        self._resources = _Resources(workers)
        self._finalizer = weakref.finalize(self, self._resources.release)
        if eager:
            try:
                self._spawn(self._resources.slots[0])
            except ConversionError:
                pass  # reported by the first conversion, which tries again

    @property
    def starts(self) -> int:
        """How many times a LibreOffice was started."""
        return sum(slot.starts for slot in self._resources.slots)

    @property
    def process_group(self) -> int | None:
        """Process group id of the first running LibreOffice (and its worker), or ``None``."""
        groups = self.process_groups
        return groups[0] if groups else None

    @property
    def process_groups(self) -> list[int]:
        """Process group ids of the running LibreOffice instances (and their workers)."""
        return [slot.worker.process.pid for slot in self._resources.slots if slot.worker is not None]

    @property
    def private_folder(self) -> Path | None:
        """The session's folder (LibreOffice profiles and logs) while it exists, else ``None``."""
        return self._resources.home

    def convert(self, sources: Sequence[Path], out_dir: Path) -> list[Path]:
        """Convert word-processor documents to PDF, like :func:`docx_to_pdf` (same arguments
        and checks, same names, same all-or-nothing result in ``out_dir``), with the
        kept-running LibreOffice.

        Returns:
            The PDF paths, in the order of ``sources``; ``[]`` for no sources.

        Raises:
            ConversionError: naming the file, as :func:`docx_to_pdf` does; also when a document
                takes longer than ``timeout`` seconds or crashes LibreOffice twice, and when the
                session is closed. The session stays usable after a failed document.
        """
        sources = _checked_sources(sources)
        if not sources:
            return []
        out_dir = _output_folder(out_dir)
        with self._lock:
            if self._closed:
                raise ConversionError(_("{source}: the LibreOffice session is closed").format(source=sources[0]))
            if self.note is not None:
                return docx_to_pdf(sources, out_dir, timeout=self._one_shot_timeout(len(sources)))
            with runs.folder(out_dir, ".soffice-") as staging:
                self._convert_all(sources, staging)
                produced = []
                for source in sources:
                    pdf = staging / f"{source.stem}.pdf"
                    if not _looks_like_pdf(pdf):
                        raise ConversionError(_("{source}: LibreOffice produced no PDF").format(source=source))
                    produced.append(pdf)
                results = []
                for pdf in produced:
                    target = out_dir / pdf.name
                    os.replace(pdf, target)
                    results.append(target)
        return results

    def close(self) -> None:
        """Kill every LibreOffice (whole process groups) and remove the private folder; idempotent."""
        with self._lock:
            self._closed = True
            self._finalizer()

    def __enter__(self) -> OfficeSession:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- inside --------------------------------------------------------------------------------

    def _one_shot_timeout(self, documents: int) -> float:
        return self.start_timeout + self.timeout * documents

    def _convert_all(self, sources: list[Path], staging: Path) -> None:
        """Each source to ``staging/<stem>.pdf``, shared among the slots; the first failure (in
        the order of ``sources``) is raised once the documents under way are done."""
        slots = self._resources.slots[: len(sources)]
        pending = list(enumerate(sources))
        failures: dict[int, ConversionError] = {}
        leftovers: list[tuple[int, Path]] = []
        taking = threading.Lock()

        def drain(slot: _Slot) -> None:
            while True:
                with taking:
                    if not pending or failures:
                        return
                    position, source = pending.pop(0)
                if not self._running(slot):
                    with taking:
                        leftovers.append((position, source))
                    continue
                try:
                    self._convert_one(slot, source, staging / f"{source.stem}.pdf")
                except ConversionError as exc:
                    with taking:
                        failures[position] = exc

        if len(slots) == 1:
            drain(slots[0])
        else:
            threads = [threading.Thread(target=drain, args=(slot,)) for slot in slots]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        if failures:
            raise failures[min(failures)]
        if leftovers:  # no LibreOffice could be kept running: the rest in one run
            rest = [source for _, source in sorted(leftovers)]
            docx_to_pdf(rest, staging, timeout=self._one_shot_timeout(len(rest)))

    def _running(self, slot: _Slot) -> bool:
        """Make sure the slot's LibreOffice runs (starting or restarting it); False to fall back."""
        if self.note is not None:
            return False
        if slot.worker is not None and slot.worker.converted >= self.restart_every:
            self._stop(slot)
        reasons = []
        for _attempt in range(2):  # a profile left damaged by a killed LibreOffice is made anew
            try:
                if slot.worker is None:
                    self._spawn(slot)
                if not slot.ready:
                    self._await_ready(slot)
                return True
            except ConversionError as exc:
                reasons.append(str(exc))
                slot.profile_ready = False
                if _(_UNO_HINT) in str(exc):
                    break
        with self._state_lock:
            if self.note is None:
                self.note = _("LibreOffice could not be kept running ({reasons}); each batch of files is converted "
                              "by a LibreOffice started for it instead: the same result, more slowly.").format(
                    reasons="; ".join(reasons))
                _log.warning("%s", self.note)
        return False

    def _spawn(self, slot: _Slot) -> None:
        """Start the slot's worker and LibreOffice; :meth:`_await_ready` waits for them."""
        soffice = find_soffice()
        candidates = _python_candidates(soffice)
        if not slot.python:
            if not candidates:
                raise ConversionError(_("no Python to run LibreOffice's uno bridge: {hint}").format(hint=_(_UNO_HINT)))
            slot.python = candidates[0]
        with self._state_lock:
            if self._resources.home is None:  # clearing the profiles of dead runs' LibreOffice first
                self._resources.home = runs.make(Path(tempfile.gettempdir()), "legaldocs-office-")
                _clear_stale_pipes()
            home = self._resources.home
        profile = home / f"profile-{slot.number}"
        if not slot.profile_ready:
            shutil.rmtree(profile, ignore_errors=True)
            _write_profile(profile, FONT_SUBSTITUTIONS)
        pipe = f"legaldocs-{os.getpid()}-{secrets.token_hex(8)}"
        url = profile.resolve().as_uri()
        sockets = _pipe_sockets(pipe, _instance_pipe(url))
        command = [slot.python, "-I", str(_WORKER), soffice, url, pipe,
                   str(math.ceil(self.start_timeout * 1000)), str(home), *sockets]
        try:
            slot.worker = _Worker(command, self._log(slot), sockets)
        except OSError as exc:
            raise ConversionError(_("cannot start {python}: {error}").format(python=slot.python, error=exc)) from exc
        with self._state_lock:  # for a later run to kill, should this process die without doing so
            workers = [other.worker for other in self._resources.slots if other.worker is not None]
            runs.record(home, libreoffice=self.process_groups, sockets=[s for w in workers for s in w.sockets])
        slot.ready = False
        slot.deadline = time.monotonic() + self.start_timeout + _START_MARGIN
        slot.starts += 1

    def _await_ready(self, slot: _Slot) -> None:
        """Wait for the slot's starting LibreOffice; an interpreter without the uno bridge is
        replaced by the next candidate. ConversionError when it does not start."""
        while True:
            worker, log = slot.worker, self._log(slot)
            try:
                ready = worker.receive(max(slot.deadline - time.monotonic(), 0))
            except (TimeoutError, _WorkerGone) as exc:
                detail = str(exc) or _("no answer within {seconds} s").format(seconds=self.start_timeout)
                self._stop(slot)
                raise ConversionError(_("LibreOffice did not start: {detail}{log}").format(detail=detail, log=_tail(log))) from exc
            if ready.get("ready"):
                break
            self._stop(slot)
            if not ready.get("no_uno"):
                raise ConversionError(_("LibreOffice did not start: {detail}{log}").format(detail=ready.get("error"), log=_tail(log)))
            candidates = _python_candidates(find_soffice())
            following = candidates[candidates.index(slot.python) + 1:] if slot.python in candidates else []
            if not following:
                slot.python = ""
                raise ConversionError(_("no Python can use LibreOffice's uno bridge: {hint}").format(hint=_(_UNO_HINT)))
            slot.python = following[0]
            self._spawn(slot)
        worker.soffice_pid = ready.get("soffice_pid")
        slot.ready = True
        slot.profile_ready = True
        _uno_python[find_soffice()] = slot.python

    def _log(self, slot: _Slot) -> Path:
        return self._resources.home / f"worker-{slot.number}.log"

    @staticmethod
    def _stop(slot: _Slot) -> None:
        if slot.worker is not None:
            slot.worker.kill()
            slot.worker = None
        slot.ready = False

    def _convert_one(self, slot: _Slot, source: Path, target: Path) -> None:
        request = {"source": str(source.resolve()), "target": str(target.resolve())}
        for attempt in (1, 2):
            worker = slot.worker
            try:
                worker.send(request)
                reply = worker.receive(self.timeout)
            except TimeoutError:
                self._stop(slot)
                raise ConversionError(_("{names}: LibreOffice did not finish within {seconds} s").format(
                    names=source, seconds=self.timeout)) from None
            except _WorkerGone as exc:
                reply = {"ok": False, "fatal": True, "error": str(exc)}
            if reply.get("ok"):
                worker.converted += 1
                with self._state_lock:
                    self.converted += 1
                return
            if not reply.get("fatal"):
                raise ConversionError(_("{source}: LibreOffice produced no PDF ({detail})").format(source=source, detail=reply.get("error")))
            self._stop(slot)
            if attempt == 2 or not self._running(slot):
                raise ConversionError(_("{source}: LibreOffice stopped while converting it ({error})").format(
                    source=source, error=reply.get("error")))


@contextmanager
def office_session(*, timeout: float = 120, start_timeout: float = 60, restart_every: int = 100,
                   workers: int = 1, eager: bool = True) -> Iterator[OfficeSession]:
    """A :class:`OfficeSession` closed (every LibreOffice killed) when the block ends, however.

        with office_session() as office:
            office.convert([complaint_docx, index_docx], out_dir)
    """
    session = OfficeSession(timeout=timeout, start_timeout=start_timeout, restart_every=restart_every,
                            workers=workers, eager=eager)
    try:
        yield session
    finally:
        session.close()


def _tail(log: Path) -> str:
    try:
        text = log.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""
    return f" ({text[-_OUTPUT_TAIL:]})" if text else ""
