"""A throw-away PostgreSQL database for a benchmark run."""

import os
import sys
from urllib.parse import urlsplit, urlunsplit


def use_scratch_database(name: str, default_url: str = "") -> str:
    """Drop and create database `name` on DATABASE_URL's server (or `default_url`'s) and point
    DATABASE_URL at it. Returns the new URL; exits with a message when the server is not PostgreSQL."""
    import psycopg

    url = os.environ.get("DATABASE_URL", default_url)
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL must point at a PostgreSQL server (postgres://...)")
    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    scratch = urlunsplit(parts._replace(path=f"/{name}"))
    os.environ["DATABASE_URL"] = scratch
    return scratch
