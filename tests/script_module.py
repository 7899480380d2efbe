"""Import one of `scripts/*.py` as a module (the scripts are not a package), for the tests of that script."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def load_script(name: str):
    "`scripts/<name>.py` imported as the module `name` (registered in `sys.modules`, so its dataclasses and pickles work)."
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod
