"""Contiguous territories over a unit graph, on arrays (no instance, no organization model).

:mod:`.graph` (the unit graph, pieces of territories), :mod:`.repair` (the heuristic enclave
repair), :mod:`.grow` (contiguous warm starts), :mod:`.flow` (the flow formulation),
:mod:`.exact` (the flow model over every seller) and :mod:`.lns` (the flow model a few sellers
at a time). :mod:`allocate.organize.units` builds the arrays; :mod:`allocate.align.contiguity`
runs the stage.
"""
