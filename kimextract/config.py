"""The configuration file: ``kimextract.toml`` in the current folder, or a ``[tool.kimextract]`` table in its
``pyproject.toml``, or the file ``--config`` names.

Keys are the commands' long option names without the dashes. A key at the top applies to every command that
has the option; a table named after a command (``[batch]``, or ``[tool.kimextract.batch]``) to that command,
and it wins over the top::

    disable = ["rate_changes_across_years"]
    ocr = "never"

    [batch]
    workers = 2
    fail-on = "warning"

The file's values become the defaults the command line is parsed against (click's ``default_map``), so a flag
on the command line wins over the file, and a value in the file is checked as the flag's value would be.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Callable, Optional, Union, get_args, get_origin, get_type_hints

import typer

from .errors import KimextractError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CONFIG_NAME = "kimextract.toml"


class ConfigError(KimextractError):
    """The configuration file cannot be read or holds a key or value no command takes."""


def find_config(explicit: Optional[Path] = None, folder: Optional[Path] = None) -> Optional[Path]:
    """The configuration file in use: ``explicit``, else ``kimextract.toml`` in ``folder`` (the current one),
    else its ``pyproject.toml`` when that has a ``[tool.kimextract]`` table; None when there is none."""
    if explicit is not None:
        return explicit
    folder = folder or Path.cwd()
    if (folder / CONFIG_NAME).is_file():
        return folder / CONFIG_NAME
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file() and "kimextract" in _parsed(pyproject).get("tool", {}):
        return pyproject
    return None


def config_table(path: Path) -> dict[str, Any]:
    """The settings in ``path``: the whole file, or for a pyproject.toml its ``[tool.kimextract]`` table."""
    data = _parsed(path)
    if path.name != "pyproject.toml":
        return data
    table = data.get("tool", {}).get("kimextract")
    if not isinstance(table, dict):
        raise ConfigError("no [tool.kimextract] table", path)
    return table


def _parsed(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read the configuration file: {exc.strerror or exc}", path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", path) from None


def default_map(table: dict[str, Any], commands: dict[str, Callable[..., Any]], path: Path) -> dict[str, dict[str, Any]]:
    """The settings as click's ``default_map``: per command (name → its function), its parameters' values,
    each checked against the parameter's type. Raises :class:`ConfigError` naming the key for anything the
    commands do not take."""
    options = {name: _options_of(function) for name, function in commands.items()}
    defaults: dict[str, dict[str, Any]] = {name: {} for name in commands}
    for key, value in table.items():  # the top level first: a command's own table wins
        if isinstance(value, dict):
            continue
        targets = [name for name in commands if _dashed(key) in options[name]]
        if not targets:
            raise ConfigError(f"{key}: no command has the option --{_dashed(key)}", path)
        for name in targets:
            _put(defaults[name], options[name], key, value, path, key)
    for name, section in table.items():
        if not isinstance(section, dict):
            continue
        if name not in commands:
            raise ConfigError(f"[{name}]: no such command; commands: {', '.join(sorted(commands))}", path)
        for key, value in section.items():
            _put(defaults[name], options[name], key, value, path, f"{name}.{key}")
    return {name: values for name, values in defaults.items() if values}


def _dashed(key: str) -> str:
    return key.replace("_", "-")


def _options_of(function: Callable[..., Any]) -> dict[str, tuple[str, Any]]:
    """A typer command's options: long name without dashes → (parameter name, value type)."""
    options = {}
    for name, hint in get_type_hints(function, include_extras=True).items():
        if get_origin(hint) is not Annotated:
            continue
        kind, *extras = get_args(hint)
        info = next((extra for extra in extras if isinstance(extra, typer.models.OptionInfo)), None)
        if info is None:
            continue
        # typer.Option("--format", …) inside Annotated keeps the first name where a default would stand
        names = ([info.default] if isinstance(info.default, str) else []) + list(info.param_decls or ())
        flags = [flag for flag in names if flag.startswith("--")] or [f"--{_dashed(name)}"]
        options[flags[0][2:]] = (name, _without_none(kind))
    return options


def _without_none(kind: Any) -> Any:
    """``Optional[X]`` → ``X``."""
    if get_origin(kind) is Union:
        kind = next(arg for arg in get_args(kind) if arg is not type(None))
    return kind


def _put(values: dict[str, Any], options: dict[str, tuple[str, Any]], key: str, value: Any, path: Path, where: str) -> None:
    if _dashed(key) not in options:
        raise ConfigError(f"{where}: the command has no option --{_dashed(key)}", path)
    name, kind = options[_dashed(key)]
    values[name] = _checked(kind, value, path, where)


def _checked(kind: Any, value: Any, path: Path, where: str) -> Any:
    """``value`` if it is of ``kind`` (a list: each item), as the command line would have it."""
    if get_origin(kind) is list:
        items = value if isinstance(value, list) else [value]
        return [_checked(get_args(kind)[0], item, path, where) for item in items]
    if isinstance(kind, type) and issubclass(kind, Enum):
        choices = [member.value for member in kind]
        if value not in choices:
            raise ConfigError(f"{where}: takes {', '.join(map(repr, choices))}, not {value!r}", path)
        return value
    expected, what = TOML_TYPES.get(kind, ((object,), "anything"))
    if not isinstance(value, expected) or (kind is not bool and isinstance(value, bool)):
        raise ConfigError(f"{where}: takes {what}, not {value!r}", path)
    return value


TOML_TYPES = {bool: ((bool,), "true or false"), int: ((int,), "a whole number"), float: ((int, float), "a number"),
              str: ((str,), "a string"), Path: ((str,), "a path (a string)")}
