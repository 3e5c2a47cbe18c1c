"""Imports point down: every module under converter/ is parsed with `ast` (import statements anywhere in the
file, function-level ones included) into a graph of file -> file edges, and two rules are checked on it:

1. No module imports a module of a layer above its own; two components of one layer do not import each
   other (LAYERS below; the same table, explained, is in docs/conventions.md).
2. No import cycle between files, except between the modules of one frontend's handler package
   (converter/frontends/<framework>/handlers/).

An edge goes to the module an import names (`from .a import b` -> a/b.py when that is a module, else
a/__init__.py), not to the packages above it that Python also runs. Imports built at run time
(importlib.import_module with a computed name) are not seen.
"""
from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parent.parent / "converter"

# Top to bottom. A component is a top-level module or package of converter/ ("__init__" is the package's own
# __init__.py: the version). A module may import its own component and the components of lower layers; the
# components of one layer do not import each other, except as PEER_IMPORTS says.
LAYERS = (
    ("__main__",),                      # python -m converter: the atc command
    ("cli", "omtool"),                  # command lines: argv in, ATC-style text and exit status out
    ("quantize",),                      # post-training int8 quantization (omtool quantize): builds on the api
    ("api",),                           # the Python API: convert, dump_json, precheck, model info
    ("precheck", "support"),            # atc --mode=3; the supported-op list (omtool ops)
    ("conversion",),                    # source model -> frontend -> passes: the graph to write
    ("frontends", "passes", "om", "runtime", "verify", "ascend", "export"),   # the stages (see PEER_IMPORTS)
    ("options",),                       # ConvertOptions: every ATC flag validated (passes read them)
    ("cli_args",),                      # argv -> raw option values, checked against the option table
    ("configs", "ops", "fileio"),       # option values and files; canonical ops; input files, atomic writes
    ("ir",),                            # Graph, Op, TensorDesc, DataType
    ("errors", "framework", "proto", "protojson", "__init__"),  # E-codes; the Framework enum; protobuf
                                                               # modules and their JSON text; version
)
# Within the stages: verify runs .om files with the runtime, and the runtime reads them with om (compiled
# ATC/GE files through ascend, which lowers their GE ops to canonical ones: it reads the ModelDef with om and
# runs FrameworkOps' embedded TensorFlow nodes through the TF frontend). Frontends, passes and om know
# nothing of each other (the conversion module strings them together). export reads .om files with om
# (and compiled ones through ascend) to write them as ONNX, checking its nodes against the ONNX frontend's
# schema table.
PEER_IMPORTS = {("verify", "runtime"), ("runtime", "om"), ("runtime", "ascend"), ("ascend", "om"),
                ("ascend", "frontends"), ("export", "om"), ("export", "ascend"), ("export", "frontends")}

# Edges that break the rules today and go away with a later change (none left after issue 10). TEMPORARY: when it has
# landed, its edges no longer exist and test_allowed_edges_still_exist asks for them to be deleted here.
TEMPORARY_EDGES: set = set()


# ---- the import graph ----------------------------------------------------------------------------------

