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
