from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
WARENDORF = SAMPLES / "warendorf-231-2020"


@pytest.fixture(scope="session")
def warendorf_gold() -> dict:
    return json.loads((WARENDORF / "gold.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def warendorf_record():
    from kimextract import extract_file

    return extract_file(WARENDORF / "ocr.txt")


GRANT_FIELDS = ("module", "amount", "positions", "period", "decision_date", "authority")


def record_values(record) -> dict[str, list]:
    """A record's values in the shape of a gold file: decimal strings, ISO dates, module numbers."""
    return {
        "amounts": [format(a.value, "f") for a in record.amounts],
        "dates": [d.value.isoformat() for d in record.dates if not d.derived],
        "positions": [format(p.fte, "f") for p in record.positions],
        "modules": [m.number for m in record.modules],
    }


def grant_fields(grant) -> dict:
    """A grant in the shape of a gold file's grant."""
    return {
        "module": grant.module,
        "amount": format(grant.amount, "f") if grant.amount is not None else None,
        "positions": format(grant.positions, "f") if grant.positions is not None else None,
        "period": [grant.period[0].isoformat(), grant.period[1].isoformat()] if grant.period else None,
        "decision_date": grant.decision_date.isoformat() if grant.decision_date else None,
        "authority": grant.authority,
    }
