"""``hyrox-contract drift``: a live database compared with contract/ and the chain.

Each test drifts a fresh migrated clone on purpose (a policy edited in the
dashboard, a dropped index, an extra grant, a table made by hand, ...) and
checks that the report names the object; a clean clone reports no drift.
The expectations come from the committed contract and the migration files,
never from the database under test. The command must never write: its
session is read only, its transactions take no transaction id, it creates
no database, and it works as a role that may only read; what such a role
cannot read is said, and then the run never claims "no drift".
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo
from psycopg.rows import DictRow

import hyrox_schema.contract as contract
from hyrox_schema import chain, databases
from hyrox_schema.contract import drift
from hyrox_schema.contract.__main__ import main
from hyrox_schema.server import PgServer

Connection = psycopg.Connection[DictRow]

COMMITTED = contract.load()
FIRST = chain.discover()[0]
STATIONS_POLICY = COMMITTED.of_kind("hyrox_stations", "policy")[0].name
ANON_ON_STATIONS = next(
    b for b in COMMITTED.of_kind("hyrox_stations", "grants") if b.name == "anon"
)
DROPPED_INDEX, DROPPED_INDEX_TABLE = sorted(COMMITTED.plain_indexes().items())[0]
PRIVATE_FUNCTION = "private.current_athlete_id()"

pytestmark = pytest.mark.commits


def run(dsn: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """The CLI in-process: exit status and what it printed (stdout + stderr)."""
    status = main(["drift", "--dsn", dsn])
    captured = capsys.readouterr()
    return status, captured.out + captured.err


# --------------------------------------------------------------------------- no drift


def test_a_freshly_migrated_database_has_no_drift(db_dsn: str, capsys: pytest.CaptureFixture[str]):
    """Exit 0, every owned object as contract/ says, and 001 reported as applied by its guard."""
    status, out = run(db_dsn, capsys)
    assert status == drift.Outcome.NO_DRIFT, out
    assert out.rstrip().endswith("Result: no drift"), out
    assert f"- {FIRST.stem}: applied" in out, out
    assert "every object the migrations own is as contract/ describes it" in out
    assert "## Could not read" not in out


def test_the_report_says_what_it_does_not_compare(db_dsn: str, capsys: pytest.CaptureFixture[str]):
    """external.txt (changes relative to a before-state) is named as not compared, with why."""
    _, out = run(db_dsn, capsys)
    assert "- external.txt: " in out.split("## Not compared")[1], out
    assert "no before-state" in out


# --------------------------------------------------------------------------- drift on purpose

DRIFTS = {
    "policy edited in the dashboard": (
        f"alter policy {STATIONS_POLICY} on public.hyrox_stations using (station_number > 0)",
        [f"- changed: public.hyrox_stations: policy {STATIONS_POLICY}", "    using: `true` →"],
    ),
    "index dropped": (
        f"drop index public.{DROPPED_INDEX}",
        [
            "- only in the contract (missing from the database): "
            f"public.{DROPPED_INDEX_TABLE}: index {DROPPED_INDEX}"
        ],
    ),
    "extra grant": (
        "grant insert on public.hyrox_stations to anon",
        [
            "- changed: public.hyrox_stations: grants anon",
            f"    table: `{ANON_ON_STATIONS['table']}` → `{ANON_ON_STATIONS['table']}, insert`",
        ],
    ),
    "row level security switched off": (
        "alter table public.goals disable row level security",
        [
            "- changed: public.goals: table public.goals",
            "    row level security: `enabled` → `disabled`",
        ],
    ),
    "function reconfigured": (
        f"alter function {PRIVATE_FUNCTION} set search_path = public",
        [f"- changed: private.current_athlete_id: function {PRIVATE_FUNCTION}", "    config: `"],
    ),
    "table created by hand in public": (
        "create table public.dashboard_notes (id bigint primary key)",
        ["- only in the database (not in the contract): table public.dashboard_notes"],
    ),
    "function created by hand in private": (
        "create function private.helper() returns int language sql as 'select 1'",
        ["- only in the database (not in the contract): private.helper: function private.helper()"],
    ),
    "view created by hand in public": (
        "create view public.dashboard_view as select 1 as one",
        [
            "- only in the database, not describable by the contract: "
            "relation public.dashboard_view (relkind v)"
        ],
    ),
}


@pytest.mark.parametrize(("statement", "expected"), DRIFTS.values(), ids=DRIFTS.keys())
def test_a_drifted_object_is_named_in_the_report(
    db: Connection,
    db_dsn: str,
    capsys: pytest.CaptureFixture[str],
    statement: str,
    expected: list[str],
):
    """Exit 1, the object named with what changed, and a per-file diff under it."""
    db.execute(statement)  # type: ignore[arg-type]  # the constants above
    status, out = run(db_dsn, capsys)
    assert status == drift.Outcome.DRIFT, out
    for line in expected:
        assert line in out, f"expected {line!r} in:\n{out}"
    assert "## Per-file diff (contract/ -> database)" in out or "not describable" in out
    assert "Result: DRIFT" in out


def test_several_drifts_are_all_reported(
    db: Connection, db_dsn: str, capsys: pytest.CaptureFixture[str]
):
    """The issue's three drifts at once: each is named, none hides another."""
    for name in ("policy edited in the dashboard", "index dropped", "extra grant"):
        db.execute(DRIFTS[name][0])  # type: ignore[arg-type]  # constants
    status, out = run(db_dsn, capsys)
    assert status == drift.Outcome.DRIFT
    for name in ("policy edited in the dashboard", "index dropped", "extra grant"):
        assert DRIFTS[name][1][0] in out, out
    assert "Result: DRIFT (3 objects differ)" in out


