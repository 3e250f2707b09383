"""Running manage.py and python under the production settings in a child process."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# A key as get_random_secret_key() makes one: 50 characters of a 50-letter alphabet.
PROPER_SECRET_KEY = "q8$w!z2m^r7k(v_c4n+e9x@t1y6u&h3j0g5f-d8s=a7p*o2i#l"


def production_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LOGIN_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "retryadmin.settings.production",
            "DJANGO_SECRET_KEY": PROPER_SECRET_KEY,
            "DJANGO_ALLOWED_HOSTS": "retry.example.com,testserver",
        }
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def run_python(code: str, **overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=production_env(**overrides),
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_manage(*args: str, **overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=production_env(**overrides),
        capture_output=True,
        text=True,
        timeout=300,
    )


def print_settings(*names: str, **overrides: str) -> subprocess.CompletedProcess:
    code = (
        "import django; from django.conf import settings; django.setup(); "
        f"print(repr([getattr(settings, name) for name in {list(names)!r}]))"
    )
    return run_python(code, **overrides)
