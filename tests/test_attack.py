"""Data is never code: an attacker's data pull request, built like CI builds it.

On a throwaway copy of the repository, markup, MyST roles and directives (an {include} and a
{download} of files outside the repository), javascript: links and a spreadsheet formula are
planted in every free-text field of every resource, every resource title and description and
every field description and unit of data/datapackage.json (and in a references.bib title). The
copy is locked and built as `make book` builds it. Then: the build succeeds; in headless
Chromium no page opens a dialog or runs the planted code; no page links to javascript:; no
file from outside the repository reaches _build; no download carries a live formula; and the
planted text is shown as text. The payloads are synthetic and exist only in the copy.
"""
from __future__ import annotations

import csv
import io
import json
import re
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import copy_repo, run_in

from evidence.csv_safety import FORMULA_START, PLAIN_NUMBER
from evidence.datapackage import bibkey_arity
from evidence.integrity import STATED
from evidence.value_rules import key_fields

STRICT = ("jupyter-book", "build", ".", "--warningiserror", "--nitpick", "--keep-going")
UP = "../" * 24  # from any page of the copy up to /
FORMULA = '=HYPERLINK("https://attacker.invalid/x","click me")'
# Text fields the chapters compute with (matched, parsed or compared): the build test leaves them
# alone, and test_payload_in_a_computed_field_is_refused shows the chapters refuse it there.
COMPUTED_FROM = {("export_measure_facts", "value"), ("milestones", "unit"),
                 ("gwr_passages", "passage"),
                 # the published figures the research chapters select, group and label by these
                 *(("research_evidence", f) for f in ("metric", "field", "database", "period", "country", "unit",
                                                      "qualifier"))}


def markup(outside: Path) -> str:
    target = UP + str(outside).lstrip("/")
    return (' <script>window.__evil=1;alert("script")</script>'
            ' <img src=x onerror="window.__evil=1;alert(1)"> <svg onload="window.__evil=1;alert(2)"></svg>'
            ' <a href="javascript:window.__evil=1;alert(3)">a</a> [md](javascript:alert(4))'
            f" {{download}}`outside <{target}>` {{download}}`passwd <{UP}etc/passwd>`"
            " {glue:text}`no_such_key` {doc}`/no/such/page` {footcite:p}`nosuchkey` | pipe | **bold**")


def block(outside: Path) -> str:
    target = UP + str(outside).lstrip("/")
    return (f"\n\n```{{include}} {target}\n```\n\n```{{include}} {UP}etc/passwd\n```\n\n"
            ':::{raw} html\n<script>window.__evil=1;alert("raw")</script>\n:::\n')


def free_text_fields(descriptor: dict) -> dict[str, list[str]]:
    """Per resource, the string fields with no enum or pattern that are not keys: free text."""
    keyed = key_fields(descriptor)
    return {res["name"]: [f["name"] for f in res["schema"]["fields"]
                          if f["type"] == "string" and not {"enum", "pattern"} & set(f.get("constraints", {}))
                          and f["name"] not in keyed[res["name"]] and not bibkey_arity(f)]
            for res in descriptor["resources"]}


def plant(repo: Path, outside: Path) -> int:
    """Plant the payloads in every free-text value and description; return how many were planted."""
    data = repo / "data"
    descriptor = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))
    planted = 0
    for res in descriptor["resources"]:
        res["title"] = FORMULA + " " + res["title"] + markup(outside)
        res["description"] = FORMULA + " " + res["description"] + markup(outside) + block(outside)
        planted += 2
        for field in res["schema"]["fields"]:
            field["description"] = FORMULA + " " + field.get("description", "") + markup(outside) + block(outside)
            field["unit"] = FORMULA + " " + field.get("unit", "") + markup(outside)
            planted += 2
    (data / "datapackage.json").write_text(json.dumps(descriptor, indent=2, ensure_ascii=False), encoding="utf-8")
    for name, fields in free_text_fields(descriptor).items():
        # Fields that must stay empty when nothing was found (evidence.integrity) are planted too, but
        # only where a value stands: an empty cell there means "not found".
        planted += plant_cells(data / f"{name}.csv", [f for f in fields if (name, f) not in COMPUTED_FROM], outside,
                               keep_empty=set(STATED.get(name, ())))
    bib = repo / "references.bib"
    text = bib.read_text(encoding="utf-8")
    bib.write_text(text.replace("title = {", "title = {<script>window.__evil=1;alert(5)</script> ", 1),
                   encoding="utf-8")
    return planted


def plant_cells(path: Path, fields: list[str], outside: Path, keep_empty: set[str] = frozenset()) -> int:
    """Put the formula before and the markup after the value of ``fields`` in every row of a CSV."""
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    rows = list(reader)
    for row in rows:
        for field in fields:
            if field in keep_empty and not row[field]:
                continue
            row[field] = f"{FORMULA} {row[field]}{markup(outside)}{block(outside)}"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=reader.fieldnames, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return len(rows) * len(fields)


