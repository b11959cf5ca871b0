"""Territory maps (folium/Leaflet): :func:`plot_territories`, :func:`plot_comparison`, :func:`save_map`.

:mod:`.plot` draws the layers, :mod:`.sellers` builds the per-seller table, :mod:`.legend` the
title box and legend, :mod:`.colors` colours the territories, :mod:`.elements` holds the
Leaflet templates, :mod:`.page` renders and saves a page and :mod:`.offline` inlines Leaflet.
Runs are read with :func:`allocate.io.runfolder.read_run`; :mod:`.runs` saves the map page of
one run, or of two side by side (:func:`save_run_map`); :mod:`.design` draws a territory design and its levels
(:func:`save_design_map`).
"""

from allocate.publish.maps.colors import greedy_colors, seller_colors
from allocate.publish.maps.design import plot_design, save_design_map
from allocate.publish.maps.page import render_html, save_map
from allocate.publish.maps.plot import changed_owner, plot_comparison, plot_territories
from allocate.publish.maps.runs import save_run_map
from allocate.publish.maps.sellers import seller_table

__all__ = [
    "changed_owner",
    "greedy_colors",
    "plot_comparison",
    "plot_design",
    "plot_territories",
    "render_html",
    "save_design_map",
    "save_map",
    "save_run_map",
    "seller_colors",
    "seller_table",
]
