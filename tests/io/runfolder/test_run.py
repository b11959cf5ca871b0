"""Reading a solve back: the alignment, the per-seller KPIs, and the instance it solved."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from allocate.core.errors import InputError
from allocate.io.runfolder.kpis import read_kpis
from allocate.io.runfolder.names import ALIGNMENT, KPIS, SELLERS_KPIS
from allocate.io.runfolder.run import (
    read_alignment,
    read_run,
    read_seller_kpis,
    recorded_instance_dir,
    resolve_instance_dir,
)


def test_a_run_reads_back_as_written(tiny, run) -> None:  # type: ignore[no-untyped-def]
    folder, result, _ = run
    back = read_run(folder, tiny)
    assert back.label == "geography" and back.path == folder
    assert np.array_equal(back.alignment.account, result.alignment.account)
    assert np.array_equal(back.alignment.seller, result.alignment.seller)
    assert list(back.sellers["seller_id"]) == list(tiny.sellers.ids)
    assert back.totals == read_kpis(folder)["totals"]
    # without the CSV, the sellers come from the KPIs
    (folder / SELLERS_KPIS).unlink()
    assert list(read_seller_kpis(folder)["seller_id"]) == list(tiny.sellers.ids)


def test_alignment_errors_name_the_cell(tiny, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match="alignment file not found"):
        read_alignment(tmp_path / ALIGNMENT, tiny)
    (tmp_path / ALIGNMENT).write_text("account_id,seller_id\nA1,PAR\nZZ,PAR\nA3,NOPE\n")
    with pytest.raises(InputError) as err:
        read_alignment(tmp_path / ALIGNMENT, tiny)
    assert [(p.row, p.column) for p in err.value.problems] == [(3, "account_id"), (4, "seller_id")]


def test_model_name_without_kpis_comes_from_the_item_column(tiny, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ALIGNMENT).write_text("account_id,seller_id,role\nA1,PAR,CSM\n")
    assert read_alignment(tmp_path / ALIGNMENT, tiny).model == "roles"
    (tmp_path / KPIS).write_text("[1, 2]")  # not an object: ignored
    assert read_alignment(tmp_path / ALIGNMENT, tiny).model == "roles"


def test_a_run_without_sellers_or_totals_reads_empty(tiny, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ALIGNMENT).write_text("account_id,seller_id\nA1,LYO\n")
    back = read_run(tmp_path, tiny)
    assert back.sellers.empty and back.totals == {} and back.label == tmp_path.name
    assert back.alignment.seller.tolist() == [1] and back.alignment.model == "geography"


def test_instance_dir_of_a_run(tmp_path: Path) -> None:
    inst = tmp_path / "inst"
    inst.mkdir()
    run = tmp_path / "run"
    run.mkdir()
    with pytest.raises(InputError, match="pass --instance"):
        resolve_instance_dir(run)
    assert recorded_instance_dir(run) is None
    (run / KPIS).write_text(json.dumps({"instance_dir": "../inst"}))  # relative to the run
    assert resolve_instance_dir(run).resolve() == inst.resolve()
    assert resolve_instance_dir(run, inst) == inst
    with pytest.raises(InputError, match="not found"):
        resolve_instance_dir(run, tmp_path / "nope")
    (run / KPIS).write_text(json.dumps({"instance_dir": str(inst)}))
    assert recorded_instance_dir(run) == inst
    (run / KPIS).write_text(json.dumps({"instance_dir": str(tmp_path / "gone")}))
    with pytest.raises(InputError, match="pass --instance DIR") as err:
        resolve_instance_dir(run)
    assert err.value.problems[0].column == "instance_dir"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # issue 14 item 11: each of these crashed map and report (exit 1)
        ("", "sellers_kpis.csv: cannot read"),
        ("seller_id,name,accounts,utilization\nPAR,P,lots,0.5\n", "sellers_kpis.csv, row 2, column 'accounts': not a number: 'lots'"),
    ],
)
def test_unreadable_seller_kpis_are_bad_input(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / SELLERS_KPIS).write_text(content)
    with pytest.raises(InputError) as err:
        read_seller_kpis(tmp_path)
    assert message in str(err.value)


def test_seller_kpis_keep_their_types(tmp_path: Path) -> None:
    (tmp_path / SELLERS_KPIS).write_text("seller_id,name,role,accounts,utilization\n007,=x,CSM,3,\n")
    df = read_seller_kpis(tmp_path)
    assert df["seller_id"].tolist() == ["007"] and df["name"].tolist() == ["=x"]
    assert df["accounts"].tolist() == [3] and np.isnan(df["utilization"].iloc[0])
    (tmp_path / SELLERS_KPIS).unlink()
    (tmp_path / KPIS).write_text(json.dumps({"sellers": [1, "x"]}))
    with pytest.raises(InputError, match="column 'sellers': not a list of objects"):
        read_seller_kpis(tmp_path)


def test_the_attainable_flag_of_quotas_reads_as_one_and_zero(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pytest as _pytest

    from allocate.core.errors import InputError
    from allocate.io.runfolder.names import SELLERS_KPIS
    from allocate.io.runfolder.run import read_seller_kpis

    (tmp_path / SELLERS_KPIS).write_text("seller_id,quota,attainable\nS1,100,True\nS2,200,False\nS3,,\n")
    df = read_seller_kpis(tmp_path)
    assert df["attainable"].tolist()[:2] == [1.0, 0.0] and df["attainable"].isna().tolist()[2]
    (tmp_path / SELLERS_KPIS).write_text("seller_id,quota,attainable\nS1,100,maybe\n")
    with _pytest.raises(InputError, match="row 2, column 'attainable'"):
        read_seller_kpis(tmp_path)
