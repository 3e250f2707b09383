"""The call report: access, local times, filters, summary, CSV export, bad input, bounded queries."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.http import StreamingHttpResponse

from campaigns.models import Attempt
from campaigns.queries import reports
from campaigns.web import report_forms
from strategies.models import CallResult, Outcome
from tests.factories import AttemptFactory, CampaignFactory

pytestmark = pytest.mark.django_db
URL = "/campaigns/report/"
CSV_URL = "/campaigns/report/export.csv"
SUMMARY_URL = "/campaigns/report/summary/"
DAY = {"date_from": "2026-03-10", "date_to": "2026-03-10"}


@pytest.fixture
def mumbai(db):
    return CampaignFactory(name="Mumbai upgrades", zone="Asia/Kolkata")


@pytest.fixture
def new_york(db):
    return CampaignFactory(name="NY renewals", zone="America/New_York")


@pytest.fixture
def connected():
    return Outcome.objects.get(code="platform.call_complete")


@pytest.fixture
def no_answer():
    return Outcome.objects.get(code="sip.customer_no_answer")


@pytest.fixture
def make_attempt(db, no_answer):
    """make_attempt(campaign, started_at, outcome=no answer, custom_fields=None, **attempt fields): a new
    contact's first attempt."""

    def _make(campaign, started_at, outcome=None, custom_fields=None, **extra):
        return AttemptFactory(
            contact__campaign=campaign,
            contact__custom_fields=custom_fields or {},
            started_at=started_at,
            outcome=outcome or no_answer,
            **extra,
        )

    return _make


def get(client, user, url=URL, **params):
    client.force_login(user)
    return client.get(url, params)


def csv_rows(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("url", [URL, CSV_URL])
@pytest.mark.parametrize(
    "persona, status",
    [("campaign_manager", 200), ("supervisor", 200), ("sales_manager", 200), ("agent", 403)],
)
def test_report_access_by_persona(client, request, url, persona, status):
    assert get(client, request.getfixturevalue(persona), url).status_code == status


def test_report_needs_a_login(client):
    assert client.get(URL).status_code == 302


def test_rows_show_local_time_and_every_column(client, sales_manager, mumbai, make_attempt, connected, make_user):
    agent = make_user("Agent", username="arjun", first_name="Arjun", last_name="Kumar")
    result = CallResult.objects.get(code="redial")
    attempt = make_attempt(
        mumbai,
        datetime(2026, 3, 10, 4, 0, tzinfo=UTC),
        outcome=connected,
        agent=agent,
        call_result=result,
        duration_seconds=95,
        source=Attempt.SOURCE_MANUAL,
    )
    body = get(client, sales_manager, **DAY).content.decode()
    assert "2026-03-10 09:30:00" in body  # 04:00 UTC is 09:30 in Kolkata
    for text in ["Mumbai upgrades", attempt.contact.name, attempt.contact.phone, "Call Complete", "Redial"]:
        assert text in body
    assert "Arjun Kumar" in body and "95 s" in body and ">Manual<" in body


def test_source_names_how_the_call_was_made_and_the_utm_source_has_its_own_column(make_attempt, mumbai):
    started = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)
    lead = {"utm_source": "google.com", "utm_medium": "cpc"}
    cases = [
        (Attempt.SOURCE_AUTO, lead, "Auto", "google.com - cpc"),
        (Attempt.SOURCE_AUTO, {}, "Auto", ""),
        (Attempt.SOURCE_MANUAL, {}, "Manual", ""),
        (Attempt.SOURCE_LEAD, {"source": "widget"}, "Lead", "widget"),
        (Attempt.SOURCE_CALLBACK, {}, "Callback", ""),
    ]
    for source, fields, label, utm in cases:
        attempt = make_attempt(mumbai, started, custom_fields=fields, source=source)
        assert reports.source_label(attempt) == label
        assert reports.utm_label(attempt) == utm


def test_filters_by_campaign_outcome_call_result_agent_source(
    client, supervisor, mumbai, new_york, make_attempt, connected, make_user
):
    agent = make_user("Agent", username="bea")
    result = CallResult.objects.get(code="redial")
    at = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    plain = make_attempt(mumbai, at)
    other_campaign = make_attempt(new_york, at)
    talked = make_attempt(mumbai, at, outcome=connected, agent=agent, call_result=result, source=Attempt.SOURCE_LEAD)

    def ids(**params):
        rows = get(client, supervisor, **DAY, **params).context["rows"]
        return {row["attempt"].pk for row in rows}

    assert ids() == {plain.pk, other_campaign.pk, talked.pk}
    assert ids(campaign=new_york.pk) == {other_campaign.pk}
    assert ids(outcome=connected.pk) == {talked.pk}
    assert ids(call_result=result.pk) == {talked.pk}
    assert ids(agent=agent.pk) == {talked.pk}
    assert ids(source="lead") == {talked.pk}
    assert ids(source="auto", campaign=mumbai.pk) == {plain.pk}


