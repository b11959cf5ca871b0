"""``mapping.yaml``: laid over the source's preset, validated with line and field named."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocate.core.errors import InputError
from allocate.io.crm.mapping import DEFAULT_SEGMENTS, Kind, Source, preset, read_mapping

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("source", list(Source))
def test_every_preset_is_valid_and_has_default_segments(source: Source) -> None:
    m = preset(source)
    assert m.segments == DEFAULT_SEGMENTS
    assert Kind.ACCOUNT in m.columns and Kind.SELLER in m.columns


def test_salesforce_preset_uses_the_real_column_names() -> None:
    m = preset(Source.SALESFORCE)
    # the API name first, then the labels of a report export
    assert m.candidates(Kind.ACCOUNT, "owner") == ["OwnerId", "Account Owner ID", "Account Owner"]
    assert m.candidates(Kind.ACCOUNT, "parent") == ["ParentId", "Parent Account ID"]
    assert m.candidates(Kind.OBJECT_TERRITORY, "object") == ["ObjectId"]


def test_a_user_mapping_replaces_only_what_it_names() -> None:
    m = read_mapping(FIXTURES / "csv" / "mapping.yaml", Source.CSV)
    assert m.candidates(Kind.ACCOUNT, "id") == ["N° client"]
    assert m.candidates(Kind.ACCOUNT, "lat") == ["lat"]  # preset kept
    assert m.values["role"]["Chargé d'affaires"] == "AE"
    assert m.potential.revenue_share == 0.02
    assert m.defaults.product_line == "conseil" and m.defaults.stage == "lead"  # unset field kept


def test_column_picks_the_first_candidate_present() -> None:
    m = preset(Source.HUBSPOT)
    assert m.column(Kind.ACCOUNT, "id", ["Company ID", "Record ID"]) == "Record ID"
    assert m.column(Kind.ACCOUNT, "id", ["Name"]) is None


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("columns:\n  account:\n    colour: Farbe\n", "columns.account"),  # unknown field
        ("values:\n  stage:\n    Client: won\n", "values.stage"),  # not a stage
        ("segments: {micro: 10, small: 5, large: null}\n", "segments"),  # not increasing
        ("segments: {micro: 10, large: 20}\n", "segments"),  # the last must be open
        ("segments: {micro: .nan, small: 50, large: null}\n", "segments"),  # NaN was accepted
        ("segments: {micro: 10, small: .inf, large: null}\n", "segments"),  # not finite
        ("defaults:\n  role: boss\n", "defaults.role"),  # not a role
        ("geocoding: {min_city_population: 42}\n", "geocoding.min_city_population"),
        ("potential: {source: guess}\n", "potential.source"),
    ],
)
def test_bad_mappings_name_line_and_field(tmp_path: Path, text: str, field: str) -> None:
    p = tmp_path / "mapping.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_mapping(p, Source.CSV)
    prob = err.value.problems[0]
    assert prob.file == str(p) and prob.row is not None and (prob.column or "").startswith(field.split(".")[0])


def test_unsafe_yaml_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "mapping.yaml"
    p.write_text("columns: !!python/object/apply:os.system ['true']\n", encoding="utf-8")
    with pytest.raises(InputError):
        read_mapping(p, Source.CSV)


def test_missing_mapping_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_mapping(tmp_path / "nope.yaml", Source.CSV)


_KEYS = st.sampled_from(["columns", "values", "segments", "potential", "defaults", "geocoding", "account",
                         "seller", "id", "stage", "role", "source", "revenue_share", "micro", "large", "x"])
_LEAF = st.one_of(st.none(), st.booleans(), st.integers(-5, 500), st.floats(allow_nan=False), st.text(max_size=8))
_YAML = st.recursive(_LEAF, lambda kids: st.one_of(st.lists(kids, max_size=3),
                                                     st.dictionaries(_KEYS, kids, max_size=4)), max_leaves=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(_KEYS, _YAML, max_size=5))
def test_any_mapping_file_is_read_or_refused_cleanly(tmp_path: Path, data: dict) -> None:
    p = tmp_path / "mapping.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    try:
        m = read_mapping(p, Source.SALESFORCE)
    except InputError as err:
        assert err.problems and all(q.file == str(p) for q in err.problems)
    else:
        assert m.segments and list(m.segments.values())[-1] is None
