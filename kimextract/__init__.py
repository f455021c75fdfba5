"""kimextract: amounts, dates, position shares and modules from OCR'd German funding paperwork, with provenance.

>>> import kimextract
>>> record = kimextract.extract_text("Mit Bescheid vom 14.03.2022 erhält der Kreis 412.000 € für 8 Stellen.")
>>> [str(a.value) for a in record.amounts], [str(p.fte) for p in record.positions]
(['412000'], ['8'])
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from .errors import DataFileError, ExtractionTimeout, InputError, KimextractError, OutputError, TooLargeError

__version__ = "0.1.0"

# A library logs and leaves the configuration to the application (the command line configures it); without
# one, Python's last-resort handler would print warnings from every batch worker.
logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "extract_file",
    "extract_text",
    "extract_record",
    "Options",
    "DocumentRecord",
    "ErrorRecord",
    "KimextractError",
    "InputError",
    "TooLargeError",
    "ExtractionTimeout",
    "OutputError",
    "DataFileError",
    "__version__",
]

if TYPE_CHECKING:
    from .pool import extract_record
    from .process import Options, extract_file, extract_text
    from .records import DocumentRecord, ErrorRecord


def __getattr__(name: str):
    # Loaded on first use, so that 'kimextract --help' and 'kimextract schema' never import spaCy.
    if name in ("extract_file", "extract_text", "Options"):
        from . import process

        return getattr(process, name)
    if name == "extract_record":
        from .pool import extract_record

        return extract_record
    if name in ("DocumentRecord", "ErrorRecord"):
        from . import records

        return getattr(records, name)
    raise AttributeError(f"module 'kimextract' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public names, the lazily loaded ones included."""
    return sorted(__all__)
