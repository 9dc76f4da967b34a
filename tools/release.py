"""The data version has one owner: this module writes it everywhere it is stated, together.

A release sets ``version`` in ``data/datapackage.json``, ``version`` and ``date-released`` in
``CITATION.cff``, and adds the version's entry to ``data/CHANGELOG.md``, in one atomic step
(every new file is written before any original is replaced). The refresh uses the same
functions, so refresh -> book -> test stays consistent.

    make release BUMP=patch CHANGES="funding.csv: the 2021 amount corrected (typo in the source)"
    make release VERSION=1.0.0 CHANGES="..."
    python -m tools.release --bump minor --change "..." [--change "..."]

Semver, as data/CHANGELOG.md says: minor for new data, patch for corrections. What changed can
also be written beforehand under a ``## Unreleased`` heading of the changelog: a release turns
that section into the version's entry.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from evidence import DATA, ROOT
from evidence.atomic import replace_all

BUMPS = ("major", "minor", "patch")
SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
CITATION_KEYS = ("version", "date-released")


class ReleaseError(Exception):
    """The release was refused; str() is the one line shown, and nothing was written."""


@dataclass(frozen=True)
class Paths:
    descriptor: Path
    citation: Path
    changelog: Path

    @classmethod
    def of(cls, root: Path = ROOT, data_dir: Path | None = None) -> Paths:
        data_dir = Path(root) / "data" if data_dir is None else Path(data_dir)
        return cls(data_dir / "datapackage.json", Path(root) / "CITATION.cff", data_dir / "CHANGELOG.md")


def _parts(version: str, where: str) -> tuple[int, int, int]:
    match = SEMVER.match(str(version))
    if not match:
        raise ReleaseError(f"{where}: version {version!r} is not semver X.Y.Z: write it like 1.2.0")
    return tuple(int(x) for x in match.groups())


def next_version(current: str, bump: str) -> str:
    major, minor, patch = _parts(current, "data/datapackage.json")
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    if bump == "patch":
        return f"{major}.{minor}.{patch + 1}"
    raise ReleaseError(f"unknown bump {bump!r}: use one of {', '.join(BUMPS)}")


def current_version(descriptor_text: str) -> str:
    return str(json.loads(descriptor_text).get("version", ""))


def with_descriptor_version(descriptor_text: str, version: str) -> str:
    descriptor = json.loads(descriptor_text)
    descriptor["version"] = version
    return json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"


def with_citation_version(citation_text: str, version: str, released: dt.date, name: str = "CITATION.cff") -> str:
    """CITATION.cff with its top-level version and date-released replaced (all else kept as written)."""
    text = citation_text
    for key, value in (("version", version), ("date-released", released.isoformat())):
        pattern = re.compile(rf"^{re.escape(key)}:[^\n]*$", re.MULTILINE)
        found = len(pattern.findall(text))
        if found != 1:
            raise ReleaseError(f"{name}: expected one top-level '{key}:' line, found {found}: "
                               f"write it once, like {key}: \"{value}\"")
        text = pattern.sub(f'{key}: "{value}"', text)
    return text


def _unreleased(lines: list[str]) -> tuple[int, int] | None:
    """(start, end) line numbers of a '## Unreleased' section, if any."""
    for start, line in enumerate(lines):
        if line.startswith("## ") and line[3:].strip().lower() == "unreleased":
            end = next((n for n in range(start + 1, len(lines)) if lines[n].startswith("## ")), len(lines))
            return start, end
    return None


def with_changelog_entry(changelog_text: str | None, version: str, released: dt.date, changes: list[str]) -> str:
    """The changelog with the version's entry first among the released versions.

    The entry lists ``changes`` (one bullet each) after what a ``## Unreleased`` section held;
    that section is consumed. Refused when there is nothing to say.
    """
    lines = (changelog_text or "# Data changelog\n\n").splitlines(keepends=True)
    body: list[str] = []
    section = _unreleased(lines)
    if section:
        start, end = section
        body = [line for line in lines[start + 1:end]]
        lines = lines[:start] + lines[end:]
    body_text = "".join(body).strip("\n")
    bullets = "".join(f"- {c.strip()}\n" for c in changes if c.strip())
    if not body_text and not bullets:
        raise ReleaseError("the release does not say what changed: give CHANGES=\"what changed and why\" "
                           "(or write it under '## Unreleased' in data/CHANGELOG.md)")
    if any(line.startswith(f"## {version} ") or line.strip() == f"## {version}" for line in lines):
        raise ReleaseError(f"data/CHANGELOG.md already has an entry for {version}: choose the next version")
    entry = f"## {version} — {released.isoformat()}\n\n" + (body_text + "\n" if body_text else "")
    entry += ("\n" if body_text and bullets else "") + bullets + "\n"
    for n, line in enumerate(lines):  # before the first released version
        if line.startswith("## "):
            return "".join(lines[:n]) + entry + "".join(lines[n:])
    return "".join(lines).rstrip("\n") + "\n\n" + entry


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReleaseError(f"{path.name} not found at {path}: restore it from git") from None
    except UnicodeDecodeError:
        raise ReleaseError(f"{path.name} is not UTF-8 text: re-save it as UTF-8") from None


def plan(paths: Paths, *, version: str | None = None, bump: str | None = None, changes: list[str] = (),
         released: dt.date | None = None, descriptor_text: str | None = None,
         changelog_text: str | None = None) -> tuple[str, dict[Path, str]]:
    """The new version and the new text of each file that states it; nothing is written.

    ``descriptor_text`` and ``changelog_text`` stand in for the files' current contents
    (the refresh passes its staged copies).
    """
    if (version is None) == (bump is None):
        raise ReleaseError("say which version: VERSION=X.Y.Z or BUMP=major|minor|patch (one of the two)")
    released = released or dt.datetime.now(dt.UTC).date()
    descriptor_text = _read(paths.descriptor) if descriptor_text is None else descriptor_text
    try:
        current = current_version(descriptor_text)
    except json.JSONDecodeError as err:
        raise ReleaseError(f"data/datapackage.json is not valid JSON ({err}): fix it, then release") from None
    new = next_version(current, bump) if bump else version
    if _parts(new, "the requested release") <= _parts(current, "data/datapackage.json"):
        raise ReleaseError(f"version {new} is not after the current {current}: choose a higher one")
    if changelog_text is None:
        changelog_text = paths.changelog.read_text(encoding="utf-8") if paths.changelog.exists() else None
    files = {
        paths.changelog: with_changelog_entry(changelog_text, new, released, list(changes)),
        paths.citation: with_citation_version(_read(paths.citation), new, released, paths.citation.name),
        paths.descriptor: with_descriptor_version(descriptor_text, new),  # last: the version's owner file
    }
    return new, files


def release(paths: Paths, **kwargs) -> str:
    """Write the new version into every file that states it (atomically); return it."""
    version, files = plan(paths, **kwargs)
    replace_all(files)
    return version


def _package_problems(data_dir: Path) -> list:
    from evidence.datapackage import check_package

    return check_package(data_dir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.release", description=__doc__.splitlines()[0])
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--version", help="the new version, X.Y.Z")
    which.add_argument("--bump", choices=BUMPS, help="minor for new data, patch for corrections")
    parser.add_argument("--change", action="append", default=[], help="what changed and why (repeatable)")
    parser.add_argument("--date", type=dt.date.fromisoformat, default=None, help="release date (default: today, UTC)")
    args = parser.parse_args(argv)
    try:
        problems = _package_problems(DATA)
        if problems:
            raise ReleaseError(f"the data package does not validate ({problems[0]}): fix it and make lock first")
        version = release(Paths.of(), version=args.version or None, bump=args.bump or None,
                          changes=args.change, released=args.date)
    except ReleaseError as err:
        print(f"release refused: {err}. Nothing was written.", file=sys.stderr)
        return 1
    print(f"data version {version}: data/datapackage.json, CITATION.cff and data/CHANGELOG.md updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
