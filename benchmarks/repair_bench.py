#!/usr/bin/env python3
"""Benchmark of the OCR repair (kimextract/repair.py).

    python benchmarks/repair_bench.py [--sample DIR] [--corpus DIR] [--show N]

Prints:

* Warendorf sample: ocr.txt vs gold.txt, token-aligned (whitespace split): damaged tokens repaired, correct
  tokens broken. Each token is compared after applying the repairs that lie inside it. Quote repairs
  (``,Wort`` -> ``„Wort``) are counted apart: gold.txt keeps the OCR's comma.
* Corpus (``samples/corpus/<id>/``): scan-eng / scan-deu text layers vs clean.txt, aligned with difflib;
  a 1:1 replaced token is damaged. Repaired = the repaired token equals the clean one; broken = a token that
  equalled the clean one has other letters now (a quote or dash made typographic is counted apart). Damaged
  words: tokens whose letters OCR changed (not only their punctuation), the figure the repair is judged by.
  On clean.txt: words whose letters the repair changed.
* Throughput: repair_text over all corpus texts (and the sample), tokens/s on one core, with the model
  load reported apart.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import statistics
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_repair():
    """Import kimextract.repair; without the package's ``__init__`` if that does not import (yet)."""
    sys.path.insert(0, str(ROOT))
    try:
        from kimextract import repair

        return repair
    except Exception:  # noqa: BLE001 - the package may be half-built while others work on it
        # the folder as a bare package, so that repair finds lexicon, resources and errors beside it
        package = types.ModuleType("kimextract")
        package.__path__ = [str(ROOT / "kimextract")]
        sys.modules["kimextract"] = package
        return importlib.import_module("kimextract.repair")


def token_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    n = len(text)
    i = 0
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        j = i
        while j < n and not text[j].isspace():
            j += 1
        spans.append((i, j))
        i = j
    return spans


def repaired_tokens(text: str, repaired, skip_reasons=()) -> list[str]:
    """Each whitespace token of ``text`` with the repairs applied that lie inside it."""
    reps = [r for r in repaired.repairs if r.reason not in skip_reasons]
    out = []
    k = 0
    for s, e in token_spans(text):
        while k < len(reps) and reps[k].end <= s and not (reps[k].start == reps[k].end == s):
            k += 1
        tok = []
        pos = s
        kk = k
        while kk < len(reps) and reps[kk].start < e:
            r = reps[kk]
            if r.start >= s and r.end <= e:
                tok.append(text[pos:r.start])
                tok.append(r.repaired)
                pos = r.end
            kk += 1
        tok.append(text[pos:e])
        out.append("".join(tok))
    return out


def score_pairs(ocr_toks, gold_toks, rep_toks):
    damaged = fixed = correct = broken = 0
    misses, breaks = [], []
    for o, g, r in zip(ocr_toks, gold_toks, rep_toks):
        if o != g:
            damaged += 1
            if r == g:
                fixed += 1
            else:
                misses.append((o, r, g))
        else:
            correct += 1
            if r != g:
                broken += 1
                breaks.append((o, r))
    return damaged, fixed, correct, broken, misses, breaks


def bench_sample(repair, folder: Path, show: int) -> dict:
    ocr = (folder / "ocr.txt").read_text(encoding="utf-8")
    gold = (folder / "gold.txt").read_text(encoding="utf-8")
    res = repair.repair_text(ocr)
    o, g = ocr.split(), gold.split()
    r = repaired_tokens(ocr, res, skip_reasons=("quote",))
    assert len(o) == len(g) == len(r)
    damaged, fixed, correct, broken, misses, breaks = score_pairs(o, g, r)
    quotes = sum(1 for x in res.repairs if x.reason == "quote")
    print(f"Warendorf sample ({folder}):")
    print(f"  tokens {len(o)}, damaged {damaged}, repaired {fixed}/{damaged}, "
          f"correct tokens broken {broken}/{correct}, quote repairs (counted apart) {quotes}")
    for x in misses[:show]:
        print(f"    missed: {x[0]!r} -> {x[1]!r} (gold {x[2]!r})")
    for x in breaks[:show]:
        print(f"    broken: {x[0]!r} -> {x[1]!r}")
    return {"damaged": damaged, "fixed": fixed, "broken": broken}


def pdf_text(path: Path) -> str:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    try:
        return "\f".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


def align_score(clean: str, ocr: str, repaired_toks: list[str]):
    """difflib alignment of OCR tokens to clean tokens; 1:1 replacements are damaged tokens."""
    c = clean.split()
    o = ocr.split()
    sm = difflib.SequenceMatcher(None, o, c, autojunk=False)
    damaged = fixed = correct = broken = words = words_fixed = 0
    misses, breaks = [], []
    for tag, a0, a1, b0, b1 in sm.get_opcodes():
        if tag == "replace" and a1 - a0 == b1 - b0:
            for k in range(a1 - a0):
                if _letters(o[a0 + k]) != _letters(c[b0 + k]) and _letters(c[b0 + k]).isalpha():
                    words += 1
                    words_fixed += _letters(repaired_toks[a0 + k]) == _letters(c[b0 + k])
        if tag == "equal":
            for k in range(a1 - a0):
                correct += 1
                if repaired_toks[a0 + k] != c[b0 + k] and _letters(repaired_toks[a0 + k]) != _letters(c[b0 + k]):
                    broken += 1  # a word whose letters the repair changed (a quote made typographic is no break)
                    breaks.append((o[a0 + k], repaired_toks[a0 + k]))
        elif tag == "replace" and a1 - a0 == b1 - b0:
            for k in range(a1 - a0):
                damaged += 1
                if repaired_toks[a0 + k] == c[b0 + k]:
                    fixed += 1
                else:
                    misses.append((o[a0 + k], repaired_toks[a0 + k], c[b0 + k]))
    return damaged, fixed, correct, broken, misses, breaks, words, words_fixed


