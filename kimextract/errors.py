"""Errors raised by kimextract; the CLI turns each into one line and an exit code.

Every error carries a ``status``: a stable word that batch records use as the reason an input failed.
"""

from __future__ import annotations

from pathlib import Path


class KimextractError(Exception):
    """Base of all errors kimextract raises on purpose."""

    status = "unreadable"

    def __init__(self, message: str, path: Path | str | None = None):
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class InputError(KimextractError):
    """The input cannot be read as a document (missing, unreadable, wrong type)."""

    def __init__(self, message: str, path: Path | str | None = None, status: str = "unreadable"):
        super().__init__(message, path)
        self.status = status


class TooLargeError(InputError):
    """The input is over a size limit: more pages than ``max_pages``, a file over 512 MiB, a PDF stream that
    inflates beyond its cap, more characters per page or per document than the caps of :mod:`kimextract.read`,
    or more memory than a worker may take (``batch --max-memory``). Status ``too_large``. An :class:`InputError`,
    so code that catches those catches it too."""

    def __init__(self, message: str, path: Path | str | None = None):
        super().__init__(message, path, status="too_large")


class ExtractionTimeout(KimextractError, TimeoutError):
    """The document took longer than ``Options.timeout`` seconds (or ``--timeout``); the process that read it
    was killed. Status ``timeout``. Also a builtin :class:`TimeoutError`, but named apart from it."""

    status = "timeout"


class OutputError(KimextractError):
    """An output cannot be written: a full disk, no permission, a folder where the file should go, a symlinked
    folder that kimextract does not write through. Status ``unwritable``."""

    status = "unwritable"


class DataFileError(KimextractError):
    """A data file under models/ is malformed; names the file and line."""

    status = "internal"


class BatchError(KimextractError):
    """The batch cannot start or go on (bad options, an output that cannot be written, a broken install)."""
