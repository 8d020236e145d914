"""The query families of the RLS benchmark, as PostgREST would send them, and the variants.

Variants (the same request, the same data):

* ``ours``  (a) the schema's policies, run as ``authenticated`` with the athlete's JWT claims;
  writes leave ``athlete_id`` to its default, as a client may;
* ``owner`` (b) the same statements with the owner filter written by hand
  (``athlete_id = <the athlete>`` on every table; writes pass ``athlete_id``),
  run as the table owner, which bypasses RLS: the physical limit;
* ``draft`` (c) the ``ours`` statements on a copy of the database whose policies
  are the brief's draft (nested ``... in (select ... where user_id = auth.uid())``);
* ``ours_explicit`` (a') writes only: ``ours``, but the client passes ``athlete_id``
  in the body (the profile id it already holds), so no default runs per row;
* ``uid`` (a2) a design alternative: profile id = auth user id, so every policy
  reads ``athlete_id = (select auth.uid())`` and the default is ``auth.uid()``;
  on a copy of the same dataset generated with those ids (see uid_policies.sql);
* ``uid_owner`` (b2) the owner's hand-written statements on that copy: a2's own limit;
* ``inline`` (a3) a design alternative: every athlete-table policy inlines the
  identity lookup, ``athlete_id = (select p.id from public.athlete_profiles as p
  where p.user_id = (select auth.uid()))``, instead of calling
  ``private.current_athlete_id()``; on a copy of the same dataset (see inline_policies.sql);
* ``inline_owner`` (b3) the owner's hand-written statements on that copy: b on a3's
  own connection, so a3/b3 has no per-backend bias (a3/b crosses two backends).

Variants on the same database share one connection (one backend), as PostgREST's
pooled connections serve every role: a per-backend speed difference on a busy
machine then cannot bias a/b or a2/b2.

A request runs like PostgREST runs one: a transaction that first sets the
search_path, the role and the JWT claims transaction-locally (one statement),
then runs the request's statements. Benchmarks roll every write back, so the
data stays the same from round to round and from variant to variant; reads
commit, so psycopg's prepared statements keep their plans (see run_request).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any, Literal, get_args

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row
from psycopg.types.json import Json

from hyrox_schema.bench import families as family_info
from hyrox_schema.bench.families import FamilyInfo, Variant
from hyrox_schema.impersonation import REQUEST_SEARCH_PATH, athlete_claims
from tests.benchmarks.datasets import LEAN_SCALES, Athlete

# The issue's three variants, run by every family.
VARIANTS: tuple[Variant, ...] = ("ours", "owner", "draft")
# Every family also runs the design alternative; writes run ours_explicit too.
ALL_VARIANTS: tuple[Variant, ...] = get_args(Variant)
# The database each variant runs on: the migrated copy, or a twin with other policies.
Database = Literal["ours", "draft", "uid", "inline"]
VARIANT_DATABASE: dict[Variant, Database] = {
    "ours": "ours",
    "owner": "ours",
    "draft": "draft",
    "uid": "uid",
    "uid_owner": "uid",
    "inline": "inline",
    "inline_owner": "inline",
    "ours_explicit": "ours",
}
# Variants that run as the table owner (RLS bypassed), and those that send the
# owner by hand (filters on reads, athlete_id in write bodies).
OWNER_ROLE: frozenset[Variant] = frozenset({"owner", "uid_owner", "inline_owner"})
OWNER_BY_HAND: frozenset[Variant] = frozenset(
    {"owner", "uid_owner", "inline_owner", "ours_explicit"}
)

# A fixed issue time keeps the claims (and so the statements) identical across runs.
CLAIMS_ISSUED_AT = 1_767_225_600  # 2026-01-01T00:00:00Z


@dataclass(frozen=True)
class Statement:
    """One SQL statement of a request, with its parameters."""

    query: sql.Composed
    params: dict[str, Any]


@dataclass(frozen=True)
class Family(FamilyInfo):
    """A request the app sends (its report metadata: :mod:`hyrox_schema.bench.families`), as
    statements; ``build(athlete, owner)`` makes them."""

    build: Callable[[Athlete, bool], list[Statement]]


def _own(alias: str, owner: bool) -> sql.Composable:
    """The hand-written owner filter on ``alias`` (variant b), or nothing (RLS decides)."""
    if not owner:
        return sql.SQL("")
    return sql.SQL(" and {}.athlete_id = %(athlete_id)s").format(sql.Identifier(alias))


def postgrest_read(source: sql.Composable) -> sql.Composed:
    """Wrap a read the way PostgREST 12 does: a CTE, then one JSON body row."""
    return sql.SQL(
        "with pgrst_source as ({source}) "
        "select null::bigint as total_result_set, pg_catalog.count(_postgrest_t) as page_total, "
        "coalesce(json_agg(_postgrest_t), '[]') as body, "
        "nullif(current_setting('response.headers', true), '') as response_headers, "
        "nullif(current_setting('response.status', true), '') as response_status "
        "from (select * from pgrst_source) as _postgrest_t"
    ).format(source=source)


def postgrest_insert(table: str, columns: Sequence[tuple[str, str]]) -> sql.Composed:
    """A PostgREST 12 bulk insert of a JSON array body (``Prefer: return=representation``).

    Columns missing from ``columns`` get their defaults (``athlete_id`` in the
    ``ours``/``draft`` variants). The body is parameter ``%(body)s``.
    """
    names = sql.SQL(", ").join(sql.Identifier(name) for name, _ in columns)
    picked = sql.SQL(", ").join(sql.Identifier("pgrst_body", name) for name, _ in columns)
    declared = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(type_)) for name, type_ in columns
    )
    target = sql.Identifier("public", table)
    return sql.SQL(
        "with pgrst_source as ("
        "insert into {target} ({names}) select {picked} "
        "from (select %(body)s::json as json_data) as pgrst_payload, "
        "lateral (select case when json_typeof(pgrst_payload.json_data) = 'array' "
        "then pgrst_payload.json_data else json_build_array(pgrst_payload.json_data) end as val) "
        "as pgrst_uniform_json, "
        "lateral (select * from json_to_recordset(pgrst_uniform_json.val) as _({declared})) "
        "as pgrst_body "
        "returning {target}.*) "
        "select '' as total_result_set, pg_catalog.count(_postgrest_t) as page_total, "
        "coalesce(json_agg(_postgrest_t), '[]') as body "
        "from (select * from pgrst_source) as _postgrest_t"
    ).format(target=target, names=names, picked=picked, declared=declared)


# --------------------------------------------------------------------------- reads


def _plan_whole(athlete: Athlete, owner: bool) -> list[Statement]:
    source = sql.SQL(
        "select p.*, coalesce(pw.body, '[]') as training_plan_weeks "
        "from public.training_plans as p "
        "left join lateral ("
        " select json_agg(w_row)::jsonb as body from ("
        "  select w.*, coalesce(wd.body, '[]') as training_plan_days "
        "  from public.training_plan_weeks as w "
        "  left join lateral ("
        "   select json_agg(d_row)::jsonb as body from ("
        "    select d.* from public.training_plan_days as d "
        "    where d.training_plan_week_id = w.id and d.athlete_id = w.athlete_id{own_d} "
        "    order by d.day_of_week, d.session_order) as d_row"
        "  ) as wd on true "
        "  where w.training_plan_id = p.id and w.athlete_id = p.athlete_id{own_w} "
        "  order by w.week_number) as w_row"
        ") as pw on true "
        "where p.id = %(plan_id)s{own_p}"
    ).format(own_d=_own("d", owner), own_w=_own("w", owner), own_p=_own("p", owner))
    return [Statement(postgrest_read(source), {"plan_id": athlete.plan_id, **_who(athlete)})]


def _plan_week(athlete: Athlete, owner: bool) -> list[Statement]:
    source = sql.SQL(
        "select w.*, coalesce(wd.body, '[]') as training_plan_days "
        "from public.training_plan_weeks as w "
        "left join lateral ("
        " select json_agg(d_row)::jsonb as body from ("
        "  select d.* from public.training_plan_days as d "
        "  where d.training_plan_week_id = w.id and d.athlete_id = w.athlete_id{own_d} "
        "  order by d.day_of_week, d.session_order) as d_row"
        ") as wd on true "
        "where w.training_plan_id = %(plan_id)s and w.week_number = %(week_number)s{own_w}"
    ).format(own_d=_own("d", owner), own_w=_own("w", owner))
    params = {"plan_id": athlete.plan_id, "week_number": athlete.week_number, **_who(athlete)}
    return [Statement(postgrest_read(source), params)]


def _today(athlete: Athlete, owner: bool) -> list[Statement]:
    # The body of an invoker RPC today_session(day): the days of the active plan
    # scheduled for the day. scheduled_date is the brief's date rule (start_date +
    # (week_number - 1) * 7 + (day_of_week - 1)) stored by the schema's triggers, so
    # the (athlete_id, scheduled_date) index finds the day; weeks and plan are then
    # probed by primary key to keep only the active, non-deleted plan.
    source = sql.SQL(
        "select d.* "
        "from public.training_plan_days as d "
        "join public.training_plan_weeks as w"
        " on w.id = d.training_plan_week_id and w.athlete_id = d.athlete_id{own_w} "
        "join public.training_plans as p"
        " on p.id = w.training_plan_id and p.athlete_id = w.athlete_id{own_p} "
        "where d.scheduled_date = %(today)s::date{own_d} "
        "and p.status = 'active' and p.deleted_at is null "
        "order by d.session_order"
    ).format(own_d=_own("d", owner), own_w=_own("w", owner), own_p=_own("p", owner))
    return [Statement(postgrest_read(source), {"today": athlete.today, **_who(athlete)})]


def today_with_derived_date(athlete: Athlete, owner: bool) -> list[Statement]:
    # The same request before scheduled_date existed: the date derived per row, which
    # no index can serve (every day of the active plan is read). Not a benchmark family:
    # the plan-shape tests contrast it with today's shape.
    source = sql.SQL(
        "select d.* "
        "from public.training_plans as p "
        "join public.training_plan_weeks as w"
        " on w.training_plan_id = p.id and w.athlete_id = p.athlete_id{own_w} "
        "join public.training_plan_days as d"
        " on d.training_plan_week_id = w.id and d.athlete_id = w.athlete_id{own_d} "
        "where p.status = 'active' and p.deleted_at is null{own_p} "
        "and p.start_date + (w.week_number - 1) * 7 + (d.day_of_week - 1) = %(today)s::date "
        "order by d.session_order"
    ).format(own_d=_own("d", owner), own_w=_own("w", owner), own_p=_own("p", owner))
    return [Statement(postgrest_read(source), {"today": athlete.today, **_who(athlete)})]


def _logs_recent(athlete: Athlete, owner: bool) -> list[Statement]:
    source = sql.SQL(
        "select l.* from public.workout_logs as l "
        "where l.deleted_at is null{own_l} "
        "order by l.date desc limit 20 offset 0"
    ).format(own_l=_own("l", owner))
    return [Statement(postgrest_read(source), _who(athlete))]


def _race_splits(athlete: Athlete, owner: bool) -> list[Statement]:
    source = sql.SQL(
        "select r.*, coalesce(rs.body, '[]') as race_splits "
        "from public.race_results as r "
        "left join lateral ("
        " select json_agg(s_row)::jsonb as body from ("
        "  select s.* from public.race_splits as s "
        "  where s.race_result_id = r.id and s.athlete_id = r.athlete_id{own_s} "
        "  order by s.split_number) as s_row"
        ") as rs on true "
        "where r.id = %(race_id)s{own_r}"
    ).format(own_s=_own("s", owner), own_r=_own("r", owner))
    return [Statement(postgrest_read(source), {"race_id": athlete.race_id, **_who(athlete)})]


def _pr_station(athlete: Athlete, owner: bool) -> list[Statement]:
    source = sql.SQL(
        "select pr.date_achieved, pr.value, pr.value_unit, pr.context "
        "from public.personal_records as pr "
        "where pr.record_type = 'station_time' and pr.station_id = %(station_id)s{own_pr} "
        "order by pr.date_achieved"
    ).format(own_pr=_own("pr", owner))
    return [Statement(postgrest_read(source), {"station_id": athlete.station_id, **_who(athlete)})]


def _messages_latest(athlete: Athlete, owner: bool) -> list[Statement]:
    source = sql.SQL(
        "select m.* from public.messages as m "
        "where m.conversation_id = %(conversation_id)s{own_m} "
        "order by m.created_at desc limit 50 offset 0"
    ).format(own_m=_own("m", owner))
    params = {"conversation_id": athlete.conversation_id, **_who(athlete)}
    return [Statement(postgrest_read(source), params)]


def _who(athlete: Athlete) -> dict[str, Any]:
    return {"athlete_id": athlete.athlete_id}


# --------------------------------------------------------------------------- writes

PLAN_COLUMNS = [
    ("id", "uuid"),
    ("plan_name", "text"),
    ("duration_weeks", "smallint"),
    ("goal", "text"),
    ("difficulty", "text"),
    ("is_ai_generated", "boolean"),
    ("status", "text"),
    ("start_date", "date"),
    ("end_date", "date"),
]
WEEK_COLUMNS = [
    ("id", "uuid"),
    ("training_plan_id", "uuid"),
    ("week_number", "smallint"),
    ("focus", "text"),
    ("target_volume_hours", "numeric"),
]
DAY_COLUMNS = [
    ("id", "uuid"),
    ("training_plan_week_id", "uuid"),
    ("day_of_week", "smallint"),
    ("session_order", "smallint"),
    ("workout_title", "text"),
    ("workout_description", "text"),
    ("workout_details", "jsonb"),
    ("session_type", "text"),
    ("estimated_duration_minutes", "integer"),
    ("is_rest_day", "boolean"),
]
LOG_COLUMNS = [
    ("id", "uuid"),
    ("date", "date"),
    ("session_type", "text"),
    ("completion_status", "text"),
    ("duration_minutes", "integer"),
    ("rpe_post", "smallint"),
    ("training_plan_day_id", "uuid"),
]
OWNER_COLUMN = ("athlete_id", "uuid")
SESSION_TYPES = ["run", "strength", "hiit", "run", "simulation", "recovery", "rest"]


def _rows(rows: list[dict[str, Any]], athlete: Athlete, owner: bool) -> Json:
    """The JSON body; the owner passes athlete_id, the athlete leaves it to the default."""
    if owner:
        rows = [{**row, "athlete_id": str(athlete.athlete_id)} for row in rows]
    return Json(rows, dumps=lambda value: json.dumps(value, default=str))


def _columns(columns: list[tuple[str, str]], owner: bool) -> list[tuple[str, str]]:
    return [*columns, OWNER_COLUMN] if owner else columns


def _plan_create(athlete: Athlete, owner: bool) -> list[Statement]:
    # Client-generated ids, as a client that posts the three levels in one go must.
    plan_id = uuid.uuid4()
    start = athlete.today
    plan = {
        "id": plan_id,
        "plan_name": "Next block",
        "duration_weeks": 16,
        "goal": "Sub-85 finish",
        "difficulty": "advanced",
        "is_ai_generated": True,
        "status": "draft",
        "start_date": start,
        "end_date": start + timedelta(days=111),
    }
    weeks = [
        {
            "id": uuid.uuid4(),
            "training_plan_id": plan_id,
            "week_number": number,
            "focus": "Race Simulation" if number > 12 else "Base Building",
            "target_volume_hours": 6 + number % 4,
        }
        for number in range(1, 17)
    ]
    days = [
        {
            "id": uuid.uuid4(),
            "training_plan_week_id": week["id"],
            "day_of_week": dow,
            "session_order": 1,
            "workout_title": SESSION_TYPES[dow - 1].title(),
            "workout_description": "As prescribed",
            "workout_details": {"blocks": [{"exercise": "Sled Push", "sets": 4, "meters": 25}]},
            "session_type": SESSION_TYPES[dow - 1],
            "estimated_duration_minutes": 0 if dow == 7 else 60,
            "is_rest_day": dow == 7,
        }
        for week in weeks
        for dow in range(1, 8)
    ]
    return [
        Statement(
            postgrest_insert("training_plans", _columns(PLAN_COLUMNS, owner)),
            {"body": _rows([plan], athlete, owner)},
        ),
        Statement(
            postgrest_insert("training_plan_weeks", _columns(WEEK_COLUMNS, owner)),
            {"body": _rows(weeks, athlete, owner)},
        ),
        Statement(
            postgrest_insert("training_plan_days", _columns(DAY_COLUMNS, owner)),
            {"body": _rows(days, athlete, owner)},
        ),
    ]


def _day_complete(athlete: Athlete, owner: bool) -> list[Statement]:
    log = {
        "id": uuid.uuid4(),
        "date": athlete.today,
        "session_type": "strength",
        "completion_status": "completed",
        "duration_minutes": 55,
        "rpe_post": 7,
        "training_plan_day_id": athlete.open_day_id,
    }
    return [
        Statement(
            postgrest_insert("workout_logs", _columns(LOG_COLUMNS, owner)),
            {"body": _rows([log], athlete, owner)},
        )
    ]


# The statements of each family (its name, title and kind: hyrox_schema.bench.families).
BUILDERS: dict[str, Callable[[Athlete, bool], list[Statement]]] = {
    "plan_whole": _plan_whole,
    "plan_week": _plan_week,
    "today": _today,
    "logs_recent": _logs_recent,
    "race_splits": _race_splits,
    "pr_station": _pr_station,
    "messages_latest": _messages_latest,
    "plan_create": _plan_create,
    "day_complete": _day_complete,
}
FAMILIES: dict[str, Family] = {
    name: Family(**asdict(info), build=BUILDERS[name])
    for name, info in family_info.FAMILIES.items()
}
if BUILDERS.keys() != FAMILIES.keys():
    raise LookupError(
        "tests/benchmarks/queries.py BUILDERS and hyrox_schema/bench/families.py FAMILIES name "
        f"different families: {sorted(BUILDERS.keys() ^ FAMILIES.keys())}"
    )
READ_FAMILIES = [name for name, family in FAMILIES.items() if family.kind == "read"]
WRITE_FAMILIES = [name for name, family in FAMILIES.items() if family.kind == "write"]


# The variants of a lean scale (XL): the migration's database only.
LEAN_VARIANTS: frozenset[Variant] = frozenset({"ours", "owner", "ours_explicit"})


def variants_of(family: Family, scale: str = "S") -> tuple[Variant, ...]:
    """The variants a family is benchmarked in (ours_explicit only differs for writes).

    At a lean scale (XL) only the variants on the migration's own database run.
    """
    variants = (
        ALL_VARIANTS
        if family.kind == "write"
        else tuple(variant for variant in ALL_VARIANTS if variant != "ours_explicit")
    )
    if scale in LEAN_SCALES:
        return tuple(variant for variant in variants if variant in LEAN_VARIANTS)
    return variants


def statements_for(family: Family, athlete: Athlete, variant: Variant) -> list[Statement]:
    """The family's statements as ``variant`` sends them (owner columns/filters or not)."""
    return family.build(athlete, variant in OWNER_BY_HAND)


