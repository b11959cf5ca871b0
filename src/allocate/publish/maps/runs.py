"""The map page of a run folder, or of two side by side: :func:`save_run_map`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import folium
import pandas as pd
from folium.plugins import DualMap

from allocate.core.instance import Instance
from allocate.io.runfolder import RunData
from allocate.publish.maps.page import save_map
from allocate.publish.maps.plot import DEFAULT_TILES, plot_comparison, plot_territories


def save_run_map(
    path: Path,
    instance: Instance,
    run: RunData,
    vs: RunData | None = None,
    *,
    offline: bool = False,
    colors: Sequence[str] | None = None,
    tiles: str | None = DEFAULT_TILES,
) -> Path:
    """Draw the territories of ``run`` (beside those of ``vs`` when given) and save the page.

    Each pane is titled ``<model> model`` and shows the run's per-seller KPIs and totals; the
    page is titled ``<model> · <instance>`` (``<model> vs <other model> · <instance>``).

    Parameters
    ----------
    path
        The HTML file written.
    instance
        The instance the runs solved.
    run
        A run folder read with :func:`allocate.io.runfolder.read_run`.
    vs
        A second run: both are drawn side by side (:func:`plot_comparison`).
    offline
        Inline Leaflet (see :mod:`allocate.publish.maps.offline`).
    colors
        Seller colours of a single-run map (see :func:`plot_territories`); a side-by-side map
        colours both panes itself, so ``colors`` is refused with ``vs``.
    tiles
        Background tiles (folium name or URL); ``None`` for none.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ValueError
        When both ``vs`` and ``colors`` are given.
    """
    m: folium.Map | DualMap
    if vs is None:
        m = plot_territories(
            run.alignment,
            instance,
            seller_kpis=_seller_kpis(run),
            totals=run.totals,
            title=f"{run.label} model",
            colors=colors,
            tiles=tiles,
        )
        title = f"{run.label} · {instance.name}"
    else:
        if colors is not None:
            raise ValueError("a side-by-side map colours its sellers itself: give no colors")
        m = plot_comparison(
            run.alignment,
            vs.alignment,
            instance,
            seller_kpis=(_seller_kpis(run), _seller_kpis(vs)),
            totals=(run.totals, vs.totals),
            titles=(f"{run.label} model", f"{vs.label} model"),
            tiles=tiles,
        )
        title = f"{run.label} vs {vs.label} · {instance.name}"
    return save_map(m, path, offline=offline, title=title)


def _seller_kpis(run: RunData) -> pd.DataFrame | None:
    """The run's per-seller KPI table, ``None`` when it has no row (the map computes its own)."""
    return run.sellers if len(run.sellers) else None
