"""Imported once by the batch's fork server (see :class:`kimextract.pool.Pool`): builds the pipeline and reads the
data files there, so that every worker forked from it starts warm (no lexicon to load, no patterns to compile)
and a worker that replaces another costs no start-up."""

from __future__ import annotations


def _warm_up() -> None:
    from .nlp import build_pipeline
    from .pool import WARM_UP
    from .process import extract_text

    try:
        build_pipeline()
        extract_text(WARM_UP)
    except Exception:  # noqa: BLE001 - a worker builds them itself and reports what fails
        pass


_warm_up()
