"""The org's Territory2 ids from a Data Loader export: case-blind headers, BOM, errors named."""

from __future__ import annotations

from pathlib import Path

import pytest

from allocate.core.errors import InputError
from allocate.io.crm.territory_ids import read_territory_ids, territory_id_of


def _write(tmp_path: Path, text: str, name: str = "Territory2_export.csv") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode("utf-8-sig"))
    return p


def test_a_data_loader_export_is_read(tmp_path: Path) -> None:
    # Data Loader writes upper-case quoted headers; the success file of an insert has more columns
    p = _write(tmp_path, '"ID","DEVELOPERNAME","NAME"\n"0MI5e000000AbCdGAK","T_S1","Paris"\n'
                         '"0MI5e000000AbCe","Role_AE","AE team"\n\n')
    assert read_territory_ids(p) == {"T_S1": "0MI5e000000AbCdGAK", "Role_AE": "0MI5e000000AbCe"}
    semi = _write(tmp_path, "Id;DeveloperName\n0MI5e000000AbCdGAK;T_S1\n", "semi.csv")
    assert read_territory_ids(semi) == {"T_S1": "0MI5e000000AbCdGAK"}


@pytest.mark.parametrize(("text", "where"), [
    ("Id,Name\n0MI5e000000AbCdGAK,x\n", "row 1, column 'DeveloperName'"),
    ("Id,DeveloperName\n0MI5e000000AbCdGAK,T_S1\n0MI5e000000AbCeGAK,T_S1\n", "row 3, column 'DeveloperName'"),
    ("Id,DeveloperName\n0MI5e000000AbCdGAK,T_S1\n0MI-bad,T_S2\n", "row 3, column 'Id'"),
    ("Id,DeveloperName\n0MI5e000000AbCdGAK,\n", "row 2, column 'DeveloperName'"),
])
def test_bad_files_name_the_row_and_column(tmp_path: Path, text: str, where: str) -> None:
    p = _write(tmp_path, text)
    with pytest.raises(InputError) as exc:
        read_territory_ids(p)
    assert where in str(exc.value) and str(p) in str(exc.value)


def test_missing_file_and_missing_territories(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_territory_ids(tmp_path / "none.csv")
    p = _write(tmp_path, "Id,DeveloperName\n0MI5e000000AbCdGAK,T_S1\n")
    ids = read_territory_ids(p)
    assert territory_id_of(ids, ["T_S1", "T_S1"], p) == {"T_S1": "0MI5e000000AbCdGAK"}
    with pytest.raises(InputError) as exc:
        territory_id_of(ids, ["Role_AE", "T_S1", "T_S2"], p)
    msg = str(exc.value)
    assert "column 'DeveloperName'" in msg and "2 of the 3" in msg and "Role_AE, T_S2" in msg
    assert "\n" not in msg
