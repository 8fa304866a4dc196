"""marsad.core must stay usable without Django (from a notebook, a verifier, a test)."""

import pkgutil
import subprocess
import sys

import marsad.core


def test_core_never_imports_django():
    modules = [m.name for m in pkgutil.walk_packages(marsad.core.__path__, "marsad.core.")]
    assert "marsad.core.custody.merkle" in modules
    code = "import sys\n" + "".join(f"import {m}\n" for m in modules) + (
        "bad = [m for m in sys.modules if m == 'django' or m.startswith('django.')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
