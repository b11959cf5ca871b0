"""Territory design: K connected, balanced, compact territories with free centres.

The workflow over an instance: :mod:`.graph` builds the unit graph (units and their polygon
adjacency, or an adjacency table; accounts themselves when there are no units), :mod:`.measures`
the measures to balance per unit, :mod:`.run` calls the solver
(:func:`allocate.solvers.design.solve.design_partition`), staffs the territories and builds
the tables of the run folder.
"""

from allocate.design.run import Design, DesignSpec, design_territories

__all__ = ["Design", "DesignSpec", "design_territories"]
