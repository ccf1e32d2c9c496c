"""The same bytes from the same inputs, and checking them later.

Writing: every zip this project writes (a Word document's package, the statement's workbook,
a packet's ``packet.zip``) goes through :func:`zip_entry`: entries in the order given, each
dated by the caller (never by the clock: :data:`ZIP_EPOCH`, 1980-01-01 00:00, for the parts of
a document, as Word itself dates them; the filing date for a packet), with the permissions
``rw-r--r--``, made on Unix, compressed with Deflate. A zip written by a library that dates its
entries by the clock is rewritten with :func:`rezip`.

Checking: :func:`sha256_file` and :func:`file_entry` give the entries ``manifest.json``
records (path, SHA-256, size); :func:`compare_files` finds the files of a folder that are
missing or changed against such entries, for both ``legaldocs check`` and ``legaldocs verify``;
:func:`verify_packet` re-checks a whole packet folder against its manifest (outputs, extra
files, ``packet.zip`` and its ``.sha256``, and the case's inputs when they can be found).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import shutil
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from legaldocs.errors import LegalDocsError
from legaldocs.i18n import _

__all__ = [
    "PACKET_FILES",
    "ZIP_EPOCH",
    "Finding",
    "Verification",
    "compare_files",
    "file_entry",
    "read_manifest",
    "rezip",
    "sha256_file",
    "verify_packet",
    "zip_date",
    "zip_entry",
    "zip_file",
]

#: Date of the parts of a Word document or workbook: the first date a zip can hold (Word
#: dates every part of a .docx so).
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
#: Files of a packet folder that ``manifest.json`` cannot list among its outputs: itself, and
#: the zip of the folder with its checksum, written after it.
PACKET_FILES = ("manifest.json", "packet.zip", "packet.zip.sha256")
_PERMISSIONS = 0o644
_UNIX = 3
_CHUNK = 1 << 20


def zip_date(day: dt.date | None) -> tuple[int, int, int, int, int, int]:
    """The date of zip entries for ``day`` (midnight), :data:`ZIP_EPOCH` for ``None``; a zip
    cannot hold dates before 1980 or after 2107 (clamped to them)."""
    if day is None:
        return ZIP_EPOCH
    year = min(max(day.year, 1980), 2107)
    return (year, day.month, day.day, 0, 0, 0) if year == day.year else ZIP_EPOCH


def zip_entry(name: str, date_time: tuple[int, int, int, int, int, int] = ZIP_EPOCH) -> zipfile.ZipInfo:
    """A zip entry named ``name`` (``/``-separated) that carries nothing of the machine or the
    moment: dated ``date_time``, ``rw-r--r--``, made on Unix, Deflate-compressed."""
    info = zipfile.ZipInfo(name, date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = _UNIX
    info.external_attr = (0o100000 | _PERMISSIONS) << 16  # a regular file
    return info


def zip_file(archive: zipfile.ZipFile, path: Path, name: str,
             date_time: tuple[int, int, int, int, int, int] = ZIP_EPOCH) -> None:
    """Add the file ``path`` to ``archive`` as ``name`` (see :func:`zip_entry`), streamed."""
    info = zip_entry(name, date_time)
    info.file_size = Path(path).stat().st_size  # zip64 chosen when needed
    with open(path, "rb") as source, archive.open(info, "w") as target:
        shutil.copyfileobj(source, target, _CHUNK)


def rezip(data: bytes, out: Path, date_time: tuple[int, int, int, int, int, int] = ZIP_EPOCH) -> None:
    """Write the zip ``data`` (e.g. a workbook a library wrote in memory) to ``out`` with every
    entry's date, permissions and system fixed as :func:`zip_entry` does, in the same order
    and with the same contents."""
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for member in source.infolist():
            target.writestr(zip_entry(member.filename, date_time), source.read(member))


# -- checking -------------------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    """The SHA-256 of the file ``path``, in hexadecimal (read in 1 MiB pieces)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_entry(path: Path, name: str) -> dict:
    """The record of one file in ``manifest.json``: ``{"path": name, "sha256": ..., "size": bytes}``."""
    return {"path": name, "sha256": sha256_file(path), "size": Path(path).stat().st_size}


def compare_files(folder: Path, entries: Iterable[dict], *, confined: bool = True) -> list[tuple[str, str]]:
    """The files of ``entries`` (manifest records: ``path`` relative to ``folder``, ``sha256``,
    optionally ``size``) that are not as recorded, as ``(path, "missing" | "changed")`` in the
    order of ``entries``. With ``confined`` (a packet's own files) a path that leaves
    ``folder`` (absolute, or with ``..``) is ``"missing"``: nothing outside the folder is read
    for it; without (a case's inputs, named as the case file names them) such a path is
    followed."""
    found = []
    for entry in entries:
        name = str(entry["path"])
        path = Path(folder) / name
        if (confined and not _inside(name)) or not path.is_file():
            found.append((name, "missing"))
        elif ("size" in entry and path.stat().st_size != entry["size"]) or sha256_file(path) != entry["sha256"]:
            found.append((name, "changed"))
    return found


