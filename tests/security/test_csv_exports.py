"""Every CSV the product writes neutralises cells a spreadsheet would run as a formula."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from campaigns.models import Attempt, Contact, ImportJob
from strategies.models import Outcome

pytestmark = pytest.mark.django_db

FORMULA = "=cmd|' /C calc'!A0"


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_call_report_export_neutralises_a_formula_name(client, campaign_manager, campaign):
    contact = Contact.objects.create(campaign=campaign, name=FORMULA, phone="+447700900123")
    Attempt.objects.create(
        contact=contact,
        campaign=campaign,
        number=1,
        started_at=datetime(2026, 3, 10, 12, tzinfo=UTC),
        outcome=Outcome.objects.get(code="sip.customer_no_answer"),
    )
    client.force_login(campaign_manager)
    response = client.get(reverse("campaigns:report_csv"), {"date_from": "2026-03-10", "date_to": "2026-03-10"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    header, row = _rows(text)
    assert row[header.index("contact")] == "'" + FORMULA
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


def test_import_error_report_neutralises_what_the_file_said(client, campaign_manager, campaign, tmp_path):
    job = ImportJob.objects.create(
        campaign=campaign,
        file="imports/x.csv",
        status=ImportJob.DONE,
        error_count=2,
        errors=[
            {"row": 2, "field": "@SUM(A1)", "message": FORMULA},
            {"row": 3, "field": "phone", "message": "+44 is not a number"},
        ],
    )
    client.force_login(campaign_manager)
    response = client.get(reverse("campaigns:import_errors", args=[campaign.pk, job.pk]))
    rows = _rows(response.content.decode())
    assert rows[1] == ["2", "'@SUM(A1)", "'" + FORMULA]
    assert rows[2] == ["3", "phone", "'+44 is not a number"]
