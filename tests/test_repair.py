"""OCR repair (kimextract/repair.py): case table, layout and offsets, the Warendorf figure."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from kimextract.repair import Repair, Repaired, load_models, repair_text

WARENDORF = ROOT / "samples" / "warendorf-231-2020"

# (OCR text, expected repaired text): words the table in models/ never names, found by the lexicon, the
# confusion table, the compound splitter and the context rules.
REPAIRED = [
    ("Die Gemeinde erhalt Fordermittel.", "Die Gemeinde erhält Fördermittel."),
    ("Antrag fur das Jahr", "Antrag für das Jahr"),
    ("Zuschusse fir Personal", "Zuschüsse für Personal"),
    ("Mittel flr die Stadte", "Mittel für die Städte"),
    ("die Gebuhren der Burger", "die Gebühren der Bürger"),
    ("Die Schliisselzuweisungen", "Die Schlüsselzuweisungen"),
    ("Abschlielsend", "Abschließend"),
    ("Die GréBe der Raume", "Die Größe der Räume"),
    ("MaBnahmen und Mafnahmen", "Maßnahmen und Maßnahmen"),
    ("die Strasse", "die Straße"),
    ("Wir kénnen und mdchten", "Wir können und möchten"),
    ("Bescheid tiber die Zuwendung", "Bescheid über die Zuwendung"),
    ("Sie kdnnen das", "Sie können das"),
    ("Héhe und Héchstbetrag", "Höhe und Höchstbetrag"),
    ("Uberweisung am Montag", "Überweisung am Montag"),
    ("der Antrag Uber die Mittel", "der Antrag über die Mittel"),
    ("Die Jugendamter und Sozialamter", "Die Jugendämter und Sozialämter"),
    ("Schulsozialarbeitsstellenanteile zusatzlich", "Schulsozialarbeitsstellenanteile zusätzlich"),
    ("Kinderbetreuungsgebiihren", "Kinderbetreuungsgebühren"),
    ("Zuwendungsempfangerin", "Zuwendungsempfängerin"),
    ("Kreisverwaltungsbehoérde", "Kreisverwaltungsbehörde"),
    ("in Hohe von 5.000 €", "in Höhe von 5.000 €"),
    ("in gleicher Hohe", "in gleicher Höhe"),
    ("Die Stadte und Kreise werden fur Projekte starker gefordert als bisher",
     "Die Städte und Kreise werden für Projekte stärker gefördert als bisher"),
    ("im Kl-Team und das Kl", "im KI-Team und das KI"),
    ("Anlage Il", "Anlage II"),
    ("fünfhundertfiinfzig Euro", "fünfhundertfünfzig Euro"),
    ("dreihundertdreifig", "dreihundertdreißig"),
    ("Schmidtstrafe 12 und Felix-Fechenbach-Strafe 5", "Schmidtstraße 12 und Felix-Fechenbach-Straße 5"),
    ("6ffentlich und K6ln", "öffentlich und Köln"),
    ("Die Stadte zahlen 2,5 VZA an Personal (TV6D)", "Die Städte zahlen 2,5 VZÄ an Personal (TVöD)"),
    ("gema& § 44 und Ma&nahmen", "gemäß § 44 und Maßnahmen"),
    ("die Integrationsforderung der Stadte", "die Integrationsförderung der Städte"),
    ("nach 8 44 LHO und gemaB 88 25a und 25b AufenthG", "nach § 44 LHO und gemäß §§ 25a und 25b AufenthG"),
    ("Die Mittel fur 2021 - Modul I - werden gewahrt:\n* Stellen 1-3\n* Zeitraum 01.01.-31.12.2021",
     "Die Mittel für 2021 – Modul I – werden gewährt:\n• Stellen 1–3\n• Zeitraum 01.01.–31.12.2021"),
    ("Bezirksregierung Munster — Zuwendungsbescheid", "Bezirksregierung Münster – Zuwendungsbescheid"),
    ("Die StadteRegion Aachen", "Die StädteRegion Aachen"),
    ("Der Burger und die Burgerin erhalten Fordermittel", "Der Bürger und die Bürgerin erhalten Fördermittel"),
]

# Must stay as they are: numbers, dates, amounts, names, abbreviations, correct German and English words.
UNCHANGED = [
    "Am 30.11.2020 wurden 55.000 € für 3,5 Stellen (0,5 VZÄ) bewilligt.",
    "Herr Hanewinkel aus Warendorf und Frau Brokelmann.",
    "Az. 12.3-4567/21 vom 01.01.2021 bis 31.12.2021, s.o., z.B., i.H.v., ggf., bzw., Nr. 5",
    "Die Hohe Straße in Gelsenkirchen und die Hohe Mark.",
    "Die Zahl der Beratungen wurde erhöht; das Land zahlt den Zuschuss.",
    "Er hatte Mitarbeiter, sie waren schon da, es wurde gut.",
    "ein starker Partner für die Stadt",
    "Die Forderung nach mehr Personal ist berechtigt. Es wird gefordert, dass",
    "Die Rückforderung der Mittel und der Erhalt der Stellen.",
    "The funding for the Case Management is paid by the Land.",
    "KIM, NRW, MKFFI, KI, IT, EU, BAMF, ABH, Kl. 5",
    "Aufbewahrungsfrist, Servicebetrieben, Herzebrocker Straße, Wendungen",
    "Koordinatorenstellen, Festbetragsfinanzierung, Verwaltungsassistenz, Multiplikatorenveranstaltungen",
    "Tier, Masse, Bar, Mutter, Ware, Anlagen, Laden, Schule",
    "Café, René, André, Señora, Hawaii",
    "Make sure the menu is full and the master handler runs first.",
    "Die Felder - Name, Datum - sind auszufüllen:\n* Name\n* Datum 1-3, Az. 837-02, Tel. 0251 411-3472",
    "Er sagte »Nein« und ging.",
    "Mail an poststelle@brdt.nrw.de oder www.fur-alle.de",
    "Seite 1 von 3, Anlage 2, 8 Stellen mit 8 500 €",
]


@pytest.mark.parametrize("ocr,expected", REPAIRED)
def test_repairs(ocr, expected):
    assert repair_text(ocr).text == expected


@pytest.mark.parametrize("text", UNCHANGED)
def test_unchanged(text):
    res = repair_text(text)
    assert res.text == text, res.repairs
    assert res.repairs == []


def test_clean_german_with_umlauts_is_left_alone():
    text = ("Die Bezirksregierung gewährt dem Kreis für das Jahr 2021 eine Zuwendung in Höhe von 385.000 €. "
            "Die Hälfte wird am 30.06.2021 ausgezahlt. Über die Verwendung ist ein Nachweis zu führen; "
            "die Förderung der Städte und Gemeinden wird fortgesetzt. Das Land zahlt, die Stadt hatte Kosten.")
    assert repair_text(text).text == text


def test_hyphenation_joins_and_keeps_layout():
    text = "ein rechtskreisuber-\ngreifendes Case-Management in Nordrhein-\nWestfalen und Auslander-\nund Einbiirgerungs-\nbehorden"
    res = repair_text(text)
    assert res.text == ("ein rechtskreisübergreifendes\nCase-Management in Nordrhein-Westfalen\nund Ausländer-\n"
                        "und Einbürgerungsbehörden")
    assert res.text.count("\n") == text.count("\n") - 1  # the last join has no space to move its break to
    reasons = {r.reason for r in res.repairs}
    assert "hyphenation" in reasons


def test_real_hyphen_kept():
    text = "Austausch- oder Qualifizierungstage, Vor- und Nachteile, 0,5-\nStelle"
    assert repair_text(text).text == "Austausch- oder Qualifizierungstage, Vor- und Nachteile, 0,5-Stelle"


def test_page_breaks_and_lines_kept():
    text = "Seite 1 fur\nden Kreis\n\fSeite 2 Fordermittel\n\n\nEnde"
    res = repair_text(text)
    assert res.text == "Seite 1 für\nden Kreis\n\fSeite 2 Fördermittel\n\n\nEnde"


def test_quotes():
    text = 'eine ,Richtlinie über die Gewährung" und ,,Handlungskonzept KIM”, 3,5 Stellen, a,b, »Das ist es"'
    res = repair_text(text)
    assert res.text == 'eine „Richtlinie über die Gewährung“ und „Handlungskonzept KIM“, 3,5 Stellen, a,b, „Das ist es“'
    assert {r.reason for r in res.repairs} == {"quote"}


def test_repair_records():
    text = "Die Stadte erhalten Fordermittel."
    res = repair_text(text)
    assert isinstance(res, Repaired)
    assert all(isinstance(r, Repair) for r in res.repairs)
    for r in res.repairs:
        assert text[r.start:r.end] == r.original
        assert 0.0 < r.confidence <= 1.0
        assert r.reason in ("lexicon", "confusion", "compound", "context", "hyphenation", "quote")
    assert [(r.original, r.repaired) for r in res.repairs] == [("Stadte", "Städte"), ("Fordermittel", "Fördermittel")]


def _check_offsets(text: str) -> Repaired:
    res = repair_text(text)
    rep = res.text
    # monotone over the whole repaired text, ends map to ends
    last = 0
    for p in range(len(rep) + 1):
        o = res.to_original(p)
        assert o >= last
        last = o
    assert res.to_original(0) == 0
    assert res.to_original(len(rep)) == len(text)
    # every repaired span maps back to its original span
    delta = 0
    for r in res.repairs:
        rs = r.start + delta
        re_ = rs + len(r.repaired)
        assert rep[rs:re_] == r.repaired
        assert res.to_original(rs) == r.start
        if r.repaired:  # a deletion maps to its start
            assert res.to_original(re_) == r.end
        delta += len(r.repaired) - (r.end - r.start)
    return res


def test_offsets_map_back():
    text = ("Die MafRnahmen fur Fllichtlinge und ,Handlungskonzept“ im rechtskreisuber-\ngreifenden Ansatz "
            "kosten 55.000 € in Hohe von 1,5 Stellen der Einbiirgerungsbehdrde.")
    res = _check_offsets(text)
    rep = res.text
    # a value found in the repaired text maps to the same value in the original
    for needle in ("55.000 €", "1,5 Stellen", "Einbürgerungsbehörde", "Maßnahmen", "rechtskreisübergreifenden"):
        a = rep.index(needle)
        b = a + len(needle)
        orig = text[res.to_original(a):res.to_original(b)]
        assert orig.replace("-\n", "").replace("ß", "fR") in (needle, ) or len(orig) >= len(needle) - 2
    a = rep.index("55.000 €")
    assert text[res.to_original(a):res.to_original(a + 8)] == "55.000 €"
    a = rep.index("Einbürgerungsbehörde")
    assert text[res.to_original(a):res.to_original(a + len("Einbürgerungsbehörde"))] == "Einbiirgerungsbehdrde"


def test_offsets_on_warendorf():
    _check_offsets((WARENDORF / "ocr.txt").read_text(encoding="utf-8"))


def test_no_repairs_identity():
    res = repair_text("Nichts zu tun. 12,50 €")
    assert res.repairs == [] and res.text == "Nichts zu tun. 12,50 €"
    assert [res.to_original(p) for p in range(len(res.text) + 1)] == list(range(len(res.text) + 1))


def test_empty_text():
    res = repair_text("")
    assert res.text == "" and res.repairs == [] and res.to_original(0) == 0


def test_warendorf_figure():
    """The acceptance figure: at least 102 of the 104 damaged tokens repaired, no correct token broken."""
    from repair_bench import repaired_tokens, score_pairs

    ocr = (WARENDORF / "ocr.txt").read_text(encoding="utf-8")
    gold = (WARENDORF / "gold.txt").read_text(encoding="utf-8")
    res = repair_text(ocr)
    o, g = ocr.split(), gold.split()
    r = repaired_tokens(ocr, res, skip_reasons=("quote",))  # gold.txt keeps the OCR's low comma
    assert len(o) == len(g) == len(r) == 800
    damaged, fixed, _correct, broken, misses, breaks = score_pairs(o, g, r)
    assert damaged == 104
    assert fixed >= 102, misses
    assert broken == 0, breaks


def test_models_are_small():
    """The repair models travel in the package; how fast they load is measured by benchmarks/speed.py."""
    models_dir = load_models().folder
    size = sum(p.stat().st_size for p in models_dir.glob("lexicon*")) + sum(
        p.stat().st_size for p in models_dir.glob("confusions*")) + sum(
        p.stat().st_size for p in models_dir.glob("domain_terms*")) + sum(
        p.stat().st_size for p in models_dir.glob("realword*"))
    assert size < 4_000_000


def test_pure_and_cached():
    text = "Die Stadte erhalten Fordermittel fur 2021."
    assert repair_text(text) == repair_text(text)
