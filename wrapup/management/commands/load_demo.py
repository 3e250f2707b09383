"""Load demo data for `make run`: persona users, one strategy of each type, three campaigns, and a
fortnight of history made through the real services (calls, wrap-ups, personal and common redials, leads,
a queue waiting for the next opening, an unmapped dialer status), so every persona's first page has rows.

Idempotent: running it again leaves the same rows (passwords are reset to the printed ones); the history
is played only while the demo campaigns have no calls yet.
"""

import logging
import os

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from campaigns.models import (
    Attempt,
    BusinessHourWindow,
    Campaign,
    Contact,
    DialPlan,
    RedialRequest,
    WebhookEvent,
    validate_e164,
)
from retryadmin.lib.personas import AGENT, CAMPAIGN_MANAGER, SALES_MANAGER, STAFF_PERSONAS, SUPERVISOR
from strategies.models import CallResult, LadderStep, Outcome, Strategy, StrategyRule
from wrapup.management import demo_history, demo_scenes

DEMO_USERS = [
    # username, password, persona, full name
    ("admin", "admin-demo-2026", None, "Ada Admin"),
    ("manager", "manager-demo-2026", CAMPAIGN_MANAGER, "Maya Campaign"),
    ("sales", "sales-demo-2026", SALES_MANAGER, "Sam Sales"),
    ("supervisor", "supervisor-demo-2026", SUPERVISOR, "Sofia Supervisor"),
    ("agent1", "agent1-demo-2026", AGENT, "Arjun Agent"),
    ("agent2", "agent2-demo-2026", AGENT, "Bea Agent"),
]

DEMO_CONTACTS = [
    ("Priya Sharma", "+919876543210", "", {"plan": "Gold", "city": "Mumbai"}),
    ("Rahul Verma", "+919812345678", "", {"plan": "Silver", "city": "Delhi"}),
    ("Anita Rao", "+919845012345", "", {"plan": "Gold", "city": "Bengaluru"}),
    ("Vikram Singh", "+919900112233", "", {"plan": "Bronze", "city": "Pune"}),
    ("Meera Iyer", "+919444455566", "", {"plan": "Silver", "city": "Chennai"}),
    ("Oliver Smith", "+442079460123", "Europe/London", {"plan": "Gold", "city": "London"}),
    ("Emma Jones", "+447911123456", "Europe/London", {"plan": "Silver", "city": "Leeds"}),
    ("Liam Brown", "+12025550143", "America/New_York", {"plan": "Bronze", "city": "Washington"}),
]


FIRST_NAMES = [
    "Aarav",
    "Diya",
    "Kabir",
    "Isha",
    "Rohan",
    "Sneha",
    "Arjun",
    "Kavya",
    "Nikhil",
    "Pooja",
    "Siddharth",
    "Tanvi",
    "Aditya",
    "Neha",
    "Karan",
    "Riya",
    "Manish",
    "Shreya",
    "Varun",
    "Lakshmi",
    "Harish",
    "Divya",
    "Sanjay",
    "Asha",
    "Rajesh",
    "Nandini",
    "Gaurav",
    "Swati",
    "Ajay",
    "Meena",
    "Suresh",
    "Radha",
    "Deepak",
    "Anjali",
    "Mohan",
    "Geeta",
]
LAST_NAMES = ["Patel", "Gupta", "Nair", "Reddy", "Joshi", "Menon", "Kapoor", "Das", "Bose", "Pillai", "Mehta", "Shah"]
CITIES = ["Mumbai", "Delhi", "Bengaluru", "Pune", "Chennai", "Hyderabad", "Kolkata", "Jaipur", "Kochi"]
US_NAMES = [
    "Emily Carter",
    "James Miller",
    "Olivia Davis",
    "Noah Wilson",
    "Ava Moore",
    "Ethan Taylor",
    "Mia Anderson",
    "Lucas Thomas",
    "Harper Jackson",
    "Mason White",
    "Ella Harris",
    "Logan Martin",
    "Grace Thompson",
    "Jack Garcia",
]
UK_NAMES = [
    "Ada Lovelace",
    "Tom Baker",
    "Ruth Ellis",
    "Sam Patel",
    "Lucy Evans",
    "Harry Wood",
    "Chloe Hughes",
    "Ben Shaw",
    "Amelia Price",
    "Oscar Reid",
    "Isla Murray",
    "Leo Hunt",
    "Freya Cole",
    "Alfie Grant",
    "Poppy Lane",
    "Jake Ford",
]


