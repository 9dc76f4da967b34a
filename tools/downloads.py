"""`make book` keeps no download that no page links any more.

Sphinx copies every file a page offers for download into _build/html/_downloads/<digest>/
but never deletes one: a file from an earlier build (a data file since restored, a page since
removed) would stay published. After each HTML build, everything in _downloads that the
environment no longer lists is removed.
"""
from __future__ import annotations

from pathlib import Path


def prune_downloads(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    folder = Path(app.outdir) / "_downloads"
    if not folder.is_dir():
        return
    linked = {folder / dest for _docs, dest in app.env.dlfiles.values()}
    for path in sorted(folder.rglob("*"), reverse=True):  # files before their folders
        if path.is_symlink() or (path.is_file() and path not in linked):
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
