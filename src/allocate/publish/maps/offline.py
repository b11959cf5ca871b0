"""Offline publishing: inline Leaflet instead of loading it from a CDN.

Folium does not ship ``leaflet.js``; its pages load Leaflet, jQuery, Bootstrap,
Font Awesome and Leaflet.awesome-markers from CDNs, and ``DualMap`` adds Leaflet.Sync.
With ``--offline`` we inline Leaflet's JS and CSS from **XStatic-Leaflet**
(PyPI ``xstatic-leaflet``, import ``xstatic.pkg.leaflet``): a pure-Python wheel of ~1 MB
with no dependencies that ships exactly the Leaflet ``dist`` files (``leaflet.js``,
``leaflet.css`` and the ``images/`` folder) and whose version, 1.9.3, is the one folium
0.20 loads. Alternatives were heavier or tied to a framework (``django-leaflet`` needs
Django, ``ipyleaflet`` ships a webpack bundle, ``datasette-leaflet`` needs Datasette).

The other folium assets are dropped, not inlined: our maps use neither folium popups (the
only users of jQuery), nor Bootstrap, nor awesome-marker icons (seller bases are
``L.divIcon`` with inline CSS). Leaflet.Sync is replaced by :data:`SYNC_JS`, a small
``L.Map.prototype.sync`` of our own that keeps the two panes of a comparison on the same
view. The CSS images (layer-control icon, default marker) become ``data:`` URIs, so the page
requests nothing but the background tiles.
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from branca.element import Element, Figure, MacroElement

from allocate.core.errors import InputError

#: Keeps the views of synced maps equal; each map moves the others without echo.
SYNC_JS = """
L.Map.include({
  sync: function (other) {
    var self = this;
    this._allocatePeers = this._allocatePeers || [];
    if (this._allocatePeers.indexOf(other) < 0) { this._allocatePeers.push(other); }
    if (!this._allocateSyncOn) {
      this._allocateSyncOn = true;
      this.on('move zoomend', function () {
        if (self._allocateEcho) { return; }
        self._allocatePeers.forEach(function (peer) {
          peer._allocateEcho = true;
          peer.setView(self.getCenter(), self.getZoom(), {animate: false});
          peer._allocateEcho = false;
        });
      });
    }
    return this;
  }
});
"""


def _leaflet_dir() -> Path:
    try:
        import xstatic.pkg.leaflet as xleaflet
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise InputError.single(
            "--offline",
            "the offline mode needs the 'xstatic-leaflet' package (pip install xstatic-leaflet)",
        ) from exc
    return Path(xleaflet.BASE_DIR)


@lru_cache(maxsize=1)
def leaflet_assets() -> tuple[str, str]:
    """Leaflet's JS and CSS as text, CSS images as ``data:`` URIs, source-map comments removed.

    Returns
    -------
    js, css : str
        Read once from the ``xstatic-leaflet`` package and cached.

    Raises
    ------
    InputError
        When ``xstatic-leaflet`` is not installed.
    """
    root = _leaflet_dir()
    js = (root / "leaflet.js").read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S+\s*$", "", js)
    css = (root / "leaflet.css").read_text(encoding="utf-8")

    def data_uri(match: re.Match[str]) -> str:
        path = root / match.group(1)
        if not path.is_file():
            return "none"
        return (
            "url(data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii") + ")"
        )

    css = re.sub(r"url\((images/[^)]+\.png)\)", data_uri, css)
    return js, css


def _script_safe(text: str) -> str:
    # a literal "</script" inside the inlined code would end the element early
    return text.replace("</script", "<\\/script").replace("</style", "<\\/style")


class InlineAssets(MacroElement):
    """``<style>`` and ``<script>`` with Leaflet (and the sync shim) for the page head."""

    def __init__(self) -> None:
        super().__init__()
        self._name = "InlineAssets"

    def render(self, **kwargs: object) -> None:  # type: ignore[override]
        """Put Leaflet's CSS and JS, and the sync shim, first in the page head.

        Parameters
        ----------
        **kwargs
            Ignored (the ``MacroElement.render`` signature).
        """
        js, css = leaflet_assets()
        html = f"<style>{_script_safe(css)}</style>\n<script>{_script_safe(js)}</script>\n<script>{SYNC_JS}</script>\n"
        figure = self.get_root()
        assert isinstance(figure, Figure)
        figure.header.add_child(Element(html), name="allocate_inline_leaflet", index=0)


def make_offline(figure: Figure) -> None:
    """Drop every CDN link from the elements under ``figure`` and inline Leaflet instead.

    Call before rendering. Elements that declare ``default_js``/``default_css`` (folium's
    ``JSCSSMixin``) get empty instance-level lists, so their CDN links are never added.

    Parameters
    ----------
    figure
        The page (a map's root figure); changed in place.
    """
    stack: list[Any] = [figure]
    while stack:
        el = stack.pop()
        if hasattr(el, "default_js"):
            el.default_js = []
        if hasattr(el, "default_css"):
            el.default_css = []
        stack.extend(el._children.values())
        for attr in ("m1", "m2"):  # DualMap holds its maps as attributes too
            sub = getattr(el, attr, None)
            if sub is not None:
                stack.append(sub)
    figure.add_child(InlineAssets(), name="allocate_inline_assets")
