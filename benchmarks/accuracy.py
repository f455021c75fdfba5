"""Accuracy of kimextract on the sample corpus, per rendering and per field.

    python benchmarks/accuracy.py                       # text layer, scan+eng, scan+deu; with repair
    python benchmarks/accuracy.py --compare-no-repair   # the same without repair, side by side
    python benchmarks/accuracy.py --only 23 --show-errors

For every document of ``samples/corpus/<id>/`` with a ``gold.json`` it runs the whole pipeline on each rendering
(``text.pdf``, ``scan-eng.pdf``, ``scan-deu.pdf``) and prints precision / recall / F1 of amounts, dates, positions
and modules (multisets, as docs/ANNOTATION.md defines them), grants found with every field right, planted
inconsistencies caught by the right rule, false error findings on consistent documents, and how many of the
clean text's tokens the OCR text and the repaired text get right.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from difflib import SequenceMatcher
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RENDERINGS = {"txt": "clean.txt", "text": "text.pdf", "eng": "scan-eng.pdf", "deu": "scan-deu.pdf"}
HEADER_FIELDS = ("kind", "reference", "date", "authority", "subject")
FIELDS = ("amounts", "dates", "positions", "modules")
GRANT_FIELDS = ("module", "amount", "positions", "period", "decision_date", "authority")


def found_values(record) -> dict[str, list]:
    return {
        "amounts": [format(a.value, "f") for a in record.amounts],
        "dates": [d.value.isoformat() for d in record.dates if not d.derived],
        "positions": [format(p.fte, "f") for p in record.positions],
        "modules": [m.number for m in record.modules],
    }


def grant_view(grant) -> dict:
    return {
        "module": grant.module,
        "amount": format(grant.amount, "f") if grant.amount is not None else None,
        "positions": format(grant.positions, "f") if grant.positions is not None else None,
        "period": [grant.period[0].isoformat(), grant.period[1].isoformat()] if grant.period else None,
        "decision_date": grant.decision_date.isoformat() if grant.decision_date else None,
        "authority": grant.authority,
    }


def _init() -> None:
    from kimextract.nlp import build_pipeline

    build_pipeline()


def run_one(task: tuple[str, str, str, bool]) -> dict:
    """Extract one rendering of one document and compare it with the gold; never raises."""
    doc_dir, rendering, filename, repair = task
    from kimextract.process import Options, extract_file

    folder = Path(doc_dir)
    gold = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
    started = time.perf_counter()
    try:
        record = extract_file(folder / filename, Options(repair=repair, ocr="never"))
    except Exception as exc:  # noqa: BLE001 - a benchmark counts failures, it does not stop on them
        return {"doc": folder.name, "rendering": rendering, "error": f"{type(exc).__name__}: {exc}"}
    result = {"doc": folder.name, "rendering": rendering, "seconds": time.perf_counter() - started}
    found = found_values(record)
    for field in FIELDS:
        expected = Counter(gold.get(field, []))
        got = Counter(found[field])
        hit = sum((expected & got).values())
        result[field] = (hit, sum(got.values()), sum(expected.values()))
        result[f"{field}_diff"] = ([str(v) for v in (got - expected).elements()], [str(v) for v in (expected - got).elements()])
    gold_grants = gold.get("grants", [])
    grants = [grant_view(g) for g in record.grants]
    right = sum(1 for g in gold_grants if any(all(str(f.get(k)) == str(g.get(k)) for k in GRANT_FIELDS) for f in grants))
    amount_found = sum(1 for g in gold_grants if any(f["amount"] == g["amount"] for f in grants))
    gold_amounts = Counter(g["amount"] for g in gold_grants)
    spurious = sum((Counter(f["amount"] for f in grants) - gold_amounts).values())
    result["grants"] = (right, amount_found, len(gold_grants), len(grants), spurious)
    result["grant_diff"] = [(g, [f for f in grants if f["amount"] == g["amount"]]) for g in gold_grants
                            if not any(all(str(f.get(k)) == str(g.get(k)) for k in GRANT_FIELDS) for f in grants)]
    result["decides_nothing"] = not gold_grants
    result["header"] = {k: same_header_value(k, gold["document"].get(k), getattr(record.document, k)) for k in HEADER_FIELDS}
    result["header_diff"] = {k: (gold["document"].get(k), str(getattr(record.document, k))) for k in HEADER_FIELDS if not result["header"][k]}
    findings = [(f.rule, f.severity) for f in record.findings]
    expected_rules = [f["rule"] for f in gold.get("findings_expected", [])]
    # inconsistencies to catch: the planted one, or those the paper holds of its own (gold findings_expected)
    planted = gold.get("planted")
    to_catch = [planted["rule"]] if planted else [f["rule"] for f in gold.get("findings_expected", [])
                                                    if f["rule"] != "funded_positions_not_filled"]
    result["planted"] = None
    if to_catch:
        result["planted"] = all(rule in {r for r, _ in findings} for rule in to_catch)
        result["planted_error"] = all((rule, "error") in findings for rule in to_catch) or (
            planted is not None and (planted["rule"], "warning") in findings and planted["rule"] == "funded_positions_not_filled")
    result["errors"] = [rule for rule, severity in findings if severity == "error" and rule not in expected_rules]
    expected_warnings = Counter(f["rule"] for f in gold.get("findings_expected", []) if f.get("severity", "error") == "warning"
                                or f["rule"] == "funded_positions_not_filled")
    warnings = Counter(rule for rule, severity in findings if severity == "warning")
    result["warnings"] = (sum((expected_warnings & warnings).values()), sum(warnings.values()), sum(expected_warnings.values()))
    result["findings"] = findings
    original = _original_text(folder / filename)
    located = list(record.located())
    result["provenance"] = (sum(original[p.start:p.end] != text for _, text, p in located), len(located))
    if rendering in ("eng", "deu") and (folder / "clean.txt").exists():
        clean = dehyphenate((folder / "clean.txt").read_text(encoding="utf-8")).split()
        result["tokens"] = (token_matches(clean, dehyphenate(original).split()),
                            token_matches(clean, dehyphenate(_repaired_text(folder / filename, repair)).split()), len(clean))
    return result


def same_header_value(field: str, gold, found) -> bool:
    """Header fields compared as a reader would: case, spacing, hyphenation at line ends, the forms of dashes
    and quotes (OCR reads '–' as '-') and trailing punctuation do not count."""
    if gold is None or found is None:
        return gold is None and found is None
    def norm(value) -> str:
        text = str(value).replace("-\n", "").replace("\u00ad", "")
        text = text.translate(str.maketrans({"–": "-", "—": "-", "„": '"', "“": '"', "”": '"', "‚": "'", "‘": "'", "’": "'"}))
        return " ".join(text.split()).strip(" .,:;").casefold()
    return norm(gold) == norm(found)


def _original_text(path: Path) -> str:
    from kimextract.read import read_document

    with read_document(path) as document:
        return document.text


def _repaired_text(path: Path, repair: bool) -> str:
    text = _original_text(path)
    if not repair:
        return text
    from kimextract.repair import repair_text

    return repair_text(text).text


def dehyphenate(text: str) -> str:
    """Words split at a line end joined, in every text compared, so that joining them is not counted as a
    change: 'Einbürgerungs-\nbehörde' → 'Einbürgerungsbehörde', 'Nordrhein-\nWestfalen' → 'Nordrhein-Westfalen'."""
    import re

    text = re.sub(r"(\w)-\n(?=[a-zäöüß])", r"\1", text)
    return re.sub(r"(\w)-\n(?=[A-ZÄÖÜ])", r"\1-", text)


def token_matches(reference: list[str], tokens: list[str]) -> int:
    matcher = SequenceMatcher(a=reference, b=tokens, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks())


def prf(hit: int, got: int, expected: int) -> tuple[float, float, float]:
    precision = hit / got if got else 1.0
    recall = hit / expected if expected else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def summarise(results: list[dict], label: str) -> list[str]:
    lines = []
    for rendering in RENDERINGS:
        rows = [r for r in results if r["rendering"] == rendering and "error" not in r]
        failed = [r for r in results if r["rendering"] == rendering and "error" in r]
        if not rows:
            continue
        cells = []
        for field in FIELDS:
            hit, got, expected = (sum(r[field][i] for r in rows) for i in range(3))
            p, r_, f = prf(hit, got, expected)
            cells.append(f"{p:.3f}/{r_:.3f}/{f:.3f}")
        right, amount_found, total, found, spurious = (sum(r["grants"][i] for r in rows) for i in range(5))
        invented = sum(r["grants"][3] for r in rows if r["decides_nothing"])
        planted = [r["planted"] for r in rows if r["planted"] is not None]
        planted_error = sum(1 for r in rows if r.get("planted_error"))
        consistent = [r for r in rows if r["planted"] is None]
        false_errors = sum(len(r["errors"]) for r in consistent)
        docs_with_false = sum(1 for r in consistent if r["errors"])
        tokens = [r["tokens"] for r in rows if "tokens" in r]
        token_cell = ""
        if tokens:
            before, after, total_tokens = (sum(t[i] for t in tokens) for i in range(3))
            token_cell = f"{before / total_tokens:.3f} → {after / total_tokens:.3f}"
        w_hit, w_got, w_expected = (sum(r["warnings"][i] for r in rows) for i in range(3))
        lines.append(
            f"| {label} | {rendering} | {len(rows)}{f' (+{len(failed)} failed)' if failed else ''} | "
            + " | ".join(cells)
            + f" | {right}/{total} ({amount_found} found by amount; {spurious} of {found} not in gold; {invented} on papers deciding nothing)"
            + f" | {sum(planted)}/{len(planted)} ({planted_error} at full severity) | {false_errors} in {docs_with_false} docs"
            + f" | {w_hit}/{w_expected} ({w_got - w_hit} unexpected) | {token_cell} |"
        )
    return lines


def summarise_header(results: list[dict], label: str) -> list[str]:
    lines = []
    for rendering in RENDERINGS:
        rows = [r for r in results if r["rendering"] == rendering and "error" not in r]
        if not rows:
            continue
        cells = [f"{sum(r['header'][k] for r in rows)}/{len(rows)}" for k in HEADER_FIELDS]
        lines.append(f"| {label} | {rendering} | " + " | ".join(cells) + " |")
    return lines


HEADER = (
    "| set | rendering | docs | amounts P/R/F1 | dates P/R/F1 | positions P/R/F1 | modules P/R/F1 | grants all fields right | inconsistencies caught (planted and own) | false errors (consistent docs) | not-filled warnings found | clean tokens right: OCR → repaired |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|"
)
HEADER_TABLE = "| set | rendering | " + " | ".join(HEADER_FIELDS) + " |\n|---|---|" + "---|" * len(HEADER_FIELDS)
# every set but the newest blind batch has been tuned on; the newest was measured once before it was (README)
SETS = {"corpus (tuned)": ROOT / "samples" / "corpus",
        **{f"blind-{n} (tuned)": ROOT / "samples" / f"blind-{n}" for n in range(1, 5)},
        "blind-5 (tuned)": ROOT / "samples" / "blind-5",
        "blind-6 (tuned)": ROOT / "samples" / "blind-6",
        "blind-7 (tuned)": ROOT / "samples" / "blind-7",
        "blind-8 (tuned)": ROOT / "samples" / "blind-8",
        "blind-9 (tuned)": ROOT / "samples" / "blind-9",
        "blind-10 (newest, tuned since)": ROOT / "samples" / "blind-10"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", action="append", metavar="LABEL=DIR",
                        help="a folder of documents with gold (default: the corpus and the blind batches that exist)")
    parser.add_argument("--only", nargs="*", help="document id prefixes")
    parser.add_argument("--renderings", default="txt,text,eng,deu")
    parser.add_argument("--compare-no-repair", action="store_true")
    parser.add_argument("--no-repair", action="store_true", help="only the run without repair")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--show-errors", action="store_true", help="print every difference from the gold")
    parser.add_argument("--json", type=Path, help="write every per-document result to this file")
    args = parser.parse_args()

    sets = dict(s.split("=", 1) for s in args.set) if args.set else {k: v for k, v in SETS.items() if v.exists()}
    folders = [(label, p) for label, base in sets.items() for p in sorted(Path(base).iterdir()) if (p / "gold.json").exists()]
    if args.only:
        folders = [(label, f) for label, f in folders if any(f.name.startswith(o) for o in args.only)]
    modes = [False] if args.no_repair else [True, False] if args.compare_no_repair else [True]
    tasks = [(str(f), r, RENDERINGS[r], repair) for repair in modes for _, f in folders
             for r in args.renderings.split(",") if (f / RENDERINGS[r]).exists()]
    set_of = {str(f): label for label, f in folders}
    started = time.perf_counter()
    with ProcessPoolExecutor(args.workers, initializer=_init) as pool:
        results = list(pool.map(run_one, tasks, chunksize=2))
    elapsed = time.perf_counter() - started
    for task, result in zip(tasks, results):
        result["repair"] = task[3]
        result["set"] = set_of[task[0]]

    print(f"{len(folders)} documents, {len(tasks)} runs in {elapsed:.1f} s with {args.workers} workers\n")
    print(HEADER)
    for label in sets:
        for repair in modes:
            chosen = [r for r in results if r["repair"] == repair and r["set"] == label]
            for line in summarise(chosen, label + ("" if repair else ", no repair")):
                print(line)
    print("\nheader fields right (docs)\n")
    print(HEADER_TABLE)
    for label in sets:
        for line in summarise_header([r for r in results if r["repair"] == modes[0] and r["set"] == label], label):
            print(line)
    shown = modes[0]
    missed = [r for r in results if r.get("planted") is False and r["repair"] == shown]
    if missed:
        print("\nplanted inconsistencies missed:", ", ".join(f"{r['doc']} ({r['rendering']})" for r in missed))
    false = [r for r in results if r.get("planted") is None and r.get("errors") and r["repair"] == shown]
    if false:
        print("false errors:", ", ".join(f"{r['doc']} ({r['rendering']}): {','.join(r['errors'])}" for r in false))
    provenance = [r["provenance"] for r in results if "provenance" in r and r["repair"] == shown]
    print(f"\nprovenance: {sum(b for b, _ in provenance)} of {sum(n for _, n in provenance)} values, grants, instalments "
          "and evidence items whose text is not the original text at their offsets")
    for result in results:
        if "error" in result:
            print(f"FAILED {result['doc']} ({result['rendering']}): {result['error']}")
    if args.json:
        args.json.write_text(json.dumps(results, default=str, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.show_errors:
        for r in results:
            if "error" in r or r["repair"] != shown:
                continue
            for field in FIELDS:
                extra, missing = r[f"{field}_diff"]
                if extra or missing:
                    print(f"{r['doc']} [{r['rendering']}] {field}: extra {extra} missing {missing}")
            for gold_grant, candidates in r["grant_diff"]:
                print(f"{r['doc']} [{r['rendering']}] grant {gold_grant} found {candidates}")
            for field, (gold_value, found) in r.get("header_diff", {}).items():
                print(f"{r['doc']} [{r['rendering']}] header {field}: gold {gold_value!r} found {found!r}")


if __name__ == "__main__":
    main()