# --------------------------------------------------------------------------- migrations


def test_a_database_before_001_reports_it_not_applied(
    db_before_dsn: str, capsys: pytest.CaptureFixture[str]
):
    """The guard runs clean there: not applied, and every owned table is missing."""
    status, out = run(db_before_dsn, capsys)
    assert status == drift.Outcome.DRIFT, out
    assert f"- {FIRST.stem}: not applied" in out
    for table in COMMITTED.tables():
        assert f"missing from the database): table public.{table}" in out, table


@pytest.fixture
def history(db: Connection) -> Connection:
    """The Supabase CLI's history table, as ``supabase db push`` creates it, empty."""
    db.execute(
        "create schema supabase_migrations;"
        " create table supabase_migrations.schema_migrations"
        " (version text primary key, statements text[], name text)"
    )
    return db


def test_the_history_table_is_read_against_the_chain(
    history: Connection, db_dsn: str, capsys: pytest.CaptureFixture[str]
):
    """A row per file is 'recorded'; a row without a file is drift, named by its version."""
    version, name = FIRST.stem.split("_", 1)
    history.execute(
        "insert into supabase_migrations.schema_migrations (version, name)"
        " values (%s, %s), ('099', 'phantom')",
        (version, name),
    )
    status, out = run(db_dsn, capsys)
    assert status == drift.Outcome.DRIFT, out
    assert f"- {FIRST.stem}: applied; history: recorded (version {version}, name {name})" in out
    assert "history row with no migration file: version 099 (name phantom)" in out


def test_an_applied_migration_without_history_row_is_a_disagreement(
    history: Connection, db_dsn: str, capsys: pytest.CaptureFixture[str]
):
    """The guard says applied, the history has no row (run in the SQL editor): said, drift."""
    status, out = run(db_dsn, capsys)
    assert status == drift.Outcome.DRIFT, out
    assert f"- {FIRST.stem}: applied; history: not recorded" in out
    assert "DRIFT: its effect is in the database, but the history has no row" in out


