"""A property of the value scanners: no text of 100,000 characters takes more than 2 s, whatever mix of
whitespace runs, digits, punctuation and cue words it holds (the date patterns once took minutes on a run of
blanks). Hypothesis picks a short piece of such material; the piece is repeated to 100,000 characters, so
runs and near-misses of the patterns occur thousands of times."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kimextract.values import scan_amounts, scan_dates, scan_derived_dates, scan_modules, scan_positions

SIZE = 100_000
LIMIT_SECONDS = 2.0
SCANNERS = (scan_amounts, scan_dates, scan_derived_dates, scan_positions, scan_modules)

CUES = ["vom", "bis", "Zeitraum", "Euro", "EUR", "€", "Stellen", "Stelle", "in Höhe von", "bis zu", "Modul",
        "VZÄ", "Ende des Jahres", "Januar", "31.12.", "01.01.2021", "1.000,00", "T€", "Mio.", "in Worten"]
WHITESPACE = st.sampled_from([" ", "  ", "\n", "\t", "\f", "\u00a0", "\r\n"])
RUNS = st.tuples(st.sampled_from([" ", "\n", "\t", ".", "-", "0", "9"]), st.integers(1, 3000)).map(lambda t: t[0] * t[1])
TOKEN = st.one_of(
    st.sampled_from(CUES),
    WHITESPACE,
    RUNS,
    st.text(alphabet="0123456789", min_size=1, max_size=12),
    st.text(alphabet=".,:;-/()%+'\"§", min_size=1, max_size=4),
)


def repeated(tokens: list[str]) -> str:
    piece = "".join(tokens) or " "
    return (piece * (SIZE // len(piece) + 1))[:SIZE]


@settings(max_examples=30, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(TOKEN, min_size=1, max_size=40))
def test_no_text_of_100k_characters_takes_the_scanners_more_than_2_s(tokens):
    text = repeated(tokens)
    for scan in SCANNERS:
        started = time.perf_counter()
        scan(text)
        seconds = time.perf_counter() - started
        assert seconds < LIMIT_SECONDS, f"{scan.__name__} took {seconds:.1f} s on {text[:200]!r}…"


def test_the_worst_known_inputs_stay_fast():
    """The inputs that once took minutes, and runs of every kind of whitespace between cue words."""
    for text in (" " * SIZE, "\n" * SIZE, repeated(["vom", " " * 5000]), repeated(["Zeitraum", "\n" * 999, "bis"]),
                 repeated(["in Höhe von", " " * 3000, "1.000"])):
        for scan in SCANNERS:
            started = time.perf_counter()
            scan(text)
            assert time.perf_counter() - started < LIMIT_SECONDS, scan.__name__
