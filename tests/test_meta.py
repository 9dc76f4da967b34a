"""Web metadata (tools/sphinx_meta.py): a description and Open Graph/Twitter tags on every page;
the canonical link, og:url, og:image and sitemap.xml only when the site's address is configured.

The configured case builds a throwaway copy with a synthetic address (example.org, reserved for
examples) set as a Sphinx override in the copy's _config.yml; the repository keeps none.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, copy_repo, run_in

from tools.browser import page_paths
from tools.sphinx_meta import CARD, png_size

STRICT = ("jupyter-book", "build", ".", "--warningiserror", "--nitpick", "--keep-going")
BASE = "https://example.org/cqpr/"  # synthetic: only in the test's copy
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


class Head(HTMLParser):
    def __init__(self):
        super().__init__()
        self.meta, self.links = {}, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and (attrs.get("property") or attrs.get("name")):
            self.meta[attrs.get("property") or attrs.get("name")] = attrs.get("content", "")
        if tag == "link" and attrs.get("rel"):
            self.links[attrs["rel"]] = attrs.get("href", "")


def head(page: Path) -> Head:
    parsed = Head()
    parsed.feed(page.read_text(encoding="utf-8"))
    return parsed


def test_every_page_has_a_description_and_a_card_without_an_address(site):
    assert yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["sphinx"]["config"].get(
        "html_baseurl") is None, "this test expects the repository without a published address"
    for path in page_paths(site):
        parsed = head(site / path)
        for tag in ("description", "og:title", "og:description", "og:type", "og:site_name", "twitter:card"):
            assert parsed.meta.get(tag, "").strip(), f"{path}: no {tag}"
        assert parsed.meta["og:site_name"] == "China's Quantum Push, Recomputed", path
        for tag in ("og:url", "og:image"):
            assert tag not in parsed.meta, f"{path}: {tag} {parsed.meta[tag]!r} published without a site address"
        assert "canonical" not in parsed.links, f"{path}: a canonical link without a site address"
    assert not (site / "sitemap.xml").exists(), "a sitemap without a site address"
    assert not (site / CARD).exists(), "the card image is drawn only for a site with an address"


def test_descriptions_are_prose_not_code(site):
    for path in page_paths(site):
        description = head(site / path).meta["description"]
        assert not re.search(r"\bimport |paste\(|\{glue", description), f"{path}: {description[:80]!r}"


@pytest.fixture(scope="module")
def addressed(tmp_path_factory):
    repo = copy_repo(tmp_path_factory.mktemp("meta") / "repo")
    config = repo / "_config.yml"
    text = config.read_text(encoding="utf-8")
    text = text.replace("url: https://github.com/OWNER/chinas-quantum-push-recomputed",
                        "url: https://github.com/example/chinas-quantum-push-recomputed")
    text = text.replace("  config:\n", f"  config:\n    html_baseurl: {BASE}\n", 1)
    config.write_text(text, encoding="utf-8")
    result = run_in(repo, *STRICT)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return repo / "_build" / "html"


def test_with_an_address_every_page_is_canonical_and_carries_its_card(addressed):
    for path in page_paths(addressed):
        parsed = head(addressed / path)
        assert parsed.links.get("canonical") == BASE + path, (path, parsed.links.get("canonical"))
        assert parsed.meta.get("og:url") == BASE + path, (path, parsed.meta.get("og:url"))
        assert parsed.meta.get("og:image") == BASE + CARD, (path, parsed.meta.get("og:image"))
        assert parsed.meta.get("twitter:card") == "summary_large_image", path
        assert parsed.meta.get("description"), path
    png = (addressed / CARD).read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n"), "the card is not a PNG"
    width, height = png_size(png)
    assert width >= 1200 and 1.8 < width / height < 2.0, f"the card is {width}x{height}, not about 1200 × 630"


def test_with_an_address_the_sitemap_lists_every_page(addressed):
    tree = ET.parse(addressed / "sitemap.xml")
    listed = {loc.text for loc in tree.getroot().iter(f"{SITEMAP}loc")}
    expected = {BASE + path for path in page_paths(addressed)}
    assert expected <= listed, f"pages missing from sitemap.xml: {sorted(expected - listed)[:5]}"
    assert all(url.startswith(BASE) for url in listed), [u for u in listed if not u.startswith(BASE)][:5]
