"""``maps/index.html``: one page that links every published map and report of a folder."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import quote

from allocate.io.atomic import atomic_write_text
from allocate.publish.text import esc

#: The page a published folder opens with: a report's page, or the gallery of a maps folder.
INDEX_PAGE = "index.html"
_TITLE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _title(path: Path) -> str:
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            head = fh.read(20_000)
    except OSError:
        return ""
    m = _TITLE.search(head)
    # titles were escaped when written: unescape once, escape again on output
    return html.unescape(m.group(1)).strip() if m else ""


#: Marks the index pages this module writes; any other ``index.html`` is left alone.
GENERATOR = '<meta name="generator" content="allocate gallery">'


def update_index(folder: Path) -> Path | None:
    """Rewrite ``folder/index.html`` listing its ``*.html`` maps and its report sub-folders.

    Only a page written here is rewritten: when ``folder`` already holds another
    ``index.html`` (someone's own page), nothing is written and ``None`` is returned.

    Parameters
    ----------
    folder
        The publishing folder.

    Returns
    -------
    pathlib.Path or None
        The index page, or ``None`` when it was left alone.
    """
    folder = Path(folder)
    out = folder / INDEX_PAGE
    if out.exists() and not _ours(out):
        return None
    items: list[tuple[str, str, str]] = []  # kind, href, label
    for p in sorted(folder.iterdir(), key=lambda q: q.name.lower()):
        if p.name.startswith("."):
            continue
        if p.is_file() and p.suffix.lower() == ".html" and p.name != INDEX_PAGE:
            items.append(("map", quote(p.name), _title(p) or p.stem))
        elif p.is_dir() and (p / INDEX_PAGE).is_file():
            items.append(
                ("report", quote(p.name) + "/" + INDEX_PAGE, _title(p / INDEX_PAGE) or p.name)
            )
    rows = (
        "".join(
            f'<li class="{kind}"><span class="kind">{kind}</span> <a href="{esc(href)}">{esc(label)}</a> '
            f'<span class="file">{esc(html_name(href))}</span></li>'
            for kind, href, label in items
        )
        or "<li>nothing published yet</li>"
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">{GENERATOR}<title>Published maps and reports</title>
<style>
body {{ font-family: 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; margin: 40px auto; max-width: 900px; color: #1f2937; }}
h1 {{ font-size: 22px; }} ul {{ list-style: none; padding: 0; }}
li {{ padding: 10px 14px; border-bottom: 1px solid #e5e7eb; }}
.kind {{ display: inline-block; width: 64px; font-size: 11px; text-transform: uppercase; color: #6b7280; }}
.file {{ color: #9ca3af; font-size: 12px; margin-left: 8px; }}
a {{ color: #1d4ed8; text-decoration: none; font-weight: 600; }}
</style></head>
<body><h1>Published maps and reports</h1><ul>{rows}</ul></body></html>
"""
    atomic_write_text(out, page)
    return out


#: The head of the pages written before the generator mark (still ours to rewrite).
_LEGACY = '<meta charset="utf-8"><title>Published maps and reports</title>'


def _ours(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            head = fh.read(2_000)
    except OSError:
        return False
    return GENERATOR in head or _LEGACY in head


def html_name(href: str) -> str:
    """The file name shown for a link: ``href`` with its percent-escapes decoded.

    Parameters
    ----------
    href
        A quoted relative link.

    Returns
    -------
    str
        The unquoted text.
    """
    from urllib.parse import unquote

    return unquote(href)
