"""Error codes are named once, in converter/errors.py: no other module spells a code (so new code uses the
names), and every name stands for a code ATC documents (../shared/docs/atc-cli.md) or one that errors.py
lists in NOT_IN_ATC_CLI_DOC. Tests themselves keep literal codes: they check what the user sees."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from converter import errors

PACKAGE = Path(__file__).resolve().parent.parent / "converter"
CODE = re.compile(r"\bE1\d{4}\b")
NAMED = {name: value for name, value in vars(errors).items()
         if name.isupper() and isinstance(value, str) and CODE.fullmatch(value)}


def _docstrings(tree: ast.AST) -> set:
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {id(node.body[0].value) for node in ast.walk(tree) if isinstance(node, kinds) and node.body
            and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}


def spelled_codes(source: str) -> list:
    """(line, text) of every string in the code that contains an E-code, docstrings aside (f-string parts
    included: f"E19999: ..." spells the code too)."""
    tree = ast.parse(source)
    docs = _docstrings(tree)
    return sorted((node.lineno, node.value) for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
                  and CODE.search(node.value))


def test_no_module_spells_an_error_code():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "errors.py" or path.name.endswith("_pb2.py"):
            continue
        found += [f"{path.relative_to(PACKAGE.parent)}:{line}: {text!r}"
                  for line, text in spelled_codes(path.read_text(encoding="utf-8"))]
    assert found == [], "use the names in converter/errors.py"


def test_the_checker_sees_plain_and_f_string_codes_but_not_docstrings():
    source = ('"""Raises E10001."""\n'
              'def f(x):\n    """E10003 when..."""\n'
              '    g("E10001", f"E19999: {x}", code=\'E11009\', text="no code E1234 here")\n')
    assert [line for line, _ in spelled_codes(source)] == [4, 4, 4]


def _documented_codes(text: str) -> set:
    """The codes in the E-code table of atc-cli.md (rows like `| E10031, E10035-E10040 | ... |`)."""
    table = text.split("## E-codes", 1)[1]
    codes = set()
    for row in table.splitlines():
        first = row.split("|")[1] if row.startswith("|") else ""
        for lo, hi in re.findall(r"E(\d{5})(?:-E(\d{5}))?", first):
            codes.update(f"E{n}" for n in range(int(lo), int(hi or lo) + 1))
    return codes


def test_every_name_is_a_documented_code_or_listed_as_outside_the_doc(shared):
    documented = _documented_codes((shared / "docs" / "atc-cli.md").read_text(encoding="utf-8"))
    assert {"E10001", "E10035", "E10037", "E10040", "E13010"} <= documented
    assert errors.NOT_IN_ATC_CLI_DOC.isdisjoint(documented), "documented now: drop it from NOT_IN_ATC_CLI_DOC"
    assert sorted(n for n, code in NAMED.items() if code not in documented | errors.NOT_IN_ATC_CLI_DOC) == []
    assert documented - set(NAMED.values()) == set(), "name every code atc-cli.md documents"


def test_the_option_table_uses_known_codes():
    rows = json.loads((PACKAGE / "data" / "atc_options.json").read_text(encoding="utf-8"))
    used = {row.get("code") for row in rows} - {None}
    assert used and used <= set(NAMED.values())
