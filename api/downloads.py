"""Downloads of stored files (evidence and outputs): one function, :func:`stored_file_response`,
streams a file of the evidence store with the HTTP semantics a download needs.

What it sends (RFC 9110 for validators, conditional requests and ranges; RFC 6266 and RFC 8187,
formerly RFC 5987, for the file name):

- ``ETag: "<sha256>"``, a strong validator: the store names files by content, so the tag changes
  exactly when the bytes do. ``If-Match`` that does not match: 412; ``If-None-Match`` that
  matches (weak comparison, ``*`` included): 304 with no body (RFC 9110 §13.1.1-13.1.2, in the
  order of §13.2.2).
- ``Range: bytes=a-b``, ``bytes=a-`` or ``bytes=-n`` (one range) on a GET: 206 with
  ``Content-Range: bytes a-b/size``; a range that starts at or past the end (or ``-0``): 416
  with ``Content-Range: bytes */size``. ``If-Range`` with the current ETag keeps the range; with
  another tag, a weak tag or a date (no ``Last-Modified`` is sent, so no date can match) the
  whole file is sent with 200 (§13.1.5). A Range the server may ignore is ignored and the
  whole file sent: another unit, several ranges, a malformed one (§14.2), any Range on HEAD,
  and any Range on an empty file. ``Accept-Ranges: bytes``.
- ``Content-Disposition: attachment; filename="<ASCII>"; filename*=UTF-8''<percent-encoded>``:
  the last part of the stored name; the ASCII fallback holds only letters, digits and
  ``-_.()+,=@`` and spaces (never a quote, backslash, ``;``, ``%`` or control character), for
  clients that do not read ``filename*``; ``filename*`` gives the name exactly (RFC 8187
  ``attr-char`` left as they are, every other byte of its UTF-8 percent-encoded), so
  ``证据材料（第一册）.pdf`` comes back as it was.
- ``Content-Type`` from the file's kind (or the name's suffix, from a fixed table; never HTML),
  ``X-Content-Type-Options: nosniff``, ``Cache-Control: private``, ``Content-Length``.

The body is read from disk in chunks of 1 MiB, each in a worker thread, and handed to the
server, which holds it back while the client is slow (flow control), so memory stays flat
whatever the file's size. The caller's ``on_download`` is called only when content is going to
be sent (GET answered 200 or 206), for the audit log.

Starlette's ``FileResponse`` (1.10) is not used: it sends only ``filename*`` for a non-ASCII
name (no ASCII fallback, and ``/`` left unencoded), answers a ``Range`` of another unit with 400
where RFC 9110 §14.2 says to ignore it, sends 206 to HEAD, has no ``If-None-Match``, and makes
its ETag from the file's time and size instead of its content."""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import AsyncIterator, Callable
from pathlib import Path, PurePosixPath
from urllib.parse import quote

import anyio.to_thread
from fastapi import HTTPException, Request
from starlette.responses import Response, StreamingResponse

from api.store import EvidenceStore

#: Bytes read from disk and sent at a time.
CHUNK = 1024 * 1024

#: Content types by kind (the evidence sniffer's kinds, and those of generated outputs).
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "tiff": "image/tiff",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
    "odt": "application/vnd.oasis.opendocument.text",
    "rtf": "application/rtf",
    "ofd": "application/ofd",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "ics": "text/calendar; charset=utf-8",
}
#: Kinds by file name suffix, for files whose kind is not one of the above.
SUFFIX_KINDS = {
    ".pdf": "pdf", ".jpg": "jpeg", ".jpeg": "jpeg", ".png": "png", ".tif": "tiff", ".tiff": "tiff",
    ".docx": "docx", ".doc": "doc", ".odt": "odt", ".rtf": "rtf", ".ofd": "ofd", ".xlsx": "xlsx",
    ".zip": "zip", ".json": "json", ".md": "md", ".txt": "txt", ".sha256": "txt", ".ics": "ics",
}
OCTET_STREAM = "application/octet-stream"
#: The answers of a download route, for its OpenAPI description.
DOWNLOAD_RESPONSES = {200: {"description": "文件内容", "content": {"application/octet-stream": {}}},
                      206: {"description": "所请求的字节范围"}, 304: {"description": "未变化（If-None-Match）"},
                      404: {"description": "案件或文件不存在"}, 412: {"description": "If-Match 不符"},
                      416: {"description": "字节范围超出文件"}}

