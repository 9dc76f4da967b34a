"""Write files so that an interrupted write never leaves a half-written or empty file.

The text goes to a temporary file in the same folder, is flushed to disk, then replaces the
target in one step (os.replace): readers see the old file or the new one, nothing between.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _staged(path: Path, data: bytes) -> Path:
    """The new bytes in a temporary file beside ``path`` (same file system), flushed to disk."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def replace_all(files: dict[Path, bytes | str]) -> None:
    """Write each file's new content (str is UTF-8): every temporary file first, then replace them,
    so a failure while writing leaves every original untouched."""
    staged: list[tuple[Path, Path]] = []
    try:
        for path, content in files.items():
            data = content.encode("utf-8") if isinstance(content, str) else content
            staged.append((_staged(Path(path), data), Path(path)))
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    try:
        for tmp, path in staged:
            os.replace(tmp, path)
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)


def write_bytes(path: Path, data: bytes) -> None:
    replace_all({Path(path): data})


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
