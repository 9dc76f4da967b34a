"""Command line of the refresh; every failure is one line on stderr, never a traceback."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from evidence import DATA
from evidence.openalex import COAUTHOR_RESOURCE, FIRST_YEAR, OUTPUT_RESOURCE
from tools.refresh.errors import RefreshError
from tools.refresh.settings import from_environment


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tools.refresh",
                                     description="Re-measure the OpenAlex series of the data package.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (("refresh", "query OpenAlex and rewrite the two series in data/ (the default)"),
                       ("plan", "print the queries a refresh would make (no network)"),
                       ("check", "only check OPENALEX_API_KEY, OPENALEX_API and OPENALEX_MAILTO")):
        command = sub.add_parser(name, help=text)
        if name == "check":
            continue
        command.add_argument("--first-year", type=int, default=FIRST_YEAR)
        command.add_argument("--last-year", type=int, default=None, help="default: the last complete year")
        if name == "refresh":
            command.add_argument("--data-dir", type=Path, default=DATA)
    return parser


def _run(args) -> str:
    if args.command == "check":
        from_environment()
        return ""
    if args.command == "plan":
        from tools.refresh.fetch import last_complete_year, plan

        last = last_complete_year() if args.last_year is None else args.last_year
        return "\n".join(plan(args.first_year, last))
    from tools.refresh import refresh

    result = refresh(from_environment(), data_dir=args.data_dir, first_year=args.first_year,
                     last_year=args.last_year)
    return (f"OpenAlex refresh done ({result.calls} requests): {result.output_rows} rows in {OUTPUT_RESOURCE}.csv, "
            f"{result.coauthorship_rows} in {COAUTHOR_RESOURCE}.csv, raw responses in {result.raw_dir}; data "
            f"package {result.version} locked, CITATION.cff and data/CHANGELOG.md updated.")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] not in ("refresh", "plan", "check", "-h", "--help"):
        argv = ["refresh", *argv]  # refresh is the default command
    args = _parser().parse_args(argv)
    try:
        out = _run(args)
    except RefreshError as err:
        print(f"refresh failed: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("refresh interrupted: nothing was written (data/ is changed only in the last step).", file=sys.stderr)
        return 130
    except Exception as err:  # a bug: still one line, and where to look
        print(f"refresh failed unexpectedly ({type(err).__name__}: {err}); please report it. Check `git status "
              f"data/ CITATION.cff`: files are changed only in the last step.", file=sys.stderr)
        return 1
    if out:
        print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
