"""The one place that finds and loads the data files under ``models/``.

In an installed wheel the folder travels inside the package (``kimextract/models``); in a source checkout
it stands beside the package. Files are loaded once and validated on load.
"""

from __future__ import annotations

import gzip
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import DataFileError

_PACKAGE = Path(__file__).resolve().parent


def models_dir() -> Path:
    """The folder holding kimextract's data files."""
    for candidate in (_PACKAGE / "models", _PACKAGE.parent / "models"):
        if candidate.is_dir():
            return candidate
    raise DataFileError(f"no models/ folder beside {_PACKAGE}; reinstall kimextract")


def model_path(name: str) -> Path:
    path = models_dir() / name
    if not path.is_file():
        raise DataFileError(f"missing data file {path}")
    return path


@lru_cache(maxsize=None)
def load_json(name: str) -> Any:
    """A JSON data file of models/, parsed once."""
    path = model_path(name)
    try:
        with path.open(encoding="utf-8") as handle:
            return json.load(handle)
    except json.JSONDecodeError as exc:
        raise DataFileError(f"{path}:{exc.lineno}: {exc.msg}") from None


def values_lexicon() -> dict[str, Any]:
    return load_json("values.json")


def domain_terms() -> dict[str, Any]:
    return load_json("terms.json")


def read_gz_lines(path: Path) -> list[str]:
    """The lines of a gzip'd UTF-8 text file (the built ``lexicon_*`` files), read in one go."""
    try:
        with gzip.open(path, "rb") as handle:
            return handle.read().decode("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:  # missing, not gzip, not UTF-8
        raise DataFileError(f"cannot read data file {path}: {exc}") from None


def read_table(path: Path) -> list[tuple[int, list[str]]]:
    """The rows of a hand-written tab-separated table, each with its line number; blank lines and lines that
    begin with ``#`` are left out."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"cannot read data file {path}: {exc}") from None
    return [(number, line.split("\t")) for number, line in enumerate(lines, 1)
            if line.strip() and not line.startswith("#")]
