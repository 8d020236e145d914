"""``hyrox-contract write | check | summary | drift``: see hyrox_schema/contract/__init__.py
and hyrox_schema/contract/drift.py."""

from __future__ import annotations

import argparse
import sys

from hyrox_schema.contract import CONTRACT_DIR, differences, failure_message, render_files
from hyrox_schema.contract.model import read_dir, write_dir


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; return the exit status."""
    parser = argparse.ArgumentParser(prog="hyrox-contract", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("write", "rewrite contract/ from a freshly migrated database"),
        ("check", "compare contract/ with a freshly migrated database (exit 1 if different)"),
    ):
        command = sub.add_parser(name, help=text)
        command.add_argument("--pg-dsn", default=None, help="existing server (env HYROX_TEST_DSN)")
        command.add_argument(
            "--pg-source-db", default=None, help="database to build from (env HYROX_TEST_SOURCE_DB)"
        )
        command.add_argument(
            "--pg-engine",
            default=None,
            help="engine of the throw-away cluster: 15, 17 or 18 (env HYROX_PG_ENGINE)",
        )
        command.add_argument(
            "--pg-superuser-dsn",
            default=None,
            help="existing server: a superuser login (env HYROX_TEST_SUPERUSER_DSN)",
        )
    summary = sub.add_parser(
        "summary", help="Markdown: what contract/ changes between two revisions"
    )
    summary.add_argument("--base", required=True, help="base revision (e.g. origin/main)")
    summary.add_argument("--head", default=None, help="head revision (default: the work tree)")
    summary.add_argument(
        "--rows",
        action="store_true",
        help="count the rows each declared data change touches in the upgrade data "
        "(a scratch database; needs the test extra)",
    )
    live = sub.add_parser(
        "drift",
        help="compare a live database with contract/ and migrations/, read only "
        "(exit 0 no drift, 1 drift, 2 could not connect or read everything)",
    )
    live.add_argument("--dsn", default=None, help="the live database (env HYROX_DRIFT_DSN)")
    args = parser.parse_args(argv)

    if args.command == "drift":
        return _drift(args.dsn)

    if args.command == "summary":
        from hyrox_schema.contract.summary import summary_between

        print(summary_between(args.base, args.head, rows=args.rows))
        return 0

    from hyrox_schema.contract.build import contract_of, server

    with server(
        args.pg_dsn,
        args.pg_source_db,
        engine=args.pg_engine,
        superuser_dsn=args.pg_superuser_dsn,
    ) as pg:
        files = render_files(contract_of(pg))
    if args.command == "write":
        changed = write_dir(CONTRACT_DIR, files)
        print(f"contract/: {len(files)} files, {len(changed)} changed", *changed, sep="\n  ")
        return 0
    diffs = differences(read_dir(CONTRACT_DIR) if CONTRACT_DIR.is_dir() else {}, files)
    if diffs:
        print(failure_message(diffs), file=sys.stderr)
        return 1
    print(f"contract/ matches the migrated schema ({len(files)} files)")
    return 0


def _drift(given: str | None) -> int:
    import os

    import psycopg

    from hyrox_schema.contract import drift

    dsn = drift.resolve_dsn(given, os.environ)
    if dsn is None:
        print(f"drift: give --dsn or set {drift.DSN_ENV}", file=sys.stderr)
        return drift.Outcome.INCOMPLETE
    try:
        report = drift.drift(dsn)
    except (psycopg.Error, RuntimeError) as error:
        print(f"drift: could not connect read-only or read: {error}".rstrip(), file=sys.stderr)
        return drift.Outcome.INCOMPLETE
    print(report.render(), end="")
    return report.outcome


if __name__ == "__main__":
    sys.exit(main())
