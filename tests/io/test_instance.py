"""read_instance / check_instance: valid folders become core data; every problem is named."""

from __future__ import annotations

import json

import numpy as np
import openpyxl
import pandas as pd
import pytest

from allocate.core.errors import InputError, Problem
from allocate.core.travel import TravelModel
from allocate.io.instance import (
    _read_frame,
    _resolve_ids,
    check_instance,
    read_instance,
    read_nomenclature,
)
from allocate.io.schemas import SELLER_COLUMNS, seller_schema
from tests.conftest import TINY_ACCOUNTS, TINY_SELLERS, write_instance

ACC_HEADER = TINY_ACCOUNTS[0]
SEL_HEADER = TINY_SELLERS[0]


def test_tiny_instance_is_read(tiny_dir):
    inst = read_instance(tiny_dir, travel=TravelModel(circuity=1.2, speed_kmh=60))
    acc, sel = inst.accounts, inst.sellers
    assert inst.name == "tiny" and inst.source_dir == str(tiny_dir.resolve())
    assert acc.ids == ("A1", "A2", "A3", "A4") and sel.ids == ("PAR", "LYO")
    assert acc.current_seller.tolist() == [1, 0, 1, 0]  # LYO, PAR, LYO, PAR
    assert acc.potential.tolist() == [10000, 20000, 30000, 40000]
    assert acc.product_lines[1] == ("payroll", "hr")
    assert acc.group.tolist() == [-1] * 4 and acc.group_ids == ()
    assert acc.unit.tolist() == [-1] * 4 and not acc.locked.any()
    assert acc.names[3] == "Vénissieux Co"
    assert sel.capacity_h.tolist() == [40.0, 40.0]
    assert sel.max_accounts.tolist() == [-1, -1] and np.isinf(sel.max_travel_min).all()
    assert np.isnan(sel.daily_h).all()
    assert sel.segments == ((), ())
    assert inst.travel == TravelModel(circuity=1.2, speed_kmh=60)
    assert inst.units is None and inst.travel_matrix is None
    assert inst.nomenclature.weeks_per_year == 46
    assert check_instance(tiny_dir) == []


def test_xlsx_accounts_read_like_csv(tiny_dir, tiny):
    (tiny_dir / "accounts.csv").unlink()
    wb = openpyxl.Workbook()
    for line in TINY_ACCOUNTS:
        cells: list[object] = line.split(",")
        wb.active.append([float(c) if c.replace(".", "").isdigit() else c for c in cells])
    wb.save(tiny_dir / "accounts.xlsx")
    inst = read_instance(tiny_dir)
    assert inst.accounts.ids == tiny.accounts.ids
    assert inst.accounts.lat.tolist() == tiny.accounts.lat.tolist()
    assert inst.accounts.potential.tolist() == tiny.accounts.potential.tolist()
    assert inst.accounts.current_seller.tolist() == tiny.accounts.current_seller.tolist()


def _problems(folder) -> list[str]:
    found = check_instance(folder)
    with pytest.raises(InputError) as info:
        read_instance(folder)
    assert info.value.problems == found
    return [str(p).replace(str(folder) + "/", "") for p in found]


def test_not_a_folder(tmp_path):
    assert check_instance(tmp_path / "nope") == [Problem(str(tmp_path / "nope"), "not a folder")]


def test_missing_files_are_all_reported(tmp_path):
    (tmp_path / "empty").mkdir()
    assert _problems(tmp_path / "empty") == [
        "nomenclature.yaml: missing file: nomenclature.yaml is required",
        "sellers.csv: missing file: expected sellers as one of .csv, .xlsx, .parquet, .geojson, .gpkg",
        "accounts.csv: missing file: expected accounts as one of .csv, .xlsx, .parquet, .geojson, .gpkg",
    ]


def test_missing_required_column_names_file_row_and_column(tmp_path):
    header = ACC_HEADER.replace("potential,", "")
    rows = [header] + [",".join(r.split(",")[:5] + r.split(",")[6:]) for r in TINY_ACCOUNTS[1:]]
    folder = write_instance(tmp_path / "i", rows, TINY_SELLERS)
    assert _problems(folder) == ["accounts.csv, row 1, column 'potential': required column is missing"]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        # an unknown current seller
        ("A5,X,48.8,2.3,small,1,customer,payroll,,NICE,false,", "row 6, column 'current_seller_id': unknown seller 'NICE' (not in the sellers file)"),
        # a locked account without seller
        ("A5,X,48.8,2.3,small,1,customer,payroll,,,true,", "row 6, column 'locked': a locked account needs a current_seller_id"),
        # no product line
        ("A5,X,48.8,2.3,small,1,customer,,,,false,", "row 6, column 'product_lines': at least one product line is required"),
        # a potential that is not a number
        ("A5,X,48.8,2.3,small,lots,customer,payroll,,,false,", "row 6, column 'potential': not a number: 'lots'"),
        # a stage that the funnel does not have
        ("A5,X,48.8,2.3,small,1,suspect,payroll,,,false,", "row 6, column 'stage': 'suspect' is not one of"),
        # lat and lon swapped: far from the others, and close once swapped back
        ("A5,X,2.1204,48.8049,small,1,customer,payroll,,,false,", "row 6, column 'lat': point (2.1204, 48.8049) is"),
    ],
)
def test_bad_account_rows(tmp_path, row, expected):
    folder = write_instance(tmp_path / "i", TINY_ACCOUNTS + [row], TINY_SELLERS)
    (problem,) = _problems(folder)
    assert problem.startswith("accounts.csv, " + expected)


