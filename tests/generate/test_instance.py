"""Drawing a whole instance: determinism, sizes, arguments, feasibility."""

from __future__ import annotations

from pathlib import Path

import pytest

from allocate.generate import COUNTRIES, GeneratedInstance, generate_instance, write_instance

from .conftest import region_of

MODELS = ("geography", "size", "value_proposition", "roles", "generalist", "hybrid")


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    paths = []
    for run in ("a", "b", "c"):
        seed = 8 if run == "c" else 7
        gen = generate_instance("FR", 400, 6, seed=seed)
        paths.append(write_instance(gen, tmp_path / run))
    for a, b in zip(paths[0], paths[1], strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    # A different seed must change the accounts (guards against an ignored seed).
    assert paths[0][0].read_bytes() != paths[2][0].read_bytes()


@pytest.mark.parametrize("n_accounts, n_sellers", [(1, 1), (50, 2), (250, 5)])
def test_sizes(n_accounts: int, n_sellers: int) -> None:
    gen = generate_instance("FR", n_accounts, n_sellers, seed=3)
    assert len(gen.accounts) == n_accounts
    assert len(gen.sellers) == n_sellers
    assert gen.accounts["account_id"].is_unique
    assert len(gen.units) == gen.accounts["unit_id"].nunique()
    assert (gen.country, gen.seed) == ("FR", 3)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="country"):
        generate_instance("DE", 10, 2, seed=1)
    with pytest.raises(ValueError, match="multisite_share"):
        generate_instance("FR", 10, 2, seed=1, multisite_share=1.5)
    with pytest.raises(ValueError, match="at least 1"):
        generate_instance("FR", 0, 2, seed=1)


@pytest.mark.parametrize("name", ["fr", "us"])
def test_coordinates_inside_the_country(name: str, request: pytest.FixtureRequest) -> None:
    gen: GeneratedInstance = request.getfixturevalue(name)
    lat_min, lat_max, lon_min, lon_max = COUNTRIES[gen.country].bbox
    for table in (gen.accounts, gen.sellers):
        assert table["lat"].between(lat_min, lat_max).all()
        assert table["lon"].between(lon_min, lon_max).all()
    if gen.country == "US":
        regions = region_of("US", gen.accounts["lat"].to_numpy(), gen.accounts["lon"].to_numpy())
        assert not {"AK", "HI"} & set(regions)


def test_every_organization_model_is_lp_feasible(tmp_path: Path) -> None:
    """Capacity sits where the demand is: each model's LP relaxation is feasible with the
    solver's sparse candidate sets (the 8 nearest bases of each account)."""
    from allocate import Scenario, read_instance
    from allocate.organize.presets import build_model
    from allocate.solvers.feasibility import capacity_shortfalls
    from allocate.solvers.lp import lp_relaxation

    write_instance(generate_instance("FR", 1000, 12, seed=4), tmp_path)
    inst = read_instance(tmp_path)
    for model in MODELS:
        problem = build_model(inst, Scenario(model=model)).problem
        assert capacity_shortfalls(problem) == [], model
        assert lp_relaxation(problem, 60).feasible, model
