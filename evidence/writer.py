"""A PDF written in one pass, object by object: how the evidence bundle is saved.

pikepdf (qpdf) holds a whole document in memory until it is saved, and copying a page from one
document to another reads every stream the page uses into memory: a bundle of 1 GB of scans
would need more than 1 GB. The bundle is therefore written here as it is assembled. Each source
PDF is opened in turn with pikepdf; the objects its pages use are written out under new numbers,
each stream's bytes as they are stored (never decoded or recompressed; a stream stored without a
filter is compressed), and the source is closed before the next one is opened. Memory is that
of one source and a few numbers per page, whatever the size of the bundle.

What is written: PDF 1.7; the objects other than streams gathered, 100 at a time, in compressed
object streams; one flat page tree; a cross-reference stream; the file ``/ID`` made from the
bytes written (SHA-256 of everything but the streams' data, and of a CRC-32 of each stream's
data, which is much faster on a gigabyte of scans), so the same input gives the same bytes. No
dates, no random ids.

Usage::

    with open(path, "wb") as handle:
        out = StreamingPdf(handle)
        pages = [out.reserve() for _ in range(page_count)]   # numbers known before writing
        with pikepdf.open(source) as pdf:
            copier = out.copier(pdf)
            for page, number in zip(pdf.pages, pages):
                out.write_page(copier, page, number)
        out.finish(pages, outline=..., info=...)

Objects of a source are renumbered by rewriting the references in qpdf's serialisation of each
object (:meth:`pikepdf.Object.unparse`), in which strings never hold an unescaped parenthesis,
so that a reference (``12 0 R``) is told apart from the text of a string or a name.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

import pikepdf
from pikepdf import Dictionary, Name

__all__ = ["Bookmark", "Copier", "StreamingPdf", "inherited", "pdf_text", "push_inherited"]

_OBJECTS_PER_STREAM = 100
_OBJECT_STREAM_BYTES = 1 << 18
_COMPRESS_LEVEL = 6
# a literal string (qpdf escapes the parentheses inside one), kept as it is, or a reference;
# a reference cannot be mistaken for part of a name (no spaces in one) or of a hex string
_TOKENS = re.compile(rb"\((?:[^\\()]|\\.)*\)|(?<![\w.+-])(\d+) (\d+) R(?![^\s/\[\]()<>{}%])", re.S)
# page dictionary entries never copied: the page tree is the writer's, the others are handled
# by the caller (inherited values are pushed onto the page first)
_PAGE_KEYS_NOT_COPIED = ("/Parent",)
_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")


def pdf_text(text: str) -> bytes:
    """``text`` as a PDF string token: PDFDocEncoding when it is ASCII, else UTF-16BE hex."""
    return pikepdf.String(text).unparse()


@dataclass
class Bookmark:
    """An outline entry: ``title`` going to output page object ``page`` (a number from
    :meth:`StreamingPdf.reserve`), with ``children`` nested under it (shown closed)."""

    title: str
    page: int
    children: list[Bookmark] = field(default_factory=list)


class StreamingPdf:
    """Writes a PDF to ``handle`` (a binary file opened for writing, positioned at its start).

    Objects are numbered from 1 with :meth:`reserve`; a number may be reserved before its object
    is written (pages are, so that links and the outline can point at pages not yet written),
    and every reserved number must be written before :meth:`finish`.
    """

    def __init__(self, handle: BinaryIO):
        self._handle = handle
        self._digest = hashlib.sha256()
        self._position = 0
        self._next = 1
        # per object number, its cross-reference entry: kind (0 not written yet, 1 at an offset,
        # 2 in an object stream), offset or object stream, index in it (compact: a few bytes each)
        self._kinds = bytearray(1)
        self._firsts = array("Q", [0])
        self._seconds = array("I", [0xFFFF])
        self._batch: list[tuple[int, bytes]] = []
        self._batch_bytes = 0
        self._pages_node = self.reserve()
        self._write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    # -- numbers and objects ------------------------------------------------------------------

    @property
    def pages_node(self) -> int:
        """Number of the page tree's root, the ``/Parent`` of every page."""
        return self._pages_node

    @property
    def size(self) -> int:
        """Bytes written so far (objects still waiting for their object stream not counted)."""
        return self._position

    @property
    def pending_bytes(self) -> int:
        """Bytes of objects waiting, uncompressed, for their object stream."""
        return self._batch_bytes

    def reserve(self) -> int:
        """A new object number, to be written later."""
        number = self._next
        self._next += 1
        self._kinds.append(0)
        self._firsts.append(0)
        self._seconds.append(0)
        return number

    def _entry(self, number: int, kind: int, first: int, second: int) -> None:
        self._kinds[number], self._firsts[number], self._seconds[number] = kind, first, second

    def write_object(self, number: int, body: bytes) -> None:
        """Write object ``number`` (not a stream) whose serialisation is ``body``.

        It goes into the current object stream, written out every 100 objects.
        """
        self._batch.append((number, body))
        self._batch_bytes += len(body) + 1
        if len(self._batch) >= _OBJECTS_PER_STREAM or self._batch_bytes >= _OBJECT_STREAM_BYTES:
            self._flush_batch()

    def flush_objects(self) -> None:
        """Write out the objects waiting for their object stream (e.g. at the end of a part
        whose size is to be measured with :attr:`size`)."""
        self._flush_batch()

    def write_stream(self, number: int, dictionary: bytes, data: bytes) -> None:
        """Write stream ``number``: ``dictionary`` (``<< ... >>`` without ``/Length``) and its
        stored bytes ``data``. A stream without ``/Filter`` is compressed (Flate) on the way."""
        if b"/Filter" not in dictionary and data:
            data = zlib.compress(data, _COMPRESS_LEVEL)
            dictionary = b"<< /Filter /FlateDecode " + dictionary[2:].lstrip()
        head = dictionary[:-2].rstrip() + b" /Length %d >>" % len(data)
        self._entry(number, 1, self._position, 0)
        self._write(b"%d 0 obj\n%s\nstream\n" % (number, head))
        self._handle.write(data)
        self._position += len(data)
        self._digest.update(b"%08x" % zlib.crc32(data))
        self._write(b"\nendstream\nendobj\n")

    def copier(self, source: pikepdf.Pdf) -> Copier:
        """A :class:`Copier` of objects from ``source`` (an open document) into this PDF."""
        return Copier(self, source)

    # -- pages --------------------------------------------------------------------------------

    def write_page(self, copier: Copier, page: pikepdf.Page, number: int, *, extra: bytes = b"") -> None:
        """Write ``page`` of ``copier``'s source as page object ``number``, with everything it
        uses. Values the page inherits from its page tree are written on the page itself.
        ``extra``: serialised entries added to the page dictionary (e.g. ``b"/Annots [...]"``),
        references in them being this PDF's numbers."""
        obj = page.obj
        push_inherited(obj)
        copier.bind(obj, number)
        entries = Dictionary({key: value for key, value in obj.items() if key not in _PAGE_KEYS_NOT_COPIED})
        body = copier.serialise(entries)
        tail = b" " + extra if extra else b""
        self.write_object(number, b"<< /Parent %d 0 R %s%s >>" % (self._pages_node, body[2:-2].strip(), tail))
        copier.write_pending()

    # -- end ----------------------------------------------------------------------------------

    def finish(
        self,
        pages: Sequence[int],
        *,
        outline: Sequence[Bookmark] = (),
        info: dict[str, str] | None = None,
        catalog: bytes = b"",
    ) -> None:
        """Write the page tree (``pages``: the page objects in order), the outline, the document
        information (``info``: e.g. ``{"Title": "证据材料"}``), the catalog (``catalog``: more
        serialised entries for it) and the cross-reference stream; flush the file."""
        self.write_object(self._pages_node, b"<< /Type /Pages /Count %d /Kids [%s] >>" % (
            len(pages), b" ".join(b"%d 0 R" % page for page in pages)))
        entries = [b"/Type /Catalog", b"/Pages %d 0 R" % self._pages_node]
        if outline:
            root = self.reserve()
            first, last, count = self._bookmarks(outline, root)
            self.write_object(root, b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>" % (first, last, count))
            entries += [b"/Outlines %d 0 R" % root, b"/PageMode /UseOutlines"]
        if catalog:
            entries.append(catalog)
        root_number = self.reserve()
        self.write_object(root_number, b"<< " + b" ".join(entries) + b" >>")
        info_number = None
        if info:
            info_number = self.reserve()
            self.write_object(info_number, b"<< " + b" ".join(
                b"/%s %s" % (key.encode("ascii"), pdf_text(value)) for key, value in sorted(info.items())) + b" >>")
        self._flush_batch()
        missing = [n for n in range(1, self._next) if not self._kinds[n]]
        if missing:
            raise ValueError(f"objects reserved but never written: {missing[:10]}")
        self._write_xref(root_number, info_number)
        self._handle.flush()

    def _bookmarks(self, items: Sequence[Bookmark], parent: int) -> tuple[int, int, int]:
        """Write ``items`` under ``parent``; return (first, last, visible count)."""
        numbers = [self.reserve() for _ in items]
        visible = len(items)
        for position, (item, number) in enumerate(zip(items, numbers)):
            parts = [b"/Title " + pdf_text(item.title), b"/Parent %d 0 R" % parent,
                     b"/Dest [%d 0 R /Fit]" % item.page]
            if position:
                parts.append(b"/Prev %d 0 R" % numbers[position - 1])
            if position + 1 < len(items):
                parts.append(b"/Next %d 0 R" % numbers[position + 1])
            if item.children:
                first, last, count = self._bookmarks(item.children, number)
                parts += [b"/First %d 0 R" % first, b"/Last %d 0 R" % last, b"/Count %d" % -count]
            self.write_object(number, b"<< " + b" ".join(parts) + b" >>")
        return numbers[0], numbers[-1], visible

    # -- low level ----------------------------------------------------------------------------

    def _write(self, data: bytes) -> None:
        self._handle.write(data)
        self._digest.update(data)
        self._position += len(data)

    def _flush_batch(self) -> None:
        if not self._batch:
            return
        number = self.reserve()
        offsets = []
        bodies = []
        at = 0
        for index, (member, body) in enumerate(self._batch):
            offsets.append(b"%d %d" % (member, at))
            bodies.append(body)
            at += len(body) + 1
            self._entry(member, 2, number, index)
        head = b" ".join(offsets) + b"\n"
        data = head + b"\n".join(bodies) + b"\n"
        self.write_stream(number, b"<< /Type /ObjStm /N %d /First %d >>" % (len(self._batch), len(head)),
                          data)
        self._batch.clear()
        self._batch_bytes = 0

    def _write_xref(self, root: int, info: int | None) -> None:
        number = self.reserve()
        start = self._position
        self._entry(number, 1, start, 0)
        size = self._next
        offset_width = max(4, (self._position.bit_length() + 7) // 8)
        rows = bytearray()
        for n in range(size):
            rows += (self._kinds[n].to_bytes(1, "big") + self._firsts[n].to_bytes(offset_width, "big")
                     + self._seconds[n].to_bytes(2, "big"))
        identifier = self._digest.hexdigest()[:32].encode("ascii")
        entries = [b"/Type /XRef", b"/Size %d" % size, b"/W [1 %d 2]" % offset_width, b"/Root %d 0 R" % root,
                   b"/ID [<%s> <%s>]" % (identifier, identifier)]
        if info is not None:
            entries.append(b"/Info %d 0 R" % info)
        data = zlib.compress(bytes(rows), _COMPRESS_LEVEL)
        self._write(b"%d 0 obj\n<< %s /Filter /FlateDecode /Length %d >>\nstream\n" % (
            number, b" ".join(entries), len(data)))
        self._write(data)
        self._write(b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % start)


class Copier:
    """Copies objects of one open source document into a :class:`StreamingPdf`.

    :meth:`serialise` turns a source object into this PDF's bytes, giving every indirect object
    it refers to a new number and queueing it; :meth:`write_pending` writes the queue (and what
    those objects refer to, and so on). :meth:`bind` makes a source object stand for a number
    of the output, e.g. a page already numbered or an object written once for all sources
    (:meth:`external`).
    """

    def __init__(self, out: StreamingPdf, source: pikepdf.Pdf):
        self._out = out
        self._source = source
        self._numbers: dict[tuple[int, int], int] = {}
        self._pending: list[tuple[int, int]] = []
        self._external: dict[int, pikepdf.Object] = {}
        # the source's page tree and catalog are never copied: a reference to them becomes null
        self._null: set[tuple[int, int]] = set()
        try:
            self._null.add(source.Root.objgen)
            node = source.Root.get(Name.Pages)
            stack = [node] if node is not None else []
            while stack:
                node = stack.pop()
                if isinstance(node, Dictionary) and node.is_indirect and node.objgen not in self._null \
                        and node.get(Name.Type) != Name.Page:
                    self._null.add(node.objgen)
                    kids = node.get(Name.Kids)
                    if isinstance(kids, pikepdf.Array):
                        stack.extend(kids)
        except (pikepdf.PdfError, KeyError, TypeError, ValueError):
            pass

    def bind(self, obj: pikepdf.Object, number: int) -> None:
        """Make the indirect source object ``obj`` stand for output object ``number`` (it is then
        not copied; whoever bound it writes that object)."""
        self._numbers[obj.objgen] = number

    def external(self, number: int) -> pikepdf.Object:
        """An indirect object of the source standing for output object ``number`` (written
        elsewhere): put it where the source should refer to that object."""
        placeholder = self._external.get(number)
        if placeholder is None:
            placeholder = self._source.make_indirect(Dictionary())
            self.bind(placeholder, number)
            self._external[number] = placeholder
        return placeholder

    def reference(self, obj: pikepdf.Object) -> int:
        """The output number of the indirect source object ``obj``, copying it (queued)."""
        return self._number(obj.objgen)

    def serialise(self, obj: pikepdf.Object) -> bytes:
        """A direct source object as this PDF's bytes (the objects it refers to queued)."""
        return self._renumber(obj.unparse(resolved=True))

    def write_pending(self) -> None:
        """Write every queued object and what it refers to."""
        out = self._out
        source = self._source
        while self._pending:
            objgen = self._pending.pop()
            number = self._numbers[objgen]
            obj = source.get_object(objgen)
            if isinstance(obj, pikepdf.Stream):
                entries = Dictionary({key: value for key, value in obj.stream_dict.items() if key != "/Length"})
                out.write_stream(number, self._renumber(entries.unparse(resolved=True)), obj.read_raw_bytes())
            else:
                out.write_object(number, self._renumber(obj.unparse(resolved=True)))

    def _number(self, objgen: tuple[int, int]) -> int:
        number = self._numbers.get(objgen)
        if number is None:
            number = self._out.reserve()
            self._numbers[objgen] = number
            self._pending.append(objgen)
        return number

    def _renumber(self, text: bytes) -> bytes:
        if b" R" not in text:
            return text
        return _TOKENS.sub(self._replace, text)

    def _replace(self, match: re.Match) -> bytes:
        if match.group(1) is None:
            return match.group(0)
        objgen = (int(match.group(1)), int(match.group(2)))
        if objgen in self._null:
            return b"null"
        return b"%d 0 R" % self._number(objgen)


def push_inherited(page: Dictionary) -> None:
    """Put on ``page`` the values it inherits from its page tree (resources, boxes, rotation)."""
    for key in _INHERITED:
        if key not in page:
            value = inherited(page, key)
            if value is not None:
                page[key] = value


def inherited(page: Dictionary, key: str) -> pikepdf.Object | None:
    """The value of ``key`` a page inherits from its page tree, or None."""
    node = page.get(Name.Parent)
    seen = 0
    while isinstance(node, Dictionary) and seen < 64:
        if key in node:
            return node[key]
        node = node.get(Name.Parent)
        seen += 1
    return None
