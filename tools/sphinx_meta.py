"""Sphinx extension: the metadata the web expects of a publication, and no invented address.

- Every page: a meta description, ``og:title``, ``og:description``, ``og:type``, ``og:site_name``
  and a Twitter card (sphinxext-opengraph; none of these needs an absolute address).
- Only when the site's address is configured (``html_baseurl``, e.g. in _config.yml under
  ``sphinx.config``): ``og:url``, the canonical link (Sphinx's own ``pageurl``), ``og:image``
  (a card drawn at build time from the verdicts-by-topic chart with vl-convert, offline) and
  ``sitemap.xml`` (sphinx-sitemap). Without it none of them is published: a placeholder or a
  relative address would be wrong on every site that shows the card.
"""
from __future__ import annotations

import re
import struct
from pathlib import Path

CARD = "_static/evidence-card.png"
DESCRIPTION_LENGTH = 200
CHART_SIZE = (1200, 383)  # px: the chart fits the width; with title and legend the card is 1200 × 630


def base_url(config) -> str:
    url = str(config.html_baseurl or "").strip()
    return url.rstrip("/") + "/" if url else ""


def _configure(app, config):
    url = base_url(config)
    config.ogp_site_url = url
    config.ogp_canonical_url = url
    config.ogp_site_name = config.html_title or config.project  # Jupyter Book sets the title, not project
    config.ogp_description_length = DESCRIPTION_LENGTH
    config.ogp_social_cards = {"enable": False}  # they would need matplotlib and a font download
    config.ogp_enable_meta_description = True
    config.sitemap_url_scheme = "{link}"  # the default puts the language in the path: the site has no /en/
    if url:
        config.ogp_image = CARD
        config.ogp_image_alt = "The claims checked by China's Quantum Push, Recomputed, by topic and verdict"
        config.ogp_custom_meta_tags = ['<meta name="twitter:card" content="summary_large_image" />']
    else:
        config.ogp_image = None
        config.ogp_custom_meta_tags = ['<meta name="twitter:card" content="summary" />']
        _no_sitemap(app)


def _no_sitemap(app) -> None:
    """Without a base URL sphinx-sitemap would only warn (a failed strict build): it is not run at all."""
    import sphinx_sitemap

    for listener in list(app.events.listeners.get("build-finished", [])):
        if listener.handler is sphinx_sitemap.create_sitemap:
            app.disconnect(listener.id)


def _page_meta(app, pagename, templatename, context, doctree):
    """sphinxext-opengraph writes ``og:url`` even without a site address (then relative): drop it.
    Pages Sphinx generates (index, search) have no text to describe: they are named instead."""
    context.setdefault("metatags", "")  # generated pages (index, search) have none yet
    if not base_url(app.config):
        context["metatags"] = re.sub(r'<meta property="og:url" content="[^"]*" />\n?', "", context["metatags"])
    if doctree is None and 'name="description"' not in context["metatags"]:
        from sphinxext.opengraph import make_tag

        site = app.config.ogp_site_name
        title = re.sub(r"<[^>]+>", "", str(context.get("title") or pagename))
        description = f"{title}: a page of {site}, which checks two public texts on China's quantum push."
        context["metatags"] += "\n".join([make_tag("og:title", title), make_tag("og:type", "website"),
                                           make_tag("og:site_name", site), make_tag("og:description", description),
                                           make_tag("description", description, "name"),
                                           *_addressed_tags(app, pagename), *app.config.ogp_custom_meta_tags]) + "\n"


def _addressed_tags(app, pagename: str) -> list[str]:
    from sphinxext.opengraph import make_tag

    url = base_url(app.config)
    if not url:
        return []
    return [make_tag("og:url", url + app.builder.get_target_uri(pagename)), make_tag("og:image", url + CARD)]


def card_png() -> bytes:
    """The verdicts-by-topic chart, drawn on white at the size of a social card."""
    import vl_convert

    from evidence.scorecard import verdicts_by_topic, verdicts_by_topic_chart
    from tools.sphinx_site import _ledger

    chart = verdicts_by_topic_chart(verdicts_by_topic(_ledger())).properties(width=CHART_SIZE[0], height=CHART_SIZE[1])
    spec = chart.configure(background="#ffffff", padding=40, font="DejaVu Sans").configure_title(
        fontSize=26, subtitleFontSize=18, anchor="start").configure_axis(labelFontSize=16, titleFontSize=16
    ).configure_legend(labelFontSize=16, titleFontSize=16, orient="bottom").to_dict()
    return vl_convert.vegalite_to_png(spec, scale=1)


def png_size(png: bytes) -> tuple[int, int]:
    return struct.unpack(">II", png[16:24])


def _write_card(app, exception):
    if exception is not None or app.builder.name != "html" or not base_url(app.config):
        return
    out = Path(app.outdir) / CARD
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(card_png())


def setup(app):
    app.setup_extension("sphinxext.opengraph")
    app.setup_extension("sphinx_sitemap")
    app.connect("config-inited", _configure, priority=900)
    app.connect("html-page-context", _page_meta, priority=900)
    app.connect("build-finished", _write_card)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
