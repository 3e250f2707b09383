"""Sign-in throttling (django-axes): a user name tried from one address is locked after too many
wrong passwords, other users and addresses are not, and an administrator lifts the lock."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.7"
COLLEAGUE = "198.51.100.20"
RIGHT_PASSWORD = "right-password-2026"


@pytest.fixture
def victim(make_user):
    return make_user("Supervisor", username="victim", password=RIGHT_PASSWORD)


def sign_in(client, username, password, address=ATTACKER):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in_as(client):
    return client.session.get("_auth_user_id")


def hammer(client, username, times=100, address=ATTACKER):
    for attempt in range(times):
        sign_in(client, username, f"wrong-{attempt}", address)


def test_the_throttle_is_on_in_the_test_settings(settings):
    assert settings.AXES_ENABLED is True
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


def test_a_right_password_still_signs_in_below_the_limit(client, victim, settings):
    hammer(client, "victim", times=settings.AXES_FAILURE_LIMIT - 1)
    response = sign_in(client, "victim", RIGHT_PASSWORD)
    assert response.status_code == 302
    assert signed_in_as(client) == str(victim.pk)
    # A success wipes the count: the next wrong password starts from one again.
    assert not AccessAttempt.objects.filter(username="victim").exists()


def test_a_hundred_wrong_passwords_then_the_right_one_is_refused(client, victim):
    hammer(client, "victim")
    response = sign_in(client, "victim", RIGHT_PASSWORD)
    assert response.status_code == 429
    assert b"Sign-in locked" in response.content and b"The lock lasts 0:15:00" in response.content
    assert signed_in_as(client) is None


def test_the_admin_sign_in_page_is_throttled_too(client, make_user):
    make_user(None, username="root", password=RIGHT_PASSWORD, is_superuser=True, is_staff=True)
    admin_login = reverse("admin:login")
    for attempt in range(20):
        client.post(admin_login, {"username": "root", "password": f"wrong-{attempt}"}, REMOTE_ADDR=ATTACKER)
    response = client.post(admin_login, {"username": "root", "password": RIGHT_PASSWORD}, REMOTE_ADDR=ATTACKER)
    assert response.status_code == 429
    assert signed_in_as(client) is None


def test_the_lock_holds_for_that_user_from_that_address_only(client, victim, make_user):
    make_user("Sales Manager", username="bystander", password=RIGHT_PASSWORD)
    hammer(client, "victim")
    # The same user from the office: not locked (the lockout is per user AND address).
    assert sign_in(client, "victim", RIGHT_PASSWORD, address=COLLEAGUE).status_code == 302
    client.logout()
    # Another user from the attacker's address: not locked either.
    assert sign_in(client, "bystander", RIGHT_PASSWORD).status_code == 302


def test_the_lock_ends_after_the_cool_off(client, victim, settings):
    hammer(client, "victim", times=settings.AXES_FAILURE_LIMIT)
    assert sign_in(client, "victim", RIGHT_PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - settings.AXES_COOLOFF_TIME)
    assert sign_in(client, "victim", RIGHT_PASSWORD).status_code == 302


def test_the_default_limit_and_cool_off(settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60


def test_an_administrator_resets_the_lockout_with_the_admin_action(client, victim, make_user):
    hammer(client, "victim")
    assert sign_in(client, "victim", RIGHT_PASSWORD).status_code == 429
    attempt = AccessAttempt.objects.get(username="victim", ip_address=ATTACKER)
    assert attempt.failures_since_start >= 5

    admin = make_user(None, username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    changelist = reverse("admin:axes_accessattempt_changelist")
    page = client.get(changelist)
    assert page.status_code == 200
    assert b'value="reset_lockouts"' in page.content
    response = client.post(
        changelist, {"action": "reset_lockouts", "_selected_action": [attempt.pk], "index": 0}, follow=True
    )
    assert "Reset 1 lockout(s)." in [str(message) for message in response.context["messages"]]
    assert not AccessAttempt.objects.exists()
    client.logout()

    response = sign_in(client, "victim", RIGHT_PASSWORD)
    assert response.status_code == 302
    assert signed_in_as(client) == str(victim.pk)


@pytest.mark.parametrize("persona", ["Campaign Manager", "Sales Manager", "Supervisor"])
def test_personas_may_not_see_or_reset_lockouts(client, victim, make_user, persona):
    hammer(client, "victim", times=10)
    attempt = AccessAttempt.objects.get()
    client.force_login(make_user(persona))
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert client.get(changelist).status_code == 403
    response = client.post(changelist, {"action": "reset_lockouts", "_selected_action": [attempt.pk], "index": 0})
    assert response.status_code == 403
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


def test_the_address_behind_trusted_proxies_is_the_one_counted(client, victim, settings):
    settings.WEBHOOK_NUM_PROXIES = 1
    for attempt in range(10):
        client.post(
            reverse("login"),
            {"username": "victim", "password": f"wrong-{attempt}"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}, {ATTACKER}",
        )
    # The forged left-hand entries do not dodge the count: the proxy's view of the client does.
    assert AccessAttempt.objects.get().ip_address == ATTACKER
    assert sign_in(client, "victim", RIGHT_PASSWORD, address=COLLEAGUE).status_code == 302
