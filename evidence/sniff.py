"""Recognise an exhibit file's type by its content (magic bytes), and check its name agrees.

The content decides. A file whose name has no suffix (e.g. one stored under its content hash)
is taken for what its content is; a file whose suffix names another type is refused, since a
scan named ``.pdf`` that is really a PNG usually means the wrong file was attached.

ZIP files are told apart by their members, read from the ZIP's directory without inflating
anything: a Word document (.docx) holds ``word/document.xml``, an OpenDocument text (.odt) a
``mimetype`` entry naming it, an OFD e-document (GB/T 33190: 电子发票, 电子回单, 电子判决书 ...)
``OFD.xml`` at its root. Other ZIPs (.xlsx, .ods, plain archives) are unsupported.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from evidence.errors import ExhibitError
from evidence.ofd import is_ofd_package
from legaldocs.i18n import N_, _

__all__ = ["KIND_LABELS", "OFFICE_KINDS", "IMAGE_KINDS", "detect_kind"]

#: What each kind is called in messages (English message ids: translate with ``_()`` where shown).
KIND_LABELS = {
    "pdf": N_("PDF"),
    "jpeg": N_("JPEG image"),
    "png": N_("PNG image"),
    "tiff": N_("TIFF image"),
    "docx": N_("Word document (.docx)"),
    "doc": N_("Word 97-2003 document (.doc)"),
    "odt": N_("OpenDocument text (.odt)"),
    "rtf": N_("RTF document"),
    "ofd": N_("OFD e-document (.ofd)"),
}

#: Suffixes (lower case) each kind may be named with.
SUFFIXES = {
    "pdf": (".pdf",),
    "jpeg": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "png": (".png",),
    "tiff": (".tif", ".tiff"),
    "docx": (".docx",),
    "doc": (".doc",),
    "odt": (".odt",),
    "rtf": (".rtf",),
    "ofd": (".ofd",),
}

OFFICE_KINDS = frozenset({"docx", "doc", "odt", "rtf"})
IMAGE_KINDS = frozenset({"jpeg", "png", "tiff"})

# The PDF header may follow some junk; readers look in the first 1024 bytes.
_PDF_WINDOW = 1024
_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
_ODT_MIME = b"application/vnd.oasis.opendocument.text"
# What tells each kind of ZIP package apart (see _zip_kind)
_ZIP_MEMBER = {"docx": "word/document.xml", "odt": "mimetype", "ofd": "OFD.xml"}


def detect_kind(path: Path) -> str:
    """Return the kind of exhibit file ``path`` is: a key of :data:`KIND_LABELS`.

    Raises:
        ExhibitError: the file is missing, empty, unreadable, of an unsupported type, or its
            suffix names a different type than its content.
    """
    path = Path(path)
    if not path.is_file():
        raise ExhibitError(path, _("file not found"))
    try:
        with path.open("rb") as handle:
            head = handle.read(_PDF_WINDOW)
    except OSError as exc:
        raise ExhibitError(path, _("cannot read file: {reason}").format(reason=exc.strerror or exc)) from exc
    if not head:
        raise ExhibitError(path, _("file is empty"))
    kind = _kind_of(path, head)
    suffix = path.suffix.lower()
    named = _kind_named(suffix)
    if kind is None and head.startswith(b"PK\x03\x04") and named in _ZIP_MEMBER:
        raise ExhibitError(path, _("not a readable {kind}: a ZIP package that is damaged or has no {member}").format(
            kind=_(KIND_LABELS[named]), member=_ZIP_MEMBER[named]))
    supported = ", ".join(sorted({s for names in SUFFIXES.values() for s in names}))
    if kind is None:
        raise ExhibitError(
            path,
            _("unsupported file type (content starts {head}); supported: {supported}").format(
                head=repr(head[:8]), supported=supported),
        )
    if suffix and suffix not in SUFFIXES[kind]:
        named = _kind_named(suffix)
        named_as = _(KIND_LABELS[named]) if named else _("another type")
        raise ExhibitError(
            path,
            _("content does not match the name: the content is {kind} but the suffix {suffix} says {named}; "
              "rename it to {proper} if it is the right file").format(
                kind=_(KIND_LABELS[kind]), suffix=suffix, named=named_as, proper=SUFFIXES[kind][0]),
        )
    return kind


def _kind_named(suffix: str) -> str | None:
    for kind, names in SUFFIXES.items():
        if suffix in names:
            return kind
    return None


def _kind_of(path: Path, head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(_OLE_MAGIC):
        return "doc"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(path)
    if b"%PDF-" in head:
        return "pdf"
    return None


def _zip_kind(path: Path) -> str | None:
    """A ZIP file is a .docx if it holds word/document.xml, an .odt by its mimetype entry, an
    OFD if it holds OFD.xml at its root."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "word/document.xml" in names:
                return "docx"
            if "mimetype" in names:
                with archive.open("mimetype") as entry:
                    if entry.read(len(_ODT_MIME) + 2).strip() == _ODT_MIME:
                        return "odt"
            if is_ofd_package(names):
                return "ofd"
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, NotImplementedError):
        return None
    return None
