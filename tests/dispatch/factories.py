"""Rows for dispatch tests: campaigns open around the clock unless told otherwise, contacts, due requests."""

from datetime import timedelta

from django.utils import timezone

from campaigns.models import BusinessHourWindow, Campaign, Contact, RedialRequest


def make_campaign(name="Dispatch", hours=((0, 1440),), **fields) -> Campaign:
    """A campaign open every day in the given windows (minutes, end exclusive)."""
    campaign = Campaign.objects.create(name=name, **fields)
    BusinessHourWindow.objects.bulk_create(
        BusinessHourWindow(campaign=campaign, weekday=day, start_minute=start, end_minute=end)
        for day in range(7)
        for start, end in hours
    )
    return campaign


def make_requests(campaign, count, due_in=timedelta(minutes=-1), start=0, **fields) -> list[RedialRequest]:
    contacts = Contact.objects.bulk_create(
        Contact(campaign=campaign, phone=f"+4479{campaign.id % 100:02d}{start + i:06d}", name=f"C{start + i}")
        for i in range(count)
    )
    due_at = timezone.now() + due_in
    return RedialRequest.objects.bulk_create(
        RedialRequest(campaign=campaign, contact=contact, due_at=due_at, **fields) for contact in contacts
    )