def test_date_range_reads_local_dates_of_each_campaign(client, supervisor, mumbai, new_york, make_attempt):
    # 19:00 UTC on 9 March is already 10 March in Kolkata, and still 9 March in New York.
    evening = datetime(2026, 3, 9, 19, 0, tzinfo=UTC)
    in_mumbai = make_attempt(mumbai, evening)
    in_new_york = make_attempt(new_york, evening)
    # 03:00 UTC on 11 March is still 10 March in New York.
    late_new_york = make_attempt(new_york, datetime(2026, 3, 11, 3, 0, tzinfo=UTC))

    def ids(**params):
        return {row["attempt"].pk for row in get(client, supervisor, **params).context["rows"]}

    assert ids(**DAY) == {in_mumbai.pk, late_new_york.pk}
    assert ids(date_from="2026-03-09", date_to="2026-03-09") == {in_new_york.pk}
    assert ids(campaign=mumbai.pk, **DAY) == {in_mumbai.pk}
    assert ids(campaign=new_york.pk, **DAY) == {late_new_york.pk}


def test_summary_counts_attempts_connected_and_rate_in_one_query(
    mumbai, make_attempt, connected, django_assert_num_queries
):
    at = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    for _ in range(3):
        make_attempt(mumbai, at)
    make_attempt(mumbai, at, outcome=connected, duration_seconds=120)
    make_attempt(mumbai, datetime(2026, 3, 12, 8, 0, tzinfo=UTC), outcome=connected)  # outside the range
    form = report_forms.ReportFilterForm({**DAY, "campaign": mumbai.pk})
    assert form.is_valid()
    qs = reports.filter_attempts(form.cleaned_data)
    with django_assert_num_queries(1):
        summary = reports.summarize(qs)
    assert (summary.attempts, summary.connected, summary.total_seconds) == (4, 1, 120)
    assert summary.connect_rate == 25.0


def test_summary_line_on_the_page(client, supervisor, mumbai, make_attempt, connected):
    at = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    make_attempt(mumbai, at)
    make_attempt(mumbai, at, outcome=connected, duration_seconds=60)
    page = get(client, supervisor, **DAY).content.decode()
    assert 'hx-get="/campaigns/report/summary/?' in page and "Connect rate" in page
    body = get(client, supervisor, SUMMARY_URL, **DAY).content.decode()
    assert "Connect rate" in body and "50.0%" in body


def test_empty_report_has_no_rate(client, supervisor):
    response = get(client, supervisor, SUMMARY_URL, **DAY)
    assert response.context["summary"].connect_rate is None
    assert "No calls match these filters." in get(client, supervisor, **DAY).content.decode()


def test_summary_refuses_bad_filters_and_other_personas(client, supervisor, agent):
    assert get(client, supervisor, SUMMARY_URL, source="carrier-pigeon").status_code == 400
    assert get(client, agent, SUMMARY_URL, **DAY).status_code == 403


def test_no_dates_means_the_last_seven_local_days():
    form = report_forms.ReportFilterForm({}, today=date(2026, 3, 10))
    assert form.is_valid()
    assert (form.cleaned_data["date_from"], form.cleaned_data["date_to"]) == (date(2026, 3, 4), date(2026, 3, 10))


def test_default_range_of_all_campaigns_includes_today_of_a_zone_ahead_of_utc(
    client, supervisor, mumbai, new_york, make_attempt
):
    """Mon 9 Mar 2026 20:00 UTC is already Tue 10 Mar 01:30 in Mumbai: the call made then is today's."""
    now = datetime(2026, 3, 9, 20, 0, tzinfo=UTC)
    make_attempt(mumbai, now - timedelta(minutes=5))
    with mock.patch("django.utils.timezone.now", return_value=now):
        response = get(client, supervisor)
        assert reports.local_today(None) == date(2026, 3, 10)
        assert reports.local_today(new_york) == date(2026, 3, 9)
    assert response.context["form"].cleaned_data["date_to"] == date(2026, 3, 10)
    assert len(response.context["rows"]) == 1


