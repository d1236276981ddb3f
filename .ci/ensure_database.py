"""Create the PostgreSQL database DATABASE_URL names when it is missing (CI has only the test ones).

Run by .ci/schemathesis.sh and .ci/clients.sh before they migrate; anything but PostgreSQL is left alone.
"""

import os

import environ
import psycopg
from psycopg import sql

config = environ.Env.db_url_config(os.environ["DATABASE_URL"])
if "postgresql" in config["ENGINE"]:
    with psycopg.connect(host=config["HOST"] or None, port=config["PORT"] or None, user=config["USER"] or None,
                         password=config["PASSWORD"] or None, dbname="postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
