"""The sample corpus: every gold file is well-formed, and every consistent document's stated sums hold."""

from __future__ import annotations

import datetime as dt
import json
import typing
from decimal import Decimal
from pathlib import Path

import pytest
import regex

from conftest import GRANT_FIELDS, SAMPLES, grant_fields, record_values
from kimextract.checks import Rule
from kimextract.records import DocumentHeader

CORPUS = SAMPLES / "corpus"
FOLDERS = sorted(p for p in CORPUS.iterdir() if (p / "gold.json").exists())
KINDS = set(typing.get_args(DocumentHeader.model_fields["kind"].annotation))
DECIMAL = regex.compile(r"-?(?:0|[1-9]\d*)(?:\.\d*[1-9])?")
RENDERINGS = ("source.txt", "text.pdf", "clean.txt", "scan-eng.pdf", "scan-deu.pdf")


def gold_of(folder: Path) -> dict:
    return json.loads((folder / "gold.json").read_text(encoding="utf-8"))


def is_date(value) -> bool:
    try:
        dt.date.fromisoformat(value)
        return True
    except (TypeError, ValueError):
        return False


def test_corpus_size():
    planted = [f for f in FOLDERS if gold_of(f).get("planted")]
    assert len(FOLDERS) - len(planted) >= 40
    assert len(planted) >= 12
    size = sum(p.stat().st_size for p in CORPUS.rglob("*") if p.is_file())
    assert size < 50 * 1024 * 1024


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_gold_is_well_formed(folder):
    gold = gold_of(folder)
    for name in RENDERINGS:
        assert (folder / name).is_file(), name
    document = gold["document"]
    assert document["kind"] in KINDS
    for key in ("date", "meeting_date"):
        assert document.get(key) is None or is_date(document[key]), key
    assert all(isinstance(v, str) and DECIMAL.fullmatch(v) for v in gold["amounts"]), gold["amounts"]
    assert all(isinstance(v, str) and DECIMAL.fullmatch(v) for v in gold["positions"]), gold["positions"]
    assert all(is_date(v) for v in gold["dates"])
    assert all(is_date(v) for v in gold.get("dates_bonus", {}).values())
    assert gold["modules"] == sorted(set(gold["modules"])) and all(1 <= m <= 9 for m in gold["modules"])
    for grant in gold["grants"]:
        assert DECIMAL.fullmatch(grant["amount"])
        assert grant["positions"] is None or DECIMAL.fullmatch(grant["positions"])
        assert grant["period"] is None or (len(grant["period"]) == 2 and all(map(is_date, grant["period"])))
        assert grant["decision_date"] is None or is_date(grant["decision_date"])
        assert grant["module"] is None or grant["module"] in gold["modules"]
        assert grant["amount"] in gold["amounts"], "a grant's amount is one of the document's amounts"
    rules = {rule.value for rule in Rule}
    for finding in gold.get("findings_expected", []):
        assert finding["rule"] in rules
    if gold.get("planted"):
        assert len(gold["findings_expected"]) == 1
        assert gold["findings_expected"][0]["rule"] == gold["planted"]["rule"]
        assert (CORPUS / gold["planted"]["base"]).is_dir()


# ---------------------------------------------------------------------------------------------------------
# the stated sums: '192.500 + 22.500 + 38.800 + 6.072 = 259.872 €', '3,5 × 55.000 = 192.500 €', '224.000 / 4 = …'

NUMBER = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
CLAUSE = regex.compile(
    rf"(?P<lhs>(?:{NUMBER})(?:[^=;\d]*?[+×x*/−-]\s*[^=;\d]*?(?:{NUMBER}))+)[^=;\d]*=\s*(?P<rhs>{NUMBER})(?P<pct>\s*%)?"
)


def german(number: str) -> Decimal:
    if regex.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", number):
        number = number.replace(".", "")
    return Decimal(number.replace(",", "."))


def evaluate(lhs: str) -> Decimal:
    """Left-to-right with × and / before + and −, over German numbers; words between are ignored."""
    tokens = regex.findall(rf"(?:{NUMBER})(?:\s*%)?|[+×x*/−-]", lhs)
    terms, sign, product, op = [], Decimal(1), None, None
    for token in tokens:
        if token in "+−-":
            terms.append(sign * product)
            sign, product, op = (Decimal(1) if token == "+" else Decimal(-1)), None, None
        elif token in "×x*/":
            op = token
        else:
            value = german(token.rstrip("% ")) / (100 if token.endswith("%") else 1)
            product = value if product is None else (product / value if op == "/" else product * value)
    terms.append(sign * product)
    return sum(terms, Decimal(0))