# --------------------------------------------------------------------------- running requests


def start_request(cur: psycopg.Cursor[Any], athlete: Athlete, variant: Variant) -> None:
    """PostgREST's per-request preamble, in one statement (the owner keeps its own role)."""
    claims = athlete_claims(
        athlete.user_id,
        email=f"athlete{athlete.number}@bench.test",
        issued_at=CLAIMS_ISSUED_AT,
        session_id=uuid.UUID(int=athlete.number),
    )
    role = (
        sql.SQL("")
        if variant in OWNER_ROLE
        else sql.SQL("set_config('role', 'authenticated', true), ")
    )
    cur.execute(
        sql.SQL(
            "select set_config('search_path', %s, true), {role}"
            "set_config('request.jwt.claims', %s, true), set_config('request.method', %s, true)"
        ).format(role=role),
        (REQUEST_SEARCH_PATH, json.dumps(claims), "GET"),
    )


def run_request(
    conn: psycopg.Connection[Any],
    athlete: Athlete,
    variant: Variant,
    statements: Sequence[Statement],
    *,
    rollback: bool = True,
) -> list[Any]:
    """Run one request in its own transaction; return each statement's body.

    Writes must be rolled back (``rollback=True``) so every round sees the same data.
    Reads may commit: psycopg forgets its prepared statements at every rollback, so only
    committed requests get cached plans, as PostgREST's prepared statements do.
    """
    bodies: list[Any] = []
    with conn.transaction(force_rollback=rollback), conn.cursor(row_factory=tuple_row) as cur:
        start_request(cur, athlete, variant)
        for statement in statements:
            cur.execute(statement.query, statement.params)
            row = cur.fetchone()
            assert row is not None
            bodies.append(row[2])
    return bodies


def explain_request(
    conn: psycopg.Connection[Any],
    athlete: Athlete,
    variant: Variant,
    statements: Sequence[Statement],
    *,
    rollback: bool = True,
) -> list[dict[str, Any]]:
    """EXPLAIN (ANALYZE, VERBOSE, TIMING OFF) each statement of a request (see run_request)."""
    plans: list[dict[str, Any]] = []
    with conn.transaction(force_rollback=rollback), conn.cursor(row_factory=tuple_row) as cur:
        start_request(cur, athlete, variant)
        for statement in statements:
            cur.execute(
                sql.SQL("explain (analyze, verbose, timing off, summary, format json) {}").format(
                    statement.query
                ),
                statement.params,
            )
            row = cur.fetchone()
            assert row is not None
            document = row[0] if not isinstance(row[0], str) else json.loads(row[0])
            plans.append(document[0])
    return plans