def _inside(name: str) -> bool:
    pure = PurePosixPath(name)
    return bool(name) and not pure.is_absolute() and ".." not in pure.parts and "\\" not in name


@dataclass(frozen=True)
class Finding:
    """One file of a packet not as built. ``file``: its path in the packet folder, the input
    as the case file names it, or ``packet.zip:<entry>``; ``kind``: ``changed``, ``missing`` or
    ``added``; ``where``: ``output`` (a file of the folder), ``input`` (a file of the case) or
    ``zip`` (packet.zip and its entries); ``message``: said in the reader's language."""

    file: str
    kind: str
    where: str
    message: str

    def as_dict(self) -> dict:
        return {"file": self.file, "kind": self.kind, "where": self.where, "message": self.message}


@dataclass(frozen=True)
class Verification:
    """What :func:`verify_packet` found. ``outputs``: files of the folder checked (those of
    the manifest and the zip); ``inputs``: inputs checked, ``None`` when they were not (their
    folder is absent); ``inputs_folder``: where the inputs were looked for (``None`` when the
    manifest records no folder and none was given)."""

    folder: Path
    findings: tuple[Finding, ...]
    outputs: int
    inputs: int | None
    inputs_folder: Path | None

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_dict(self) -> dict:
        return {"folder": str(self.folder), "ok": self.ok, "outputs_checked": self.outputs,
                "inputs_checked": self.inputs,
                "inputs_folder": str(self.inputs_folder) if self.inputs_folder is not None else None,
                "findings": [f.as_dict() for f in self.findings]}


