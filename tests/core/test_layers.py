"""The package's layout: a small core, layers around it, no import cycle, light imports."""

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import vog

PACKAGE = Path(vog.__file__).resolve().parent
LAYERS = ("scoring", "experiments", "datasets", "analysis", "integrations")


def test_core_surface_is_small_and_complete():
    assert len(vog.__all__) <= 25
    assert sorted(vog.__all__) == sorted(set(vog.__all__))
    for name in vog.__all__:
        assert hasattr(vog, name), name


@pytest.mark.parametrize("layer", LAYERS)
def test_each_layer_has_a_public_surface(layer):
    module = importlib.import_module(f"vog.{layer}")
    assert module.__all__ and module.__doc__
    for name in module.__all__:
        assert hasattr(module, name), (layer, name)
    assert getattr(vog, layer) is module  # reachable as vog.<layer> after `import vog`


def test_import_vog_loads_no_heavy_library():
    code = (
        "import sys, vog; heavy = ('scipy', 'sklearn', 'pandas', 'matplotlib', 'skimage'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    path = PACKAGE.parent / Path(*name.split("."))
    return path.is_dir() or path.with_suffix(".py").is_file()


def _imports(path: Path) -> set[str]:
    """vog modules imported at module level (not inside functions) by the file at ``path``."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("vog"):
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    found.add(sub if _is_module(sub) else target)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("vog")}
    return found - {name}


def test_no_import_cycle_between_modules():
    graph = {_module_name(p): _imports(p) for p in PACKAGE.rglob("*.py")}
    # an import of a package is an import of its __init__; parents are loaded first by Python,
    # so only module-to-module edges can form a cycle
    state: dict[str, int] = {}

    def visit(node, path):
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if nxt == "vog" or node.startswith(nxt + "."):
                continue  # the package a module belongs to, or the root package
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*path, nxt]))
            if nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])


def test_core_modules_do_not_import_the_layers():
    core = [p for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "cli", "__main__")]
    for path in core:
        for target in _imports(path):
            assert not any(target.startswith(f"vog.{layer}") for layer in LAYERS), (
                path.name,
                target,
            )


def test_every_choice_has_one_home():
    from vog.cli import build_parser
    from vog.options import CHOICES

    parser = build_parser()
    score = parser._subparsers._group_actions[0].choices["score"]
    cli = {a.dest: tuple(a.choices) for a in score._actions if a.choices}
    for name, choices in cli.items():
        assert set(choices) == {c for c in CHOICES[name] if c is not None}, name
    # no module defines a tuple of option values of its own
    names = ("TARGETS", "LABEL_MODES", "NORMALIZE_MODES", "SCORING_MODES", "AUTOCAST_DTYPES")
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        assert not any(f"{n} = (" in text for n in names), path
