"""The bill of actions validates its operations, playbooks and rates."""

from __future__ import annotations

import copy

import pytest
from pydantic import ValidationError

from allocate.core.nomenclature import (
    DEFAULT_SEGMENTS,
    ROLES,
    STAGES,
    Channel,
    Nomenclature,
    Operation,
    Playbook,
    _one_of,
    default_nomenclature_dict,
)


def op(**kw):
    base = {"id": "x", "channel": "phone", "duration_min": 30, "per_year": 4}
    base.update(kw)
    return base


def test_operation_frequency():
    assert Operation(**op(per_year=12)).occurrences_per_year == 12.0
    assert Operation(**op(per_year=None, once=True)).occurrences_per_year == 1.0
    assert Operation(**op(channel="visit")).is_visit
    assert not Operation(**op(channel="video")).is_visit
    assert Operation(**op()).role == "generalist" and Operation(**op()).channel is Channel.PHONE


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"once": True}, "exactly one of 'per_year' or 'once: true'"),  # both
        ({"per_year": None}, "exactly one of 'per_year' or 'once: true'"),  # neither
        ({"min_lag_days": 5, "max_lag_days": 2}, "min_lag_days (5) is greater than max_lag_days (2)"),
        ({"role": "boss"}, "unknown role 'boss'"),
        ({"duration_min": 0}, "greater than 0"),  # no free action
        ({"duration_min": 24 * 60 + 1}, "less than or equal to 1440"),  # longer than a day
        ({"per_year": 366}, "less than or equal to 365"),
        ({"channel": "fax"}, "channel"),
        ({"colour": "red"}, "Extra inputs are not permitted"),
    ],
)
def test_operation_refuses(kwargs, message):
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Operation(**op(**kwargs))


def test_playbook_checks_ids_and_precedence():
    with pytest.raises(ValidationError, match="duplicate operation id"):
        Playbook(stage="lead", operations=[op(id="a"), op(id="a")])
    with pytest.raises(ValidationError, match="'after' names unknown id 'z'"):
        Playbook(stage="lead", operations=[op(id="a", after=["z"])])
    with pytest.raises(ValidationError, match="cyclic 'after' chain: a -> b -> a"):
        Playbook(stage="lead", operations=[op(id="a", after=["b"]), op(id="b", after=["a"])])
    with pytest.raises(ValidationError, match="unknown stage 'suspect'"):
        Playbook(stage="suspect", operations=[op()])
    with pytest.raises(ValidationError):
        Playbook(stage="lead", operations=[])  # at least one operation
    ok = Playbook(stage="lead", operations=[op(id="a"), op(id="b", after=["a"])])
    assert [o.id for o in ok.operations] == ["a", "b"]


def _nom(**kw):
    data = {
        "playbooks": [
            {"stage": "customer", "operations": [op(id="call", role="CSM")]},
            {"stage": "customer", "segment": "large", "operations": [op(id="qbr", role="AE", channel="visit")]},
            {"stage": "lead", "operations": [op(id="q", role="SDR"), op(id="n", role="MRR"), op(id="r", role="SDR")]},
        ]
    }
    data.update(kw)
    return Nomenclature.model_validate(data)


def test_playbook_prefers_the_segment_then_the_default():
    nom = _nom()
    assert nom.playbook("customer", "large").operations[0].id == "qbr"
    assert nom.playbook("customer", "small").operations[0].id == "call"
    assert nom.playbook("prospect", "small") is None


def test_stage_roles_in_order_of_appearance():
    nom = _nom()
    assert nom.stage_roles("lead") == ("SDR", "MRR")
    assert nom.stage_roles("customer") == ("CSM", "AE")
    assert nom.stage_roles("opportunity") == ()


def test_nomenclature_defaults():
    nom = _nom()
    assert nom.weeks_per_year == 46.0
    assert nom.segments == DEFAULT_SEGMENTS
    assert nom.churn_rate == 0.15
    assert nom.conversion == {"lead": 0.3, "prospect": 0.4, "opportunity": 0.35}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"conversion": {"lead": 1.5}}, "conversion rate of 'lead' must be in \\[0, 1\\]"),
        ({"conversion": {"suspect": 0.5}}, "unknown stage 'suspect' in conversion"),
        ({"deal_value": {"huge": 1.0}}, "deal_value names unknown segment 'huge'"),
        ({"deal_value": {"small": -1.0}}, "deal_value must be non-negative"),
        ({"weeks_per_year": 0}, "greater than 0"),
        ({"weeks_per_year": 60}, "less than or equal to 53"),
        ({"churn_rate": 1.2}, "less than or equal to 1"),
        ({"segments": ["a", "b"]}, "names unknown segment 'large'"),  # a playbook's segment
        ({"playbooks": []}, "at least 1 item"),
    ],
)
def test_nomenclature_refuses(kwargs, message):
    with pytest.raises(ValidationError, match=message):
        _nom(**kwargs)


def test_nomenclature_is_frozen():
    nom = _nom()
    with pytest.raises(ValidationError):
        nom.weeks_per_year = 52  # type: ignore[misc]


def test_default_nomenclature_is_valid_and_complete():
    data = default_nomenclature_dict()
    nom = Nomenclature.model_validate(copy.deepcopy(data))
    for stage in STAGES:
        for seg in DEFAULT_SEGMENTS:
            assert nom.playbook(stage, seg) is not None, (stage, seg)
    assert nom.playbook("opportunity", "large").segment == "large"
    assert {o.role for pb in nom.playbooks for o in pb.operations} <= set(ROLES)
    # the lead appointment waits 1 to 10 days after the call
    appt = next(o for o in nom.playbook("lead", "small").operations if o.id == "appt")
    assert (appt.after, appt.min_lag_days, appt.max_lag_days, appt.once) == (("call",), 1, 10, True)


def test_one_of_names_the_kind_and_the_choices():
    assert _one_of("stage", "lead", STAGES) == "lead"
    with pytest.raises(ValueError) as info:
        _one_of("role", "boss", ROLES)
    assert str(info.value) == "unknown role 'boss'; expected one of generalist, MRR, SDR, AE, CSM"
    with pytest.raises(ValidationError, match="unknown stage 'suspect'; expected one of lead, prospect, opportunity, customer"):
        Playbook(stage="suspect", operations=[op()])