def stated_sums(gold: dict) -> list[tuple[str, Decimal, Decimal]]:
    sums = []
    for check in gold.get("checks_that_hold", []):
        for clause in check.split(";"):
            if "…" in clause:
                continue
            for match in CLAUSE.finditer(clause):
                right = german(match["rhs"]) / (100 if match["pct"] else 1)
                # a percentage or a figure with one decimal is rounded: half its last digit is allowed
                places = len(match["rhs"].partition(",")[2]) + (2 if match["pct"] else 0)
                slack = Decimal(5).scaleb(-places - 1) if match["pct"] or places == 1 else Decimal("0.01")
                sums.append((match.group(), evaluate(match["lhs"]), right, slack))
    return sums


CONSISTENT = [f for f in FOLDERS if not gold_of(f).get("planted")]


@pytest.mark.parametrize("folder", CONSISTENT, ids=[f.name for f in CONSISTENT])
def test_stated_sums_hold(folder):
    for text, left, right, slack in stated_sums(gold_of(folder)):
        assert abs(left - right) <= slack, text


def test_most_stated_sums_are_checked():
    with_sums = [f for f in CONSISTENT if gold_of(f).get("checks_that_hold")]
    checked = [f for f in with_sums if stated_sums(gold_of(f))]
    assert len(checked) >= 0.8 * len(with_sums)


@pytest.mark.parametrize("folder", CONSISTENT, ids=[f.name for f in CONSISTENT])
def test_gold_instalments_add_up(folder):
    for grant in gold_of(folder)["grants"]:
        amounts = [Decimal(i["amount"]) for i in grant.get("instalments", []) if i.get("amount")]
        if len(amounts) >= 2 and len(amounts) == len(grant.get("instalments", [])):
            assert sum(amounts) == Decimal(grant["amount"]), grant


def test_evaluate():
    assert evaluate("3,5 × 55.000") == Decimal("192500")
    assert evaluate("192.500 + 22.500 + 38.800 + 6.072") == Decimal("259872")
    assert evaluate("3,5 × 9.800 + 4.900") == Decimal("39200")
    assert evaluate("224.000 / 4") == Decimal("56000")
    assert evaluate("70 % × 3.480.000") == Decimal("2436000")


# ---------------------------------------------------------------------------------------------------------
# end to end on the text-layer PDFs: the figures that benchmarks/accuracy.py prints, held as a floor


@pytest.fixture(scope="module")
def text_layer_records():
    from kimextract import extract_file

    return {folder.name: extract_file(folder / "text.pdf") for folder in FOLDERS}


def test_text_layer_values_match_gold(text_layer_records):
    from collections import Counter

    missed = {}
    for folder in FOLDERS:
        gold, record = gold_of(folder), text_layer_records[folder.name]
        found = record_values(record)
        for field, values in found.items():
            if Counter(values) != Counter(gold[field]):
                missed[f"{folder.name}:{field}"] = (values, gold[field])
    assert not missed


def test_every_planted_inconsistency_is_caught_and_no_consistent_document_has_an_error(text_layer_records):
    for folder in FOLDERS:
        gold, record = gold_of(folder), text_layer_records[folder.name]
        rules = {f.rule for f in record.findings}
        if gold.get("planted"):
            assert gold["planted"]["rule"] in rules, folder.name
        else:
            assert not [f.rule for f in record.findings if f.severity == "error"], folder.name


def test_most_grants_have_every_field_right(text_layer_records):
    right = total = 0
    for folder in FOLDERS:
        found = [grant_fields(g) for g in text_layer_records[folder.name].grants]
        for grant in gold_of(folder)["grants"]:
            total += 1
            right += any(all(f[k] == grant.get(k) for k in GRANT_FIELDS) for f in found)
    assert right / total >= 0.9, f"{right}/{total}"


def test_every_text_of_a_record_is_the_original_text_at_its_offsets(text_layer_records):
    """Values, grants, instalments and the evidence of findings: a reader who opens the original text at a
    provenance's offsets finds the record's text there."""
    from kimextract.read import read_document

    wrong, checked = [], 0
    for folder in FOLDERS:
        with read_document(folder / "text.pdf") as document:
            original = document.text
        for what, text, provenance in text_layer_records[folder.name].located():
            checked += 1
            if original[provenance.start:provenance.end] != text:
                wrong.append((folder.name, what, text[:40]))
    assert checked > 1000 and not wrong, wrong[:5]
