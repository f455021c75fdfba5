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