# RFC 8187 attr-char: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~"
_ATTR_CHAR_SAFE = "!#$&+-.^_`|~"
_FALLBACK_UNSAFE = re.compile(r"[^A-Za-z0-9 ._()+,=@-]+")
_ETAG = re.compile(r'(W/)?"([^"]*)"')
_RANGE = re.compile(r"^\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*=(.*)$")
_SPEC = re.compile(r"^(\d+)-(\d*)$|^-(\d+)$")
_HUGE = 10 ** 20  # a position written with more digits is past the end of any file


def media_type(kind: str | None, name: str) -> str:
    """The ``Content-Type`` for a file of ``kind`` (or, for another kind, of ``name``'s suffix);
    ``application/octet-stream`` for anything else."""
    if kind in MEDIA_TYPES:
        return MEDIA_TYPES[kind]
    by_suffix = SUFFIX_KINDS.get(PurePosixPath(name).suffix.lower())
    return MEDIA_TYPES[by_suffix] if by_suffix else OCTET_STREAM


def ascii_filename(name: str, default: str = "download") -> str:
    """An ASCII stand-in for file name ``name`` (its last part) for the ``filename`` parameter:
    accents dropped and fullwidth forms made ASCII (NFKD), every run of other characters one
    ``_``; ``default`` when the stem has no letter or digit left (``证据材料（第一册）.pdf`` ->
    ``download.pdf``, ``Übersicht 2024.pdf`` -> ``Ubersicht 2024.pdf``). At most 150
    characters; never a quote, backslash, ``;``, ``%``, ``/`` or control character."""
    base = name.rsplit("/", 1)[-1]
    stem, dot, suffix = base.rpartition(".")
    if not dot or not re.fullmatch(r"[A-Za-z0-9]{1,10}", suffix):
        stem, suffix = base, ""
    decomposed = unicodedata.normalize("NFKD", stem)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    clean = re.sub(r"_+", "_", _FALLBACK_UNSAFE.sub("_", kept)).strip(" .")[:140]
    if not re.search(r"[A-Za-z0-9]", clean):
        clean = default
    return f"{clean}.{suffix}" if suffix else clean


def content_disposition(name: str, disposition: str = "attachment") -> str:
    """``Content-Disposition`` for a file called ``name`` (its last part): RFC 6266 with an ASCII
    ``filename`` and the exact name as RFC 8187 ``filename*=UTF-8''...``."""
    base = name.rsplit("/", 1)[-1]
    fallback = ascii_filename(base)
    encoded = quote(base, safe=_ATTR_CHAR_SAFE, encoding="utf-8", errors="strict")
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


def _tags(header: str) -> list[tuple[bool, str]]:
    """The entity tags of an ``If-Match`` / ``If-None-Match`` value: (weak, opaque tag)."""
    return [(bool(weak), f'"{tag}"') for weak, tag in _ETAG.findall(header)]


def none_match(header: str, etag: str) -> bool:
    """Whether ``If-None-Match: header`` matches ``etag`` (weak comparison; ``*`` matches)."""
    if header.strip() == "*":
        return True
    return any(tag == etag for _weak, tag in _tags(header))


def match(header: str, etag: str) -> bool:
    """Whether ``If-Match: header`` matches ``etag`` (strong comparison; ``*`` matches)."""
    if header.strip() == "*":
        return True
    return any(not weak and tag == etag for weak, tag in _tags(header))


def _position(digits: str) -> int:
    return int(digits) if len(digits) <= 20 else _HUGE


