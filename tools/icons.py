"""Inline SVG icons instead of Font Awesome's script (1.45 MB) and webfonts (about 270 KB).

The theme writes about fifteen icons as ``<i class="fa-solid fa-sun">``, which Font Awesome's
script turns into SVG in the browser. Here every page's icons become inline SVG when the page
is written: one ``<symbol>`` per icon the page uses, at the top of its body, and an ``<svg>``
with ``<use>`` where the theme put the ``<i>``. A few theme rules draw icons with the Font
Awesome font in a ``::before``/``::after``; ``icon_css`` draws those with the same shapes as a
CSS mask instead. The shapes are read from the copy of Font Awesome Free that the installed
theme ships (icons under CC BY 4.0, see its fontawesome.js.LICENSE.txt): nothing third-party
is committed, and an icon this module cannot find fails the build instead of vanishing.
"""
from __future__ import annotations

import html
import json
import re
import urllib.parse
from functools import lru_cache
from pathlib import Path

# `<i class="fa-solid fa-sun fa-lg" data-mode="light"></i>`, `<span class="fa-solid fa-bars"></span>`
ICON_TAG = re.compile(r'<(i|span) class="([^"]*\bfa-[a-z0-9-]+[^"]*)"([^>]*)>\s*</\1>')
ICON_ENTRY = re.compile(r'[{,]"?([a-z0-9-]+)"?:\[(\d+),(\d+),\[([^\]]*)\],"[0-9a-f]*","((?:[^"\\]|\\.)*)"\]')
PACK = re.compile(r'd\("(fa[srb])",(\w+)\)')
STYLE_CLASSES = {"fa", "fas", "far", "fab", "fa-solid", "fa-regular", "fa-brands", "fa-lg", "fa-sm", "fa-xs",
                 "fa-fw", "fa-2x", "fa-3x", "fa-spin"}
PREFIX_OF_CLASS = {"fa-regular": "far", "far": "far", "fa-brands": "fab", "fab": "fab"}

# Theme rules that draw an icon with the Font Awesome font, and the icon each draws.
PSEUDO_ICONS = {
    "a.reference.download:before": "download",
    ".nav-link.nav-external:after, nav.bd-links li>a.reference.external:after": "up-right-from-square",
    "ul.bd-breadcrumbs li.breadcrumb-item:not(.breadcrumb-home):before": "angle-right",
    "div#searchbox p.highlight-link a:before": "magnifying-glass-minus",
    "span.versionmodified:before": "circle-exclamation",
    ".bd-sidebar-secondary.hide:not(:hover) .onthispage:after": "angle-down",
    ".admonition>.admonition-title:after, div.admonition>.admonition-title:after": "bell",
}
ADMONITION_ICONS = {"attention": "circle-exclamation", "caution": "triangle-exclamation",
                    "danger": "triangle-exclamation", "error": "circle-xmark", "hint": "lightbulb",
                    "important": "circle-exclamation", "note": "circle-info", "seealso": "share",
                    "tip": "lightbulb", "todo": "pencil", "warning": "triangle-exclamation"}


class UnknownIcon(LookupError):
    pass


def font_awesome_script() -> Path:
    import pydata_sphinx_theme

    return (Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / "static" / "scripts"
            / "fontawesome.js")


@lru_cache(maxsize=1)
def shapes(script: Path | None = None) -> dict[tuple[str, str], tuple[int, int, str]]:
    """{(prefix, name or alias): (width, height, SVG path)} for Font Awesome's solid, regular and brands packs."""
    js = (script or font_awesome_script()).read_text(encoding="utf-8")
    found: dict[tuple[str, str], tuple[int, int, str]] = {}
    for pack in PACK.finditer(js):
        prefix, variable = pack.groups()
        start = js.rfind(f"var {variable}={{", 0, pack.start())
        for name, width, height, aliases, path in ICON_ENTRY.findall(js[start:pack.start()]):
            shape = (int(width), int(height), json.loads(f'"{path}"'))
            for alias in [name, *re.findall(r'"([a-z0-9-]+)"', aliases)]:
                found.setdefault((prefix, alias), shape)
    return found