def test_csv_export_has_a_header_and_the_filtered_rows(
    client, campaign_manager, mumbai, new_york, make_attempt, connected
):
    at = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)
    make_attempt(
        mumbai,
        at,
        outcome=connected,
        duration_seconds=42,
        custom_fields={"utm_source": "google.com", "utm_medium": "cpc"},
    )
    make_attempt(new_york, at)  # another campaign: filtered out
    response = get(client, campaign_manager, CSV_URL, campaign=mumbai.pk, **DAY)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == reports.CSV_HEADER
    assert len(rows) == 2
    line = dict(zip(rows[0], rows[1], strict=True))
    assert line["time"] == "2026-03-10 09:30:00" and line["time zone"] == "Asia/Kolkata"
    assert line["campaign"] == "Mumbai upgrades" and line["outcome"] == "Call Complete"
    assert line["connected"] == "yes" and line["duration (s)"] == "42"
    assert line["source"] == "Auto" and line["utm source"] == "google.com - cpc"


def test_csv_export_streams_many_rows_newest_first(client, supervisor, mumbai, make_attempt):
    for minute in range(30):
        make_attempt(mumbai, datetime(2026, 3, 10, 6, minute, tzinfo=UTC))
    rows = csv_rows(get(client, supervisor, CSV_URL, **DAY))
    times = [row[0] for row in rows[1:]]
    assert len(times) == 30 and times == sorted(times, reverse=True)


@pytest.mark.parametrize(
    "params, field",
    [
        ({"date_from": "not-a-date"}, "date_from"),
        ({"date_from": "2026-03-10", "date_to": "2026-03-01"}, "date_to"),
        ({"date_from": "2024-01-01", "date_to": "2026-03-01"}, "date_to"),
        ({"campaign": "abc"}, "campaign"),
        ({"campaign": "999999"}, "campaign"),
        ({"outcome": "x"}, "outcome"),
        ({"call_result": "-1"}, "call_result"),
        ({"agent": "999999"}, "agent"),
        ({"source": "carrier-pigeon"}, "source"),
    ],
)
def test_bad_filters_give_form_errors_on_the_page_and_400_on_export(client, supervisor, params, field):
    response = get(client, supervisor, **params)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert "summary" not in response.context
    export = get(client, supervisor, CSV_URL, **params)
    assert export.status_code == 400
    assert "The export was not made" in export.content.decode()


def test_a_damaged_page_link_shows_the_first_page(client, supervisor, mumbai, make_attempt):
    make_attempt(mumbai, datetime(2026, 3, 10, 6, 0, tzinfo=UTC))
    response = get(client, supervisor, after="garbage", **DAY)
    assert response.status_code == 200
    assert "This page link is damaged" in response.content.decode()
    assert len(response.context["rows"]) == 1


def test_pages_walk_back_in_time_without_overlap(client, supervisor, mumbai, make_attempt):
    start = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)
    made = [make_attempt(mumbai, start + timedelta(minutes=i)) for i in range(reports.PAGE_SIZE + 7)]
    first = get(client, supervisor, **DAY)
    newest = [a.pk for a in reversed(made)]
    assert [row["attempt"].pk for row in first.context["rows"]] == newest[: reports.PAGE_SIZE]
    second = get(client, supervisor, after=first.context["next_cursor"], **DAY)
    assert [row["attempt"].pk for row in second.context["rows"]] == newest[reports.PAGE_SIZE :]
    assert second.context["next_cursor"] == ""


def test_report_makes_a_bounded_number_of_queries(
    client, supervisor, mumbai, new_york, make_attempt, connected, make_user, django_assert_max_num_queries
):
    agents = [make_user("Agent", username=f"agent{i}") for i in range(5)]
    start = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)
    for i in range(50):
        make_attempt(
            mumbai if i % 2 else new_york,
            start + timedelta(minutes=i),
            outcome=connected,
            agent=agents[i % 5],
            call_result=CallResult.objects.get(code="redial"),
        )
    client.force_login(supervisor)
    # session, user, permissions, four filter lists, campaigns' zones, one page, one summary: never one per row.
    with django_assert_max_num_queries(15):
        response = client.get(URL, DAY)
    assert len(response.context["rows"]) == 50


def test_outcome_filter_names_outcomes_by_name_and_category_without_codes(db):
    form = report_forms.ReportFilterForm()
    labels = [label for value, label in form.fields["outcome"].choices if value]
    assert "Customer No Answer (SIP)" in labels
    assert not any("sip." in label or "platform." in label for label in labels)
    # Sorted case-insensitively: "agent..." names do not come after every capitalised one.
    assert labels == sorted(labels, key=str.lower)