def read_manifest(folder: Path) -> dict:
    """The ``manifest.json`` of the packet ``folder``. Raises LegalDocsError when the folder is
    absent or the manifest missing, unreadable or without its ``outputs``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise LegalDocsError(_("{folder}: no such folder").format(folder=folder))
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        if not isinstance(manifest, dict) or not isinstance(manifest["outputs"], list):
            raise TypeError("outputs")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LegalDocsError(_("{folder}: not a packet folder written by this tool (manifest.json missing or "
                               "incomplete: {error})").format(folder=folder, error=exc)) from exc
    return manifest


def verify_packet(folder: Path, inputs: Path | None = None) -> Verification:
    """Re-check the packet ``folder`` against its ``manifest.json``.

    Checked: every output the manifest lists is present with its SHA-256 and size; the folder
    holds no other file (besides ``manifest.json``, ``packet.zip``, ``packet.zip.sha256``);
    ``packet.zip`` has the SHA-256 of ``packet.zip.sha256`` and holds exactly the outputs and
    the manifest, each with the bytes of the folder's file; and the case's inputs (the case
    file and every exhibit file) are as they were, looked for in ``inputs`` when given, else
    in the manifest's ``inputs_relative_to`` (not checked when that folder is absent).

    Returns:
        :class:`Verification`, whose ``findings`` name each file changed, missing or added.

    Raises:
        LegalDocsError: ``folder`` is not a packet folder (no readable manifest.json), or
            ``inputs`` is given and is not a folder.
    """
    folder = Path(folder)
    sealed = _sealed_manifest(folder)
    try:
        manifest = read_manifest(folder)
    except LegalDocsError:
        if sealed is None or not (folder / "manifest.json").is_file():
            raise
        manifest = {}  # an edited manifest that no longer reads: the sealed copy is the reference
    findings: list[Finding] = []
    if sealed is not None and sealed != manifest:
        # the manifest itself was edited: the copy sealed in packet.zip (whose SHA-256 still
        # matches) is what the packet was built with, so every other file is checked against it
        findings.append(_finding("manifest.json", "changed", "output", _(
            "manifest.json: changed since the packet was built (differs from the copy in packet.zip); "
            "the other files are checked against that copy")))
        manifest = sealed
    outputs = [e for e in manifest["outputs"] if isinstance(e, dict) and "path" in e and "sha256" in e]
    for name, kind in compare_files(folder, outputs):
        findings.append(_finding(name, kind, "output"))
    expected = {str(e["path"]) for e in outputs} | set(PACKET_FILES)
    for name in _files_under(folder):
        if name not in expected:
            findings.append(_finding(name, "added", "output"))
    findings += _check_zip(folder, manifest, outputs)

    if inputs is not None and not Path(inputs).is_dir():
        raise LegalDocsError(_("{folder}: no such folder").format(folder=inputs))
    base = Path(inputs) if inputs is not None else Path(str(manifest.get("inputs_relative_to", "")))
    recorded = [e for e in manifest.get("inputs", []) if isinstance(e, dict) and "path" in e and "sha256" in e]
    inputs_folder = base if inputs is not None or manifest.get("inputs_relative_to") else None
    checked_inputs = None
    if inputs_folder is not None and base.is_dir():
        checked_inputs = len(recorded)
        for name, kind in compare_files(base, recorded, confined=False):
            findings.append(_finding(name, kind, "input"))
    return Verification(folder, tuple(findings), len(outputs) + len(PACKET_FILES), checked_inputs, inputs_folder)


def _sealed_manifest(folder: Path) -> dict | None:
    """The manifest inside ``packet.zip`` when the zip still has the SHA-256 of
    ``packet.zip.sha256`` and holds one readable manifest, else None."""
    zip_path, sums = folder / "packet.zip", folder / "packet.zip.sha256"
    try:
        recorded = sums.read_text(encoding="utf-8").split()[0]
        if not zip_path.is_file() or sha256_file(zip_path) != recorded:
            return None
        with zipfile.ZipFile(zip_path) as archive:
            names = [n for n in archive.namelist() if n.count("/") == 1 and n.endswith("/manifest.json")]
            if len(names) != 1:
                return None
            sealed = json.loads(archive.read(names[0]).decode("utf-8"))
    except (OSError, UnicodeDecodeError, IndexError, ValueError, zipfile.BadZipFile):
        return None
    return sealed if isinstance(sealed, dict) and isinstance(sealed.get("outputs"), list) else None


def _files_under(folder: Path) -> Iterator[str]:
    """Every file below ``folder`` (hidden ones too), as ``/``-separated relative paths, sorted."""
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file() or path.is_symlink():
            yield path.relative_to(folder).as_posix()


_MESSAGES = {
    ("output", "missing"): lambda f: _("{file}: missing from the packet").format(file=f),
    ("output", "changed"): lambda f: _("{file}: changed since the packet was built (SHA-256 or size differs "
                                       "from manifest.json)").format(file=f),
    ("output", "added"): lambda f: _("{file}: not part of the packet (added after it was built)").format(file=f),
    ("input", "missing"): lambda f: _("input {file}: missing (the case's file the packet was built from)").format(file=f),
    ("input", "changed"): lambda f: _("input {file}: changed since the packet was built").format(file=f),
}


def _finding(name: str, kind: str, where: str, message: str | None = None) -> Finding:
    return Finding(name, kind, where, message or _MESSAGES[(where, kind)](name))


def _check_zip(folder: Path, manifest: dict, outputs: list[dict]) -> list[Finding]:
    """packet.zip against packet.zip.sha256, and its entries against the files of the folder."""
    zip_path, sums = folder / "packet.zip", folder / "packet.zip.sha256"
    found = []
    for path in (zip_path, sums):
        if not path.is_file():
            found.append(_finding(path.name, "missing", "zip" if path == zip_path else "output"))
    if found:
        return found
    try:
        recorded = sums.read_text(encoding="utf-8").split()[0]
    except (OSError, UnicodeDecodeError, IndexError):
        recorded = ""
    if sha256_file(zip_path) != recorded:
        found.append(_finding("packet.zip", "changed", "zip",
                              _("packet.zip: does not match packet.zip.sha256 (changed since the packet was built)")))
    digests = {str(e["path"]): e["sha256"] for e in outputs}
    if (folder / "manifest.json").is_file():
        digests["manifest.json"] = sha256_file(folder / "manifest.json")
    prefix = f"{manifest.get('case_id', '')}/"
    try:
        with zipfile.ZipFile(zip_path) as archive:
            seen = set()
            for info in archive.infolist():
                if info.is_dir():
                    continue
                name = info.filename.removeprefix(prefix) if info.filename.startswith(prefix) else None
                label = f"packet.zip:{info.filename}"
                if name is None or name not in digests:
                    found.append(_finding(label, "added", "zip", _("{entry}: in packet.zip but not part of the packet").format(
                        entry=label)))
                    continue
                seen.add(name)
                digest = hashlib.sha256()
                with archive.open(info) as entry:
                    for chunk in iter(lambda: entry.read(_CHUNK), b""):
                        digest.update(chunk)
                if digest.hexdigest() != digests[name]:
                    found.append(_finding(label, "changed", "zip", _("{entry}: differs from {file} of the packet").format(
                        entry=label, file=name)))
            for name in sorted(set(digests) - seen):
                found.append(_finding(f"packet.zip:{prefix}{name}", "missing", "zip",
                                      _("packet.zip: lacks {file}").format(file=name)))
    except (OSError, zipfile.BadZipFile, RuntimeError, EOFError, zlib.error) as exc:
        found.append(_finding("packet.zip", "changed", "zip", _("packet.zip: cannot be read as a zip ({error})").format(
            error=exc)))
    return found

