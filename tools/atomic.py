"""Write files so that a reader sees either the old bytes or the new ones, never a half-written file.

Every file goes to a temporary file in its own folder first (same file system), is flushed to
disk, and only then replaces the original with ``os.replace``. ``replace_all`` writes every
temporary file before it replaces any original, so a failure while writing (disk full, an
interrupted run) leaves every original untouched.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _temporary_copy(path: Path, data: bytes) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def replace_all(files: dict[Path, bytes | str]) -> None:
    """Write each file's new content (str is UTF-8), all temporary files first, then replace."""
    staged: list[tuple[Path, Path]] = []
    try:
        for path, content in files.items():
            data = content.encode("utf-8") if isinstance(content, str) else content
            staged.append((_temporary_copy(Path(path), data), Path(path)))
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)


def write_atomic(path: Path, content: bytes | str) -> None:
    replace_all({Path(path): content})
