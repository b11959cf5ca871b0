"""read_levels: the nested scenario of a hierarchy, and every bad file named with its field."""

from __future__ import annotations

from pathlib import Path

import pytest

from allocate.core.errors import InputError
from allocate.io.levels import read_levels


def test_reads_names_counts_and_upper_tolerances(tmp_path: Path) -> None:
    p = tmp_path / "levels.yaml"
    p.write_text(
        "levels:\n"
        "  - {name: region, territories: 4, tolerance: 0.03}\n"
        "  - {name: district, territories: 20}\n"
        "  - {name: territory, territories: 100}\n"
    )
    lv = read_levels(p)
    assert lv.names == ("region", "district", "territory")
    assert lv.territories == (4, 20, 100)
    assert lv.tolerance == (0.03, None)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("levels: []\n", "levels"),  # no level at all
        ("levels:\n  - {name: r, territories: 0}\n", "territories"),  # fewer than one territory
        ("levels:\n  - {name: '', territories: 2}\n", "name"),  # an empty name
        ("levels:\n  - {name: r, territories: 2, tolerance: 1.5}\n", "tolerance"),  # outside [0, 1)
        ("levels:\n  - {name: r, territories: 2, colour: red}\n", "colour"),  # an unknown key
        (
            "levels:\n  - {name: r, territories: 2}\n  - {name: t, territories: 4, tolerance: 0.1}\n",
            "finest",
        ),  # a tolerance on the finest level (its bands are --balance)
        ("", "empty"),  # an empty file
    ],
)
def test_bad_files_are_named(tmp_path: Path, text: str, needle: str) -> None:
    p = tmp_path / "levels.yaml"
    p.write_text(text)
    with pytest.raises(InputError, match=needle):
        read_levels(p)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_levels(tmp_path / "nope.yaml")
