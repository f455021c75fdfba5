"""What kimextract runs on: its version, Python's, the engines', Tesseract and its language models.

``kimextract info`` prints it; every record carries the part that decides its results (:func:`engine`).
Versions come from the installed packages' metadata, so nothing heavy (spaCy) is imported here.
"""

from __future__ import annotations

import functools
import platform
from importlib import metadata
from typing import TYPE_CHECKING, Any, Optional

from . import __version__
from .ocr import tesseract

if TYPE_CHECKING:
    from .process import Options
    from .records import Engine

PACKAGES = ("spacy", "pydantic", "pypdfium2", "pdfplumber", "charset-normalizer", "typer")


@functools.lru_cache(maxsize=None)
def package_version(name: str) -> Optional[str]:
    """The installed version of a distribution, or None when it is not installed."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def environment() -> dict[str, Any]:
    """Everything ``kimextract info`` reports, as JSON-ready data."""
    found = tesseract()
    return {
        "kimextract": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": {name: package_version(name) for name in PACKAGES},
        "tesseract": {"path": found.path, "version": found.version, "languages": list(found.languages)},
        "ocr": found.problem is None,
        "number_rereading": found.problem is None,
        "problem": found.problem,
    }


def environment_text(env: dict[str, Any]) -> str:
    """The environment for people, one fact a line."""
    tess = env["tesseract"]
    lines = [f"kimextract {env['kimextract']}", f"Python {env['python']} ({env['platform']})"]
    lines += [f"{name} {version or 'not installed'}" for name, version in env["packages"].items()]
    if tess["path"]:
        lines.append(f"Tesseract {tess['version'] or '(version unknown)'} at {tess['path']}; languages: {', '.join(tess['languages']) or 'none'}")
    else:
        lines.append("Tesseract not installed")
    lines.append(f"OCR of pages without a text layer: {'available' if env['ocr'] else 'not available'}")
    lines.append(f"re-reading numbers on scans: {'available' if env['number_rereading'] else 'not available'}")
    if env["problem"]:
        lines.append(f"warning: {env['problem']}")
    return "\n".join(lines)


def engine(options: "Options") -> "Engine":
    """The versions and options that make a record, for the record to carry."""
    from .records import Engine, EngineOptions

    found = tesseract()
    return Engine(
        kimextract=__version__,
        python=platform.python_version(),
        spacy=package_version("spacy") or "unknown",
        pypdfium2=package_version("pypdfium2") or "unknown",
        tesseract=found.version,
        rereading=options.verify and found.problem is None,
        options=EngineOptions(repair=options.repair, ocr=options.ocr, ocr_language=options.ocr_language,
                              ocr_dpi=options.ocr_dpi, disabled_rules=sorted(options.disabled_rules), max_pages=options.max_pages),
    )
