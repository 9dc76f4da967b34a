"""The built site: no broken internal link or anchor, and nothing loaded from another host."""
from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.links, self.loads = set(), [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        for attr in ("src", "data-src"):
            if attrs.get(attr):
                self.loads.append((tag, attrs[attr]))
        if tag == "link" and attrs.get("href") and attrs.get("rel") not in ("canonical",):
            self.loads.append((tag, attrs["href"]))


def parse(path: Path) -> Links:
    parser = Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.parts)


def test_no_broken_internal_links(site):
    parsed = {p: parse(p) for p in pages(site)}
    broken = []
    for page, links in parsed.items():
        for href in links.links:
            url = urlsplit(href)
            if url.scheme or href.startswith(("mailto:", "//")):
                continue
            target = (page.parent / unquote(url.path)).resolve() if url.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(site)} -> {href} (no such file)")
            elif url.fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else parse(target).ids
                if url.fragment not in ids:
                    broken.append(f"{page.relative_to(site)} -> {href} (no such anchor)")
    assert not broken, "broken internal links:\n" + "\n".join(broken[:50])


def test_nothing_is_loaded_from_another_host(site):
    remote = []
    for page in pages(site):
        for tag, url in parse(page).loads:
            if urlsplit(url).scheme in ("http", "https") or url.startswith("//"):
                remote.append(f"{page.relative_to(site)}: <{tag}> {url}")
    assert not remote, "pages load resources from other hosts:\n" + "\n".join(remote[:50])


def test_notebook_pages_offer_both_sources_and_edit_the_markdown(site):
    import yaml

    repository = yaml.safe_load((Path(__file__).resolve().parents[1] / "_config.yml").read_text())["repository"]["url"]
    for page in sorted((site / "notebooks").glob("*.html")):
        links = parse(page).links
        stem = page.stem
        assert f"../_sources/notebooks/{stem}.md" in links, f"{page.name}: no .md download"
        assert f"../_sources/notebooks/{stem}.ipynb" in links, f"{page.name}: no .ipynb download"
        if "OWNER" in repository:  # a placeholder address: no button may point to it
            assert not [link for link in links if "OWNER" in link], f"{page.name}: a button points to {repository}"
            continue
        assert f"{repository}/edit/main/notebooks/{stem}.md" in links, f"{page.name}: edit button not on the .md"
        assert any(link.startswith(f"{repository}/issues/new") for link in links), f"{page.name}: no issue button"


def test_every_page_names_its_icon_so_no_browser_asks_the_host_for_one(site):
    """Without <link rel="icon"> a browser requests /favicon.ico from the host's root: a 404 in
    every first visit's console, and on a project site (github.io/name/) a request outside the book."""
    from conftest import head

    missing = []
    for page in pages(site):
        if page.read_text(encoding="utf-8").startswith('<meta http-equiv="Refresh"'):
            continue  # Jupyter Book's one-line redirect from the site's root to the first chapter
        icon = head(page).links.get("icon")
        if not icon or not (page.parent / unquote(urlsplit(icon).path)).is_file():
            missing.append(f"{page.relative_to(site)}: {icon!r}")
    assert not missing, "pages without an icon that exists:\n" + "\n".join(missing[:20])
