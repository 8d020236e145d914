"""The template layers' loader lists, as the suite's root conftest passes them to
:func:`hyrox_schema.databases.template_layer`.

Layer (a), before 001: :func:`hyrox_schema.loaders.before_001_loaders`. Layer (b), after 001:
the plain chain and seeds (:func:`hyrox_schema.loaders.after_001_loaders`), or, with
``--upgrade-from N``, the way the live project gets it: the chain up to N, the seeds, the upgrade
data set, the newer migrations, every row checked (:func:`hyrox_schema.upgrade.build_upgraded`).

The choice is made when the layer is built, after ``pytest_configure`` has read
``--upgrade-from`` (and by the contract builder and the mutation runner, which build layers
outside pytest). Imports run one way:
this module -> upgrade -> loaders -> chain.
"""

from __future__ import annotations

from typing import Unpack

from hyrox_schema import chain, loaders, upgrade
from hyrox_schema.loaders import Loader, LoaderArgs, Login


def before_001_loaders(superuser: Login | None) -> list[Loader]:
    """Layer (a): the Supabase stand-in and the production state."""
    return loaders.before_001_loaders(superuser)


def load_after_001(**kwargs: Unpack[LoaderArgs]) -> None:
    """Layer (b): the chain and the seeds, or the upgrade path when ``--upgrade-from`` is set."""
    selection = chain.SELECTION
    if selection.upgrade_from is None:
        for load in loaders.after_001_loaders():
            load(**kwargs)
        return
    with loaders.connect(**kwargs) as conn:
        upgrade.build_upgraded(
            conn, selection.chain(), selection.upgrade_from, loaders.seed_files()
        )


def after_001_loaders() -> list[Loader]:
    """Layer (b)'s loader list: one loader that picks the plain or the upgrade path."""
    return [load_after_001]
