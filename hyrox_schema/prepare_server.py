"""Prepare an existing server like Supabase, once, for the existing-server mode.

    hyrox-prepare-server SUPERUSER_DSN [--database hyrox_source]

As the server's superuser (what the platform does, and only that): the platform's roles
(tests/sql/00_supabase_roles.sql: ``postgres`` NOSUPERUSER, the API roles,
``supabase_auth_admin`` LOGIN, ...), then a source database owned by ``postgres`` holding
the stand-in ``auth`` schema (owned by ``supabase_auth_admin``), the ``extensions`` schema,
Supabase's default privileges and pgvector (or its stand-in where the server has none).
The suite then runs as ``postgres``::

    pytest --pg-dsn 'postgresql://postgres:PW@HOST/postgres' --pg-source-db hyrox_source

Roles it creates get no password: set them (``alter role postgres password ...``) when the
server asks for one. A real Supabase database needs none of this (its roles and ``auth``
exist): point ``--pg-source-db`` at a copy of it instead.
"""

from __future__ import annotations

import argparse
import sys

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from hyrox_schema import loaders


def prepare(superuser_dsn: str, database: str) -> None:
    """Create the roles and the source database ``database`` (if missing) and fill it."""
    params = conninfo_to_dict(superuser_dsn)
    with psycopg.connect(superuser_dsn, autocommit=True) as conn:
        loaders.execute_script(conn, loaders.SQL_DIR / "00_supabase_roles.sql")
        exists = conn.execute("select 1 from pg_database where datname = %s", (database,))
        if exists.fetchone() is None:
            conn.execute(
                sql.SQL("create database {} owner postgres").format(sql.Identifier(database))
            )
    user, password = str(params.get("user") or ""), params.get("password")
    login = loaders.Login(user, str(password) if password else None)
    loaders.load_supabase_stand_in(
        login,
        host=str(params.get("host") or ""),
        port=str(params.get("port") or "5432"),
        user=login.user,
        password=login.password,
        dbname=database,
    )


def main(argv: list[str] | None = None) -> int:
    """Prepare the server; exit 0."""
    parser = argparse.ArgumentParser(prog="hyrox-prepare-server")
    parser.add_argument("superuser_dsn", help="a superuser login to the server (any database)")
    parser.add_argument("--database", default="hyrox_source", help="the source database")
    args = parser.parse_args(argv)
    prepare(args.superuser_dsn, args.database)
    print(f"prepared: roles, and database {args.database} (pass --pg-source-db {args.database})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
