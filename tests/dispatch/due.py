"""Short spellings over tests.factories for the dispatch fault tests: a campaign open around the clock and
`count` requests due (a minute ago unless `due_in` says otherwise), each for its own new contact."""

from datetime import timedelta

from django.utils import timezone

from tests.factories import ALL_DAY, CampaignFactory, RedialRequestFactory


def make_campaign(name: str = "Dispatch", **fields):
    return CampaignFactory(name=name, hours=ALL_DAY, **fields)


def make_requests(campaign, count: int, due_in: timedelta = timedelta(minutes=-1)):
    return RedialRequestFactory.create_bulk_with_contacts(count, campaign=campaign, due_at=timezone.now() + due_in)
