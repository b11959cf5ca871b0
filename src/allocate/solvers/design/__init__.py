"""Territory design on a unit graph: K connected, balanced territories with free centres.

Everything here works on arrays (a :class:`~allocate.solvers.design.graph.DesignGraph`, a
measures matrix), never on an instance: :mod:`allocate.design` builds them.

* :mod:`.graph`: the unit graph (edges with lengths) and its shortest-path distances;
* :mod:`.balance`: the balance bands of the measures and the amount outside them;
* :mod:`.construct`: connected starts (graph Voronoi regions around spread seeds);
* :mod:`.search`: the tabu search on boundary moves (balance + compactness);
* :mod:`.check`: an independent checker of a written partition;
* :mod:`.solve`: the entry point :func:`~allocate.solvers.design.solve.design_partition`.
"""