def parse_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """The byte range ``Range: header`` asks of a file of ``size`` bytes: ``(first, last)``
    (inclusive, within the file); ``None`` when the header is to be ignored (another unit,
    several ranges, malformed, or an empty file), ``False`` when it is unsatisfiable (416)."""
    m = _RANGE.match(header)
    if not m or m.group(1).lower() != "bytes" or size <= 0:
        return None
    specs = [part.strip() for part in m.group(2).split(",") if part.strip()]
    if len(specs) != 1:
        return None
    spec = _SPEC.match(specs[0])
    if not spec:
        return None
    first, last, suffix = spec.groups()
    if suffix is not None:
        length = _position(suffix)
        if length == 0:
            return False
        return max(size - length, 0), size - 1
    start = _position(first)
    if last and _position(last) < start:
        return None
    if start >= size:
        return False
    end = min(_position(last), size - 1) if last else size - 1
    return start, end


def _if_range_holds(header: str | None, etag: str) -> bool:
    """Whether a range may be sent given ``If-Range: header``: yes without it; with it, only if
    it is the current ETag itself (a strong match; a weak tag or a date never holds)."""
    if header is None:
        return True
    return header.strip() == etag


async def _chunks(path: Path, start: int, length: int) -> AsyncIterator[bytes]:
    """``length`` bytes of ``path`` from ``start``, in chunks of :data:`CHUNK`, each read in a
    worker thread."""
    handle = await anyio.to_thread.run_sync(open, path, "rb")
    try:
        await anyio.to_thread.run_sync(handle.seek, start)
        left = length
        while left > 0:
            chunk = await anyio.to_thread.run_sync(handle.read, min(CHUNK, left))
            if not chunk:  # the size was checked before sending; a shorter file is corruption
                raise OSError(f"{path}: ended {left} bytes early")
            left -= len(chunk)
            yield chunk
    finally:
        handle.close()


def stored_file_response(request: Request, store: EvidenceStore, *, sha256: str, size: int, name: str,
                         kind: str | None, on_download: Callable[[str], None] | None = None) -> Response:
    """The answer to a GET or HEAD of the stored file ``sha256`` (``size`` bytes, as recorded),
    downloaded as ``name`` (its last part is the file name), of ``kind`` (for its type).

    Returns 200, 206, 304, 412 or 416 as the request's conditions and range say (see the module).
    ``on_download(detail)`` is called before returning when content will be sent (a GET answered
    200 or 206; ``detail`` is ``""`` or ``"字节 a-b/size"``).

    Raises:
        HTTPException: 500 when the store lacks the file or holds it with another size than
            recorded (the file is then not sent).
    """
    path = store.path(sha256)
    try:
        on_disk = os.stat(path).st_size
    except FileNotFoundError:
        raise HTTPException(500, "证据库中缺少该文件，请联系系统管理员") from None
    if on_disk != size:
        raise HTTPException(500, "证据库中的文件与记录的大小不符，请联系系统管理员")
    etag = f'"{sha256}"'
    headers = {
        "ETag": etag,
        "Accept-Ranges": "bytes",
        "Cache-Control": "private",
        "X-Content-Type-Options": "nosniff",
    }
    if_match = request.headers.get("if-match")
    if if_match is not None and not match(if_match, etag):
        return Response("文件已变化，与 If-Match 不符", status_code=412, media_type="text/plain", headers=headers)
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None and none_match(if_none_match, etag):
        return Response(status_code=304, headers=headers)

    headers["Content-Disposition"] = content_disposition(name)
    headers["Content-Type"] = media_type(kind, name)
    status, start, end = 200, 0, size - 1
    range_header = request.headers.get("range")
    if request.method == "GET" and range_header is not None and _if_range_holds(request.headers.get("if-range"), etag):
        wanted = parse_range(range_header, size)
        if wanted is False:
            refused = {k: v for k, v in headers.items() if k != "Content-Disposition"}
            return Response("请求的字节范围超出文件大小", status_code=416, headers={
                **refused, "Content-Range": f"bytes */{size}", "Content-Type": "text/plain; charset=utf-8"})
        if wanted is not None:
            status, (start, end) = 206, wanted
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    length = end - start + 1
    headers["Content-Length"] = str(length)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers)
    if on_download is not None:
        on_download("" if status == 200 else f"字节 {start}-{end}/{size}")
    return StreamingResponse(_chunks(path, start, length), status_code=status, headers=headers)
