"""One migrated database (with the giving organization every test here uses) copied for each test: a test starts
from `CREATE DATABASE ... TEMPLATE`, in well under a second, instead of running every migration again."""

import pytest

from tests.production.stack import fresh_database, manage, production_env, run_python

GIVING_ORG = """
from tests import factories
factories.giving_organization(name="Helping Hands Korea", slug="helping-hands-korea")
"""


@pytest.fixture(scope="session")
def migrated() -> str:
    """The template database's name."""
    with fresh_database("wt_prod_template") as database_url:
        env = production_env(database_url, redis_url=None)
        manage(env, "migrate", "--noinput", "-v0")
        run_python(env, GIVING_ORG)
        yield database_url.rsplit("/", 1)[1]
