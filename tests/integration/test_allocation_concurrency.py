"""Twenty agents asking for their next call at the same instant never get the same contact (PostgreSQL)."""

import threading
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection

from campaigns.models import BusinessHourWindow, Campaign, Contact, RedialRequest
from retryadmin.lib.personas import AGENT
from wrapup.models import AgentSession
from wrapup.services import allocation

AGENTS = 20
ROUNDS = 6
NOW = datetime(2030, 11, 25, 10, 0, tzinfo=UTC)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_allocation_never_gives_a_contact_twice():
    campaign = Campaign.objects.create(name="Concurrency", zone="UTC", max_attempts=5)
    for weekday in range(7):
        BusinessHourWindow.objects.create(campaign=campaign, weekday=weekday, start_minute=0, end_minute=1440)
    # Fewer contacts than requests, so agents really compete for the last ones; a third are due redials.
    contacts = [
        Contact.objects.create(campaign=campaign, name=f"C{i}", phone=f"+4477009{i:05d}", zone="UTC")
        for i in range(AGENTS * ROUNDS - 15)
    ]
    for contact in contacts[::3]:
        contact.status = Contact.SCHEDULED
        contact.save(update_fields=["status"])
        RedialRequest.objects.create(contact=contact, campaign=campaign, due_at=NOW, status=RedialRequest.READY)
    group = Group.objects.get(name=AGENT)
    agents = []
    for i in range(AGENTS):
        user = User.objects.create_user(username=f"concurrent{i}")
        user.groups.add(group)
        AgentSession.objects.create(agent=user, campaign=campaign, state=AgentSession.READY)
        agents.append(user)

    given: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(AGENTS)

    def work(agent):
        try:
            for _ in range(ROUNDS):
                barrier.wait(timeout=60)
                contact = allocation.allocate_next_call(agent, now=NOW)
                if contact is not None:
                    with lock:
                        given.append(contact.pk)
                # Free the agent for the next round; the contact stays in call, so it is never given again.
                AgentSession.objects.filter(agent=agent).update(
                    state=AgentSession.READY, current_contact=None, current_redial=None
                )
        except BaseException as error:  # noqa: BLE001 - reported by the main thread below
            errors.append(error)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(agent,)) for agent in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert not errors, errors
    assert len(given) == len(set(given)), "a contact was given to two agents"
    assert len(given) == len(contacts)
    assert Contact.objects.filter(status=Contact.IN_CALL).count() == len(contacts)
    assert RedialRequest.objects.filter(status=RedialRequest.DIALING).count() == len(contacts[::3])
