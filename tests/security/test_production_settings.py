"""Production's start-up checks: the secret key, HSTS, and `check --deploy` without a warning."""

import ast

import pytest
from django.core.management.utils import get_random_secret_key

from retryadmin.settings.secret_key import DEVELOPMENT_SECRET_KEY, TEST_SECRET_KEY, weak_secret_key_reason

from .production import PROPER_SECRET_KEY, print_settings, run_manage


@pytest.mark.parametrize(
    "key, reason",
    [
        ("", "must be set"),
        ("changeme", "placeholder"),
        ("CHANGEME", "placeholder"),
        ("changeme" * 10, "placeholder"),
        ("secret", "placeholder"),
        ("django-insecure-" + get_random_secret_key(), "placeholder"),
        ("please-change-me-" + get_random_secret_key(), "placeholder"),
        (DEVELOPMENT_SECRET_KEY, "development or test key"),
        (TEST_SECRET_KEY, "development or test key"),
        (get_random_secret_key()[:49], "49 characters; production needs at least 50"),
        ("ab" * 40, "2 different characters"),
        ("x" * 50, "1 different characters"),
    ],
)
def test_weak_secret_keys_are_named_with_the_reason(key, reason):
    assert reason in weak_secret_key_reason(key)


def test_a_generated_secret_key_is_fit_for_production():
    assert weak_secret_key_reason(get_random_secret_key()) is None
    assert weak_secret_key_reason(PROPER_SECRET_KEY) is None


@pytest.mark.parametrize(
    "key, message",
    [
        ("changeme", "DJANGO_SECRET_KEY is a known placeholder"),
        ("django-insecure-" + get_random_secret_key(), "DJANGO_SECRET_KEY is a known placeholder"),
        (DEVELOPMENT_SECRET_KEY, "DJANGO_SECRET_KEY is the development or test key"),
        ("k3y" * 10, "DJANGO_SECRET_KEY has 30 characters; production needs at least 50"),
    ],
)
def test_production_refuses_to_start_with_a_weak_secret_key(key, message):
    run = print_settings("DEBUG", DJANGO_SECRET_KEY=key)
    assert run.returncode != 0
    assert "ImproperlyConfigured" in run.stderr
    assert message in run.stderr
    assert "get_random_secret_key" in run.stderr


def test_production_sends_hsts_for_a_year_with_subdomains_and_preload_by_default():
    run = print_settings("SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD")
    assert run.returncode == 0, run.stderr
    assert ast.literal_eval(run.stdout.strip()) == [31_536_000, True, True]


def test_preload_and_the_hsts_age_are_configurable():
    run = print_settings(
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_PRELOAD",
        DJANGO_SECURE_HSTS_PRELOAD="false",
        DJANGO_SECURE_HSTS_SECONDS="600",
    )
    assert run.returncode == 0, run.stderr
    assert ast.literal_eval(run.stdout.strip()) == [600, False]


def test_sign_in_throttle_limits_come_from_the_environment():
    run = print_settings("AXES_FAILURE_LIMIT", "AXES_COOLOFF_TIME", LOGIN_FAILURE_LIMIT="8", LOGIN_LOCKOUT_MINUTES="30")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[8, datetime.timedelta(seconds=1800)]"


def test_check_deploy_with_a_proper_secret_and_hosts_prints_no_warning():
    run = run_manage("check", "--deploy")
    assert run.returncode == 0, run.stderr
    output = run.stdout + run.stderr
    assert "System check identified no issues (0 silenced)." in output
    assert "WARNING" not in output and "?: (" not in output, output
