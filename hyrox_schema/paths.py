"""Where the repository is: the root every tool reads ``migrations/``, ``contract/``, ... from.

:data:`REPO_ROOT` is, in order: ``$HYROX_REPO`` when set; the repository this package lives in
(an editable install: the folder above ``hyrox_schema/`` holds ``migrations/``); else the first
folder upward from the working directory that holds ``migrations/`` and ``pyproject.toml``.
Nothing else relies on the working directory, so the console entry points work from anywhere.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

REPO_ENV = "HYROX_REPO"
PACKAGE_DIR = Path(__file__).resolve().parent


class RepositoryNotFound(LookupError):
    """No repository: not installed from one, none above the working directory, no env var."""


def is_repository(path: Path) -> bool:
    """``path`` looks like the schema repository (``migrations/`` and ``pyproject.toml``)."""
    return (path / "migrations").is_dir() and (path / "pyproject.toml").is_file()


def find_repo_root(env: Mapping[str, str] = os.environ, cwd: Path | None = None) -> Path:
    """The repository root (see the module docstring for the order)."""
    configured = env.get(REPO_ENV)
    if configured:
        path = Path(configured).expanduser().resolve()
        if not is_repository(path):
            raise RepositoryNotFound(
                f"{REPO_ENV}={configured}: not the schema repository (no migrations/ and "
                "pyproject.toml there)"
            )
        return path
    if is_repository(PACKAGE_DIR.parent):
        return PACKAGE_DIR.parent
    start = (cwd or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if is_repository(folder):
            return folder
    raise RepositoryNotFound(
        f"cannot find the schema repository: set {REPO_ENV}=/path/to/it, install the package "
        "from it (pip install -e .), or run from inside it"
    )


REPO_ROOT = find_repo_root()


def load_repo_module(relative: str, name: str | None = None) -> ModuleType:
    """A module of the repository that is not part of this package (an expectation registry or
    the upgrade data set under ``tests/``), loaded from its file at run time.

    The package never imports ``tests``; what a tool needs from there it reads by path, so the
    dependency stays one-way and a tool sees the working tree's current declarations. The module
    is cached in ``sys.modules`` under ``name`` (default: ``_hyrox_repo.<dotted path>``).
    """
    path = REPO_ROOT / relative
    name = name or "_hyrox_repo." + relative.removesuffix(".py").replace("/", ".")
    if name in sys.modules:
        return sys.modules[name]
    if not path.is_file():
        raise FileNotFoundError(f"{relative} not found under {REPO_ROOT}")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
