"""spaCy, imported without its own command line.

``import spacy`` also imports spaCy's command line (``spacy.cli``: its typer apps, weasel, httpx, jinja2), about a
third of spaCy's import time, though kimextract never calls it. Importing this module first imports spaCy with a
stand-in for ``spacy.cli.info`` (the one name spaCy's ``__init__`` takes from there); the stand-ins are removed
right after, so that a later ``import spacy.cli`` loads the real one.
"""

from __future__ import annotations

import sys
import types


def _info(*args, **kwargs):
    """``spacy.info``, the real one loaded when it is called."""
    from spacy.cli.info import info

    return info(*args, **kwargs)


def _import_spacy_without_cli() -> None:
    if "spacy" in sys.modules:
        return
    package, module = types.ModuleType("spacy.cli"), types.ModuleType("spacy.cli.info")
    package.__path__ = []
    module.info = _info  # type: ignore[attr-defined]
    stand_ins = {"spacy.cli": package, "spacy.cli.info": module}
    sys.modules.update(stand_ins)
    try:
        import spacy  # noqa: F401
    finally:
        for name, stand_in in stand_ins.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]
        spacy = sys.modules.get("spacy")
        if spacy is not None and spacy.__dict__.get("cli") is package:
            del spacy.cli


_import_spacy_without_cli()
