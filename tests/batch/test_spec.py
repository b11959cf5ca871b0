"""The scenario grid: expansion, stable ids, and the defects a user can make in BATCH.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from allocate.batch import read_batch
from allocate.core.errors import InputError
from tests.batch.conftest import WHATIFS, write_batch


def test_grid_is_the_cartesian_product(instance_dir: Path, tmp_path: Path) -> None:
    folder = instance_dir.parent / "grids"
    folder.mkdir(exist_ok=True)
    # the instance path is relative to the yaml file's folder
    path = write_batch(
        folder,
        f"../{instance_dir.name}",
        ["geography", "size"],
        WHATIFS,
        grid={"weights.move": [0.1, 1.0]},
    )
    plan = read_batch(path)
    assert Path(plan.scenarios[0].instance_path) == instance_dir.resolve()
    assert len(plan) == 2 * 3 * 2
    ids = [s.scenario_id for s in plan.scenarios]
    assert len(set(ids)) == len(ids)
    assert ids == [s.scenario_id for s in read_batch(path).scenarios]  # stable
    sc = plan.scenarios[0].build_scenario()
    assert sc.workers == 1 and sc.time_limit_s == 0.5 and sc.weights.move == 0.1
    assert {s.whatif["extra_sellers"] for s in plan.scenarios} == {0, 1}


def test_whatif_fields_in_the_grid(instance_dir: Path, tmp_path: Path) -> None:
    path = write_batch(
        tmp_path,
        str(instance_dir),
        ["generalist"],
        [{"name": "base"}],
        grid={"capacity_factor": [0.9, 1.0, 1.1]},
    )
    plan = read_batch(path)
    assert sorted(s.whatif["capacity_factor"] for s in plan.scenarios) == [0.9, 1.0, 1.1]


@pytest.mark.parametrize(
    "text, message",
    [
        ("instances: [X]\nmodels: [geometry]\n", "unknown model"),  # typo in a model name
        (
            "instances: [X]\nmodels: [size]\ngrid: {weights.mvoe: [1]}\n",
            "weights.mvoe",
        ),  # unknown scenario field
        (
            "instances: [X]\nmodels: [size]\ngrid: {time_limit_s: [-1]}\n",
            "time_limit_s",
        ),  # out of range
        ("instances: [nowhere]\nmodels: [size]\n", "not found"),  # missing instance folder
        (
            "instances: [X]\nmodels: [size]\nwhatifs: [{name: a}, {name: a}]\n",
            "unique",
        ),  # duplicate what-if
        ("!!python/object/apply:os.system ['true']\n", "unsafe"),  # never run YAML tags
        ("instances: [X]\nmodels: [size]\ngrid: {weights.move: []}\n", "no values"),  # empty range
    ],
)
def test_invalid_batch_files(instance_dir: Path, tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "batch.yaml"
    path.write_text(text.replace("X", str(instance_dir)), encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_batch(path)
    assert message in str(err.value)
