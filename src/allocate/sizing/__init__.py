"""Sizing the sales force: where to base sellers and what the team's workload is worth.

:mod:`.pmedian` and :mod:`.capacitated` place ``p`` sellers among candidate towns
(:mod:`.towns`); :mod:`.buildup` adds up the workload; :mod:`.whatif` transforms an instance
(+1 seller, more leads, one role's view); :mod:`.economics` values the funnel and one more
seller. The team-size search that solves alignments with them is
:mod:`allocate.analysis.sizing`.
"""
