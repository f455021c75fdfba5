"""End to end on the reference sample: its OCR text, and a PDF made from its text."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

import pytest

from conftest import WARENDORF, grant_fields, record_values


@pytest.mark.parametrize("field", ["amounts", "dates", "positions", "modules"])
def test_ocr_text_values_equal_gold(warendorf_record, warendorf_gold, field):
    assert Counter(record_values(warendorf_record)[field]) == Counter(warendorf_gold[field])


def test_ocr_text_values_in_document_order(warendorf_record, warendorf_gold):
    found = record_values(warendorf_record)
    for field in ("amounts", "dates", "positions"):
        assert found[field] == warendorf_gold[field]


def test_derived_deadline(warendorf_record, warendorf_gold):
    derived = [d.value.isoformat() for d in warendorf_record.dates if d.derived]
    assert derived == list(warendorf_gold["dates_bonus"].values())


def test_header(warendorf_record, warendorf_gold):
    header = warendorf_record.document
    for key, value in warendorf_gold["document"].items():
        got = getattr(header, key)
        assert (got.isoformat() if hasattr(got, "isoformat") else got) == value, key


def test_grants_match_gold(warendorf_record, warendorf_gold):
    found = [grant_fields(g) for g in warendorf_record.grants]
    assert found == warendorf_gold["grants"]


def test_expected_finding_and_no_errors(warendorf_record, warendorf_gold):
    rules = [f.rule for f in warendorf_record.findings]
    assert rules == [f["rule"] for f in warendorf_gold["findings_expected"]]
    finding = warendorf_record.findings[0]
    assert finding.severity == "warning"
    assert "25.000 €" in finding.message and "112.500 €" in finding.message


def test_provenance_points_at_the_original_text(warendorf_record):
    text = (WARENDORF / "ocr.txt").read_text(encoding="utf-8")
    for item in warendorf_record.amounts + warendorf_record.dates + warendorf_record.positions + warendorf_record.modules:
        p = item.provenance
        assert text[p.start:p.end] == item.text
        assert p.page == 1


def test_output_validates_against_schema(warendorf_record):
    jsonschema = pytest.importorskip("jsonschema")
    from kimextract.write import schema_json

    instance = json.loads(warendorf_record.model_dump_json())
    jsonschema.validate(instance, json.loads(schema_json()))
    assert instance["amounts"][0]["value"] == "50000000"


def test_pdf_of_the_sample_gives_the_same_values_with_boxes(tmp_path, warendorf_gold):
    pytest.importorskip("reportlab")
    import sys

    sys.path.insert(0, str(WARENDORF.parent))
    from make_sample_pdf import text_to_pdf

    pdf = tmp_path / "warendorf.pdf"
    text_to_pdf((WARENDORF / "gold.txt").read_text(encoding="utf-8"), pdf)
    from kimextract import extract_file

    record = extract_file(pdf)
    found = record_values(record)
    for field in ("amounts", "dates", "positions"):
        assert found[field] == warendorf_gold[field], field
    assert sorted(found["modules"]) == warendorf_gold["modules"]
    assert record.source.pages >= 2 and record.source.media_type == "application/pdf"
    assert {a.provenance.page for a in record.amounts} == set(range(1, record.source.pages + 1)) or len({a.provenance.page for a in record.amounts}) > 1
    for amount in record.amounts:
        x0, top, x1, bottom = amount.provenance.bbox
        assert 0 < x0 < x1 < 596 and 0 < top < bottom < 842
        assert Decimal(0) < amount.value
