"""read_scenario: file values, then command-line overrides."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from allocate.core.errors import InputError
from allocate.core.scenario import Scenario
from allocate.io.scenario import cap_moves, read_scenario


def test_no_file_gives_the_defaults():
    assert read_scenario(None) == Scenario()


def test_file_then_overrides(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("model: size\nseed: 4\nmax_moves: 2\nweights: {move: 0.5}\n")
    sc = read_scenario(path)
    assert (sc.model, sc.seed, sc.max_moves, sc.weights.move) == ("size", 4, 2, 0.5)
    assert sc.weights.travel == 1.0  # the rest of the block keeps its default
    sc = read_scenario(str(path), seed=9, workers=None, model="roles")
    assert (sc.model, sc.seed, sc.workers) == ("roles", 9, 2)  # None leaves the value alone


def test_empty_file_is_the_defaults(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("# nothing\n")
    assert read_scenario(path, time_limit_s=5) == Scenario(time_limit_s=5)


def test_missing_file_is_named(tmp_path):
    path = tmp_path / "nope.yaml"
    with pytest.raises(InputError) as info:
        read_scenario(path)
    assert str(info.value) == f"{path}: scenario file not found"


def test_bad_value_in_the_file_names_row_and_field(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("model: geography\nbalance:\n  workload: {tolerance: -1}\n")
    with pytest.raises(InputError) as info:
        read_scenario(path)
    (p,) = info.value.problems
    assert (p.file, p.row, p.column) == (str(path), 3, "balance.workload.tolerance")


def test_a_bad_override_is_a_validation_error(tmp_path):
    # overrides come from the command line: the CLI turns pydantic's error into exit code 2
    path = tmp_path / "s.yaml"
    path.write_text("max_moves: 2\n")
    with pytest.raises(ValidationError, match="give max_moves or max_moves_share, not both"):
        read_scenario(path, max_moves_share=0.5)
    with pytest.raises(ValidationError):
        read_scenario(None, workers=0)


def test_cap_moves_takes_a_count_or_a_share():
    sc = Scenario(max_moves_share=0.5)
    assert cap_moves(sc, None) is sc
    by_count = cap_moves(sc, "300")
    assert (by_count.max_moves, by_count.max_moves_share) == (300, None)
    by_share = cap_moves(Scenario(max_moves=10), " 20% ")
    assert (by_share.max_moves, by_share.max_moves_share) == (None, 0.2)
    for bad in ("3x", "-1", "120%", "nan%", ""):
        with pytest.raises(InputError, match="--max-moves"):
            cap_moves(sc, bad)
