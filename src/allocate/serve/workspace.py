"""What the app serves: one instance, its versions, the editing session and the jobs.

:meth:`Workspace.open` reads the instance folder and starts the session from the first run
folder given (else from today's owners under the geography model). Everything the API does
goes through the workspace, which also answers the map and comparison payloads.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from allocate.align.solve import solve as solve_workflow
from allocate.core.instance import Instance
from allocate.core.scenario import PRESETS, BalanceSpec, Scenario
from allocate.io import read_instance
from allocate.io.runfolder import EDITS, account_owner, read_run
from allocate.organize.presets import build_model
from allocate.publish.maps import save_run_map
from allocate.publish.maps.colors import greedy_colors
from allocate.publish.report import write_report
from allocate.serve.edits import read_history
from allocate.serve.jobs import Job, JobRunner
from allocate.serve.live import LiveKpis
from allocate.serve.reoptimize import NoProposal, Proposal, reoptimize
from allocate.serve.session import (
    BadEdit,
    Session,
    StaleVersion,
    initial_sellers,
    sellers_from_alignment,
)
from allocate.serve.versions import VersionStore, read_version

#: Simplification of the unit outlines drawn by the page, in degrees (about 500 m).
UNIT_TOLERANCE_DEG = 0.005


@dataclass(frozen=True)
class ModelSwitch:
    """A solved alignment of another model, applied on accept by starting a new session."""

    scenario: Scenario
    sellers: NDArray[np.int64]
    mp: Any


class Workspace:
    """The instance, the version store, the session and the job runner of one app.

    Parameters
    ----------
    instance
        The instance edited.
    store
        Where versions are listed and saved.
    session
        The editing session.
    """

    def __init__(self, instance: Instance, store: VersionStore, session: Session) -> None:
        self.instance = instance
        self.store = store
        self.session = session
        self.jobs = JobRunner()
        #: per solve job: where its model switch is left, and its scenario
        self.solves: dict[str, tuple[dict[str, ModelSwitch], Scenario]] = {}
        self._map_cache: tuple[tuple[int, int, str], bytes] | None = None
        self._units_cache: bytes | None = None

    @classmethod
    def open(cls, instance_dir: Path, runs: list[Path], out: Path | None = None) -> Workspace:
        """Read the instance and start from ``runs[0]`` (today's owners without runs).

        Parameters
        ----------
        instance_dir
            The instance folder.
        runs
            Run folders of that instance; the first is opened.
        out
            Versions folder (default: the first run's parent, else ``versions`` in the
            working directory).

        Returns
        -------
        Workspace
            Ready to serve.
        """
        inst = read_instance(instance_dir)
        store = VersionStore(out or (runs[0].resolve().parent if runs else Path("versions")), runs)
        if runs:
            sc, alignment = read_version(runs[0], inst)
            mp = build_model(inst, sc)
            session = Session(inst, sc, mp, sellers_from_alignment(mp, alignment), runs[0].resolve().name,
                              read_history(runs[0] / EDITS))
        else:
            sc = Scenario()
            mp = build_model(inst, sc)
            session = Session(inst, sc, mp, initial_sellers(inst, mp), "today")
        ws = cls(inst, store, session)
        ws.map_json(None)  # warm: the first page load finds the map ready
        return ws

    # -- map ----------------------------------------------------------------------------
    def map_json(self, team: str | None) -> bytes:
        """:meth:`map_data` as JSON bytes, kept for the current version (the first paint
        of a page opened right after start finds it ready: :meth:`open` warms it)."""
        s = self.session
        with s.lock:
            key = (id(s), s.version, s.team(team))
            if self._map_cache is None or self._map_cache[0] != key:
                data = json.dumps(self.map_data(team), ensure_ascii=False, separators=(",", ":"))
                self._map_cache = (key, data.encode("utf-8"))
            return self._map_cache[1]

    def units_json(self) -> bytes:
        """The unit outlines as GeoJSON (simplified, 4 decimals), built once: the page fills
        each unit with the colour of the seller holding most of its accounts."""
        if self._units_cache is None:
            units = self.instance.units
            features = []
            if units is not None:
                for u, geom in enumerate(units.geometry):
                    g = shapely.set_precision(shapely.simplify(geom, UNIT_TOLERANCE_DEG, preserve_topology=True), 1e-4)
                    if not g.is_empty:
                        features.append(f'{{"type":"Feature","id":{u},"properties":{{}},"geometry":{shapely.to_geojson(g)}}}')
            self._units_cache = ('{"type":"FeatureCollection","features":[' + ",".join(features) + "]}").encode("utf-8")
        return self._units_cache

    def map_data(self, team: str | None) -> dict[str, Any]:
        """The accounts of one team with their owner, the sellers with colours, the bounds."""
        s = self.session
        with s.lock:
            t = s.team(team)
            rr = s.team_rows[t]
            acc, sel = self.instance.accounts, self.instance.sellers
            a = s.rows.account[rr]
            owner = s.live.seller[rr]
            colors = self.colors(t)
            lat, lon = acc.lat[a], acc.lon[a]
            return {
                "team": t,
                "version": s.version,
                "accounts": {
                    "id": [acc.ids[i] for i in a.tolist()],
                    "name": [acc.names[i] for i in a.tolist()],
                    "lat": np.round(lat, 5).tolist(),
                    "lon": np.round(lon, 5).tolist(),
                    "seller": [sel.ids[i] for i in owner.tolist()],
                    "locked": s.locked[rr].astype(int).tolist(),
                    "potential": np.round(acc.potential[a], 0).tolist(),
                    "unit": acc.unit[a].tolist(),
                },
                "sellers": [
                    {"id": sel.ids[k], "name": sel.names[k], "role": sel.role[k], "lat": float(sel.lat[k]),
                     "lon": float(sel.lon[k]), "color": colors[k]}
                    for k in s.team_sellers(t).tolist()
                ],
                "bounds": [[float(lat.min()), float(lon.min())], [float(lat.max()), float(lon.max())]]
                if len(a) else None,
            }

    def colors(self, team: str) -> list[str]:
        """A colour per seller; sellers whose territories touch get different ones."""
        s = self.session
        rr = s.team_rows[team]
        owner = s.live.seller[rr]
        unit = self.instance.accounts.unit[s.rows.account[rr]]
        edges: set[tuple[int, int]] = set()
        units = self.instance.units
        if units is not None:
            holder = np.full(len(units), -1, dtype=np.int64)
            keep = unit >= 0
            holder[unit[keep]] = owner[keep]
            for u in np.flatnonzero(holder >= 0).tolist():
                for v in units.neighbours[u]:
                    a, b = int(holder[u]), int(holder[v])
                    if b >= 0 and a != b:
                        edges.add((min(a, b), max(a, b)))
        return greedy_colors(len(self.instance.sellers), sorted(edges))

    # -- jobs ----------------------------------------------------------------------------
    def start_optimize(self, time_limit_s: float, max_moves: int | None) -> Job:
        """Re-optimize around the locks in the background (see :mod:`allocate.serve.reoptimize`)."""
        s = self.session
        with s.lock:
            seller, locked, version = s.live.seller.copy(), s.locked.copy(), s.version
            edited = (seller != s.base) | (locked != s.base_locked)
            inst, sc, mp = s.instance, s.scenario, s.mp

        def work(on_solution: Any) -> Proposal:
            return reoptimize(inst, sc, mp, seller, locked, time_limit_s=time_limit_s,
                              max_moves=max_moves, on_solution=on_solution, edited=edited)

        return self.jobs.start("optimize", version, time_limit_s, work)

    def start_solve(self, scenario: Scenario) -> Job:
        """Solve ``scenario`` from scratch in the background (the scenario panel)."""
        s = self.session
        with s.lock:
            version, seller = s.version, s.live.seller.copy()
            same = scenario.model == s.mp.name
        inst = self.instance
        holder: dict[str, ModelSwitch] = {}

        def work(on_solution: Any) -> Proposal:
            t0 = time.perf_counter()
            mp = build_model(inst, scenario)
            res = solve_workflow(inst, scenario)
            if not res.is_solution:  # never offer an alignment that breaks the rules as a proposal
                raise NoProposal(
                    f"no alignment meeting every hard rule was found in {scenario.time_limit_s:g} s "
                    f"({res.status.value}): allow more time or loosen the scenario"
                    + (f"; {res.breaches[0]}" if res.breaches else "")
                )
            after = sellers_from_alignment(mp, res.alignment)
            if same:
                changed = np.flatnonzero(after != seller)
                rows, before, new = changed, seller[changed], after[changed]
            else:
                holder["switch"] = ModelSwitch(scenario, after, mp)
                rows = before = new = np.zeros(0, dtype=np.int64)
            return Proposal(rows, before, new, res.status.value, time.perf_counter() - t0,
                            LiveKpis(inst, mp.rows, after).totals(), (), res.interrupted)

        job = self.jobs.start("solve", version, scenario.time_limit_s * 1.1 + 2, work)
        self.solves[job.id] = (holder, scenario)
        return job

    def accept(self, job_id: str) -> Session:
        """Apply a finished job's proposal (one undoable step, or a new session for a new model).

        Raises
        ------
        KeyError
            Unknown job.
        StaleVersion
            The session changed since the job started.
        BadEdit
            The job has no proposal to accept.
        """
        job = self.jobs.get(job_id)
        if job.status != "done" or job.proposal is None:
            raise BadEdit(f"job {job_id} has no proposal to accept (status: {job.status})")
        s = self.session
        with s.lock:
            s.check_version(job.version)
            holder, scenario = self.solves.get(job_id, ({}, None))
            if "switch" in holder:
                sw = holder["switch"]
                self.session = Session(self.instance, sw.scenario, sw.mp, sw.sellers, f"solve {sw.scenario.model}")
                self.session.version = s.version + 1
            else:
                if scenario is not None:
                    s.scenario = scenario
                s.apply_sellers(job.proposal.rows, job.proposal.after, f"{job.kind} {job.id}")
            job.status = "accepted"
        return self.session

    def reject(self, job_id: str) -> Job:
        """Drop a finished job's proposal."""
        job = self.jobs.get(job_id)
        if job.status == "done":
            job.status = "rejected"
        return job

    def describe(self, p: Proposal) -> dict[str, Any]:
        """The proposal as JSON: the changes (at most 2,000 listed) and the totals after."""
        s = self.session
        acc, sel = self.instance.accounts, self.instance.sellers
        changes = [
            {"account_id": acc.ids[s.rows.account[r]], "team": s.rows.key[r],
             "from_seller": sel.ids[b], "to_seller": sel.ids[a]}
            for r, b, a in zip(p.rows[:2000].tolist(), p.before[:2000].tolist(), p.after[:2000].tolist(), strict=True)
        ]
        return {"moves": len(p.rows), "changes": changes, "status": p.status, "wall_s": round(p.wall_s, 3),
                "free_items": p.free_items,
                "totals": p.totals, "locks_not_applied": list(p.locks_not_applied), "interrupted": p.interrupted}

    # -- scenario ------------------------------------------------------------------------
    def scenario_json(self) -> dict[str, Any]:
        """The knobs of the scenario panel."""
        sc = self.session.scenario
        b = sc.balance
        return {
            "model": sc.model, "models": list(PRESETS),
            "workload_tolerance": b.workload.tolerance if b.workload else None,
            "potential_tolerance": b.potential.tolerance if b.potential else None,
            "max_moves": sc.max_moves, "time_limit_s": sc.time_limit_s,
        }

    def scenario_with(self, model: str | None, workload_tolerance: float | None,
                      potential_tolerance: float | None, max_moves: int | None,
                      time_limit_s: float | None) -> Scenario:
        """The session's scenario with the panel's knobs changed (validated)."""
        sc = self.session.scenario
        b = sc.balance
        data = sc.model_dump()
        if model is not None:
            data["model"] = model
        if workload_tolerance is not None:
            data["balance"]["workload"] = (b.workload or BalanceSpec(weight=2.0)).model_copy(
                update={"tolerance": workload_tolerance}).model_dump()
        if potential_tolerance is not None:
            data["balance"]["potential"] = (b.potential or BalanceSpec(weight=0.05)).model_copy(
                update={"tolerance": potential_tolerance}).model_dump()
        data["max_moves"], data["max_moves_share"] = max_moves, None
        if time_limit_s is not None:
            data["time_limit_s"] = time_limit_s
        return Scenario.model_validate(data)

    # -- versions ------------------------------------------------------------------------
    def reopen(self, name: str) -> Session:
        """Open the version called ``name`` (its model may differ: a new session then)."""
        v = self.store.get(name)
        sc, alignment = read_version(v.path, self.instance)
        history = read_history(v.path / EDITS)
        s = self.session
        with s.lock:
            if sc.model == s.mp.name:
                s.reopen(sellers_from_alignment(s.mp, alignment), v.name, history)
                s.scenario = sc
            else:
                mp = build_model(self.instance, sc)
                self.session = Session(self.instance, sc, mp, sellers_from_alignment(mp, alignment), v.name, history)
                self.session.version = s.version + 1
        return self.session

    def compare(self, a: str, b: str) -> dict[str, Any]:
        """Two versions side by side: their KPIs and the accounts whose owner differs.

        Rows are matched by account and team; two versions whose rows are keyed differently
        (models that split accounts in other ways) are compared on each account's first
        owner (``by_account`` is then true), with ``team`` empty.
        """
        va, vb = self.store.get(a), self.store.get(b)
        ra, rb = read_run(va.path, self.instance), read_run(vb.path, self.instance)
        acc, sel = self.instance.accounts, self.instance.sellers
        by_account = ra.alignment.key_kind != rb.alignment.key_kind
        if by_account:
            pairs_a = [((x, ""), s_) for x, s_ in enumerate(account_owner(self.instance, ra.alignment).tolist())]
            pairs_b = [((x, ""), s_) for x, s_ in enumerate(account_owner(self.instance, rb.alignment).tolist())]
        else:
            pairs_a = [((int(x), k), int(s_)) for x, k, s_ in zip(ra.alignment.account, ra.alignment.key, ra.alignment.seller, strict=True)]
            pairs_b = [((int(x), k), int(s_)) for x, k, s_ in zip(rb.alignment.account, rb.alignment.key, rb.alignment.seller, strict=True)]
        own_a = dict(pairs_a)
        changed = []
        for (x, k), s_ in pairs_b:
            before = own_a.get((x, k))
            if before is not None and before != s_:
                changed.append({"account_id": acc.ids[x], "team": k, "lat": float(acc.lat[x]), "lon": float(acc.lon[x]),
                                "a_seller": sel.ids[before] if before >= 0 else "", "b_seller": sel.ids[s_] if s_ >= 0 else ""})
        names = dict(zip(sel.ids, sel.names, strict=True))
        tables = []
        for r in (ra, rb):
            rec = r.sellers.to_dict(orient="records")
            for row in rec:
                row.setdefault("name", names.get(str(row.get("seller_id")), ""))
            tables.append(rec)
        return {"a": _headline(va.describe(), ra.totals), "b": _headline(vb.describe(), rb.totals), "changed": len(changed),
                "changes": changed[:5000], "sellers_a": tables[0], "sellers_b": tables[1], "by_account": by_account}

    def publish(self, name: str) -> tuple[Path, Path]:
        """Publish the version ``name`` with the map and report writers (offline Leaflet).

        Returns
        -------
        map, report : pathlib.Path
            ``OUT/maps/NAME.html`` and the report's index page in ``OUT/reports/NAME/``.
        """
        v = self.store.get(name)
        run = read_run(v.path, self.instance)
        page = save_run_map(self.store.root / "maps" / f"{v.name}.html", self.instance, run, offline=True, tiles=None)
        report = write_report([run], self.instance, self.store.root / "reports" / v.name, offline=True)
        return page, report


def _headline(described: dict[str, Any], totals: dict[str, Any]) -> dict[str, Any]:
    """A version's description with the other totals the panel shows (from its :data:`KPIS`)."""
    wl = totals.get("workload")
    return {**described, "total_workload_h": totals.get("total_workload_h"),
            "workload_max_min": wl.get("max_min_ratio") if isinstance(wl, dict) else None,
            "split_territories": totals.get("non_contiguous_territories")}


__all__ = ["BadEdit", "StaleVersion", "Workspace"]