def test_the_guard_is_the_first_do_block_of_each_migration():
    """What is run on the live database is each file's guard, and only it."""
    for migration in chain.discover():
        guard = drift.guard_of(migration)
        assert guard is not None, migration.name
        assert guard.startswith("do $$"), guard
        assert guard.rstrip().endswith("$$;"), guard
        assert f"'{migration.guard_message}'" in guard


# --------------------------------------------------------------------------- privileges


@pytest.fixture
def reader_role(db: Connection, db_dsn: str) -> Iterator[tuple[str, str]]:
    """A login role with no privilege beyond PUBLIC's (CONNECT, public's USAGE): name, dsn."""
    name = f"hyrox_{os.getpid()}_drift_reader"
    password = secrets.token_hex(8)
    role = sql.Identifier(name)
    db.execute(sql.SQL("create role {} login password {}").format(role, sql.Literal(password)))
    try:
        yield name, make_conninfo(db_dsn, user=name, password=password)
    finally:
        db.execute(sql.SQL("revoke all on schema private from {}").format(role))
        if db.execute(
            "select to_regclass('supabase_migrations.schema_migrations') as t"
        ).fetchone()["t"]:
            db.execute(
                sql.SQL(
                    "revoke all on schema supabase_migrations from {0};"
                    " revoke all on supabase_migrations.schema_migrations from {0}"
                ).format(role)
            )
        db.execute(sql.SQL("drop role {}").format(role))


def test_a_role_without_usage_on_private_gets_could_not_read_and_no_verdict(
    reader_role: tuple[str, str], history: Connection, capsys: pytest.CaptureFixture[str]
):
    """Private's functions and the history table are unreadable: each is named, exit 2."""
    name, dsn = reader_role
    status, out = run(dsn, capsys)
    assert status == drift.Outcome.INCOMPLETE, out
    could_not = out.split("## Could not read")[1]
    for path in COMMITTED.files:
        if path.startswith("functions/private."):
            function = path.removeprefix("functions/").removesuffix(".txt")
            assert f"- could not read function {function}(" in could_not, function
    assert f"as {name}: InsufficientPrivilege: permission denied for schema private" in could_not
    assert f"- could not read {drift.HISTORY_TABLE} as {name}: InsufficientPrivilege" in could_not
    assert "every object the migrations own that could be read is as contract/" in out
    assert out.splitlines()[-1].startswith("Result: INCOMPLETE: no drift in what could be read")


def test_an_unreadable_object_does_not_hide_drift_elsewhere(
    reader_role: tuple[str, str], db: Connection, capsys: pytest.CaptureFixture[str]
):
    """Drift in what could be read still exits 1, and the verdict says it is incomplete."""
    db.execute(DRIFTS["extra grant"][0])
    status, out = run(reader_role[1], capsys)
    assert status == drift.Outcome.DRIFT, out
    assert DRIFTS["extra grant"][1][0] in out
    assert "(incomplete: some objects could not be read)" in out


def test_a_role_that_may_only_read_gets_the_whole_report(
    reader_role: tuple[str, str], history: Connection, capsys: pytest.CaptureFixture[str]
):
    """USAGE on private and SELECT on the history table are all it needs: no drift, exit 0."""
    name, dsn = reader_role
    for migration in chain.discover():  # the history of a project that ran the whole chain
        version, stem = migration.stem.split("_", 1)
        history.execute(
            "insert into supabase_migrations.schema_migrations (version, name) values (%s, %s)",
            (version, stem),
        )
    history.execute(
        sql.SQL(
            "grant usage on schema private, supabase_migrations to {0};"
            " grant select on supabase_migrations.schema_migrations to {0}"
        ).format(sql.Identifier(name))
    )
    status, out = run(dsn, capsys)
    assert status == drift.Outcome.NO_DRIFT, out
    assert f" as {name} " in out
    assert f"- {FIRST.stem}: applied; history: recorded" in out


# --------------------------------------------------------------------------- read only