def _valid(phone: str) -> bool:
    try:
        validate_e164(phone)
    except Exception:
        return False
    return True


def india_batches() -> list[list[tuple]]:
    """60 customers of the Diwali campaign, imported in six batches over the fortnight."""
    people = []
    for n in range(60):
        first = FIRST_NAMES[n % len(FIRST_NAMES)]
        phone = f"+9198{20000000 + n * 1733:08d}"
        if _valid(phone):
            fields = {"plan": ["Gold", "Silver", "Bronze"][n % 3], "city": CITIES[n % len(CITIES)]}
            # Every name once: the second round of first names takes other last names.
            last = LAST_NAMES[(n + 5 * (n // len(FIRST_NAMES))) % len(LAST_NAMES)]
            people.append((f"{first} {last}", phone, fields))
    return [people[i::6] for i in range(6)]


def us_batches() -> list[list[tuple]]:
    people = []
    for n, name in enumerate(US_NAMES):
        phone = f"+1202555{100 + n * 6:04d}"
        if _valid(phone):
            people.append((name, phone, {"plan": ["Premium", "Basic"][n % 2], "renewal": "December"}))
    return [people[i::3] for i in range(3)]


def uk_leads(count: int, start: int = 0) -> list[tuple]:
    sources = [("google.com", "cpc"), ("facebook.com", "social"), ("newsletter", "email"), ("google.com", "organic")]
    leads = []
    for n in range(start, start + count):
        phone = f"+44207946{n:04d}"
        if _valid(phone):
            source, medium = sources[n % len(sources)]
            leads.append((UK_NAMES[n % len(UK_NAMES)], phone, {"utm_source": source, "utm_medium": medium}))
    return leads


def us_leads(count: int) -> list[tuple]:
    names = ["Sophia Brooks", "Liam Turner", "Zoe Bennett", "Owen Hayes"]
    return [
        (names[n % len(names)], f"+1202555{300 + n * 3:04d}", {"utm_source": "google.com", "utm_medium": "cpc"})
        for n in range(count)
    ]


def india_leads(count: int) -> list[tuple]:
    names = ["Aisha Khan", "Vivek Rao", "Sunita Iyer", "Farhan Ali"]
    return [
        (
            names[n % len(names)],
            f"+9198{30000000 + n * 977:08d}",
            {"utm_source": "facebook.com", "utm_medium": "social"},
        )
        for n in range(count)
    ]


class Command(BaseCommand):
    help = "Load demo users, strategies and a campaign with contacts (idempotent)."

    def handle(self, *args, **options):
        # The services log every call and wrap-up they handle (after commit): hundreds of lines that say
        # nothing to someone starting the demo.
        logging.disable(logging.INFO)
        try:
            with transaction.atomic():
                self._load()
        finally:
            logging.disable(logging.NOTSET)

    def _load(self):
        for username, password, persona, full_name in DEMO_USERS:
            first, last = full_name.split(" ", 1)
            user, _ = User.objects.get_or_create(username=username)
            user.first_name, user.last_name = first, last
            user.is_superuser = persona is None
            user.is_staff = persona is None or persona in STAFF_PERSONAS
            user.set_password(password)
            user.save()
            if persona:
                user.groups.set([Group.objects.get(name=persona)])

        outcome = {o.code: o for o in Outcome.objects.all()}
        result = {r.code: r for r in CallResult.objects.all()}

        telephony, _ = Strategy.objects.get_or_create(
            name="Standard telephony retries",
            defaults={"kind": Strategy.TELEPHONY},
        )
        telephony.description = (
            "When the call did not connect: try again an hour after no answer or a busy line, two hours "
            "after a failed call, 30 minutes after a call too short to talk, three hours after an answering "
            "machine."
        )
        telephony.save(update_fields=["description"])
        for code, amount, unit in [
            ("sip.customer_no_answer", 1, "h"),
            ("sip.customer_busy", 1, "h"),
            ("platform.customer_call_failed", 2, "h"),
            ("platform.short_call", 30, "m"),
            ("twilio.answering_machine", 3, "h"),
        ]:
            StrategyRule.objects.update_or_create(
                strategy=telephony, outcome=outcome[code], defaults={"amount": amount, "unit": unit}
            )
        business, _ = Strategy.objects.get_or_create(
            name="Standard business retries",
            defaults={"kind": Strategy.BUSINESS},
        )
        business.description = (
            "After a conversation, from the agent's call result: busy or no answer two hours later, an "
            "answering machine three hours later, a hang-up or the wrong person the next day. Successful, "
            "refused and wrong numbers are not called again."
        )
        business.save(update_fields=["description"])
        for code, amount, unit in [
            ("busy", 2, "h"),
            ("no_answer", 2, "h"),
            ("hang_up", 1, "d"),
            ("wrong_person", 1, "d"),
            ("answering_machine", 3, "h"),
        ]:
            StrategyRule.objects.update_or_create(
                strategy=business, call_result=result[code], defaults={"amount": amount, "unit": unit}
            )
        ladder, _ = Strategy.objects.get_or_create(
            name="Lead ladder (missed, short, out of hours)",
            defaults={"kind": Strategy.LADDER},
        )
        ladder.description = (
            "For web leads, who expect a quick call: a missed, short or abandoned call is tried again after "
            "10 minutes, then after an hour, then the next day; after that, no more tries."
        )
        ladder.save(update_fields=["description"])
        ladder.ladder_outcomes.set(
            [outcome[c] for c in ("sip.customer_no_answer", "platform.short_call", "platform.call_abandoned")]
        )
        for position, amount, unit in [(1, 10, "m"), (2, 1, "h"), (3, 1, "d"), (4, None, "h")]:
            LadderStep.objects.update_or_create(
                strategy=ladder, position=position, defaults={"amount": amount, "unit": unit}
            )

        plan, _ = DialPlan.objects.get_or_create(
            name="Standard", defaults={"telephony_strategy": telephony, "business_strategy": business}
        )
        campaign, created = Campaign.objects.get_or_create(
            name="Diwali upgrade offers",
            defaults=dict(
                zone="Asia/Kolkata",
                max_attempts=5,
                daily_attempts=2,
                dial_plan=plan,
                contact_window_start=8 * 60,
                contact_window_end=21 * 60,
                redial_delay_amount=30,
                redial_delay_unit="m",
                short_call_seconds=20,
                opening_delay_minutes=10,
                queue_spacing_seconds=30,
                acw_timeout_seconds=120,
                lead_api_key="demo-lead-key-2026",
            ),
        )
        if created:
            for weekday in range(6):
                BusinessHourWindow.objects.create(
                    campaign=campaign, weekday=weekday, start_minute=9 * 60, end_minute=13 * 60
                )
                BusinessHourWindow.objects.create(
                    campaign=campaign, weekday=weekday, start_minute=14 * 60, end_minute=18 * 60
                )
        ladder_plan, _ = DialPlan.objects.get_or_create(
            name="Lead ladder", defaults={"telephony_strategy": ladder, "business_strategy": business}
        )
        leads, created = Campaign.objects.get_or_create(
            name="Web leads",
            defaults=dict(
                zone="Europe/London",
                max_attempts=4,
                dial_plan=ladder_plan,
                short_call_seconds=30,
                opening_delay_minutes=10,
                queue_spacing_seconds=30,
                acw_timeout_seconds=90,
                lead_api_key="demo-web-leads-key",
            ),
        )
        if created:
            for weekday in range(5):
                BusinessHourWindow.objects.create(
                    campaign=leads, weekday=weekday, start_minute=9 * 60, end_minute=17 * 60
                )
        for name, phone, zone, fields in DEMO_CONTACTS:
            Contact.objects.get_or_create(
                campaign=campaign, phone=phone, defaults={"name": name, "zone": zone, "custom_fields": fields}
            )
        us, created = Campaign.objects.get_or_create(
            name="US renewals",
            defaults=dict(
                zone="America/New_York",
                max_attempts=4,
                daily_attempts=2,
                dial_plan=plan,
                contact_window_start=9 * 60,
                contact_window_end=20 * 60,
                short_call_seconds=20,
                opening_delay_minutes=5,
                queue_spacing_seconds=60,
                acw_timeout_seconds=120,
                lead_api_key="demo-us-renewals-key",
            ),
        )
        if created:
            for weekday in range(5):
                BusinessHourWindow.objects.create(campaign=us, weekday=weekday, start_minute=9 * 60, end_minute=17 * 60)

        history = ""
        campaigns = [campaign, leads, us]
        if not Attempt.objects.filter(campaign__in=campaigns).exists():
            history = self._play_history(campaigns)

        if history:
            self.stdout.write(history)
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Log in with one of these demo accounts:"))
        for username, password, persona, _ in DEMO_USERS:
            self.stdout.write(f"  {persona or 'Administrator':<17} {username:<11} password: {password}")
        self.stdout.write(
            "Post a lead to the 'Web leads' campaign (called at once in office hours, queued otherwise):\n"
            f"  curl -X POST http://127.0.0.1:{os.environ.get('WEB_PORT') or 8000}/api/leads/ "
            "-H 'Content-Type: application/json' "
            "-H 'X-Api-Key: demo-web-leads-key' -H 'Idempotency-Key: lead-1' "
            '-d \'{"name": "Ada", "phone": "+442079460001"}\''
        )

    def _play_history(self, campaigns) -> str:
        diwali, leads, us = campaigns
        users = {u.username: u for u in User.objects.filter(username__in=["agent1", "agent2", "supervisor"])}
        agent1, agent2, supervisor = users["agent1"], users["agent2"], users["supervisor"]
        now = timezone.now()
        history = demo_history.DemoHistory(now=now)
        self._play(history, diwali, leads, us, agent1, agent2)
        demo_scenes.reassigned_callback(diwali, by_agent=agent1, to_agent=agent2, supervisor=supervisor, now=now)
        demo_scenes.personal_callback(diwali, agent=agent1, remarks=demo_history.REMARKS[1], now=now, hour=15)
        queued = demo_scenes.queue_overnight_leads(
            {leads: uk_leads(3, start=40), us: us_leads(3), diwali: india_leads(3)}, now=now
        )
        demo_scenes.unmapped_dialer_callback(campaigns, now=now)
        calls = Attempt.objects.filter(campaign__in=campaigns).count()
        open_callbacks = RedialRequest.objects.filter(
            campaign__in=campaigns, status__in=RedialRequest.OPEN_STATUSES
        ).count()
        unmapped = WebhookEvent.objects.filter(status=WebhookEvent.UNMAPPED).count()
        where = f"; {queued.name}'s queue waits for its next opening" if queued else ""
        return (
            f"Played a fortnight of history: {calls} calls, {open_callbacks} open callbacks"
            f"{where}; {unmapped} dialer status{'es' if unmapped != 1 else ''} to map in the admin."
        )

    @staticmethod
    def _play(history, diwali, leads, us, agent1, agent2) -> None:
        history.play(
            shifts=[(diwali, agent1, 9, 7), (diwali, agent2, 9, 6), (us, agent1, 9, 4), (leads, agent2, 13, 4)],
            batches={diwali: india_batches(), us: us_batches()},
            leads={leads: uk_leads(12)},
        )
