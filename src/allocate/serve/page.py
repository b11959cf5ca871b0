"""The single page of ``allocate serve``: Leaflet, the app's CSS and JS, inlined.

Everything the page needs is in this one response (Leaflet from ``xstatic-leaflet``, as in
:mod:`allocate.publish.maps.offline`), so it works with the network cut and a token-protected
server needs no further authenticated asset requests. No background tiles are loaded: the
map shows the accounts, the bases and the unit outlines on a plain background. The page
writes user strings with ``textContent`` only (see ``static/app.js``).
"""

from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path

from allocate.publish.maps.offline import leaflet_assets

STATIC = Path(__file__).resolve().parent / "static"


def _inline(text: str) -> str:
    # a literal "</script" inside inlined code would end the element early
    return text.replace("</script", "<\\/script").replace("</style", "<\\/style")


@lru_cache(maxsize=1)
def _assets() -> tuple[str, str, str]:
    js, css = leaflet_assets()
    app_css = (STATIC / "app.css").read_text(encoding="utf-8")
    app_js = (STATIC / "app.js").read_text(encoding="utf-8")
    return _inline(css + "\n" + app_css), _inline(js), _inline(app_js)


def page_html(title: str) -> str:
    """The page, titled with the instance name (escaped).

    Parameters
    ----------
    title
        The instance name.

    Returns
    -------
    str
        A complete HTML document.
    """
    css, leaflet_js, app_js = _assets()
    body = (STATIC / "body.html").read_text(encoding="utf-8")
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><link rel=\"icon\" href=\"data:,\">"
        f"<title>allocate serve · {html.escape(title)}</title><style>{css}</style>"
        f"<script>{leaflet_js}</script></head><body>{body}<script>{app_js}</script></body></html>"
    )