def modules(package: Path) -> dict:
    """Dotted module name -> (path, is a package) for every .py file under `package`."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def _imported_modules(tree: ast.AST, package: str, found: dict):
    """The modules of `found` that a module imports anywhere in its code (`package`: the module's package)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            # `from a import b` is module a.b when there is one, else the name b of module a
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in found else base for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in found:
                name = name.rpartition(".")[0]
            if name:
                yield name


def import_graph(package: Path) -> dict:
    """Module -> set of the package's modules it imports (itself left out)."""
    found = modules(package)
    graph = {}
    for name, (path, is_package) in found.items():
        own_package = name if is_package else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        graph[name] = set(_imported_modules(tree, own_package, found)) - {name}
    return graph


def component(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


# ---- the rules -----------------------------------------------------------------------------------------

def layer_violations(graph: dict, layers=LAYERS, peers=PEER_IMPORTS, allowed=frozenset()) -> list:
    """(importer, imported, why) for every edge that points up or sideways (unless `peers` has the pair of
    components or `allowed` the edge), or touches a component that has no layer."""
    rank = {name: i for i, layer in enumerate(layers) for name in layer}
    bad = []
    for src in sorted(graph):
        for dst in sorted(graph[src]):
            a, b = component(src), component(dst)
            if a == b or (src, dst) in allowed:
                continue
            if a not in rank or b not in rank:
                bad.append((src, dst, f"place '{a if a not in rank else b}' in LAYERS (and docs/conventions.md)"))
            elif rank[b] < rank[a]:
                bad.append((src, dst, f"'{a}' is below '{b}'"))
            elif rank[b] == rank[a] and (a, b) not in peers:
                bad.append((src, dst, f"'{a}' and '{b}' are in one layer: neither imports the other"))
    return bad


def _handler_package(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 4 and parts[1] == "frontends" and parts[3] == "handlers":
        return ".".join(parts[:4])
    return None


def forbidden_cycles(graph: dict, allowed=frozenset()) -> list:
    """Sorted module lists of the import cycles not inside one frontend's handler package."""
    g = nx.DiGraph()
    g.add_nodes_from(graph)
    g.add_edges_from((src, dst) for src, dsts in graph.items() for dst in dsts if (src, dst) not in allowed)
    cycles = []
    for group in nx.strongly_connected_components(g):
        packages = {_handler_package(m) for m in group}
        if len(group) > 1 and (None in packages or len(packages) > 1):
            cycles.append(sorted(group))
    return sorted(cycles)


# ---- the checks on converter/ --------------------------------------------------------------------------

GRAPH = import_graph(PACKAGE)


def test_every_component_has_a_layer():
    placed = {name for layer in LAYERS for name in layer}
    assert {component(m) for m in GRAPH} <= placed
    assert len(placed) == sum(len(layer) for layer in LAYERS), "a component is in two layers"


def test_no_layer_imports_a_layer_above_it():
    assert layer_violations(GRAPH, allowed=TEMPORARY_EDGES) == []


def test_no_import_cycles_outside_a_handler_package():
    assert forbidden_cycles(GRAPH, allowed=TEMPORARY_EDGES) == []


def test_allowed_edges_still_exist():
    """A temporary edge that is gone (its part of issue 10 has landed) must be deleted from TEMPORARY_EDGES."""
    gone = sorted(edge for edge in TEMPORARY_EDGES if edge[1] not in GRAPH.get(edge[0], ()))
    assert gone == [], "delete these from TEMPORARY_EDGES"


def test_the_graph_sees_function_level_and_relative_imports():
    assert "converter.api" in GRAPH["converter.cli"]                    # `from . import api` inside a function
    assert "converter.ops" in GRAPH["converter.runtime.session"]        # `from .. import ops`
    assert "converter.ascend.loading" in GRAPH["converter.runtime.session"]  # inside a method
    assert "converter" in GRAPH["converter.om.model_def"]               # `from .. import __version__`


# ---- the checker itself, on a made-up package ----------------------------------------------------------

def _package(tmp_path: Path, files: dict) -> Path:
    root = tmp_path / "pkg"
    for name, text in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_checker_finds_upward_sideways_and_unplaced_imports(tmp_path):
    graph = import_graph(_package(tmp_path, {
        "low.py": "def f():\n    from . import high\n",          # up, from inside a function
        "high.py": "from .low import f\n",                           # down: fine
        "peer_a.py": "import pkg.peer_b\n",                          # sideways in one layer
        "peer_b.py": "from . import peer_c\n",                       # sideways, but a listed peer import
        "peer_c.py": "",
        "stray.py": "from .low import f\n",                          # not in any layer
    }))
    layers = (("high",), ("peer_a", "peer_b", "peer_c"), ("low",), ("__init__",))
    peers = {("peer_b", "peer_c")}
    found = {(src, dst): why for src, dst, why in layer_violations(graph, layers, peers)}
    assert set(found) == {("pkg.low", "pkg.high"), ("pkg.peer_a", "pkg.peer_b"), ("pkg.stray", "pkg.low")}
    assert "below" in found[("pkg.low", "pkg.high")] and "one layer" in found[("pkg.peer_a", "pkg.peer_b")]
    assert "place 'stray'" in found[("pkg.stray", "pkg.low")]
    assert layer_violations(graph, layers, peers, allowed=set(found)) == []


def test_checker_allows_cycles_only_inside_one_handler_package(tmp_path):
    graph = import_graph(_package(tmp_path, {
        "frontends/__init__.py": "",
        "frontends/fw/__init__.py": "",
        "frontends/fw/convert.py": "from .handlers import nn\n",
        "frontends/fw/handlers/__init__.py": "from . import nn, math\n",
        "frontends/fw/handlers/nn.py": "from .math import add\n",
        "frontends/fw/handlers/math.py": "from . import nn\n\ndef add():\n    from .. import convert\n",
    }))
    assert forbidden_cycles(graph) == [["pkg.frontends.fw.convert", "pkg.frontends.fw.handlers.math",
                                        "pkg.frontends.fw.handlers.nn"]]
    # without the edge back to convert, what is left (nn <-> math) is inside the handler package
    assert forbidden_cycles(graph, allowed={("pkg.frontends.fw.handlers.math", "pkg.frontends.fw.convert")}) == []
