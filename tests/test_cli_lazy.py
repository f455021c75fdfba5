"""``kimextract --help``, ``schema``, ``info``, ``batch --help`` and ``archive --help`` start without importing
spaCy, nor the database engine of the archive."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT

PROBE = """
import sys
import kimextract.cli as cli
sys.argv = ["kimextract", *{args!r}]
try:
    cli.app()
except SystemExit as exc:
    assert exc.code in (0, None), exc.code
heavy = sorted(name for name in ("spacy", "thinc", "kimextract.nlp", "duckdb", "pyarrow") if name in sys.modules)
assert not heavy, f"imported: {{heavy}}"
"""


@pytest.mark.parametrize("args", [["--help"], ["schema"], ["batch", "--help"], ["archive", "--help"], ["harvest", "--help"],
                                  ["--version"], ["info"]])
def test_no_spacy_import(args):
    result = subprocess.run([sys.executable, "-c", PROBE.format(args=args)], cwd=ROOT, capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=60)
    assert result.returncode == 0, result.stderr
