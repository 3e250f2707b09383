"""Load demo data for `make run`: persona users, one strategy of each type, a campaign with contacts.

Idempotent: running it again leaves the same rows (passwords are reset to the printed ones).
"""

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction

from campaigns.models import BusinessHourWindow, Campaign, Contact, DialPlan
from retryadmin.lib.personas import AGENT, CAMPAIGN_MANAGER, SALES_MANAGER, STAFF_PERSONAS, SUPERVISOR
from strategies.models import CallResult, LadderStep, Outcome, Strategy, StrategyRule

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


class Command(BaseCommand):
    help = "Load demo users, strategies and a campaign with contacts (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
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
            defaults={
                "kind": Strategy.TELEPHONY,
                "description": "The first seed's example: no answer and busy after "
                "an hour, failures after two, unreachable networks the next day.",
            },
        )
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
            defaults={"kind": Strategy.BUSINESS, "description": "Call results that deserve another try."},
        )
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
            defaults={
                "kind": Strategy.LADDER,
                "description": "Automated Call Scheduling Retry Attempts: first retry "
                "10 minutes after the last call, then 1 hour, then the next day; then no retry.",
            },
        )
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

        self.stdout.write(self.style.SUCCESS("Demo data loaded. Log in with one of these demo accounts:"))
        for username, password, persona, _ in DEMO_USERS:
            self.stdout.write(f"  {persona or 'Administrator':<17} {username:<11} password: {password}")
        self.stdout.write(
            "Post a lead to the 'Web leads' campaign (called at once in office hours, queued otherwise):\n"
            "  curl -X POST http://127.0.0.1:8000/api/leads/ -H 'Content-Type: application/json' "
            "-H 'X-Api-Key: demo-web-leads-key' -H 'Idempotency-Key: lead-1' "
            '-d \'{"name": "Ada", "phone": "+442079460001"}\''
        )
