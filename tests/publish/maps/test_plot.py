"""Map building without a browser: hostile names are escaped in the page."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import shapely

from allocate.core.result import Alignment
from allocate.io import read_instance
from allocate.io.runfolder import read_run
from allocate.publish.maps import changed_owner, plot_comparison, plot_territories, render_html
from allocate.publish.maps.plot import changed_territory
from tests.publish.publishing import XSS


def test_names_are_escaped(published: dict[str, Path]) -> None:
    inst = read_instance(published["instance"])
    run = read_run(published["geo"], inst)
    page = render_html(
        plot_territories(run.alignment, inst, seller_kpis=run.sellers, title=XSS), offline=True
    )
    assert XSS not in page
    # html-escaped, then "&" written as \u0026 inside the script data
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in page
    assert page.count("</script><script>alert(3)") == 0


def test_changed_owner_compares_first_owners(published: dict[str, Path]) -> None:
    inst = read_instance(published["instance"])
    geo = read_run(published["geo"], inst).alignment
    size = read_run(published["size"], inst).alignment
    assert not changed_owner(inst, geo, geo).any()
    diff = changed_owner(inst, geo, size)
    assert diff.shape == (len(inst.accounts),) and diff.dtype == np.bool_


def _first_owner(n: int, alignment: Alignment) -> list[int]:
    """First row's seller of each account, written out here rather than imported."""
    owner = [-1] * n
    for a, s in zip(alignment.account.tolist(), alignment.seller.tolist(), strict=True):
        if owner[a] < 0:
            owner[a] = s
    return owner


def _base_layers(page: str) -> dict[str, str]:
    """Layer-control base layers (radio buttons): label -> variable name."""
    block = re.search(r"base_layers : \{(.*?)\}", page, re.S)
    assert block is not None
    return dict(re.findall(r'"([^"]*)" : (\w+)', block.group(1)))


def test_one_team_at_a_time(published: dict[str, Path]) -> None:
    inst = read_instance(published["instance"])
    run = read_run(published["geo"], inst)
    page = render_html(plot_territories(run.alignment, inst, tiles=None), offline=True)
    owner = _first_owner(len(inst.accounts), run.alignment)
    roles = {inst.sellers.role[s] for s in owner if s >= 0}
    assert len(roles) >= 2  # the fixture spreads accounts over several roles
    base = _base_layers(page)
    assert sorted(base) == sorted(f"Territories \\u00b7 {r}" for r in roles)
    # one radio per team, and only one team's territories added to the map at first
    shown = [v for v in base.values() if re.search(rf"\b{v}\.addTo\(", page)]
    assert len(shown) == 1


def test_view_fitted_and_panels_fold(published: dict[str, Path]) -> None:
    inst = read_instance(published["instance"])
    run = read_run(published["geo"], inst)
    page = render_html(plot_territories(run.alignment, inst, tiles=None), offline=True)
    lat = list(inst.accounts.lat) + list(inst.sellers.lat)
    lon = list(inst.accounts.lon) + list(inst.sellers.lon)
    fit = re.search(r"\.fitBounds\(\s*\[\[([-\d.]+), ([-\d.]+)\], \[([-\d.]+), ([-\d.]+)\]\]", page)
    assert fit is not None
    got = [float(x) for x in fit.groups()]
    assert np.allclose(got, [min(lat), min(lon), max(lat), max(lon)])
    # the KPI card opens folded out, the long seller legend folded in
    assert "\\u003cdetails open\\u003e\\u003csummary\\u003e\\u003ch1\\u003e" in page
    assert "\\u003cdetails\\u003e\\u003csummary\\u003e\\u003ch2\\u003eSellers" in page


def test_comparison_counts_changes_and_outlines_them(published: dict[str, Path]) -> None:
    inst = read_instance(published["instance"])
    geo = read_run(published["geo"], inst).alignment
    seller = np.array(geo.seller)
    moved = np.flatnonzero(geo.account % 9 == 0)  # hand some accounts to the next seller
    seller[moved] = (seller[moved] + 1) % len(inst.sellers)
    size = dataclasses.replace(geo, model="moved", seller=seller)
    n = len(inst.accounts)
    expected = sum(a != b for a, b in zip(_first_owner(n, geo), _first_owner(n, size), strict=True))
    assert expected > 0
    page = render_html(
        plot_comparison(geo, size, inst, titles=(XSS, XSS), tiles=None), offline=True
    )
    # both panes: the count in the KPI card and in the outline's layer name
    assert (
        page.count(f"\\u003cb\\u003e{expected:,}\\u003c/b\\u003e\\u003cspan\\u003echange owner")
        == 2
    )
    assert page.count(f"Area whose owner changes ({expected:,} accounts)") == 2
    # the rings of single accounts are there but off by default
    rings = re.findall(r"var (highlight_layer_\w+) =", page)
    assert len(rings) == 2 and not any(re.search(rf"\b{v}\.addTo\(", page) for v in rings)
    outlines = re.findall(r"var (outline_layer_\w+) =", page)
    assert len(outlines) == 2 and all(re.search(rf"\b{v}\.addTo\(", page) for v in outlines)
    assert XSS not in page and page.count("</script><script>alert(3)") == 0


def test_changed_territory_is_the_area_that_moves() -> None:
    a, b, c = (shapely.box(x, 0, x + 1, 1) for x in range(3))
    left = {0: shapely.union_all([a, b]), 1: c}
    right = {0: a, 1: shapely.union_all([b, c])}
    assert changed_territory(left, right).equals(b)
    assert changed_territory(left, left).is_empty
