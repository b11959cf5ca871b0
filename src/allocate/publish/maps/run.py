"""A published run: what ``allocate solve`` wrote, read back for maps and reports."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from allocate.core.errors import InputError
from allocate.core.instance import Instance
from allocate.core.result import Alignment
from allocate.io.runfolder import read_alignment


@dataclass(frozen=True)
class RunData:
    """One run folder: its alignment, per-seller KPI table and the ``kpis.json`` content."""

    path: Path
    alignment: Alignment
    sellers: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """Model name, else the folder name."""
        return str(self.meta.get("model") or self.path.name)

    @property
    def totals(self) -> dict[str, Any]:
        t = self.meta.get("totals")
        return t if isinstance(t, dict) else {}


def read_meta(run_dir: Path) -> dict[str, Any]:
    """``kpis.json`` of a run folder (empty dict when missing)."""
    p = Path(run_dir) / "kpis.json"
    if not p.is_file():
        return {}
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, OSError) as exc:
        raise InputError.single(str(p), f"cannot read: {exc}") from None
    return data if isinstance(data, dict) else {}


def resolve_instance_dir(run_dir: Path, instance: Path | None = None) -> Path:
    """The instance folder of a run: ``instance`` if given, else ``instance_dir`` in ``kpis.json``.

    A relative ``instance_dir`` is tried from the working directory, then from the run folder.
    Raises :class:`InputError` (exit code 2) when neither names an existing folder.
    """
    run_dir = Path(run_dir)
    if instance is not None:
        if not Path(instance).is_dir():
            raise InputError.single("--instance", f"instance folder {str(instance)!r} not found")
        return Path(instance)
    if not run_dir.is_dir():
        raise InputError.single(str(run_dir), "run folder not found")
    stored = read_meta(run_dir).get("instance_dir")
    if isinstance(stored, str) and stored:
        for cand in (Path(stored), run_dir / stored):
            if cand.is_dir():
                return cand
        raise InputError.single(
            str(run_dir / "kpis.json"),
            f"instance_dir {stored!r} not found; pass --instance DIR",
            column="instance_dir",
        )
    raise InputError.single(
        str(run_dir), "the run does not say which instance it solved; pass --instance DIR"
    )


def read_run(run_dir: Path, instance: Instance) -> RunData:
    """Read ``alignment.csv``, ``sellers_kpis.csv`` (or the ``sellers`` list of ``kpis.json``)."""
    run_dir = Path(run_dir)
    alignment = read_alignment(run_dir / "alignment.csv", instance)
    meta = read_meta(run_dir)
    p = run_dir / "sellers_kpis.csv"
    if p.is_file():
        sellers = pd.read_csv(
            p, dtype={"seller_id": str, "name": str, "role": str}, keep_default_na=False
        )
    elif isinstance(meta.get("sellers"), list):
        sellers = pd.DataFrame(meta["sellers"])
    else:
        sellers = pd.DataFrame()
    return RunData(path=run_dir, alignment=alignment, sellers=sellers, meta=meta)


def fmt_num(value: Any, digits: int = 1) -> str:
    """Thousands separators; ``n/a`` for missing or non-finite values."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "n/a"
    if not math.isfinite(x):
        return "n/a"
    return f"{x:,.{digits}f}"
