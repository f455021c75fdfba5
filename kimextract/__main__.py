"""``python -m kimextract``: the command line, as ``kimextract``."""

from .cli import main

main()