def test_swapped_coordinates_get_a_hint(tmp_path):
    row = "A5,X,2.1204,48.8049,small,1,customer,payroll,,,false,"
    folder = write_instance(tmp_path / "i", TINY_ACCOUNTS + [row], TINY_SELLERS)
    assert _problems(folder)[0].endswith("km from the other points (lat and lon look swapped)")


def test_group_locked_to_two_sellers(tmp_path):
    rows = [ACC_HEADER,
            "A1,X,48.80,2.12,small,1,customer,payroll,G1,PAR,true,",
            "A2,Y,45.77,4.89,small,1,customer,payroll,G1,LYO,true,"]
    folder = write_instance(tmp_path / "i", rows, TINY_SELLERS)
    assert _problems(folder) == [
        "accounts.csv, row 2, column 'locked': sites of group 'G1' are locked to different "
        "sellers (LYO, PAR); a group has one owner"
    ]


def test_groups_become_indices(tmp_path):
    rows = [ACC_HEADER,
            "A1,X,48.80,2.12,small,1,customer,payroll,G2,,false,",
            "A2,Y,45.77,4.89,small,1,customer,payroll,,,false,",
            "A3,Z,45.70,4.88,small,1,customer,payroll,G2,,false,",
            "A4,W,48.90,2.30,small,1,customer,payroll,G1,,false,"]
    inst = read_instance(write_instance(tmp_path / "i", rows, TINY_SELLERS))
    assert inst.accounts.group.tolist() == [0, -1, 0, 1]
    assert inst.accounts.group_ids == ("G2", "G1")


def test_daily_limit_shorter_than_the_week(tmp_path):
    sellers = [SEL_HEADER + ",daily_h", TINY_SELLERS[1] + ",7", TINY_SELLERS[2] + ",9"]
    folder = write_instance(tmp_path / "i", TINY_ACCOUNTS, sellers)
    (problem,) = _problems(folder)
    assert problem.startswith("sellers.csv, row 2, column 'daily_h': daily_h 7 x 5 working days is less than capacity_h 40")


def test_calendar_must_stay_inside_the_folder(tmp_path):
    sellers = [SEL_HEADER + ",calendar", TINY_SELLERS[1] + ",../secret.csv", TINY_SELLERS[2] + ",lyo.csv"]
    folder = write_instance(tmp_path / "i", TINY_ACCOUNTS, sellers)
    problems = _problems(folder)
    assert len(problems) == 2
    assert problems[0].startswith("sellers.csv, row 2, column 'calendar'")
    assert problems[1] == "sellers.csv, row 3, column 'calendar': calendar file 'lyo.csv' not found in the instance folder"


def test_travel_matrix_is_read_and_checked(tiny_dir):
    (tiny_dir / "travel.csv").write_text("seller_id,account_id,minutes\nLYO,A1,42\nPAR,A3,\"12,5\"\n")
    tm = read_instance(tiny_dir).travel_matrix
    assert tm is not None and tm.as_dict() == {(1, 0): 42.0, (0, 2): 12.5}
    (tiny_dir / "travel.csv").write_text("seller_id,account_id,minutes\nNICE,A9,-3\n")
    assert [p.replace(str(tiny_dir) + "/", "") for p in _problems(tiny_dir)] == [
        "travel.csv, row 2, column 'seller_id': unknown seller 'NICE'",
        "travel.csv, row 2, column 'account_id': unknown account 'A9'",
        "travel.csv, row 2, column 'minutes': minutes must be a number from 0 to 10,080 (a week)",
    ]


