"""Case tables for the value scanners and ``extract_text``, read from ``tests/cases/<kind>.<provenance>.jsonl``.

Kinds: ``amounts``, ``dates``, ``positions``, ``modules``, and ``negatives`` (texts that must yield nothing).
Provenance: ``hand`` (written from the forms in docs/ANNOTATION.md), ``bugs`` (cases that caught a scanner
doing the wrong thing) and ``real`` (written after the ways public council and ministry pages and OCR'd scans set
values down, each case naming its ``phenomenon``; ``benchmarks/value_cases.py`` gives the pass rate per phenomenon).
Each line of a table is one case:

``id``
    readable, unique within its kind; the test id is ``<kind>.<provenance>:<id>:<path>``.
``text``
    German text as it stands in a Bescheid or a council paper (OCR damage kept where the case is about it).
``expect``
    what docs/ANNOTATION.md says a reader must get, NOT what the code does today:

    - amounts: ``[{"value": "385000", "qualifier": "bis zu", "per": "Jahr", "words_value": "336000"}, …]``
    - dates: ``{"dates": ["2021-01-01", {"value": "2021-06-30", "year_from_context": true}],
      "periods": [["2021-01-01", "2021-12-31"]], "derived": ["2022-12-31"]}``; a missing key means none
    - positions: ``[{"fte": "0.5", "authority": "Ausländerbehörde", "role": null, "status": "not_set_up"}, …]``
    - modules: ``[1, 2, 3]`` (distinct, ascending)
    - negatives: no ``expect``; no amount, date, derived date, period, position or module at all

    In the lists of dicts, ``value``/``fte`` are always compared, any other key only where the case states it
    (``null`` states that there is none). ``words_value``, ``authority``, ``role`` and ``status`` come from
    ``extract_text`` only: the scanner path of a ``both`` case leaves them out.
``via``
    ``scan`` (default: the scanners of ``kimextract.values``), ``extract`` (``kimextract.extract_text``) or
    ``both``.
``default_year``
    dates read with ``scan`` only: the year a date without one takes when the text gives none.
``xfail``
    why the implementation fails the case today: a string, or ``{"scan": "…", "extract": "…"}`` per path. Run as
    strict xfail, so a case that starts passing fails the run until its mark is removed.
``note``
    optional: why the expected value is what it is.
``phenomenon``
    in the ``real`` tables: the way of writing the case stands for (``spaced-digits``, ``schedules`` …).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

import pytest

CASES = Path(__file__).resolve().parent / "cases"
KINDS = ("amounts", "dates", "positions", "modules", "negatives")
PROVENANCES = ("hand", "bugs", "real")
PATHS = ("scan", "extract")
KEYS = {"id", "text", "expect", "via", "default_year", "xfail", "note", "phenomenon"}
EXTRACT_ONLY = {"amounts": {"words_value"}, "positions": {"authority", "role", "status"}}
ITEM_KEYS = {
    "amounts": {"value", "qualifier", "per", "words_value"},
    "positions": {"fte", "authority", "role", "status"},
}
DATE_KEYS = {"dates", "periods", "derived"}


# ---------------------------------------------------------------------------------------------------------
# the tables


@dataclass(frozen=True)
class Case:
    kind: str
    provenance: str
    id: str
    text: str
    expect: Any = None
    via: str = "scan"
    default_year: Optional[int] = None
    xfail: Any = None
    note: Optional[str] = None
    phenomenon: Optional[str] = None

    def paths(self) -> tuple[str, ...]:
        return PATHS if self.via == "both" else (self.via,)

    def xfail_reason(self, path: str) -> Optional[str]:
        if isinstance(self.xfail, dict):
            return self.xfail.get(path)
        return self.xfail


def line_to_case(kind: str, provenance: str, where: str, line: str) -> Case:
    """One table line as a :class:`Case`; a malformed line fails the collection with file and line."""
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{where}: {exc.msg}") from None
    problems = []
    if not {"id", "text"} <= raw.keys():
        problems.append("a case needs 'id' and 'text'")
    if raw.keys() - KEYS:
        problems.append(f"unknown keys {sorted(raw.keys() - KEYS)}")
    via = raw.get("via", "scan")
    if via not in ("scan", "extract", "both"):
        problems.append(f"via must be scan, extract or both, not {via!r}")
    if kind == "negatives" and "expect" in raw:
        problems.append("a negative case expects nothing: leave 'expect' out")
    if kind != "negatives" and "expect" not in raw:
        problems.append("a case needs 'expect'")
    if "default_year" in raw and via != "scan":
        problems.append("'default_year' can only be given to the scanner: use via 'scan'")
    expect = raw.get("expect")
    if kind in ITEM_KEYS:
        if not isinstance(expect, list) or not all(isinstance(item, dict) for item in expect):
            problems.append("expect must be a list of objects")
        else:
            used = set().union(*(item.keys() for item in expect)) if expect else set()
            if used - ITEM_KEYS[kind]:
                problems.append(f"unknown item keys {sorted(used - ITEM_KEYS[kind])}")
            main = "value" if kind == "amounts" else "fte"
            if not all(main in item for item in expect):
                problems.append(f"every expected item needs {main!r}")
            if via == "scan" and used & EXTRACT_ONLY.get(kind, set()):
                problems.append(f"{sorted(used & EXTRACT_ONLY[kind])} come from extract_text only: use via 'extract' or 'both'")
    if kind == "dates":
        if not isinstance(expect, dict) or expect.keys() - DATE_KEYS:
            problems.append(f"expect must be an object with keys among {sorted(DATE_KEYS)}")
        elif not all(isinstance(d, str) or (isinstance(d, dict) and "value" in d) for d in expect.get("dates", [])):
            problems.append("a date is 'YYYY-MM-DD' or an object with 'value'")
    xfail = raw.get("xfail")
    if isinstance(xfail, dict) and not set(xfail) <= set(PATHS if via == "both" else (via,)):
        problems.append(f"xfail names a path the case does not run: {sorted(xfail)} for via {via!r}")
    if kind == "modules" and (not isinstance(expect, list) or expect != sorted(set(expect))):
        problems.append("expect must be a list of distinct module numbers in ascending order")
    if (provenance == "real") != bool(raw.get("phenomenon")):
        problems.append("a case of a 'real' table names its 'phenomenon', and only those do")
    if problems:
        raise ValueError(f"{where}: " + "; ".join(problems))
    return Case(kind=kind, provenance=provenance, **raw)


STRUCTURE_KINDS = ("structure", "tables", "grants")


def load_cases() -> list[Case]:
    cases: list[Case] = []
    seen: dict[tuple[str, str], str] = {}
    for path in sorted(CASES.glob("*.jsonl")):
        kind, _, provenance = path.stem.partition(".")
        if kind in STRUCTURE_KINDS:
            continue  # read by test_structure.py
        if kind not in KINDS or provenance not in PROVENANCES:
            raise ValueError(f"{path.name}: tables are named <kind>.<provenance>.jsonl, kind in {KINDS}, provenance in {PROVENANCES}")
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                where = f"{path.name}:{number}"
                case = line_to_case(kind, provenance, where, line)
                if (kind, case.id) in seen:
                    raise ValueError(f"{where}: id {case.id!r} already used at {seen[kind, case.id]}")
                seen[kind, case.id] = where
                cases.append(case)
    return cases


ALL_CASES = load_cases()


def params() -> list:
    out = []
    for case in ALL_CASES:
        for path in case.paths():
            reason = case.xfail_reason(path)
            marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
            out.append(pytest.param(case, path, id=f"{case.kind}.{case.provenance}:{case.id}:{path}", marks=marks))
    return out


# ---------------------------------------------------------------------------------------------------------
# what a path finds, in one shape for both paths


@dataclass
class Found:
    amounts: list[dict] = field(default_factory=list)
    dates: list[dict] = field(default_factory=list)
    periods: list[list[str]] = field(default_factory=list)
    derived: list[str] = field(default_factory=list)
    positions: list[dict] = field(default_factory=list)
    modules: list[int] = field(default_factory=list)


def scan_text(text: str, default_year: Optional[int] = None) -> Found:
    """The scanners of kimextract.values on the text."""
    from kimextract import values

    found = Found()
    for hit in values.scan_amounts(text):
        found.amounts.append({"value": format(hit.value, "f"), "qualifier": hit.details.get("qualifier"), "per": hit.details.get("per")})
    date_hits = values.scan_dates(text, default_year)
    for hit in date_hits:
        from_context = any(key.startswith("year_from") and value for key, value in hit.details.items())
        found.dates.append({"value": hit.value.isoformat(), "year_from_context": from_context})
    spans: dict[tuple[int, int], list] = {}
    for hit in date_hits:
        if hit.details.get("period") is not None:
            spans.setdefault(tuple(hit.details["period"]), []).append(hit.value)
    found.periods = [[ends[0].isoformat(), ends[-1].isoformat()] for ends in spans.values()]
    found.derived = [hit.value.isoformat() for hit in values.scan_derived_dates(text)]
    found.positions = [{"fte": format(hit.value, "f")} for hit in values.scan_positions(text)]
    found.modules = sorted({hit.value for hit in values.scan_modules(text)})
    return found


def extract(text: str) -> Found:
    """kimextract.extract_text on the text, read from its JSON form (the contract other tools read)."""
    from kimextract import extract_text

    record = extract_text(text).model_dump(mode="json")
    return Found(
        amounts=[{"value": a["value"], "qualifier": a["qualifier"], "per": a["per"], "words_value": a["words_value"]} for a in record["amounts"]],
        dates=[{"value": d["value"], "year_from_context": d["year_from_context"]} for d in record["dates"] if not d["derived"]],
        periods=[[p["start"], p["end"]] for p in record["periods"]],
        derived=[d["value"] for d in record["dates"] if d["derived"]],
        positions=[{"fte": p["fte"], "authority": p["authority"], "role": p["role"], "status": p["status"]} for p in record["positions"]],
        modules=[m["number"] for m in record["modules"]],
    )


def project(found: list[dict], expected: list[dict], always: str) -> list[dict]:
    """The found items with only the keys the expected items state (the key ``always`` in every item)."""
    out = []
    for index, item in enumerate(found):
        keys = expected[index].keys() if index < len(expected) else {always}
        out.append({key: item.get(key) for key in item if key in keys or key == always})
    return out


# ---------------------------------------------------------------------------------------------------------
# the tests


def outcome(case: Case, path: str) -> tuple[Any, Any]:
    """What the path found and what the case expects, in the same shape: the case passes when they are equal."""
    found = scan_text(case.text, case.default_year) if path == "scan" else extract(case.text)
    if case.kind in ("amounts", "positions"):
        hidden = EXTRACT_ONLY[case.kind] if path == "scan" else set()
        expected = [{k: v for k, v in item.items() if k not in hidden} for item in case.expect]
        main = "value" if case.kind == "amounts" else "fte"
        return project(getattr(found, case.kind), expected, main), expected
    if case.kind == "modules":
        return found.modules, case.expect
    if case.kind == "dates":
        expected_dates = [item if isinstance(item, dict) else {"value": item} for item in case.expect.get("dates", [])]
        return {
            "dates": project(found.dates, expected_dates, "value"),
            "periods": found.periods,
            "derived": found.derived,
        }, {
            "dates": expected_dates,
            "periods": case.expect.get("periods", []),
            "derived": case.expect.get("derived", []),
        }
    return {k: v for k, v in asdict(found).items() if v}, {}


@pytest.mark.parametrize(("case", "path"), params())
def test_case(case: Case, path: str) -> None:
    got, want = outcome(case, path)
    assert got == want


def test_tables_are_there() -> None:
    """Every kind has a table, and case ids are readable."""
    kinds = {case.kind for case in ALL_CASES}
    assert kinds == set(KINDS)
    for case in ALL_CASES:
        assert case.id.replace("-", "").isalnum() and case.id == case.id.lower(), case.id
