"""--modify_mixlist JSON: changes to the allow_mix_precision op lists, e.g.
{"white-list": {"to-add": ["A"], "to-remove": ["B"]}, "black-list": {...}, "gray-list": {...}}.
White-list op types run in fp16, black-list op types keep fp32; gray-list ones follow their inputs."""
from __future__ import annotations

import json

from ..errors import INVALID_OPTION_VALUE, OptionError
from .files import read_option_file

LISTS = ("white-list", "black-list", "gray-list")
ACTIONS = ("to-add", "to-remove")


def parse_mixlist(path: str, option: str = "--modify_mixlist") -> tuple:
    """((list, action, op type), ...) in file order; E10003 for JSON that is not of this shape."""
    text = read_option_file(path, option)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise OptionError(INVALID_OPTION_VALUE,
                          f"{option}: '{path}' is not valid JSON ({exc.msg} at line {exc.lineno})",
                          option=option, path=path) from None
    except RecursionError:
        raise OptionError(INVALID_OPTION_VALUE, f"{option}: '{path}' nests JSON arrays or objects too deeply",
                          option=option, path=path) from None
    if not isinstance(data, dict):
        raise OptionError(INVALID_OPTION_VALUE, f"{option}: '{path}' must hold a JSON object", option=option, path=path)
    entries = []
    for name, changes in data.items():
        if name not in LISTS or not isinstance(changes, dict):
            raise OptionError(INVALID_OPTION_VALUE,
                              f"{option}: '{path}': unknown key '{name}' (use {', '.join(LISTS)} with "
                              f"{' / '.join(ACTIONS)} lists)", option=option, path=path)
        for action, types in changes.items():
            if action not in ACTIONS or not isinstance(types, list) or not all(isinstance(t, str) for t in types):
                raise OptionError(INVALID_OPTION_VALUE,
                                  f"{option}: '{path}': '{name}' needs {' / '.join(ACTIONS)} lists of op "
                                  "type names", option=option, path=path)
            entries += [(name, action, t) for t in types]
    return tuple(entries)
