"""The domain core and storage never import Textual."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import callcoach

PACKAGE = Path(callcoach.__file__).parent


def _modules(sub: str) -> list[str]:
    return [
        "callcoach." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts)
        for p in sorted((PACKAGE / sub).rglob("*.py"))
        if "migrations" not in p.parts
    ]


def test_core_and_storage_import_without_textual():
    """Importing every core and storage module leaves textual out of sys.modules."""
    modules = _modules("core") + _modules("storage")
    assert len(modules) >= 3
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        + "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_help_does_not_import_heavy_libraries():
    """`callcoach --help` imports neither Textual nor SQLAlchemy (fast start)."""
    code = (
        "import sys\nfrom callcoach import cli\n"
        "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('textual' in sys.modules, 'sqlalchemy' in sys.modules, file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "usage: callcoach" in out.stdout
    assert out.stderr.strip() == "False False"


def _import_cycles(package: str = "callcoach") -> list[list[str]]:
    """Groups of the package's modules that import each other, directly or through others.

    Imports inside functions count too: a cycle hidden in a function body is still a cycle.
    """
    import grimp

    graph = grimp.build_graph(package, cache_dir=None)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(start: str) -> None:
        # Tarjan's strongly connected components, iteratively (no recursion limit).
        work = [(start, iter(edges[start]))]
        order[start] = low[start] = len(order)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in order:
                    order[child] = low[child] = len(order)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], order[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == order[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))

    for module in sorted(edges):
        if module not in order:
            visit(module)
    return groups


def test_import_cycle_finder_sees_a_cycle(tmp_path, monkeypatch):
    """The cycle finder itself works: two modules importing each other are one group."""
    pkg = tmp_path / "callcoach_cycle_probe"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from callcoach_cycle_probe import b\n")
    (pkg / "b.py").write_text("def f():\n    from callcoach_cycle_probe import a\n")
    (pkg / "c.py").write_text("from callcoach_cycle_probe import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _import_cycles("callcoach_cycle_probe") == [["callcoach_cycle_probe.a", "callcoach_cycle_probe.b"]]


KNOWN_CYCLES: list[list[str]] = [
    # Being taken apart by issue 11; this list only shrinks.
]


def test_no_new_import_cycles():
    """No group of callcoach modules imports itself round in a circle (beyond the known ones)."""
    cycles = _import_cycles()
    assert [c for c in cycles if c not in KNOWN_CYCLES] == []
