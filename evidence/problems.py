"""One problem of the data package, said in one line: where (file, row, column) and what to do."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evidence import ROOT

# At most this many problems are listed; the count says how many there are in all.
SHOWN = 50


@dataclass(frozen=True)
class Problem:
    file: str
    what: str
    fix: str
    row: int | None = None  # data row, 1 = first row after the header
    column: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row} (line {self.row + 1})")
        if self.column:
            where.append(f"column {self.column!r}")
        fix = self.fix if self.fix.endswith(".") else self.fix + "."
        return f"{', '.join(where)}: {self.what}. {fix}"


def listed(problems: list[Problem], shown: int = SHOWN) -> list[str]:
    """One line per problem, capped: the last line then says how many were left out and the total."""
    lines = [str(p) for p in problems[:shown]]
    if len(problems) > shown:
        lines.append(f"... and {len(problems) - shown:,} more problem(s) not listed ({len(problems):,} in all): "
                     f"fix those above and run the command again to see the rest")
    return lines


class DataError(Exception):
    """The data package has problems; ``str()`` lists one per line (capped, with the total)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {line}" for line in listed(problems))
        super().__init__(f"{len(problems):,} problem(s) in the data package:\n{lines}")


def rel(path: Path) -> str:
    """How a file is named in messages: relative to the repository, e.g. data/funding.csv.

    Never resolves symbolic links: a link's target (possibly outside the repository) is not named.
    """
    path = Path(path).absolute()
    if path.is_relative_to(ROOT):
        return path.relative_to(ROOT).as_posix()
    for folder in path.parents:  # a copy of the repository: name it from the folder that holds data/
        if (folder / "datapackage.json").is_file():
            return path.relative_to(folder.parent).as_posix()
    return path.relative_to(path.parent.parent).as_posix()
