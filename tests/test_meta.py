"""Web metadata (tools/sphinx_meta.py): a description and Open Graph/Twitter tags on every page;
the canonical link, og:url, og:image and sitemap.xml only when the site's address is configured.

The configured case is checked on the author's copy (tests/test_author_copy.py), which sets a
synthetic address (example.org, reserved for examples); the repository keeps none.
"""
from __future__ import annotations

import re

import yaml
from conftest import ROOT, head

from tools.browser import page_paths
from tools.sphinx_meta import CARD

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


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
