import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Production refuses "x" * 50 since issue 13 (five different characters at least): a generated key.
PROPER_SECRET_KEY = "q8$w!z2m^r7k(v_c4n+e9x@t1y6u&h3j0g5f-d8s=a7p*o2i#l"


def _import_production(env):
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; from django.conf import settings; django.setup(); print(settings.DEBUG)",
        ],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
            "DJANGO_SETTINGS_MODULE": "retryadmin.settings.production",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    run = _import_production({})
    assert run.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in run.stderr


def test_production_refuses_to_start_with_debug_on():
    run = _import_production({"DJANGO_SECRET_KEY": PROPER_SECRET_KEY, "DJANGO_DEBUG": "true"})
    assert run.returncode != 0
    assert "DJANGO_DEBUG must be off" in run.stderr


def test_production_starts_with_a_secret_and_debug_off():
    run = _import_production({"DJANGO_SECRET_KEY": PROPER_SECRET_KEY})
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "False"


def test_time_zone_settings(settings):
    assert settings.TIME_ZONE == "UTC"
    assert settings.USE_TZ is True
