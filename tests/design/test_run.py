"""design_territories on the 3 x 3 grid: balanced, connected, staffed, checked."""

from __future__ import annotations

import numpy as np
import pytest

from allocate.core.errors import InfeasibleError, InputError
from allocate.core.status import SolveStatus
from allocate.design import DesignSpec, design_territories
from allocate.design.graph import haversine_km
from allocate.io import read_instance
from tests.solvers.design.brute import connected
from tests.unit_grid import write_grid


@pytest.fixture(scope="module")
def grid(tmp_path_factory: pytest.TempPathFactory):
    return read_instance(write_grid(tmp_path_factory.mktemp("g") / "grid"))


@pytest.mark.parametrize("objective", ["median", "dispersion"])
def test_three_rows_or_columns(grid, objective: str) -> None:
    spec = DesignSpec(
        territories=3, balance={"count": 0.0}, objective=objective, time_limit_s=3, seed=1
    )
    d = design_territories(grid, spec)
    assert d.status == SolveStatus.FEASIBLE
    lab = d.solution.labels
    assert np.bincount(lab).tolist() == [3, 3, 3]
    for t in range(3):
        assert connected(d.graph.graph.neighbours, np.flatnonzero(lab == t).tolist())
    ter = d.territories_frame()
    assert ter["count_dev_pct"].abs().max() == 0
    assert d.units_frame()["is_centre"].sum() == 3
    assert d.summary()["checker"]["feasible"] is True


def test_staffing_with_sellers_matches_nearest_bases(grid) -> None:
    spec = DesignSpec(territories=2, balance={"count": 0.15}, time_limit_s=3, staff="sellers")
    d = design_territories(grid, spec)
    assert d.status == SolveStatus.FEASIBLE
    ter = d.territories_frame()
    assert sorted(ter["seller_id"]) == ["A", "B"]
    # the matching is the cheaper of the two possible ones (bases to centres, great circle)
    sel = grid.sellers
    km = [
        [
            float(haversine_km(sel.lat[s], sel.lon[s], r.centre_lat, r.centre_lon))
            for r in ter.itertuples()
        ]
        for s in range(2)
    ]
    chosen = sum(ter["seller_to_centre_km"])
    assert chosen == pytest.approx(min(km[0][0] + km[1][1], km[0][1] + km[1][0]), abs=1e-2)
    acc = d.accounts_frame()
    assert set(acc["seller_id"]) == {"A", "B"}


def test_proven_infeasible_and_bad_options(grid) -> None:
    with pytest.raises(InfeasibleError):
        design_territories(grid, DesignSpec(territories=10, balance={"count": 0.1}, time_limit_s=5))
    with pytest.raises(InputError):
        DesignSpec(territories=2, objective="nope")
    with pytest.raises(InputError, match="needs --territories 2"):
        design_territories(grid, DesignSpec(territories=3, disruption=1.0, time_limit_s=5))


def _straddling(graph, weights, levels, tolerance, *args, **kwargs):  # type: ignore[no-untyped-def]
    """A fake hierarchy solver: regions = the three columns, territories = the three rows (each
    connected and balanced, but every row straddles all three regions)."""
    from allocate.solvers.design.hierarchy import NestedDesign

    # units in id order c00, c01, c02, c10, ... : row = i // 3, column = i % 3
    top = np.array([i % 3 for i in range(9)], dtype=np.int64)
    rows = np.array([i // 3 for i in range(9)], dtype=np.int64)
    return NestedDesign(SolveStatus.FEASIBLE, [top, rows], [None, None])


def test_a_breach_of_nesting_is_never_reported_feasible(grid, monkeypatch) -> None:
    monkeypatch.setattr("allocate.design.run.nested_partition", _straddling)
    spec = DesignSpec(territories=3, levels=(3, 3), balance={"count": 0.0}, time_limit_s=2)
    d = design_territories(grid, spec)
    assert d.status == SolveStatus.UNKNOWN
    assert "hierarchy check rejected" in d.solution.reason and "straddles" in d.solution.reason
    assert d.verdict is not None and not d.verdict.feasible
    summary = d.summary()
    assert summary["status"] == "unknown" and summary["check"]["feasible"] is False
    # the tables are still there to show the breach
    lv = d.levels_frame()
    assert lv is not None and set(lv["level_name"]) == {"region", "territory"}


def test_levels_frame_children_and_connected(grid) -> None:
    spec = DesignSpec(territories=3, levels=(1, 3), balance={"count": 0.0}, time_limit_s=3)
    d = design_territories(grid, spec)
    assert d.status == SolveStatus.FEASIBLE and d.verdict is not None and d.verdict.feasible
    lv = d.levels_frame()
    top = lv[lv["level"] == 1].iloc[0]
    assert top["children"] == 3 and top["level_name"] == "region" and top["connected"] == "yes"
    assert (lv[lv["level"] == 2]["children"] == 0).all()
    assert d.summary()["level_names"] == ["region", "territory"]


def test_level_tolerance_recorded_and_checked(grid) -> None:
    spec = DesignSpec(
        territories=3,
        levels=(1, 3),
        level_tolerance=(0.0,),
        balance={"count": 0.5},
        time_limit_s=3,
    )
    d = design_territories(grid, spec)
    assert d.status == SolveStatus.FEASIBLE
    assert d.summary()["level_bands"] == [{"count": 0.0}, {"count": 0.5}]
    with pytest.raises(InputError, match="level-tolerance"):
        DesignSpec(territories=3, level_tolerance=(0.1,))  # no levels
