"""Territory colours: neighbours never share one, few sellers all differ."""

from __future__ import annotations

from pathlib import Path

import pytest

from allocate.core.geo import territory_polygons
from allocate.io import read_instance
from allocate.io.runfolder import account_owner, read_run
from allocate.publish.maps.colors import PALETTE, greedy_colors, seller_colors, territory_adjacency


@pytest.mark.parametrize(
    ("n", "edges"),
    [
        (3, [(0, 1), (1, 2)]),  # path
        (4, [(0, 1), (1, 2), (2, 3), (3, 0), (0, 2)]),  # square with a diagonal
        (
            15,
            [(i, j) for i in range(15) for j in range(i + 1, 15)],
        ),  # clique larger than the palette
    ],
)
def test_greedy_colors_separate_neighbours(n: int, edges: list[tuple[int, int]]) -> None:
    colors = greedy_colors(n, edges)
    assert len(colors) == n
    assert all(colors[a] != colors[b] for a, b in edges)


def test_few_sellers_get_distinct_colors() -> None:
    # no edges at all: the legend must still tell sellers apart
    assert len(set(greedy_colors(len(PALETTE), []))) == len(PALETTE)


def test_adjacent_territories_differ(published: dict[str, Path]) -> None:
    inst = read_instance(published["instance"])
    run = read_run(published["size"], inst)
    terr = territory_polygons(inst, account_owner(inst, run.alignment))
    adj = territory_adjacency(terr)
    colors = seller_colors(len(inst.sellers), terr)
    assert any(adj.values())
    assert all(colors[s] != colors[t] for s, nb in adj.items() for t in nb)
