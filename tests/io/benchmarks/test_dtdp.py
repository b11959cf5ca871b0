"""The DTDP GraphML reader on a hand-written file."""

from __future__ import annotations

from pathlib import Path

import pytest

from allocate.io.benchmarks.dtdp import read_dtdp

GRAPHML = """<?xml version='1.0' encoding='utf-8'?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
<key id="d3" for="edge" attr.name="distance" attr.type="long"/>
<key id="d2" for="node" attr.name="workload" attr.type="long"/>
<key id="d1" for="node" attr.name="demand" attr.type="long"/>
<key id="d0" for="node" attr.name="n_customers" attr.type="long"/>
<graph edgedefault="undirected">
<node id="7"><data key="d0">1</data><data key="d1">10</data><data key="d2">5</data></node>
<node id="9"><data key="d0">2</data><data key="d1">20</data><data key="d2">6</data></node>
<edge source="7" target="9"><data key="d3">12</data></edge>
</graph></graphml>
"""


def test_read(tmp_path: Path) -> None:
    p = tmp_path / "g.graphml"
    p.write_text(GRAPHML)
    inst = read_dtdp(p)
    assert inst.name == "g" and inst.node_ids == ["7", "9"]
    assert inst.measures.tolist() == [[1, 10, 5], [2, 20, 6]]
    assert inst.edges.tolist() == [[0, 1]] and inst.length.tolist() == [12.0]


def test_missing_measure(tmp_path: Path) -> None:
    p = tmp_path / "g.graphml"
    p.write_text(GRAPHML.replace('<data key="d2">6</data>', ""))
    with pytest.raises(ValueError, match="node 9 has no workload"):
        read_dtdp(p)
