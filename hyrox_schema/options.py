"""Resolution of the suite's options: CLI option > environment variable > default."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

T = TypeVar("T")

DSN_ENV = "HYROX_TEST_DSN"
SOURCE_DB_ENV = "HYROX_TEST_SOURCE_DB"
SUPERUSER_DSN_ENV = "HYROX_TEST_SUPERUSER_DSN"
AUTH_ADMIN_DSN_ENV = "HYROX_TEST_AUTH_ADMIN_DSN"
ENGINE_ENV = "HYROX_PG_ENGINE"
FACTORY_SEED_ENV = "HYROX_FACTORY_SEED"
DEFAULT_FACTORY_SEED = 20261125


def resolve(
    cli_value: T | None,
    env_name: str,
    environ: Mapping[str, str],
    default: T,
    convert: Callable[[str], T],
) -> T:
    """Return the CLI value if given, else the (non-empty) env var converted, else default."""
    if cli_value is not None:
        return cli_value
    raw = environ.get(env_name, "").strip()
    if raw:
        return convert(raw)
    return default


def resolve_dsn(cli_value: str | None, environ: Mapping[str, str]) -> str | None:
    """DSN of an existing server, or None for the embedded engine."""
    return resolve(cli_value or None, DSN_ENV, environ, None, str)


def resolve_source_db(cli_value: str | None, environ: Mapping[str, str]) -> str | None:
    """Database the first layer is cloned from on an existing server (None: server default)."""
    return resolve(cli_value or None, SOURCE_DB_ENV, environ, None, str)


def resolve_factory_seed(cli_value: int | None, environ: Mapping[str, str]) -> int:
    """Seed for the data factories."""
    try:
        return resolve(cli_value, FACTORY_SEED_ENV, environ, DEFAULT_FACTORY_SEED, int)
    except ValueError as error:
        raise ValueError(f"{FACTORY_SEED_ENV} must be an integer: {error}") from None


def resolve_engine(cli_value: str | None, environ: Mapping[str, str], default: str) -> str:
    """Which engine the embedded mode starts: 15, 17 or 18."""
    return resolve(cli_value or None, ENGINE_ENV, environ, default, str)