@pytest.mark.parametrize("value", ["inf", "1e400", "Infinity", "20000"])
def test_travel_minutes_must_be_finite(tiny_dir, value):
    """Issue 14 item 12: ``inf`` minutes passed ``validate``, then ``solve`` crashed (exit 1)
    scaling the loads."""
    (tiny_dir / "travel.csv").write_text(f"seller_id,account_id,minutes\nLYO,A1,{value}\nPAR,A3,\n")
    assert [p.replace(str(tiny_dir) + "/", "") for p in _problems(tiny_dir)] == [
        "travel.csv, row 2, column 'minutes': minutes must be a number from 0 to 10,080 (a week)",
        "travel.csv, row 3, column 'minutes': minutes must be a number from 0 to 10,080 (a week)",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # a date that is not a date
        ("date,hours\n2027-02-30,\n", "cal.csv, row 2, column 'date': '2027-02-30' is not an ISO date (YYYY-MM-DD)"),
        # hours that are not a number, or out of range, or not finite
        ("date,hours\n2027-01-04,8h\n", "cal.csv, row 2, column 'hours': '8h' is not a number"),
        ("date,hours\n2027-01-04,25\n", "cal.csv, row 2, column 'hours': hours 25.0 not in [0, 24]"),
        ("date,hours\n2027-01-04,inf\n", "cal.csv, row 2, column 'hours': hours inf not in [0, 24]"),
        ("date,hours\n2027-01-04,nan\n", "cal.csv, row 2, column 'hours': hours nan not in [0, 24]"),
        # no date column
        ("day,hours\n2027-01-04,1\n", "cal.csv, row 1, column 'date': required column is missing"),
        # an empty file
        ("", "cal.csv: the file is empty"),
    ],
)
def test_calendar_files_are_read_by_the_instance_reader(tmp_path, content, message):
    """Issue 14 item 12: ``validate`` only checked that a calendar file existed; ``schedule``
    then refused its content."""
    sellers = [SEL_HEADER + ",calendar", TINY_SELLERS[1] + ",cal.csv", TINY_SELLERS[2] + ",cal.csv"]
    folder = write_instance(tmp_path / "i", TINY_ACCOUNTS, sellers)
    (folder / "cal.csv").write_text(content)
    assert [p.replace(str(folder) + "/", "") for p in _problems(folder)] == [message]


def test_valid_calendar_and_excel_dates(tmp_path):
    sellers = [SEL_HEADER + ",calendar", TINY_SELLERS[1] + ",cal.csv", TINY_SELLERS[2] + ","]
    folder = write_instance(tmp_path / "i", TINY_ACCOUNTS, sellers)
    (folder / "cal.csv").write_text("date,hours\n2027-01-04,\n2027-01-05 00:00:00,4\n")
    assert check_instance(folder) == []


