"""What the browser tests share: a persona's user and logging in through the login page."""

import re

from django.contrib.auth.models import Group, User

from retryadmin.lib.personas import SUPERVISOR

SUPERVISOR_LOGIN = ("sam", "sam-test-2026")


def supervisor() -> User:
    """Sam, a Supervisor (staff, so the admin links show)."""
    username, password = SUPERVISOR_LOGIN
    user = User.objects.create_user(username=username, password=password, first_name="Sam", is_staff=True)
    user.groups.add(Group.objects.get(name=SUPERVISOR))
    return user


def log_in(page, live_server, login=SUPERVISOR_LOGIN) -> None:
    username, password = login
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
