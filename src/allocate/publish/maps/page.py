"""A map as a standalone HTML page: render it (optionally with Leaflet inlined) and save it."""

from __future__ import annotations

from pathlib import Path

import folium
from branca.element import Figure
from folium.plugins import DualMap

from allocate.io.atomic import atomic_write_text
from allocate.publish.maps.offline import make_offline
from allocate.publish.text import esc


def render_html(m: folium.Map | DualMap, *, offline: bool = False, title: str | None = None) -> str:
    """The standalone HTML page of a map.

    Parameters
    ----------
    m
        A map or a dual map.
    offline
        Inline Leaflet (see :mod:`allocate.publish.maps.offline`): the page draws without internet.
    title
        Page title (escaped here).

    Returns
    -------
    str
        The page.
    """
    fig = m.get_root()
    assert isinstance(fig, Figure)
    if title is not None:
        fig.title = esc(title)
    if offline:
        make_offline(fig)
    return fig.render()


def save_map(
    m: folium.Map | DualMap, path: Path, *, offline: bool = False, title: str | None = None
) -> Path:
    """Render ``m`` (:func:`render_html`) and write it atomically to ``path``.

    Parameters
    ----------
    m
        A map or a dual map.
    path
        The HTML file.
    offline
        Inline Leaflet.
    title
        Page title.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    atomic_write_text(path, render_html(m, offline=offline, title=title))
    return path