def _square(x0: float, y0: float, uid: str) -> dict:
    ring = [[x0, y0], [x0 + 1, y0], [x0 + 1, y0 + 1], [x0, y0 + 1], [x0, y0]]
    return {"type": "Feature", "properties": {"unit_id": uid}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_units_and_their_neighbours(tmp_path):
    # u1 | u2 share an edge; u3 touches u2 at one corner only
    features = [_square(2.0, 45.0, "u1"), _square(3.0, 45.0, "u2"), _square(4.0, 46.0, "u3")]
    rows = [ACC_HEADER, "A1,X,45.5,2.5,small,1,customer,payroll,,,false,u2",
            "A2,Y,45.6,3.5,small,1,customer,payroll,,,false,"]
    folder = write_instance(tmp_path / "i", rows, TINY_SELLERS)
    (folder / "units.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    inst = read_instance(folder)
    assert inst.units is not None and inst.units.ids == ("u1", "u2", "u3")
    assert inst.units.neighbours == ((1,), (0,), ())
    assert inst.accounts.unit.tolist() == [1, -1]
    rows.append("A3,Z,45.5,2.5,small,1,customer,payroll,,,false,u9")
    folder = write_instance(tmp_path / "i", rows, TINY_SELLERS)
    assert _problems(folder) == ["accounts.csv, row 4, column 'unit_id': unknown unit 'u9' (not in units file)"]


def test_invalid_unit_polygons_are_repaired_or_refused(tmp_path):
    """Issue 14 item 11: a self-crossing polygon (a bow tie) passed, then GEOS refused the union
    of the territories (exit 1); an empty polygon crashed on its centre."""
    import shapely
    from shapely.geometry import shape

    bowtie = {"type": "Polygon", "coordinates": [[[2, 45], [3, 46], [3, 45], [2, 46], [2, 45]]]}
    features = [
        {"type": "Feature", "properties": {"unit_id": "u1"}, "geometry": bowtie},
        _square(3.0, 45.0, "u2"),
    ]
    rows = [ACC_HEADER, "A1,X,45.5,2.5,small,1,customer,payroll,,,false,u2"]
    folder = write_instance(tmp_path / "i", rows, TINY_SELLERS)
    (folder / "units.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    inst = read_instance(folder)
    assert inst.units is not None
    fixed = inst.units.geometry[0]
    assert fixed.is_valid and abs(fixed.area - shapely.make_valid(shape(bowtie)).area) < 1e-12
    shapely.union_all(list(inst.units.geometry))  # no GEOS error any more
    for geometry, message in (
        ({"type": "Polygon", "coordinates": []}, "empty polygon"),
        (
            {"type": "Polygon", "coordinates": [[[2, 45], [400, 45], [400, 46], [2, 45]]]},
            "coordinates out of range (lon -180..180, lat -90..90)",
        ),
        (
            {"type": "Polygon", "coordinates": [[[2, 45], [3, 45], [4, 45], [2, 45]]]},
            "invalid polygon (Self-intersection[3 45]) with no area",
        ),
    ):
        features[0]["geometry"] = geometry
        (folder / "units.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
        assert _problems(folder) == [f"units.geojson, row 2, column 'geometry': {message}"]


def test_travel_pairs_given_twice_are_refused(tiny_dir):
    (tiny_dir / "travel.csv").write_text("seller_id,account_id,minutes\nLYO,A1,42\nPAR,A3,5\nLYO,A1,40\n")
    assert [p.replace(str(tiny_dir) + "/", "") for p in _problems(tiny_dir)] == [
        "travel.csv, row 4, column 'account_id': the pair 'LYO', 'A1' is given twice (first on row 2)"
    ]


def test_read_nomenclature(tiny_dir, tmp_path):
    assert read_nomenclature(tiny_dir / "nomenclature.yaml").weeks_per_year == 46
    with pytest.raises(InputError, match="missing file: nomenclature.yaml is required"):
        read_nomenclature(tmp_path / "nomenclature.yaml")
    bad = tmp_path / "nomenclature.yaml"
    bad.write_text("weeks_per_year: 46\nplaybooks:\n  - stage: lead\n    operations:\n"
                   "      - {id: a, channel: phone, duration_min: 10, role: boss, once: true}\n")
    with pytest.raises(InputError) as info:
        read_nomenclature(bad)
    first = info.value.problems[0]
    assert (first.row, first.column) == (5, "playbooks.0.operations.0.role")
    assert first.message.startswith("unknown role 'boss'")


def test_one_bad_operation_is_one_problem(tmp_path):
    bad = tmp_path / "nomenclature.yaml"
    bad.write_text("weeks_per_year: 46\nplaybooks:\n  - stage: lead\n    operations:\n"
                   "      - {id: a, channel: phone, duration_min: 10, role: boss, once: true}\n")
    with pytest.raises(InputError) as info:
        read_nomenclature(bad)
    assert len(info.value.problems) == 1


def test_read_frame_types_the_table_and_checks_its_values(tiny_dir):
    problems: list[Problem] = []
    df, file = _read_frame(tiny_dir, "sellers", SELLER_COLUMNS, seller_schema(), problems)
    assert problems == [] and file == str(tiny_dir / "sellers.csv")
    assert df is not None and df["capacity_h"].tolist() == [40.0, 40.0]
    (tiny_dir / "sellers.csv").write_text(SEL_HEADER + "\n" + TINY_SELLERS[1].replace(",40", ",-1") + "\n")
    df, _ = _read_frame(tiny_dir, "sellers", SELLER_COLUMNS, seller_schema(), problems)
    assert df is not None and [p.column for p in problems] == ["capacity_h"]  # the schema ran
    problems.clear()
    _read_frame(tiny_dir, "sellers", SELLER_COLUMNS, None, problems)
    assert problems == []  # no schema: only the cells are converted


def test_read_frame_collects_the_problems_of_a_missing_file(tmp_path):
    problems = [Problem("before", "kept")]
    assert _read_frame(tmp_path, "sellers", SELLER_COLUMNS, seller_schema(), problems) == (None, "")
    assert [p.message for p in problems] == [
        "kept",
        "missing file: expected sellers as one of .csv, .xlsx, .parquet, .geojson, .gpkg",
    ]


def test_resolve_ids_gives_positions_and_names_unknown_ids():
    df = pd.DataFrame({"unit_id": ["u2", "", "u9", "u1"]})
    problems: list[Problem] = []
    pos = _resolve_ids(df, "unit_id", {"u1": 0, "u2": 1}, "a.csv", "unknown unit {!r}", problems)
    assert pos.tolist() == [1, -1, -1, 0] and pos.dtype == np.int64
    assert problems == [Problem("a.csv", "unknown unit 'u9'", row=4, column="unit_id")]
    # an absent column, or an unusable index, resolves nothing and reports nothing
    assert _resolve_ids(df, "current_seller_id", {}, "a.csv", "{!r}", problems).tolist() == [-1] * 4
    assert _resolve_ids(df, "unit_id", None, "a.csv", "{!r}", problems).tolist() == [-1] * 4
    assert len(problems) == 1
