"""Sphinx extension: light pages for readers on phones and slow connections.

- No Font Awesome: the theme's icons are written as inline SVG (tools.icons) and its font
  icons are drawn as CSS masks (``evidence-icons.css``, generated from the installed theme);
  tools/theme/layout.html leaves out fontawesome.js.
- Sphinx's search scripts and index load only on the search page (tools/theme/layout.html):
  the search box submits to that page.
- Each page loads only the theme's optional scripts and stylesheets it uses: the code-copy
  button where there is code, sphinx-design where there is a design element, the toggle
  button where there is a toggle, the chart and table scripts where there is a chart or a
  sortable table; and its script files are deferred, so none holds up the first paint.
"""
from __future__ import annotations

from pathlib import Path

from sphinx.errors import ExtensionError

from evidence import atomic
from tools.icons import UnknownIcon, icon_css, inline_icons

THEME = Path(__file__).resolve().parent / "theme"
ICON_CSS = "evidence-icons.css"
# An optional asset, and the markers (any one) its page's body must contain for it to load.
USED_WHEN = {
    "copybutton.js": ("<pre",), "clipboard.min.js": ("<pre",), "copybutton.css": ("<pre",),
    "design-tabs.js": ("sd-tab",), "sphinx-design.min.css": ('class="sd-', " sd-"),
    "togglebutton.js": ("toggle", "dropdown"), "togglebutton.css": ("toggle", "dropdown"),
    "sphinx-thebe.js": ("thebe",), "sphinx-thebe.css": ("thebe",),
    "evidence-charts.js": ("evidence-chart",), "evidence-charts.css": ("evidence-chart",),
    "evidence-tables.js": ("evidence-sortable", "data-filters"),
    "evidence-reveal.js": ("evidence-fold",),
}


def _templates_first(app, config) -> None:
    config.templates_path.insert(0, str(THEME))
    # Every page is written again when the code that writes the light layer changes (an "html"
    # config value: Sphinx compares it with the last build's).
    import hashlib

    code = [Path(__file__), Path(__file__).with_name("icons.py"), *sorted(THEME.glob("*"))]
    config.evidence_page_code = hashlib.sha256(b"".join(p.read_bytes() for p in code)).hexdigest()[:16]


def _write_icon_css(app) -> None:
    if app.builder.format != "html":
        return
    folder = Path(app.outdir).parent / ".evidence-static" / "icons"
    css = icon_css()
    target = folder / ICON_CSS
    if not target.exists() or target.read_text(encoding="utf-8") != css:
        folder.mkdir(parents=True, exist_ok=True)
        atomic.write_text(target, css)
    app.config.html_static_path.append(str(folder))
    app.add_css_file(ICON_CSS)
    _inline_icons_in_every_page(app)


def _inline_icons_in_every_page(app) -> None:
    templates = app.builder.templates
    render = templates.render

    def render_with_icons(template: str, context: dict) -> str:
        try:
            return inline_icons(render(template, context))
        except UnknownIcon as err:
            raise ExtensionError(f"{context.get('pagename', template)}: {err}") from None

    templates.render = render_with_icons


def _asset_name(asset) -> str:
    return Path(str(getattr(asset, "filename", asset) or "").split("?")[0]).name


def used(asset, body: str) -> bool:
    markers = USED_WHEN.get(_asset_name(asset))
    return markers is None or any(marker in body for marker in markers)


# Scripts that must run before the page's inline scripts (which set DOCUMENTATION_OPTIONS.pagename).
BEFORE_INLINE = {"documentation_options.js"}


def deferred(asset):
    """A script file that does not block the page from being parsed and painted: deferred scripts still run
    in order, before DOMContentLoaded, which every script of the site waits for or checks."""
    attributes = getattr(asset, "attributes", None)
    if (not getattr(asset, "filename", None) or attributes is None or _asset_name(asset) in BEFORE_INLINE
            or {"async", "defer", "type"} & set(attributes)):
        return asset
    return type(asset)(asset.filename, priority=asset.priority, **{**attributes, "defer": "defer"})


def _only_the_assets_a_page_uses(app, pagename, templatename, context, doctree) -> None:
    body = context.get("body") or ""
    for key in ("script_files", "css_files"):
        if isinstance(context.get(key), list):
            context[key] = [asset for asset in context[key] if used(asset, body)]
    if isinstance(context.get("script_files"), list) and pagename != "search":  # its inline script needs them
        context["script_files"] = [deferred(asset) for asset in context["script_files"]]


def setup(app):
    app.add_config_value("evidence_page_code", "", "html")
    app.connect("config-inited", _templates_first)
    app.connect("builder-inited", _write_icon_css)
    app.connect("html-page-context", _only_the_assets_a_page_uses, priority=950)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
