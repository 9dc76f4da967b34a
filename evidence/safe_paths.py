"""The data package stays inside data/: every path is checked before any file is opened.

A resource's path must be relative, inside ``data/``, free of ``..``, made of plain names
(letters, digits, ``.``, ``_``, ``-``), end in ``.csv``, and neither the file nor a folder on
the way may be a symbolic link. The same holds for ``datapackage.json`` and ``references.bib``.
A refusal names the resource and the reason, never anything read from the file.
"""
from __future__ import annotations

import re
from pathlib import Path

NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")


def unsafe_reason(path) -> str | None:
    """Why a resource path (as written in the descriptor) is not a plain relative path to a CSV, or None."""
    if not isinstance(path, str) or not path:
        return "the path is not a non-empty string"
    if path.startswith(("/", "~")) or re.match(r"^[A-Za-z]:", path) or "\\" in path:
        return "the path is absolute (or uses backslashes)"
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", path):
        return "the path is a URL; the data package reads local files only"
    parts = path.split("/")
    if ".." in parts:
        return "the path goes up with '..'"
    if not all(NAME.fullmatch(part) for part in parts):
        return "each folder and file name may use only letters, digits, '.', '_' and '-'"
    if not path.endswith(".csv"):
        return "the path does not name a .csv file"
    return None


def link_reason(base: Path, path: Path) -> str | None:
    """Why ``path`` (inside ``base``) would lead elsewhere: a symbolic link on the way, or None."""
    current = base
    if base.is_symlink():
        return f"{base.name}/ is a symbolic link"
    for part in path.relative_to(base).parts:
        current = current / part
        if current.is_symlink():
            return f"{'a folder on the way' if current != path else 'the file'} is a symbolic link"
    if path.exists() and not path.resolve().is_relative_to(base.resolve()):
        return "the file lies outside data/"
    if path.exists() and not path.is_file():
        return "it is not a regular file"
    return None


def resource_file(data_dir: Path, path) -> tuple[Path | None, str | None]:
    """The file a resource path names inside ``data_dir``, or None and the reason it is refused."""
    reason = unsafe_reason(path)
    if reason:
        return None, reason
    full = data_dir.joinpath(*path.split("/"))
    reason = link_reason(data_dir, full)
    return (None, reason) if reason else (full, None)


def plain_file_reason(path: Path) -> str | None:
    """Why a fixed input (datapackage.json, references.bib) may not be read, or None."""
    if path.is_symlink():
        return "it is a symbolic link"
    if path.exists() and not path.is_file():
        return "it is not a regular file"
    return None
