"""The claim's plan on PostgreSQL holds at any backlog and batch size: per active campaign an index range
scan of its due rows, never a hash join and sort of every due row (which flipped in at batch 1000)."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from campaigns.dispatch import claim
from campaigns.models import Attempt, Campaign, Contact, RedialRequest
from campaigns.services import rule_histories
from strategies.models import Outcome

from .due import make_campaign

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _seed(campaign, due, future):
    with connection.cursor() as cur:
        cur.execute(
            f"""INSERT INTO {Contact._meta.db_table} (campaign_id, name, phone, zone, custom_fields, notes, status,
                    status_reason, created_at, updated_at)
                SELECT %s, 'C' || g, '+44' || %s || lpad(g::text, 8, '0'), '', '{{}}', '', 'scheduled', '', now(), now()
                FROM generate_series(1, %s) g""",
            [campaign.id, str(campaign.id % 90 + 10), due + future],
        )
        cur.execute(
            f"""INSERT INTO {RedialRequest._meta.db_table} (contact_id, campaign_id, due_at, source, remarks, status,
                    explanation, dispatch_attempts, last_error, provider_call_id, close_reason, created_at, updated_at)
                SELECT c.id, c.campaign_id,
                       CASE WHEN row_number() OVER (ORDER BY c.id) <= %s THEN now() - random() * interval '1 hour'
                            ELSE now() + interval '1 day' + random() * interval '300 days' END,
                       'auto', '', 'scheduled', '', 0, '', '', '', now(), now()
                FROM {Contact._meta.db_table} c WHERE c.campaign_id = %s""",
            [due, campaign.id],
        )


def _nodes(plan):
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("batch", [100, 500, 1000])
def test_the_claim_scans_each_active_campaign_by_index_whatever_the_batch(batch):
    for name, status, due in (
        ("Big", Campaign.ACTIVE, 30_000),
        ("Small", Campaign.ACTIVE, 500),
        ("Off", Campaign.PAUSED, 20_000),
    ):
        _seed(make_campaign(name, status=status), due, 10_000)
    with connection.cursor() as cur:
        cur.execute(f"ANALYZE {RedialRequest._meta.db_table}")
        cur.execute(f"ANALYZE {Campaign._meta.db_table}")
        now = timezone.now()
        params = claim.claim_params(now, now + timedelta(minutes=5), batch, set())
        cur.execute("EXPLAIN (FORMAT JSON) " + claim._PG_CLAIM, params)
        (plan,) = cur.fetchone()[0]
    nodes = list(_nodes(plan["Plan"] if isinstance(plan, dict) else json.loads(plan)[0]["Plan"]))
    kinds = [n["Node Type"] for n in nodes]
    described = [(n["Node Type"], n.get("Relation Name"), n.get("Index Name")) for n in nodes]
    assert "Hash Join" not in kinds, "\n".join(map(str, described))
    redial_scans = [n for n in nodes if n.get("Relation Name") == RedialRequest._meta.db_table]
    assert redial_scans and all(n["Node Type"] != "Seq Scan" for n in redial_scans), kinds
    # The scheduled-only index: rows claimed by earlier batches are not in it, so batch N does not walk them.
    assert any(n.get("Index Name") == "redial_scheduled_campaign_due" for n in redial_scans), described
    assert any(n["Node Type"] == "Nested Loop" for n in nodes), kinds


@pytest.mark.timeout(300)
def test_a_batch_reads_its_rule_histories_by_index_while_the_attempts_table_is_small():
    # 20,000 attempts: small enough that PostgreSQL would hash-join the whole table, twice, on every batch.
    campaign, elsewhere = make_campaign("Rules"), make_campaign("Elsewhere")
    _seed(campaign, 20_000, 0)
    with connection.cursor() as cur:
        cur.execute(
            f"""INSERT INTO {Attempt._meta.db_table} (contact_id, campaign_id, number, started_at, duration_seconds,
                    outcome_id, provider, provider_call_id, source, decision_reason, decision_explanation,
                    created_at, phone)
                SELECT c.id, %s, 1, now() - interval '2 hours', 0, %s, '', '', 'auto', '', '', now(), c.phone
                FROM {Contact._meta.db_table} c WHERE c.campaign_id = %s""",
            [elsewhere.id, Outcome.objects.get(code="sip.customer_no_answer").pk, campaign.id],
        )
        cur.execute(f"ANALYZE {Attempt._meta.db_table}")
        cur.execute(f"ANALYZE {Contact._meta.db_table}")
        cur.execute(f"SELECT id FROM {Contact._meta.db_table} WHERE campaign_id = %s LIMIT 500", [campaign.id])
        ids = [row[0] for row in cur.fetchall()]
        params = {"ids": ids, "since": timezone.now() - timedelta(days=8)}
        cur.execute("EXPLAIN (FORMAT JSON) " + rule_histories._RULE_HISTORIES_PG, params)
        (plan,) = cur.fetchone()[0]
    nodes = list(_nodes(plan["Plan"] if isinstance(plan, dict) else json.loads(plan)[0]["Plan"]))
    attempt_scans = [n for n in nodes if n.get("Relation Name") == Attempt._meta.db_table]
    described = [(n["Node Type"], n.get("Relation Name"), n.get("Index Name")) for n in nodes]
    assert len(attempt_scans) == 2 and all("Index" in n["Node Type"] for n in attempt_scans), described
    assert "Hash Join" not in [n["Node Type"] for n in nodes], described