def _icon_of(classes: list[str]) -> tuple[str, str]:
    prefix = next((PREFIX_OF_CLASS[c] for c in classes if c in PREFIX_OF_CLASS), "fas")
    names = [c.removeprefix("fa-") for c in classes if c.startswith("fa-") and c not in STYLE_CLASSES]
    if not names:
        raise UnknownIcon(f"no icon name in class {' '.join(classes)!r}")
    return prefix, names[0]


def shape(prefix: str, name: str) -> tuple[int, int, str]:
    try:
        return shapes()[(prefix, name)]
    except KeyError:
        raise UnknownIcon(f"icon {prefix} fa-{name} is not in the theme's Font Awesome: choose another icon "
                          f"name (fontawesome.com/search?o=r&m=free)") from None


def inline_icons(page: str) -> str:
    """The page with every Font Awesome ``<i>``/``<span>`` drawn as inline SVG (UnknownIcon if one is unknown)."""
    used: dict[str, tuple[int, int, str]] = {}

    def svg(match: re.Match) -> str:
        classes = match.group(2).split()
        prefix, name = _icon_of(classes)
        width, height, path = used.setdefault(f"{prefix}-{name}", shape(prefix, name))
        title = re.search(r'\btitle="([^"]*)"', match.group(3))
        # An icon with a title names its control (as Font Awesome's script made it do); others are decoration.
        role = (f' role="img" aria-label="{title.group(1)}"' if title else ' aria-hidden="true"')
        inner = f"<title>{title.group(1)}</title>" if title else ""
        return (f'<svg class="{html.escape(" ".join(classes))} evidence-icon"{match.group(3)}{role} '
                f'focusable="false" width="{width / height:.3g}em" height="1em">{inner}<use href="#evidence-icon-'
                f'{prefix}-{name}"></use></svg>')

    body = re.search(r"<body[^>]*>", page)
    if body is None:  # a part of a page (the theme renders some separately): done when the page is
        return page
    page = ICON_TAG.sub(svg, page)
    if not used:
        return page
    symbols = "".join(f'<symbol id="evidence-icon-{key}" viewBox="0 0 {w} {h}"><path fill="currentColor" d="{d}"/>'
                      f"</symbol>" for key, (w, h, d) in sorted(used.items()))
    sprite = (f'<svg xmlns="http://www.w3.org/2000/svg" aria-hidden="true" focusable="false" width="0" height="0" '
              f'style="position:absolute">{symbols}</svg>')
    body = re.search(r"<body[^>]*>", page)
    return page[:body.end()] + sprite + page[body.end():]


def _mask(name: str) -> str:
    width, height, path = shape("fas", name)
    svg = f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}'><path d='{path}'/></svg>"
    return f'url("data:image/svg+xml,{urllib.parse.quote(svg, safe=" =:/")}")'


def icon_css() -> str:
    """CSS for the inline icons, and the theme's font icons (``::before``/``::after``) drawn as masks instead."""
    names = sorted({*PSEUDO_ICONS.values(), *ADMONITION_ICONS.values()})
    rules = ["/* Generated by tools/icons.py from the theme's Font Awesome Free (icons: CC BY 4.0). */",
             ".evidence-icon{display:inline-block;overflow:visible;vertical-align:-.125em}",
             ".evidence-icon.fa-lg{font-size:1.25em;line-height:.05em;vertical-align:-.2em}",
             ".evidence-icon::before,.evidence-icon::after{content:none!important}",
             ":root{" + ";".join(f"--evidence-icon-{name}:{_mask(name)}" for name in names) + "}"]
    for selector, name in PSEUDO_ICONS.items():
        rules.append(f"{selector}{{font:inherit!important;content:\"\"!important;display:inline-block;width:1em;"
                     f"height:1em;vertical-align:-.125em;background-color:currentColor;"
                     f"-webkit-mask:var(--evidence-icon-{name}) center/contain no-repeat;"
                     f"mask:var(--evidence-icon-{name}) center/contain no-repeat}}")
    for kind, name in ADMONITION_ICONS.items():
        selector = f".admonition.{kind}>.admonition-title:after,div.admonition.{kind}>.admonition-title:after"
        rules.append(f"{selector}{{-webkit-mask-image:var(--evidence-icon-{name});"
                     f"mask-image:var(--evidence-icon-{name})}}")
    return "\n".join(rules) + "\n"