class Attributes(HTMLParser):
    """Every attribute value of a page, and the text of its <script> elements."""

    def __init__(self):
        super().__init__()
        self.attributes, self.scripts, self._in_script = [], [], False

    def handle_starttag(self, tag, attrs):
        self.attributes += [(tag, k, v or "") for k, v in attrs]
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def live_formulas(csv_text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(csv_text.removeprefix("\ufeff"))) for cell in row
            if cell.startswith(FORMULA_START) and not PLAIN_NUMBER.match(cell)]


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    """A copy with every payload planted, locked, executed and built (what CI does with a pull request)."""
    base = tmp_path_factory.mktemp("attack")
    outside = base / "outside-secret.txt"
    outside.write_text("OUTSIDE-THE-REPOSITORY-7f3a9c\n", encoding="utf-8")
    repo = copy_repo(base / "repo")
    planted = plant(repo, outside)
    steps = [("python", "-m", "evidence.datapackage", "lock"), ("python", "-m", "tools.execute", "--stale"), STRICT]
    results = [run_in(repo, *step) for step in steps]
    return {"repo": repo, "outside": outside, "planted": planted, "results": results}


def test_the_attacked_book_builds(attacked):
    assert attacked["planted"] > 1000, "the attack planted too little to prove anything"
    for result in attacked["results"]:
        assert result.returncode == 0, (result.args, (result.stdout + result.stderr)[-4000:])


def test_no_file_from_outside_the_repository_reaches_the_build(attacked):
    build = attacked["repo"] / "_build"
    marker = attacked["outside"].read_text(encoding="utf-8").strip()
    passwd = Path("/etc/passwd").read_text(encoding="utf-8").splitlines()[0] if Path("/etc/passwd").exists() else None
    leaked = []
    for path in build.rglob("*"):
        if path.is_file():
            body = path.read_bytes()
            if marker.encode() in body or (passwd and passwd.encode() in body):
                leaked.append(str(path.relative_to(build)))
        if path.name in ("passwd", "hostname", attacked["outside"].name):
            leaked.append(str(path.relative_to(build)))
    assert not leaked, f"files of the build machine reached _build: {leaked[:10]}"


def test_no_page_links_or_loads_javascript(attacked):
    site = attacked["repo"] / "_build" / "html"
    found = []
    for page in site.rglob("*.html"):
        parser = Attributes()
        parser.feed(page.read_text(encoding="utf-8"))
        for tag, name, value in parser.attributes:
            squashed = re.sub(r"[\s\x00-\x1f]", "", value).lower()
            if name in ("href", "src", "action", "formaction", "xlink:href", "data") and \
                    squashed.startswith(("javascript:", "vbscript:")):
                found.append(f"{page.relative_to(site)}: <{tag} {name}={value[:60]!r}>")
            if name.startswith("on") and "__evil" in value:
                found.append(f"{page.relative_to(site)}: <{tag} {name}> carries the planted handler")
        found += [f"{page.relative_to(site)}: planted <script>" for s in parser.scripts if "__evil" in s
                  and "evidence-spec" not in s and not s.lstrip().startswith(("{", "["))]
    assert not found, "\n".join(found[:20])


def test_planted_text_is_shown_as_text(attacked):
    site = attacked["repo"] / "_build" / "html"
    data_page = (site / "book" / "data.html").read_text(encoding="utf-8")
    appendix = (site / "book" / "appendix_export_controls.html").read_text(encoding="utf-8")
    for page in (data_page, appendix):
        assert "&lt;script&gt;window.__evil=1" in page, "the planted markup is not shown as text"
        assert "{download}`outside" in page, "the planted role is not shown as text"
    assert "```{include}" in data_page, "the planted directive is not shown as text"


def test_no_download_carries_a_live_formula(attacked):
    site = attacked["repo"] / "_build" / "html"
    downloads = [p for p in (site / "_downloads").rglob("*.csv")]
    assert len(downloads) >= 16, f"expected every data file offered for download, found {len(downloads)}"
    live = {}
    for path in downloads:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("\ufeff"), f"{path.name}: no UTF-8 byte-order mark"
        first_live = live_formulas(text)[:1]
        if first_live:
            live[path.name] = first_live[0]
    charts = 0
    for page in site.rglob("*.html"):
        for uri in re.findall(r'href="data:text/csv;charset=utf-8,([^"]*)"', page.read_text(encoding="utf-8")):
            text = urllib.parse.unquote(uri)
            charts += 1
            assert text.startswith("\ufeff"), f"{page.name}: a chart download has no byte-order mark"
            live.update({f"{page.name} (chart)": f for f in live_formulas(text)[:1]})
    assert charts > 0, "no chart download found: the check would prove nothing"
    assert not live, f"downloads with a live formula: {live}"
    planted = [p for p in downloads if "'=HYPERLINK" in p.read_text(encoding="utf-8")]
    assert planted, "the planted formula is in no download at all: the check would prove nothing"


