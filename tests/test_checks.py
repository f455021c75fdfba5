"""Each consistency rule with a case that holds, one that fails, and near misses that must stay quiet."""

from __future__ import annotations

import pytest

from kimextract import extract_text
from kimextract.checks import Rule
from kimextract.process import Options

BESCHEID_HEAD = """Bezirksregierung Münster
Dezernat 36
Domplatz 1-3, 48143 Münster

# Zuwendungsbescheid

Münster, {date}
Az.: 36.08.02-KIM-5/22

"""


def rules(text: str, **options) -> list[str]:
    record = extract_text(text, Options(repair=False, **options))
    return [f.rule for f in record.findings if f.severity in ("error", "warning")]


CASES = [
    # id, rule expected to fire (None: nothing may fire), text
    ("amount-sum-holds", None,
     "Für Personalausgaben werden 25.000 € und für Sachausgaben 50.000 € bereitgestellt, insgesamt 75.000 €."),
    ("amount-sum-fails", Rule.AMOUNT_SUM,
     "Für Personalausgaben werden 25.000 € und für Sachausgaben 50.000 € bereitgestellt, insgesamt 80.000 €."),
    ("amount-sum-list-holds", None,
     "Gefördert werden folgende Maßnahmen:\n• Quartiersplatz: rund 1,45 Mio. €\n• Quartiersmanagement: TEUR 495\n"
     "• Verfügungsfonds: EUR 60.000\n• Fassadenprogramm: 920.000 €\nSumme der förderfähigen Kosten: 2.925.000 €\n"),
    ("amount-sum-list-fails", Rule.AMOUNT_SUM,
     "Gefördert werden folgende Maßnahmen:\n• Quartiersplatz: 1.450.000 €\n• Quartiersmanagement: TEUR 495\n"
     "• Verfügungsfonds: EUR 60.000\n• Fassadenprogramm: 950.000 €\nSumme der förderfähigen Kosten: 2.925.000 €\n"),
    ("rounded-restatement-is-no-finding", None,
     "Die Ausgaben betragen 6.000.000,00 € und 2.150.963,51 €, zusammen rund 8,15 Mio. €."),
    ("fte-parts-hold", None,
     "Bemessungsgrundlage sind bis zu 4 Stellen je Kreis (3,5 Stellen Koordination, 0,5 Verwaltungsassistenz)."),
    ("fte-parts-fail", Rule.FTE_SUM,
     "Bemessungsgrundlage sind bis zu 4 Stellen je Kreis (3 Stellen Koordination, 0,5 Verwaltungsassistenz)."),
    ("fte-total-fails", Rule.FTE_SUM,
     "In der Ausländerbehörde sind 1,25 VZÄ und in der Einbürgerungsbehörde 0,5 VZÄ eingesetzt, zusammen 1,5 VZÄ."),
    ("words-agree", None,
     BESCHEID_HEAD.format(date="14.02.2022") + "Ich bewillige Ihnen eine Zuwendung in Höhe von 112.500,00 € "
     "(in Worten: einhundertzwölftausendfünfhundert Euro)."),
    ("words-differ", Rule.WORDS_DIGITS,
     BESCHEID_HEAD.format(date="14.02.2022") + "Ich bewillige Ihnen eine Zuwendung in Höhe von 112.500,00 € "
     "(in Worten: einhundertzwanzigtausendfünfhundert Euro)."),
    ("words-with-cents", None,
     "Festgesetzt werden 1.234,56 € (in Worten: eintausendzweihundertvierunddreißig Euro und sechsundfünfzig Cent)."),
    ("payment-inside-period", None,
     BESCHEID_HEAD.format(date="14.02.2022") + "Für den Zeitraum 01.01.2022 bis 31.12.2022 bewillige ich eine Zuwendung "
     "in Höhe von 80.000 €.\n\nDie Zuwendung wird in zwei Raten ausgezahlt: 40.000 € zum 01.03.2022 und 40.000 € zum 01.09.2022.\n\n"
     "Der Verwendungsnachweis ist bis zum 30.06.2023 vorzulegen."),
    ("annual-rate-over-two-years", None,
     BESCHEID_HEAD.format(date="14.02.2023") + "Für den Zeitraum 01.01.2023 bis 31.12.2024 bewillige ich eine Zuwendung "
     "in Höhe von 240.000 € für 2,0 Stellen. Der Festbetrag beträgt 60.000 € je Stelle und Jahr."),
    ("annual-rate-over-two-years-contradicted", Rule.RATE,
     BESCHEID_HEAD.format(date="14.02.2023") + "Für den Zeitraum 01.01.2023 bis 31.12.2024 bewillige ich eine Zuwendung "
     "in Höhe von 250.000 € für 2,0 Stellen. Der Festbetrag beträgt 60.000 € je Stelle und Jahr."),
    ("payment-outside-period", Rule.DATE_OUTSIDE_PERIOD,
     BESCHEID_HEAD.format(date="14.02.2022") + "Für den Zeitraum 01.01.2022 bis 31.12.2022 bewillige ich eine Zuwendung "
     "in Höhe von 80.000 €.\n\nDie Zuwendung wird in zwei Raten ausgezahlt: 40.000 € zum 01.03.2022 und 40.000 € zum 01.02.2023."),
    ("instalments-do-not-add-up", Rule.INSTALMENTS_SUM,
     BESCHEID_HEAD.format(date="14.02.2022") + "Für den Zeitraum 01.01.2022 bis 31.12.2022 bewillige ich eine Zuwendung "
     "in Höhe von 80.000 €.\n\nDie Zuwendung wird in zwei Raten ausgezahlt: 40.000 € zum 01.03.2022 und 45.000 € zum 01.09.2022."),
    ("equal-instalments-je", None,
     BESCHEID_HEAD.format(date="19.01.2024") + "Für den Bewilligungszeitraum 01.01.–31.12.2024 bewillige ich eine Zuwendung "
     "in Höhe von 198.000 €.\n\nDie Zuwendung wird in vier gleichen Teilbeträgen von je 49.500 € zum 15.02., 15.05., 15.08. "
     "und 15.11.2024 ausgezahlt."),
    ("payment-before-decision", Rule.DECISION_AFTER_PAYMENT,
     BESCHEID_HEAD.format(date="14.04.2022") + "Für den Zeitraum 01.01.2022 bis 31.12.2022 bewillige ich eine Zuwendung "
     "in Höhe von 80.000 €.\n\nDie erste Rate von 40.000 € wird zum 01.03.2022, die zweite Rate von 40.000 € zum 01.09.2022 ausgezahlt."),
    ("period-reversed", Rule.PERIOD_REVERSED,
     "Der Bewilligungszeitraum umfasst den Zeitraum 01.07.2022 bis 30.06.2022."),
    ("rate-agrees", None,
     BESCHEID_HEAD.format(date="07.02.2022") + "Für den Zeitraum 01.01.2022 bis 31.12.2022 gewähre ich eine fachbezogene "
     "Pauschale in Höhe von 336.000 EUR.\n\nDie Pauschale beträgt 56.000 € je Stelle und Jahr. Mit ihr werden sechs "
     "Vollzeitstellen für das Case Management finanziert."),
    ("rate-contradicts", Rule.RATE,
     BESCHEID_HEAD.format(date="07.02.2022") + "Für den Zeitraum 01.01.2022 bis 31.12.2022 gewähre ich eine fachbezogene "
     "Pauschale in Höhe von 336.000 EUR.\n\nDie Pauschale beträgt 52.000 € je Stelle und Jahr. Mit ihr werden sechs "
     "Vollzeitstellen für das Case Management finanziert."),
    ("different-rate-for-assistance-is-no-finding", None,
     BESCHEID_HEAD.format(date="14.02.2023") + "Für den Zeitraum 01.01.2023 bis 31.12.2023 bewillige ich eine Zuwendung in Höhe "
     "von 228.000 €.\n\nGefördert werden 3,5 Stellen für die Koordination und eine halbe Stelle für die Verwaltungsassistenz. "
     "Zugrunde gelegt werden 57.000 € je Stelle für die Koordination und 28.500 € für die Verwaltungsassistenz."),
    ("post-not-set-up", Rule.NOT_FILLED,
     "Mit Bescheid der Bezirksregierung Arnsberg vom 21.01.2021 erhält der Kreis 100.000 € für 2 zusätzliche Stellen "
     "in der Einbürgerungsbehörde. Eine der beiden Stellen wird nach aktuellem Planungsstand nicht eingerichtet: "
     "die weitere 1,0 Stelle in der Einbürgerungsbehörde bleibt unbesetzt."),
]


