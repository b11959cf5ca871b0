"""Property tests: the readers never crash.

Whatever bytes or cells they are given, the readers return a valid ``Instance`` or raise
``InputError`` (nothing else). Settings are small so that the file runs in seconds.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from allocate import InputError
from allocate.io import read_instance, read_nomenclature
from allocate.io.tables import read_table
from tests.base_instance import ACCOUNTS, BASE, SELLERS, copy_base, write_rows

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# shrinking a solve failure re-runs CP-SAT hundreds of times; the failing example is printed anyway
NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]

# cells that have broken CSV readers before: separators, quotes, numbers in disguise, markup
_NASTY = st.sampled_from(
    [
        "",
        " ",
        "nan",
        "NaN",
        "inf",
        "-inf",
        "1e400",
        "-0",
        "0x10",
        "1,5",
        "1 234,5",
        "1;2",
        '"',
        '""',
        "'",
        "=1+1",
        "@SUM(A1)",
        "\x00",
        "\r",
        "\n",
        "\t",
        "é",
        "\ufeff",
        "A000001",
        "S001",
        "true",
        "[bold]",
        "../x",
        "micro",
        "lead",
        "G0001",
        "T3028162",
    ]
)
_CELL = st.one_of(_NASTY, st.text(max_size=12), st.floats(allow_nan=True).map(repr))




@FAST
@given(
    data=st.binary(max_size=2000), suffix=st.sampled_from([".csv", ".xlsx", ".geojson", ".parquet"])
)
def test_read_table_on_random_bytes(data, suffix):
    folder = Path(tempfile.mkdtemp(prefix="allocate-prop-"))
    path = folder / f"accounts{suffix}"
    path.write_bytes(data)
    try:
        df = read_table(path)
    except InputError as err:
        assert err.problems and all(str(p.file) == str(path) for p in err.problems)
    else:
        assert len(df) > 0
    finally:
        shutil.rmtree(folder)


@FAST
@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(ACCOUNTS) - 1), st.integers(0, len(ACCOUNTS[0]) - 1), _CELL),
        min_size=1,
        max_size=4,
    ),
    which=st.sampled_from(["accounts.csv", "sellers.csv"]),
)
def test_read_instance_on_random_cells(edits, which):
    folder = copy_base()
    try:
        rows = [list(r) for r in (ACCOUNTS if which == "accounts.csv" else SELLERS)]
        for r, c, value in edits:
            r %= len(rows)
            c %= len(rows[0])
            rows[r][c] = value
        write_rows(folder / which, rows)
        try:
            inst = read_instance(folder)
        except InputError as err:
            assert err.problems
            for p in err.problems:
                assert "\n" not in str(p)
        else:
            assert len(inst.accounts) > 0 and len(inst.sellers) > 0
            assert np.all(np.isfinite(inst.accounts.lat)) and np.all(
                np.abs(inst.accounts.lat) <= 90
            )
            assert np.all(inst.sellers.capacity_h > 0)
    finally:
        shutil.rmtree(folder.parent)


@FAST
@given(text=st.text(max_size=400))
def test_nomenclature_on_random_text(text):
    folder = Path(tempfile.mkdtemp(prefix="allocate-prop-"))
    path = folder / "nomenclature.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        read_nomenclature(path)
    except InputError as err:
        assert err.problems
    finally:
        shutil.rmtree(folder)


_BASE_NOM = yaml.safe_load((BASE / "nomenclature.yaml").read_text(encoding="utf-8"))
_JSONISH = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.floats(), st.text(max_size=8)
    ),
    lambda kids: (
        st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=6), kids, max_size=3)
    ),
    max_leaves=6,
)


def _leaf_paths(node, prefix=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaf_paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaf_paths(v, (*prefix, i))
    yield prefix


_PATHS = [p for p in _leaf_paths(_BASE_NOM) if p]


@FAST
@given(where=st.sampled_from(_PATHS), value=_JSONISH)
def test_nomenclature_with_one_random_value(where, value):
    import copy

    data = copy.deepcopy(_BASE_NOM)
    node = data
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    folder = Path(tempfile.mkdtemp(prefix="allocate-prop-"))
    path = folder / "nomenclature.yaml"
    path.write_text(
        yaml.safe_dump(data, allow_unicode=True), encoding="utf-8", errors="surrogatepass"
    )
    try:
        read_nomenclature(path)
    except InputError as err:
        assert err.problems and all(p.row is None or p.row >= 1 for p in err.problems)
    finally:
        shutil.rmtree(folder)


# ----------------------------------------------------------------------------- solve