def test_nothing_runs_in_the_browser(attacked, browser):
    from tools.browser import CHARTS_SETTLED, page_paths, serve

    site = attacked["repo"] / "_build" / "html"
    ran, dialogs = [], []
    with serve(site) as base:
        # One tab, every page opened in it in turn: each page is a new document (window.__evil starts
        # undefined), and a tab per page would start a renderer per page.
        context = browser.new_context()
        page = context.new_page()
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith((base, "data:", "blob:"))
                   else r.abort())
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for path in page_paths(site):
            dialogs.clear()
            page.goto(f"{base}/{path}", wait_until="load")
            if page.locator(".evidence-chart").count():
                page.wait_for_function(CHARTS_SETTLED, timeout=15000)
            page.wait_for_timeout(100)
            if dialogs or page.evaluate("() => window.__evil !== undefined"):
                ran.append(f"{path}: dialogs {dialogs[:3]}, planted code ran: {page.evaluate('() => window.__evil')}")
        dialogs.clear()  # the control: a page whose script does run is caught by the same two checks
        page.set_content('<script>window.__evil = 1; alert("control")</script>')
        caught = dialogs == ["control"] and page.evaluate("() => window.__evil") == 1
        context.close()
    assert caught, "a script that ran in a synthetic control page was not detected: the check would prove nothing"
    assert not ran, "\n".join(ran)


def test_payload_in_a_computed_field_is_refused(tmp_path):
    """Where a chapter computes with a text field, the payload stops the computation with a message
    naming the exception first, and no committed output is rewritten."""
    outside = tmp_path / "outside-secret.txt"
    outside.write_text("OUTSIDE-THE-REPOSITORY-7f3a9c\n", encoding="utf-8")
    repo = copy_repo(tmp_path / "repo")
    for name, field in sorted(COMPUTED_FROM):
        plant_cells(repo / "data" / f"{name}.csv", [field], outside)
    twins = {p.name: p.read_bytes() for p in (repo / "notebooks").glob("*.ipynb")}
    # The fact rules of make validate (evidence/integrity.py) already refuse a payload in a fact's value.
    locked = run_in(repo, "python", "-m", "evidence.datapackage", "lock")
    assert locked.returncode == 1 and "data/export_measure_facts.csv, row 1 (line 2), column 'value'" in locked.stderr
    assert "Traceback" not in locked.stderr
    restored = copy_repo(tmp_path / "clean")
    facts = "data/export_measure_facts.csv"
    (repo / facts).write_bytes((restored / facts).read_bytes())
    run_in(repo, "python", "-m", "evidence.datapackage", "lock", check=True)
    result = run_in(repo, "python", "-m", "tools.execute", "--stale")
    assert result.returncode == 1, result.stdout[-2000:]
    refused = re.findall(r"^(notebooks/\w+\.md): (\w+): ", result.stderr, flags=re.M)
    assert {"notebooks/remaining_claims.md", "notebooks/two_sessions.md"} <= \
        {nb for nb, _ in refused}, result.stderr[-3000:]
    assert {p.name: p.read_bytes() for p in (repo / "notebooks").glob("*.ipynb")} == twins, "a twin was rewritten"


PANEL_TAGS = {"div", "button", "p", "strong", "ol", "li", "dl", "dt", "dd", "code", "a"}


def test_planted_text_in_the_number_panels_is_shown_as_text(attacked):
    """The panels behind pasted numbers show rows of data/ (locators, scopes, notes): as text."""
    from bs4 import BeautifulSoup

    page = BeautifulSoup((attacked["repo"] / "_build" / "html" / "notebooks" / "spending.html")
                         .read_text(encoding="utf-8"), "html.parser")
    panels = page.select(".evidence-provenance")
    assert panels, "no panel behind a pasted number: the check would prove nothing"
    shown = "".join(str(panel) for panel in panels)
    assert "&lt;script&gt;window.__evil=1" in shown, "the planted markup does not reach a panel: nothing proven"
    for panel in panels:
        tags = {tag.name for tag in panel.find_all(True)} | {panel.name}
        assert tags <= PANEL_TAGS, f"{panel['id']}: planted markup became elements {sorted(tags - PANEL_TAGS)}"
        for tag in panel.find_all(True):
            assert not any(name.startswith("on") for name in tag.attrs), f"{panel['id']}: a handler attribute"
            assert not str(tag.get("href", "")).lower().startswith("javascript:"), f"{panel['id']}: javascript link"


def test_opening_every_number_panel_runs_nothing(attacked, browser):
    from tools.browser import serve

    site = attacked["repo"] / "_build" / "html"
    with serve(site) as base:
        page = browser.new_page()
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(f"{base}/notebooks/spending.html", wait_until="load")
        targets = page.eval_on_selector_all("button.evidence-pasted",
                                            "bs => [...new Set(bs.map(b => b.popoverTargetElement.id))]")
        assert targets, "no pasted number opens a panel"
        for target in targets:
            page.evaluate(f"document.getElementById({target!r}).showPopover()")
            page.wait_for_timeout(20)
            page.evaluate(f"document.getElementById({target!r}).hidePopover()")
        ran = page.evaluate("() => window.__evil !== undefined")
        page.close()
        assert not dialogs and not ran, f"planted code ran: {dialogs[:3]}"