@pytest.mark.parametrize("expected, text", [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_rule(expected, text):
    found = rules(text)
    if expected is None:
        assert found == []
    else:
        assert expected.value in found


def test_disabled_rule_is_silent():
    text = CASES[1][2]
    assert rules(text) == [Rule.AMOUNT_SUM.value]
    assert rules(text, disabled_rules=frozenset({Rule.AMOUNT_SUM.value})) == []


def test_finding_carries_evidence_and_german_message():
    record = extract_text(CASES[1][2], Options(repair=False))
    finding = record.findings[0]
    assert finding.severity == "error"
    assert "80.000 €" in finding.message and "75.000 €" in finding.message
    labels = [e.label for e in finding.evidence]
    assert labels == ["Teil", "Teil", "Summe"]
    text = CASES[1][2]
    for evidence in finding.evidence:
        assert text[evidence.provenance.start:evidence.provenance.end] == evidence.text


def test_not_filled_is_a_warning_with_the_sum_at_risk():
    record = extract_text(CASES[-1][2], Options(repair=False))
    [finding] = record.findings
    assert finding.severity == "warning"
    assert "50.000 €" in finding.message and "100.000 €" in finding.message


def test_every_rule_has_a_docstring_and_a_check():
    from kimextract.checks import RULES, SEVERITY

    for rule in Rule:
        assert rule in SEVERITY
    assert set(RULES) | {Rule.RATE_ACROSS_YEARS} == set(Rule)


CORPUS = __import__("conftest").SAMPLES / "corpus"


@pytest.mark.skipif(__import__("shutil").which("tesseract") is None, reason="needs Tesseract")
def test_misread_number_in_a_scan_becomes_a_warning_naming_both_readings():
    """The scan's text layer reads '1,5' as '15'; a second reading of the page image shows the comma."""
    from kimextract import extract_file

    record = extract_file(CORPUS / "02-brms-zb-kim3-borken-2022" / "scan-eng.pdf")
    [finding] = [f for f in record.findings if f.rule == Rule.FTE_SUM.value]  # the column holds posts
    assert finding.severity == "warning"
    assert "1,5 statt 15" in finding.message
    assert any(e.label == "Seitenbild" for e in finding.evidence)


@pytest.mark.skipif(__import__("shutil").which("tesseract") is None, reason="needs Tesseract")
def test_misread_date_in_a_scan_becomes_a_warning_naming_both_readings():
    """The scan's text layer reads the period's end '31.08.2025' as '31.08.2023'; the page image shows 2025."""
    from kimextract import extract_file

    record = extract_file(CORPUS.parent / "blind-4" / "b4a-02-reg-oberbayern-jas" / "scan-deu.pdf")
    reversed_ = [f for f in record.findings if f.rule == Rule.PERIOD_REVERSED.value]
    assert reversed_ and all(f.severity == "warning" and "31.08.2025 statt 31.08.2023" in f.message for f in reversed_)
    assert not [f for f in record.findings if f.severity == "error"]


@pytest.mark.skipif(__import__("shutil").which("tesseract") is None, reason="needs Tesseract")
def test_a_real_inconsistency_in_a_scan_stays_an_error():
    from kimextract import extract_file

    record = extract_file(CORPUS / "18-brar-zb-kim1-hochsauerlandkreis-planted" / "scan-deu.pdf")
    assert any(f.rule == Rule.TABLE_SUM.value and f.severity == "error" for f in record.findings)


def _sum_error(parts: list[tuple[str, str]], total: tuple[str, str]):
    from kimextract.records import Evidence, Finding, Provenance

    where = Provenance(page=1, start=0, end=2)
    evidence = [Evidence(label="Teil", value=value, text=text, provenance=where) for text, value in parts]
    evidence.append(Evidence(label="Summe", value=total[1], text=total[0], provenance=where))
    return Finding(rule=Rule.FTE_SUM.value, severity="error", message="Die Teile ergeben …", evidence=evidence)


class _Pages:
    def __init__(self, scanned: bool) -> None:
        self.scanned = scanned

    def text_from_ocr(self, page: int) -> bool:
        return self.scanned


def test_a_sum_that_one_lost_comma_explains_is_a_warning_on_a_scan_and_an_error_on_a_text_layer():
    from kimextract.verify import _lost_comma_warning

    finding = _sum_error([("15", "15"), ("6,0", "6"), ("2,5", "2.5")], ("10,0", "10"))
    on_scan = _lost_comma_warning(_Pages(scanned=True), finding)
    assert on_scan.severity == "warning" and "1,5 statt 15" in on_scan.message
    assert _lost_comma_warning(_Pages(scanned=False), finding).severity == "error"  # born-digital: what it says
    other = _sum_error([("15", "15"), ("6,0", "6"), ("2,5", "2.5")], ("12,0", "12"))  # no comma explains 12
    assert _lost_comma_warning(_Pages(scanned=True), other).severity == "error"
