"""Claim cards: what is claimed, the verdict and its confidence, why, the verbatim quote, and a
permanent address; with a schema.org ClaimReview record for machines.

Every value comes from data/claims.csv and is escaped where it is shown: markup in the ledger
is shown as text, never run. The JSON-LD is escaped for a script element (``<``, ``>`` and
``&`` as ``\\u`` escapes), so no value can close it.
"""
from __future__ import annotations

import html
import json
from functools import lru_cache

from evidence.verdicts import Assessment

SOURCE_TEXTS = {"merics2024longview": ("MERICS report", "MERICS", "2024-12"),
                "chinaquantum2025twosessions": ("China∩Quantum post", "China∩Quantum", "2025-03")}
# The rating scale of the ClaimReview records: 4 confirmed … 1 contradicted; unverified has no rating.
RATING = {"confirmed": 4, "qualified": 3, "contradicted": 1}
LINK_ICON = ('<svg aria-hidden="true" focusable="false" width="14" height="14" viewBox="0 0 16 16">'
             '<path fill="currentColor" d="M6.3 9.7a1 1 0 0 1 0-1.4l3-3a1 1 0 1 1 1.4 1.4l-3 3a1 1 0 0 1-1.4 0zM4.6 '
             '12.8a2.5 2.5 0 0 1-3.5-3.5l2.3-2.3.7.7-2.3 2.3a1.5 1.5 0 0 0 2.1 2.1l2.3-2.3.7.7zm7.8-5.7-.7-.7 2.3-'
             '2.3a1.5 1.5 0 0 0-2.1-2.1L9.6 4.3l-.7-.7 2.3-2.3a2.5 2.5 0 0 1 3.5 3.5z"/></svg>')


def site_url() -> str:
    """The published site's address (``html_baseurl`` in _config.yml), or '' before it is published."""
    from evidence import ROOT

    config = ROOT / "_config.yml"
    return _site_url(config, config.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _site_url(config, _modified: int) -> str:
    """Read once per version of _config.yml (every card asks: parsing it each time was a tenth of a build)."""
    import yaml

    parsed = yaml.safe_load(config.read_text(encoding="utf-8"))
    return str(parsed.get("sphinx", {}).get("config", {}).get("html_baseurl") or "")


def claim_url(chapter: str, claim_id: str) -> str:
    """A claim's permanent address: absolute once the site has an address, relative to the site before."""
    base = site_url()
    return f"{base.rstrip('/') + '/' if base else ''}{chapter}.html#{anchor(claim_id)}"


def anchor(claim_id: str) -> str:
    """A claim's permanent address on its chapter's page."""
    return f"claim-{claim_id}"


def short_why(rationale: str, limit: int = 25) -> str:
    """The first sentence of the rationale, cut to at most ``limit`` words."""
    first = rationale.split(". ")[0].rstrip(".") + "."
    words = first.split()
    return first if len(words) <= limit else " ".join(words[:limit]).rstrip(",;:") + " …"


def verdict_badge(result: Assessment) -> str:
    verdict, confidence = html.escape(result.verdict), html.escape(result.confidence)
    marks = {"high": "●●●", "medium": "●●○", "low": "●○○"}[result.confidence]
    return (f'<span class="evidence-badge evidence-{verdict}">{verdict}</span> '
            f'<span class="evidence-confidence evidence-confidence-{confidence}" title="{confidence} confidence">'
            f'<span aria-hidden="true">{marks}</span> {confidence} confidence</span>')


def card(row, *, page: str = "", evidence_anchor: str | None = None, heading_level: int = 3) -> str:
    """One claim as a card. ``row`` has the ledger's columns (id, statement, quote, locator, …).

    ``page`` is the chapter's address when the card is shown on another page (the landing page).
    """
    esc = html.escape
    claim_id = row.id
    statement = getattr(row, "statement", None)
    statement = statement if isinstance(statement, str) and statement else row.quote
    locator = getattr(row, "locator", None)
    where = SOURCE_TEXTS.get(row.source, (row.source,))[0] + (f", {locator}" if isinstance(locator, str) else "")
    link = f"{page}#{anchor(claim_id)}"
    evidence_link = f'{page}#{evidence_anchor or "verdict-" + claim_id}'
    tag = f"h{heading_level}"
    return (
        f'<article class="evidence-card" id="{esc(anchor(claim_id)) if not page else ""}" '
        f'data-verdict="{esc(row.verdict)}" data-confidence="{esc(row.confidence)}" data-topic="{esc(row.topic)}">'
        f'<{tag} class="evidence-card-statement">{esc(statement)}</{tag}>'
        f'<p class="evidence-card-verdict">{verdict_badge(Assessment(row.verdict, row.confidence))}</p>'
        f'<p class="evidence-card-why">{esc(short_why(row.rationale))}</p>'
        f'<blockquote class="evidence-card-quote"><p>“{esc(row.quote)}”</p>'
        f'<footer>{esc(where)}</footer></blockquote>'
        f'<p class="evidence-card-links"><a href="{esc(evidence_link)}">The evidence</a> · '
        f'<a class="evidence-permalink" href="{esc(link)}" title="Link to this claim" '
        f'aria-label="Link to claim {esc(claim_id)}">{LINK_ICON} claim {esc(claim_id)}</a></p>'
        f'</article>').replace(' id=""', "")


def cards_html(rows, chapter: str) -> str:
    """The cards of some ledger rows, each with its ClaimReview record, in a grid."""
    return ('<div class="evidence-cards">'
            + "".join(card(row) + json_ld(claim_review(row, claim_url(chapter, row.id))) for row in rows)
            + "</div>")


def fold(summary: str, content: str, *, kind: str) -> str:
    """Content a few readers need, closed under a one-line summary (opened by a claim's address,
    evidence-reveal.js, and printed open, tools/pdf_html.py). ``kind`` names what is folded."""
    return (f'<details class="evidence-fold evidence-fold-{html.escape(kind)}">'
            f'<summary>{html.escape(summary)}</summary>{content}</details>')


def other_claims_summary(shown: int, total: int) -> str:
    """'The other 5 of this chapter's 7 claims' (or 'All 7 claims …' when no card was shown above)."""
    if shown == 0:
        return f"All {total} claims of this chapter"
    other = total - shown
    return f"The other {other} of this chapter's {total} claims" if other > 1 else \
        f"The other claim of this chapter's {total}"


def claim_review(row, url: str) -> dict:
    """A schema.org ClaimReview record of one claim."""
    author, publisher, date = SOURCE_TEXTS.get(row.source, (row.source, row.source, None))[:3]
    rating = {"@type": "Rating", "alternateName": f"{row.verdict} ({row.confidence} confidence)",
              "bestRating": 4, "worstRating": 1}
    if row.verdict in RATING:
        rating["ratingValue"] = RATING[row.verdict]
    statement = getattr(row, "statement", None)
    return {"@context": "https://schema.org", "@type": "ClaimReview", "url": url,
            "claimReviewed": statement if isinstance(statement, str) and statement else row.quote,
            "reviewRating": rating,
            "itemReviewed": {"@type": "Claim", "text": row.quote,
                             "author": {"@type": "Organization", "name": publisher},
                             **({"datePublished": date} if date else {})},
            "author": {"@type": "Organization", "name": "China's Quantum Push, Recomputed"},
            "reviewBody": row.rationale}


def json_ld(record: dict) -> str:
    """A JSON-LD script element whose content cannot end the element early."""
    text = json.dumps(record, ensure_ascii=False, sort_keys=True)
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return f'<script type="application/ld+json">{text}</script>'
