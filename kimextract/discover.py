"""The inputs of a batch: files, folders and glob patterns to a sorted list, and what identifies each input.

Only the file system's metadata and the inputs' bytes are read here; the documents themselves are read by
:mod:`kimextract.read` in the workers.
"""

from __future__ import annotations

import glob
import hashlib
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

log = logging.getLogger(__name__)

SUFFIXES = (".pdf", ".txt", ".tif", ".tiff", ".png", ".jpg", ".jpeg")  # images are scans, read with OCR


@dataclass(frozen=True)
class Input:
    """One input: ``path`` as written into ``source.path``; ``name`` its relative path (for ``--out-dir``);
    ``error`` (status, message) when discovery already knows it cannot be read."""

    path: str
    name: str
    error: Optional[tuple[str, str]] = None


def discover(patterns: Iterable[str], skipped: Optional[list[str]] = None) -> list[Input]:
    """Files as given, folders searched recursively for .pdf and .txt (sorted, hidden names skipped, folder
    symlinks followed once), glob patterns expanded (sorted). A path named twice is taken once. A name that
    is neither a file, a folder nor a matching pattern becomes an input with an error, so it gets a record.
    The other files found in folders (images, .docx, .json …) are logged and appended to ``skipped``."""
    skipped = [] if skipped is None else skipped
    found: list[Input] = []
    seen: set[str] = set()

    def add(item: Input) -> None:
        if item.path not in seen:
            seen.add(item.path)
            found.append(item)

    for pattern in patterns:
        path = Path(pattern)
        if os.path.isdir(path):
            for item in _walk(path, skipped):
                add(item)
        elif os.path.lexists(path):  # a file, a FIFO, a dangling symlink, a symlink loop: the worker tells
            add(Input(str(path), path.name))
        elif any(char in pattern for char in "*?["):
            matches = sorted(glob.glob(pattern, recursive=True))
            if not matches:
                add(Input(pattern, _safe_name(pattern), ("unreadable", "no file matches this pattern")))
            for match in matches:
                if os.path.isdir(match):
                    for item in _walk(Path(match), skipped):
                        add(item)
                else:
                    add(Input(str(Path(match)), Path(match).name))
        else:
            add(Input(str(path), path.name or "input", ("unreadable", "no such file or folder")))
    return found


def _walk(root: Path, skipped: list[str]) -> list[Input]:
    """The .pdf and .txt files under ``root``, sorted by path; a folder reached twice (symlink loop) is skipped;
    a folder that cannot be listed becomes an input with an error; other files go to ``skipped``."""
    visited: set[tuple[int, int]] = set()
    files: list[tuple[tuple[str, ...], Input]] = []
    stack: list[tuple[Path, tuple[str, ...]]] = [(root, ())]
    while stack:
        folder, parts = stack.pop()
        try:
            info = os.stat(folder)
            if (info.st_dev, info.st_ino) in visited:
                continue
            visited.add((info.st_dev, info.st_ino))
            entries = list(os.scandir(folder))
        except OSError as exc:
            files.append((parts, Input(str(folder), "/".join(parts) or folder.name, ("unreadable", f"cannot list folder: {exc.strerror or exc}"))))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError:
                is_dir = False
            if is_dir:
                stack.append((folder / entry.name, parts + (entry.name,)))
            elif entry.name.lower().endswith(SUFFIXES):
                rel = parts + (entry.name,)
                files.append((rel, Input(str(folder / entry.name), "/".join(rel))))
            else:
                log.info("skipped %s: neither .pdf, .txt nor an image", folder / entry.name)
                skipped.append(str(folder / entry.name))
    files.sort(key=lambda item: item[0])
    return [item for _, item in files]


def _safe_name(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in text).strip(".") or "input"


def content_sha256(path: str) -> Optional[str]:
    """sha256 of a regular file's bytes, or None when it is not a regular readable file."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return None


def check_file(path: str) -> Optional[str]:
    """Why ``path`` is not a regular file to read (a FIFO would block the reader forever), or None."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return "dangling symbolic link" if os.path.islink(path) else "no such file"
    except OSError as exc:
        return exc.strerror or str(exc)
    if stat.S_ISDIR(info.st_mode):
        return "is a folder, not a file"
    if not stat.S_ISREG(info.st_mode):
        kind = "named pipe" if stat.S_ISFIFO(info.st_mode) else "socket" if stat.S_ISSOCK(info.st_mode) else "device"
        return f"not a regular file (a {kind})"
    return None
