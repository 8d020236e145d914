"""Act as PostgREST does for one request: ``set local role`` plus the JWT claims.

PostgREST (12+) starts a transaction per request and sets, transaction-locally and in one
statement, ``set_config('search_path', ...)``, the role from the JWT (``set local role``) and
``set_config('request.jwt.claims', <claims json>, true)``. :func:`acting_as`
does the same inside a nested transaction (a savepoint when the connection is
already in one), so an expected error raised inside the block — say
``psycopg.errors.InsufficientPrivilege`` — can be caught by the test without
aborting its outer transaction.

Usage::

    with acting_as(conn, athlete_claims(user_id)):
        rows = conn.execute("select * from public.goals").fetchall()

    with pytest.raises(psycopg.errors.InsufficientPrivilege), acting_as(conn, anon_claims()):
        conn.execute("insert into public.goals ...")
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, get_args

import psycopg
from psycopg.rows import tuple_row

Role = Literal["anon", "authenticated", "service_role"]
API_ROLES: tuple[Role, ...] = get_args(Role)

PROJECT_REF = "txwkfaygckwxddxjlsun"
AUTH_ISSUER = f"https://{PROJECT_REF}.supabase.co/auth/v1"
TOKEN_TTL_SECONDS = 3600
# Supabase's PostgREST: db-schemas = public, db-extra-search-path = public, extensions.
REQUEST_SEARCH_PATH = "public, extensions"

ConnT = TypeVar("ConnT", bound=psycopg.Connection[Any])


class ImpersonationError(RuntimeError):
    """The block would not run as the intended role (the test would prove nothing)."""


@dataclass(frozen=True)
class Actor:
    """Who a request runs as: the database role and the JWT claims PostgREST would set."""

    role: Role
    claims: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.role not in API_ROLES:
            raise ValueError(f"not a Supabase API role: {self.role!r}")

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> Actor:
        """The actor for a JWT: like PostgREST, take the role from the ``role`` claim."""
        return cls(role=claims.get("role"), claims=claims)  # type: ignore[arg-type]  # validated

    @property
    def user_id(self) -> uuid.UUID | None:
        """The ``sub`` claim as a UUID (None for the anon and service keys)."""
        sub = self.claims.get("sub")
        return uuid.UUID(str(sub)) if sub else None


def athlete_claims(
    user_id: uuid.UUID | str,
    *,
    email: str | None = None,
    phone: str = "",
    is_anonymous: bool = False,
    issued_at: int | None = None,
    session_id: uuid.UUID | str | None = None,
    user_metadata: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Claims of a GoTrue access token for a signed-in (or anonymous) user.

    Anonymous sign-ins are role ``authenticated`` with ``is_anonymous: true``,
    no email and an ``anonymous`` amr entry.
    """
    iat = int(time.time()) if issued_at is None else issued_at
    sub = str(user_id)
    if is_anonymous:
        email_claim = ""
        app_metadata: dict[str, Any] = {}
        amr = [{"method": "anonymous", "timestamp": iat}]
        default_metadata: dict[str, Any] = {}
    else:
        email_claim = email if email is not None else f"athlete-{sub[:8]}@example.com"
        app_metadata = {"provider": "email", "providers": ["email"]}
        amr = [{"method": "password", "timestamp": iat}]
        default_metadata = {
            "email": email_claim,
            "email_verified": True,
            "phone_verified": False,
            "sub": sub,
        }
    return {
        "iss": AUTH_ISSUER,
        "sub": sub,
        "aud": "authenticated",
        "exp": iat + TOKEN_TTL_SECONDS,
        "iat": iat,
        "email": email_claim,
        "phone": phone,
        "app_metadata": app_metadata,
        "user_metadata": dict(user_metadata) if user_metadata is not None else default_metadata,
        "role": "authenticated",
        "aal": "aal1",
        "amr": amr,
        "session_id": str(session_id or uuid.uuid4()),
        "is_anonymous": is_anonymous,
    }


def _api_key_claims(role: Role, issued_at: int | None) -> dict[str, Any]:
    iat = int(time.time()) if issued_at is None else issued_at
    return {
        "iss": "supabase",
        "ref": PROJECT_REF,
        "role": role,
        "iat": iat,
        "exp": iat + 10 * 365 * 86400,
    }


def anon_claims(*, issued_at: int | None = None) -> dict[str, Any]:
    """Claims of the project's anon key (no ``sub``: ``auth.uid()`` is NULL)."""
    return _api_key_claims("anon", issued_at)


def service_claims(*, issued_at: int | None = None) -> dict[str, Any]:
    """Claims of the project's service_role key (BYPASSRLS)."""
    return _api_key_claims("service_role", issued_at)


# One round trip, as PostgREST sets its request locals in one ``select set_config(...)``:
# read what is there (the FROM subquery, kept apart by ``offset 0``, is evaluated before the
# select list), then set the search_path, the claims and the role transaction-locally
# (``set_config('role', r, true)`` is ``set local role r``, with the same membership check).
_SWITCH = """
select previous.role, previous.claims, previous.search_path,
       set_config('search_path', %s, true),
       set_config('request.jwt.claims', %s, true),
       set_config('role', %s, true)
from (select current_setting('role'),
             coalesce(current_setting('request.jwt.claims', true), ''),
             current_setting('search_path')
      offset 0) as previous(role, claims, search_path)
"""


@contextmanager
def acting_as(conn: ConnT, actor: Actor | Mapping[str, Any]) -> Iterator[ConnT]:
    """Run the block as PostgREST would run a request for ``actor``; restore on exit.

    Raises :class:`ImpersonationError` if ``current_user`` is not the actor's
    role after the switch. On a clean exit inside an outer transaction the previous role,
    claims and search_path are restored explicitly (``set local`` survives RELEASE
    SAVEPOINT); on an error the savepoint rollback reverts them. A block that is the
    transaction (an autocommit connection) needs neither: its COMMIT ends every ``set local``.
    """
    who = actor if isinstance(actor, Actor) else Actor.from_claims(actor)
    own_transaction = conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    with conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            _SWITCH, (REQUEST_SEARCH_PATH, json.dumps(dict(who.claims), default=str), who.role)
        )
        switched = cur.fetchone()
        assert switched is not None
        previous = switched[:3]
        cur.execute("select current_user")
        row = cur.fetchone()
        if row is None or row[0] != who.role:
            raise ImpersonationError(f"expected current_user {who.role!r}, got {row!r}")

        yield conn

        if own_transaction:
            return  # the COMMIT ends the request's settings, as PostgREST's does
        cur.execute(
            "select set_config('role', %s, true),"
            " set_config('request.jwt.claims', %s, true),"
            " set_config('search_path', %s, true)",
            previous,
        )
