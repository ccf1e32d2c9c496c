"""File helpers: write outputs atomically (temporary file in the same folder, then rename)."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path"]


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; on success rename it onto ``target``.

    The caller writes the whole file at the yielded path. If the block raises, the temporary
    file is removed and ``target`` is left as it was, so no half-written file is ever visible
    under the target name. The folder of ``target`` must exist.
    """
    target = Path(target)
    while True:
        # Short enough for any file system whatever the target's name.
        temporary = target.parent / f".{target.name[:48]}.{secrets.token_hex(6)}.part"
        try:
            # Created like any new file (permissions from the umask), unlike tempfile's 0600.
            with temporary.open("xb"):
                break
        except FileExistsError:
            continue
    try:
        yield temporary
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
