"""Case tables for the structure layer and the linker, read from ``tests/cases/<kind>.<provenance>.jsonl``.

Kinds: ``structure`` (the paper's kind and header), ``tables`` (table values and table sums) and ``grants``
(grants linked from a paper's parts). Provenance: ``hand`` (shapes of real papers, written from
docs/ANNOTATION.md and the shapes of administrative papers; never copied text). Each line is one case with
``id``, ``text`` and ``expect``:

- structure: ``{"kind": …, "reference": …, "date": "YYYY-MM-DD", "authority": …, "subject": …,
  "meeting_date": …}``; only the keys a case states are compared.
- tables: ``{"amounts": […], "positions": […], "findings": [rule codes]}``; the amounts and positions of the
  whole text in order, the error-level findings as a multiset; a missing key is not compared.
- grants: a list of grants in document order, each compared on the keys it states; instalments as
  ``[[amount, date or null], …]``.

Besides the tables, unit tests of the layer's parts: lines and furniture, headings and roles, the tenor,
the deciding body's name, table rows.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from kimextract import extract_text
from kimextract.process import Options

CASES = Path(__file__).parent / "cases"


def load(kind: str) -> list[tuple[str, dict]]:
    cases = []
    for path in sorted(CASES.glob(f"{kind}.*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                cases.append((f"{path.stem}:{case['id']}", case))
    return cases


def record_of(text: str):
    return extract_text(text, Options(repair=False, verify=False))


@pytest.mark.parametrize("case", [c for _, c in load("structure")], ids=[i for i, _ in load("structure")])
def test_structure_case(case):
    header = record_of(case["text"]).document
    for key, expected in case["expect"].items():
        found = getattr(header, key)
        assert (found.isoformat() if hasattr(found, "isoformat") else found) == expected, key


@pytest.mark.parametrize("case", [c for _, c in load("tables")], ids=[i for i, _ in load("tables")])
def test_table_case(case):
    record = record_of(case["text"])
    expect = case["expect"]
    if "amounts" in expect:
        assert [format(a.value, "f") for a in record.amounts] == expect["amounts"]
    if "positions" in expect:
        assert [format(p.fte, "f") for p in record.positions] == expect["positions"]
    if "findings" in expect:
        errors = Counter(f.rule for f in record.findings if f.severity == "error")
        assert errors == Counter(expect["findings"])


@pytest.mark.parametrize("case", [c for _, c in load("grants")], ids=[i for i, _ in load("grants")])
def test_grant_case(case):
    grants = record_of(case["text"]).grants
    assert len(grants) == len(case["expect"]), [(g.kind, str(g.amount)) for g in grants]
    for grant, expected in zip(grants, case["expect"]):
        for key, value in expected.items():
            assert _view(grant, key) == value, key


def _view(grant, key: str):
    value = getattr(grant, key)
    if key == "instalments":
        return [[format(i.amount, "f") if i.amount is not None else None, i.date.isoformat() if i.date else None] for i in value]
    if key == "period":
        return [value[0].isoformat(), value[1].isoformat()] if value else None
    if key in ("amount", "positions"):
        return format(value, "f") if value is not None else None
    if key == "decision_date":
        return value.isoformat() if value else None
    return value


# --- the parts of the layer ---------------------------------------------------------------------------------

def test_lines_keep_offsets_and_pages_and_mark_page_numbers():
    from kimextract.structure.lines import split_lines

    text = "Kopf\nText eins\nSeite 1 von 2\fKopf\nText zwei"
    lines = split_lines(text)
    assert [(line.page, text[line.start:line.end]) for line in lines] == [
        (1, "Kopf"), (1, "Text eins"), (1, "Seite 1 von 2"), (2, "Kopf"), (2, "Text zwei")]
    assert [line.furniture for line in lines] == [False, False, True, True, False]


def test_headings_get_roles_and_prose_lines_do_not():
    from kimextract.structure.lines import split_lines
    from kimextract.structure.sections import find_sections

    text = ("Sehr geehrte Damen und Herren,\n1. Bewilligung\nIch bewillige.\n2. Bewilligungszeitraum: 2023\n"
            "Die Mittel werden nach der Prüfung des Verwendungsnachweises und der Abrechnung der Maßnahme\n"
            "Auszahlung erst im Folgejahr gewährt.\n3, Auszahlung\nIn zwei Raten.\nRechtsbehelfsbelehrung\n")
    roles = [(s.role, s.heading.text) for s in find_sections(split_lines(text), len(text)) if s.heading]
    assert roles == [("tenor", "1. Bewilligung"), ("period", "2. Bewilligungszeitraum: 2023"),
                     ("payment", "3, Auszahlung"), ("remedy", "Rechtsbehelfsbelehrung")]


def test_the_tenor_is_the_part_that_decides_now():
    from kimextract import values
    from kimextract.structure import read_structure

    text = ("Bezirksregierung X\nÄnderungsbescheid\nSehr geehrte Damen und Herren,\n"
            "mit Bescheid vom 20.01.2022 habe ich Ihnen 605.000,00 EUR bewilligt. Der Bescheid wird wie folgt geändert:\n"
            "1. Höhe der Zuwendung\nDie Zuwendung wird um 110.000,00 EUR auf 715.000,00 EUR erhöht.\n2. Auszahlung\nZum 15.08.2022.\n")
    structure = read_structure(text, values.scan_dates(text))
    assert text[slice(*structure.tenor)].startswith("1. Höhe der Zuwendung")
    assert "habe ich Ihnen" in text[slice(*structure.intro)]


@pytest.mark.parametrize("text, name", [
    ("mit Bescheid des Hessischen Ministeriums für Soziales und Integration vom 14.12.2021", "Hessisches Ministerium für Soziales und Integration"),
    ("hat der Kommunale Sozialverband Sachsen am 07.12.2023 bewilligt", "Kommunaler Sozialverband Sachsen"),
    ("vom Thüringer Landesverwaltungsamt bewilligt", "Thüringer Landesverwaltungsamt"),
    ("Die Bezirksregierung Arnsberg hat dem Kreis Soest bewilligt", "Bezirksregierung Arnsberg"),
    ("hat der Kreis Soest vom Landesamt für Soziales und Versorgung für den Zeitraum erhalten", "Landesamt für Soziales und Versorgung"),
    ("ist der Stadt für 2,5 Stellen bewilligt worden", None),
    # an authority before the Land it acts for, before a council
    ("Der Freistaat Thüringen beteiligt sich mit 40.000 €, die das Landesamt für Bau und Verkehr bewilligt hat",
     "Landesamt für Bau und Verkehr"),
    ("Der Stadtrat nahm zur Kenntnis, dass die Regierung von Oberfranken 12.000 € bewilligt hat", "Regierung von Oberfranken"),
    ("Antwort des Kreisausschusses\nDer Zuschuss wurde bewilligt", None),
    ("Die Investitions- und Förderbank Niedersachsen hat bewilligt", "Investitions- und Förderbank Niedersachsen"),
])
def test_deciding_body_in_the_nominative(text, name):
    from kimextract.structure.authority import find_authority

    found = find_authority(text)
    assert (found[0] if found else None) == name


def test_a_ministry_named_by_its_field_is_the_one_named_in_full():
    from kimextract.structure.authority import find_authority, resolve_bare

    text = "Ministerium für Arbeit und Soziales des Landes Musterland\nPressestelle\n\nDas Sozialministerium hat bewilligt."
    name, start, _ = find_authority(text[60:])
    assert name == "Sozialministerium"
    assert resolve_bare(name, text, 60 + start) == "Ministerium für Arbeit und Soziales des Landes Musterland"


def test_table_rows_align_from_the_right_and_keep_signs():
    from kimextract.structure.lines import split_lines
    from kimextract.structure.tables import find_tables

    text = "Posten 2023 T€ 2022 T€ Veränderung T€\nErträge -1.200 -1.100 -100\nAufwand 900 850 +50\nSumme -300 -250 -50\n"
    [table] = find_tables(split_lines(text))
    assert table.factors == {0: 1000, 1: 1000, 2: 1000}
    assert [[str(c.value) for c in row.cells] for row in table.rows] == [["-1200", "-1100", "-100"], ["900", "850", "50"], ["-300", "-250", "-50"]]
    assert [row.total for row in table.rows] == [False, False, True]
