"""Dispatch on real PostgreSQL: many dispatchers at once, and a connection killed mid-claim."""

import threading
from collections import Counter

import pytest
from django.db import InterfaceError, OperationalError, close_old_connections, connection, connections

from campaigns.dispatch import claim
from campaigns.models import Campaign, Contact, RedialRequest
from tests.factories import ALL_DAY, CampaignFactory

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def seed_due(campaign, count):
    """`count` contacts, each with one redial request due a minute ago (one INSERT ... SELECT each)."""
    with connection.cursor() as cur:
        cur.execute(
            f"""INSERT INTO {Contact._meta.db_table} (campaign_id, name, phone, zone, custom_fields, notes, status,
                    status_reason, created_at, updated_at)
                SELECT %s, 'C' || g, '+4479' || lpad(g::text, 8, '0'), '', '{{}}', '', 'scheduled', '', now(), now()
                FROM generate_series(1, %s) g""",
            [campaign.id, count],
        )
        cur.execute(
            f"""INSERT INTO {RedialRequest._meta.db_table} (contact_id, campaign_id, due_at, source, remarks, status,
                    explanation, dispatch_attempts, last_error, provider_call_id, close_reason, created_at, updated_at)
                SELECT id, campaign_id, now() - interval '1 minute' - (id %% 600) * interval '1 second', 'auto', '',
                       'scheduled', '', 0, '', '', '', now(), now()
                FROM {Contact._meta.db_table} WHERE campaign_id = %s""",
            [campaign.id],
        )
        cur.execute(f"ANALYZE {RedialRequest._meta.db_table}")


@pytest.mark.timeout(600)
@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_dispatchers_hand_off_each_request_exactly_once():
    campaign = CampaignFactory(name="Concurrent", hours=ALL_DAY)
    seed_due(campaign, 100_000)
    handed_off: list[list[int]] = [[] for _ in range(8)]
    errors = []
    start = threading.Barrier(8)

    def dispatcher(slot):
        try:
            start.wait()
            while True:
                # claim_due directly, without run_dispatch's advisory lock: SKIP LOCKED alone must hold.
                result = claim.claim_due(batch_size=500)
                handed_off[slot].extend(result.ready)
                if result.claimed == 0:
                    break
        except Exception as exc:  # reported below; a thread's exception would otherwise vanish
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=dispatcher, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    counts = Counter(i for ids in handed_off for i in ids)
    duplicates = [i for i, n in counts.items() if n > 1]
    all_ids = set(RedialRequest.objects.values_list("id", flat=True))
    assert duplicates == []
    assert set(counts) == all_ids, f"lost: {len(all_ids - set(counts))}"
    assert len(all_ids) == 100_000
    assert sum(1 for ids in handed_off if ids) > 1, "the dispatchers did not actually run side by side"
    assert RedialRequest.objects.exclude(status=RedialRequest.READY).count() == 0
    assert RedialRequest.objects.filter(dispatch_attempts=1).count() == 100_000


@pytest.mark.timeout(300)
@pytest.mark.django_db(transaction=True)
def test_dispatcher_recovers_from_a_killed_connection_and_loses_nothing(monkeypatch):
    campaign = CampaignFactory(name="Killed connection", hours=ALL_DAY)
    seed_due(campaign, 20_000)
    outcome = {}
    # The dispatcher stops before its sixth claim until its connection is killed, so the kill lands in the
    # middle of the run however fast the claim is (polling for progress raced a run that ended first).
    real_claim_batch, batches, backend = claim._claim_batch_pg, [], {}
    paused, killed = threading.Event(), threading.Event()

    def claim_batch(*args):
        batches.append(1)
        if len(batches) == 6:
            backend["pid"] = connection.connection.info.backend_pid  # the dispatcher thread's own session
            paused.set()
            killed.wait(60)
        return real_claim_batch(*args)

    monkeypatch.setattr(claim, "_claim_batch_pg", claim_batch)

    def dispatcher():
        try:
            try:
                claim.run_dispatch(batch_size=200)
                outcome["first"] = "completed"
            except (OperationalError, InterfaceError) as exc:
                outcome["first"] = f"failed: {type(exc).__name__}"
            # The next beat run: run_dispatch drops the dead connection and reconnects.
            result = claim.run_dispatch(batch_size=200)
            outcome["second"] = result.claimed if result is not None else None
        finally:
            connections.close_all()

    thread = threading.Thread(target=dispatcher)
    thread.start()
    assert paused.wait(60), "the dispatcher never reached its sixth batch"
    assert RedialRequest.objects.filter(status=RedialRequest.READY).count() == 1_000
    with connection.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(%s)", [backend["pid"]])
        assert cur.fetchone()[0] is True
    killed.set()
    thread.join(120)
    assert not thread.is_alive()

    assert outcome["first"].startswith("failed"), outcome  # the kill landed during the run
    assert outcome["second"] and outcome["second"] > 0
    close_old_connections()
    assert RedialRequest.objects.filter(status=RedialRequest.READY).count() == 20_000
    assert RedialRequest.objects.exclude(status=RedialRequest.READY).count() == 0
    # Nothing was claimed twice: each row went through exactly one committed claim.
    assert RedialRequest.objects.exclude(dispatch_attempts=1).count() == 0
    assert Campaign.objects.count() == 1
