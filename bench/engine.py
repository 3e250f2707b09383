"""Decisions per second of the scheduling engine on one core.

Run: python bench/engine.py [--decisions N] [--rules] [--avoid-repeat MINUTES]. A year-long calendar
(Mon-Fri two windows, Saturday mornings, 20 holidays, a daily limit, a contact window in another zone, an
opening delay) and contacts whose histories of 1-4 attempts are spread over the year. --rules adds two
attempt rules (the US Regulation F 7-in-7 and Florida 3-in-24h presets, both per number) and gives each
contact 0-6 attempts to its number in other campaigns in the week before its last attempt; --avoid-repeat
sets the repeat band. The last line is JSON: {"decisions": N, "per_second": X}.
"""

import argparse
import json
import random
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from strategies.durations import Delay  # noqa: E402
from strategies.engine import (  # noqa: E402
    FLORIDA_3_IN_24H,
    REG_F_7_IN_7,
    AttemptRecord,
    Calendar,
    Catalog,
    StrategySpec,
    Window,
    decide,
)

ZONE = "Europe/London"
CONTACT_ZONE = "America/New_York"


def build_calendar(rules: bool = False, avoid_repeat_minutes: int = 0) -> Calendar:
    weekday = (Window(9 * 60, 12 * 60 + 30), Window(13 * 60 + 30, 20 * 60))
    hours = (weekday,) * 5 + ((Window(10 * 60, 14 * 60),), ())
    start = date(2026, 1, 1)
    rng = random.Random(7)
    holidays = frozenset(start + timedelta(days=rng.randrange(365)) for _ in range(20))
    return Calendar(
        zone=ZONE,
        business_hours=hours,
        max_attempts=8,
        daily_attempts=2,
        holidays=holidays,
        contact_window=Window(8 * 60, 21 * 60),
        redial_delay=Delay(30, "m"),
        short_call_seconds=20,
        opening_delay=Delay(5, "m"),
        end_at=datetime(2027, 1, 31, 18, 0, tzinfo=ZoneInfo(ZONE)),
        attempt_rules=(REG_F_7_IN_7, FLORIDA_3_IN_24H) if rules else (),
        avoid_repeat=Delay(avoid_repeat_minutes, "m"),
    )


def build_histories(count: int) -> list[list[AttemptRecord]]:
    rng = random.Random(11)
    outcomes = [
        "sip.customer_no_answer",
        "sip.customer_busy",
        "platform.customer_call_failed",
        "twilio.answering_machine",
    ]
    zone = ZoneInfo(ZONE)
    histories = []
    for _ in range(count):
        at = datetime(2026, 1, 1, 8, 0, tzinfo=zone) + timedelta(minutes=rng.randrange(365 * 24 * 60))
        history = []
        for _ in range(rng.randint(1, 4)):
            if rng.random() < 0.2:
                history.append(
                    AttemptRecord(at, "platform.call_complete", rng.choice(["busy", "redial", "no_answer"]), 60)
                )
            else:
                history.append(AttemptRecord(at, rng.choice(outcomes)))
            at += timedelta(minutes=rng.randrange(30, 3000))
        histories.append(history)
    return histories


def build_number_histories(histories: list[list[AttemptRecord]]) -> list[list[AttemptRecord]]:
    """0-6 attempts to each contact's number in other campaigns, in the week before its last attempt."""
    rng = random.Random(13)
    found = []
    for history in histories:
        last = history[-1].at
        others = [
            AttemptRecord(last - timedelta(minutes=rng.randrange(1, 7 * 24 * 60)), "sip.customer_no_answer")
            for _ in range(rng.randint(0, 6))
        ]
        found.append(sorted(others, key=lambda a: a.at))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=100_000)
    parser.add_argument("--rules", action="store_true", help="two attempt rules per number, with other campaigns")
    parser.add_argument("--avoid-repeat", type=int, default=0, metavar="MINUTES", help="the repeat band H")
    args = parser.parse_args()
    calendar = build_calendar(args.rules, args.avoid_repeat)
    catalog = Catalog.load()
    telephony = StrategySpec(
        "telephony",
        {
            "sip.customer_no_answer": Delay(1, "h"),
            "sip.customer_busy": Delay(20, "m"),
            "platform.customer_call_failed": Delay(2, "h"),
            "twilio.answering_machine": Delay(1, "d"),
        },
    )
    business = StrategySpec("business", {"busy": Delay(2, "h"), "no_answer": Delay(3, "h")})
    histories = build_histories(10_000)
    elsewhere = build_number_histories(histories) if args.rules else [[] for _ in histories]
    # Warm the per-day caches once, as a running process would have them.
    for history, others in zip(histories, elsewhere, strict=True):
        decide(calendar, history, catalog, telephony, business, CONTACT_ZONE, number_history=others)
    reasons: dict[str, int] = {}
    deferred = 0
    # CPU time of this single-threaded process: decisions per core-second, whatever else the machine runs.
    started, started_cpu = time.perf_counter(), time.process_time()
    for i in range(args.decisions):
        n = i % len(histories)
        decision = decide(
            calendar, histories[n], catalog, telephony, business, CONTACT_ZONE, number_history=elsewhere[n]
        )
        reasons[decision.reason] = reasons.get(decision.reason, 0) + 1
        deferred += bool(decision.deferred_by)
    cpu = time.process_time() - started_cpu
    elapsed = time.perf_counter() - started
    print(f"reasons: {reasons}; deferred by a rule or the repeat band: {deferred}")
    print(f"{args.decisions} decisions in {cpu:.2f}s of CPU on one core ({elapsed:.2f}s wall)")
    print(json.dumps({"decisions": args.decisions, "per_second": round(args.decisions / cpu)}))


if __name__ == "__main__":
    main()
