"""The evidence store (证据库): files kept by content, under ``store/sha256/ab/cd/<hash>``.

A file is written once: streamed into a temporary file in the store (hashing and counting as it
goes, refused past the size limit), flushed to disk, then linked into place with ``os.link``,
which fails rather than replace an existing file. So the same content uploaded twice is kept
once (deduplicated), and no upload, concurrent or not, can overwrite a stored file. Stored files
are read-only (0444). At bank scale an S3-compatible object store takes this class's place."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

_HEX = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1024 * 1024


class TooLarge(ValueError):
    """The content passed the size limit; nothing was kept."""

    def __init__(self, limit: int):
        self.limit = limit
        super().__init__(f"larger than {limit} bytes")


class EvidenceStore:
    """Files by SHA-256 under ``root``."""

    def __init__(self, root: Path):
        self.root = Path(root)
        (self.root / "sha256").mkdir(parents=True, exist_ok=True)
        (self.root / "incoming").mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        """Where the file of ``sha256`` (64 lower-case hex digits) is or would be.
        Raises ValueError for anything else, so no name reaches the file system."""
        if not _HEX.match(sha256 or ""):
            raise ValueError(f"not a SHA-256: {sha256!r}")
        return self.root / "sha256" / sha256[:2] / sha256[2:4] / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def _incoming(self) -> tuple[int, str]:
        return tempfile.mkstemp(dir=self.root / "incoming", prefix="up-")

    def _commit(self, tmp: str, digest: str) -> tuple[str, bool]:
        """Link the finished temporary file into place; (hash, whether it was new)."""
        target = self.path(digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(tmp, 0o444)
        try:
            os.link(tmp, target)
            created = True
        except FileExistsError:
            created = False
        finally:
            os.unlink(tmp)
        return digest, created

    async def put_stream(self, chunks: AsyncIterator[bytes], limit: int, head: bytearray | None = None,
                         check: Callable[[Path], object] | None = None) -> tuple[str, int, bool]:
        """Store the bytes of ``chunks``: (SHA-256, size, whether new). Raises :class:`TooLarge`
        past ``limit`` bytes, keeping nothing. ``head``, when given, receives the first 64 KiB
        (for sniffing the type). ``check``, when given, is called with the complete temporary
        file before it is linked into place; whatever it raises refuses the content and is
        raised again, and nothing is kept (refused content never appears under ``sha256/``, so
        no other upload can have come to rely on it)."""
        fd, tmp = self._incoming()
        h, size = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as out:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > limit:
                        raise TooLarge(limit)
                    if head is not None and len(head) < 65536:
                        head += chunk[: 65536 - len(head)]
                    h.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if check is not None:
                check(Path(tmp))
        except BaseException:
            os.unlink(tmp)
            raise
        digest, created = self._commit(tmp, h.hexdigest())
        return digest, size, created

    def put_file(self, source: Path) -> tuple[str, int, bool]:
        """Store a copy of a local file: (SHA-256, size, whether new)."""
        fd, tmp = self._incoming()
        h, size = hashlib.sha256(), 0
        try:
            with open(source, "rb") as src, os.fdopen(fd, "wb") as out:
                while chunk := src.read(CHUNK):
                    h.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            os.unlink(tmp)
            raise
        digest, created = self._commit(tmp, h.hexdigest())
        return digest, size, created

    def discard(self, sha256: str) -> None:
        """Remove a file just stored that turned out unacceptable (only right after ``put_*``
        reported it new: a file another record uses is never removed)."""
        try:
            self.path(sha256).unlink()
        except FileNotFoundError:
            pass

    def iter_bytes(self, sha256: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The bytes ``start``..``end`` (inclusive) of a stored file, in chunks of 1 MiB."""
        with open(self.path(sha256), "rb") as f:
            f.seek(start)
            left = None if end is None else end - start + 1
            while left is None or left > 0:
                chunk = f.read(CHUNK if left is None else min(CHUNK, left))
                if not chunk:
                    break
                if left is not None:
                    left -= len(chunk)
                yield chunk

    def clear_incoming(self, older_than_s: int = 3600, now: float | None = None) -> int:
        """Remove temporary files of uploads cut off by a crash: those unchanged for
        ``older_than_s`` seconds (another process's upload in progress is left alone). Returns
        how many were removed."""
        import time

        now = time.time() if now is None else now
        removed = 0
        for f in (self.root / "incoming").iterdir():
            try:
                if now - f.stat().st_mtime > older_than_s:
                    f.unlink()
                    removed += 1
            except FileNotFoundError:
                pass
        return removed