def test_the_session_refuses_every_write(db_dsn: str):
    """The connection drift reads through: read-only transactions, and read-only by default."""
    with drift.open_read_only(db_dsn) as conn:
        row = conn.execute("show transaction_read_only").fetchone()
        assert row == ("on",)
        assert conn.execute("show lock_timeout").fetchone() == (drift.LOCK_TIMEOUT,)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("create table public.drift_probe (id int)")
        conn.rollback()
        conn.read_only = None  # a plain begin: the session default decides
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("insert into public.hyrox_stations default values")
        conn.rollback()


def test_every_connection_the_command_opens_asks_for_read_only(
    db_dsn: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    """A spy on psycopg.connect: one connection, to the given database, read-only option set."""
    opened: list[dict[str, Any]] = []
    real = psycopg.connect

    def spy(conninfo: str = "", **kwargs: Any) -> psycopg.Connection[Any]:  # noqa: ANN401 - psycopg kwargs
        opened.append({"conninfo": conninfo, **kwargs})
        return real(conninfo, **kwargs)

    monkeypatch.setattr(psycopg, "connect", spy)
    status, out = run(db_dsn, capsys)
    assert status == drift.Outcome.NO_DRIFT, out
    assert len(opened) == 1, opened
    assert opened[0]["conninfo"] == db_dsn
    assert drift.READ_ONLY_OPTION in opened[0]["options"]


def test_the_command_writes_nothing_and_creates_no_database(
    pg_server: PgServer, db: Connection, db_dsn: str, capsys: pytest.CaptureFixture[str]
):
    """No transaction id taken (nothing written anywhere), the same databases after as before.

    Transaction ids are server-wide, so this needs a server where nothing else
    writes meanwhile: the embedded one (autovacuum off, this process only), once no clone is
    being made ahead (the drift run itself clones nothing, so none starts meanwhile).
    """
    if not pg_server.embedded:
        pytest.skip("transaction ids are server-wide: only the embedded server is quiet enough")
    databases.settle()
    all_names = "select array_agg(datname order by datname) as names from pg_database"
    before_databases = db.execute(all_names).fetchone()
    before = db.execute("select pg_current_xact_id()::text::bigint as xid").fetchone()
    status, out = run(db_dsn, capsys)
    after = db.execute("select pg_current_xact_id()::text::bigint as xid").fetchone()
    assert status == drift.Outcome.NO_DRIFT, out
    assert before is not None
    assert after is not None
    assert after["xid"] == before["xid"] + 1, "the drift run took a transaction id: it wrote"
    assert db.execute(all_names).fetchone() == before_databases


# --------------------------------------------------------------------------- the entry point


def test_an_unreachable_database_exits_2_with_the_reason(
    db_dsn: str, capsys: pytest.CaptureFixture[str]
):
    """No connection: exit 2 and "could not connect", never a verdict on drift."""
    status, out = run(make_conninfo(db_dsn, dbname="hyrox_no_such_database"), capsys)
    assert status == drift.Outcome.INCOMPLETE
    assert "drift: could not connect" in out
    assert "Result" not in out


def test_no_dsn_exits_2_naming_the_option_and_variable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    """Neither --dsn nor HYROX_DRIFT_DSN: exit 2, saying how to give one."""
    monkeypatch.delenv(drift.DSN_ENV, raising=False)
    assert main(["drift"]) == drift.Outcome.INCOMPLETE
    assert f"give --dsn or set {drift.DSN_ENV}" in capsys.readouterr().err


def test_python_dash_m_runs_it_with_the_dsn_from_the_environment(db_dsn: str):
    """The real entry point, in a subprocess, DSN from HYROX_DRIFT_DSN."""
    completed = subprocess.run(
        [sys.executable, "-m", "hyrox_schema.contract", "drift"],
        cwd=contract.REPO_ROOT,
        env={**os.environ, drift.DSN_ENV: db_dsn},
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.rstrip().endswith("Result: no drift")
