"""Territory maps (folium/Leaflet): :func:`plot_territories`, :func:`plot_comparison`, :func:`save_map`."""

from allocate.publish.maps.colors import greedy_colors, seller_colors
from allocate.publish.maps.plot import (
    changed_owner,
    plot_comparison,
    plot_territories,
    render_html,
    save_map,
    seller_table,
)
from allocate.publish.maps.run import RunData, read_run, resolve_instance_dir

__all__ = [
    "RunData",
    "changed_owner",
    "greedy_colors",
    "plot_comparison",
    "plot_territories",
    "read_run",
    "render_html",
    "resolve_instance_dir",
    "save_map",
    "seller_colors",
    "seller_table",
]