def _letters(token: str) -> str:
    """The letters and digits of a token: a damaged word is one whose letters OCR changed, not its quotes or dashes."""
    return "".join(ch for ch in token if ch.isalnum())


def normalise_layer(text: str) -> str:
    """As kimextract's reader gives a PDF's text: \\r\\n as \\n, pdfium's line-end hyphen U+FFFE as '-\\n'."""
    return (text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufffe", "-\n")
            .replace("\x02", "-").replace("\x00", " "))


def bench_corpus(repair, corpus: Path, show: int) -> tuple[dict, list[str]]:
    docs = sorted(p for p in corpus.iterdir() if (p / "clean.txt").is_file())
    texts: list[str] = []
    totals = {k: [0, 0, 0, 0, 0, 0] for k in ("scan-eng", "scan-deu")}
    clean_tokens = clean_changed = clean_punctuation = 0
    all_misses = {"scan-eng": [], "scan-deu": []}
    all_breaks = {"scan-eng": [], "scan-deu": [], "clean": []}
    for doc in docs:
        clean = normalise_layer((doc / "clean.txt").read_text(encoding="utf-8"))
        texts.append(clean)
        res = repair.repair_text(clean)
        toks = repaired_tokens(clean, res)
        ct = clean.split()
        clean_tokens += len(ct)
        for a, b in zip(ct, toks):
            if a != b and _letters(a) != _letters(b):
                clean_changed += 1
                all_breaks["clean"].append((doc.name, a, b))
            elif a != b:
                clean_punctuation += 1  # a quote or dash made typographic ('Ort"' → 'Ort“'): counted apart
        for kind in ("scan-eng", "scan-deu"):
            pdf = doc / f"{kind}.pdf"
            if not pdf.is_file():
                continue
            ocr = normalise_layer(pdf_text(pdf))
            texts.append(ocr)
            res = repair.repair_text(ocr)
            rt = repaired_tokens(ocr, res)
            d, f, c, b, misses, breaks, w, wf = align_score(clean, ocr, rt)
            for i, n in enumerate((d, f, c, b, w, wf)):
                totals[kind][i] += n
            all_misses[kind].extend((doc.name,) + x for x in misses)
            all_breaks[kind].extend((doc.name,) + x for x in breaks)
    print(f"Corpus ({corpus}, {len(docs)} documents with clean.txt):")
    for kind, (d, f, c, b, w, wf) in totals.items():
        if d + c == 0:
            continue
        pct = 100.0 * f / d if d else 100.0
        print(f"  {kind}: damaged tokens repaired {f}/{d} ({pct:.1f} %), correct tokens broken {b}/{c} "
              f"(1 in {c // b if b else '∞'}); net tokens right {f - b:+d}; damaged words (letters changed) "
              f"repaired {wf}/{w} ({100.0 * wf / w if w else 100.0:.1f} %)")
        for x in all_misses[kind][:show]:
            print(f"    missed [{x[0]}]: {x[1]!r} -> {x[2]!r} (clean {x[3]!r})")
        for x in all_breaks[kind][:show]:
            print(f"    broken [{x[0]}]: {x[1]!r} -> {x[2]!r}")
    print(f"  clean.txt: changed words (letters changed) {clean_changed}/{clean_tokens} "
          f"(1 in {clean_tokens // clean_changed if clean_changed else '∞'}); quotes or dashes made typographic "
          f"{clean_punctuation} (counted apart)")
    for x in all_breaks["clean"][:show]:
        print(f"    changed [{x[0]}]: {x[1]!r} -> {x[2]!r}")
    return totals, texts


def bench_speed(repair, texts: list[str], runs: int = 3) -> None:
    """repair_text over all texts with every cache cleared (cold: each word form analysed once), then again
    (warm); the median of ``runs`` runs each."""
    ntok = sum(len(t.split()) for t in texts)
    cold, warm = [], []
    for _ in range(runs):
        repair.clear_caches()
        t0 = time.perf_counter()
        for t in texts:
            repair.repair_text(t)
        cold.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for t in texts:
            repair.repair_text(t)
        warm.append(time.perf_counter() - t0)
    dt, dt_warm = statistics.median(cold), statistics.median(warm)
    print(f"Throughput: {ntok} tokens in {len(texts)} texts, median of {runs}: cold cache {ntok / dt:,.0f} tokens/s "
          f"({dt:.2f} s; runs {', '.join(f'{ntok / x:,.0f}' for x in cold)}), "
          f"warm cache {ntok / dt_warm:,.0f} tokens/s ({dt_warm:.2f} s)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="OCR repair benchmark")
    shared = ROOT.parent / "shared" / "samples" / "warendorf-231-2020"
    ap.add_argument("--sample", default=str(shared if shared.is_dir() else ROOT / "samples" / "warendorf-231-2020"))
    ap.add_argument("--corpus", default=str(ROOT / "samples" / "corpus"))
    ap.add_argument("--show", type=int, default=15, help="list this many misses / breaks per kind")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    repair = load_repair()
    t1 = time.perf_counter()
    repair.load_models()
    t2 = time.perf_counter()
    print(f"Start-up: import {t1 - t0:.3f} s, model load {t2 - t1:.3f} s")

    texts = []
    sample = Path(args.sample)
    if (sample / "ocr.txt").is_file():
        bench_sample(repair, sample, args.show)
        texts.append((sample / "ocr.txt").read_text(encoding="utf-8"))
    corpus = Path(args.corpus)
    if corpus.is_dir():
        _, corpus_texts = bench_corpus(repair, corpus, args.show)
        texts.extend(corpus_texts)
    bench_speed(repair, texts)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
