"""Best time to call: does moving retries to learned hours reach more contacts? A simulated campaign.

Run: .venv/bin/python bench/best_time.py [--seed N] [--contacts 20000] [--weeks 3]. No database: every
retry is decided by the real engine (strategies.engine.decide) and, in arms (b) and (c), passed through
the real strategies.best_time.best_time_move; arm (b) learns its table with the real learning core.

The campaign (chosen before any run, the same for every arm):
- zone America/New_York; business hours Mon-Fri 09:00-20:00, Sat 10:00-16:00, Sunday closed; contact
  window 08:00-21:00 in the contact's zone; max attempts 6, daily attempts 2, no opening delay;
  telephony strategy: no answer -> 2 hours, busy -> 30 minutes, answering machine -> 3 hours. A connect
  ends the contact (a final call result): "reached". Starts Mon 13 Apr 2026 09:00, ends on the Saturday
  of the last week at 16:00.
- capacity 600 calls per hour (150 per 15-minute slot, e.g. 20 agents at 30 dials an hour). Each slot
  the dialer places up to that many calls, spread evenly over the slot: first the retries that are due
  (earliest due first), then new leads in import order. Calls due beyond capacity wait for the next
  slot; a waiting call whose time is no longer allowed (closing, daily limit) goes to the engine's next
  allowed instant. That model is identical for all arms.

The population (chosen before any run, hidden from the learner; the oracle knows it):
- 20,000 contacts, 60% in America/New_York and 40% in America/Los_Angeles, whatever their segment.
- segments, with the answer probability by the contact's local hour on Mon-Fri (hours not listed: 0.03):
    office workers (45%): 08 .30, 09 .12, 10 .08, 11 .08, 12 .18, 13 .10, 14 .07, 15 .07, 16 .10,
                          17 .22, 18 .36, 19 .38, 20 .32; Saturday and Sunday 08-09 .20, 10-15 .30, 16-20 .25
    retirees (25%):       08 .18, 09 .32, 10 .42, 11 .40, 12 .24, 13 .22, 14 .28, 15 .28, 16 .24,
                          17 .18, 18 .14, 19 .14, 20 .12; Saturday and Sunday .25 from 08 to 20
    shift workers (30%):  08 .05, 09 .05, 10 .06, 11 .10, 12 .22, 13 .34, 14 .36, 15 .34, 16 .24,
                          17 .14, 18 .10, 19 .08, 20 .08; Saturday and Sunday 08-11 .08, 12-20 .20
- each contact's probabilities are its segment's times a reachability factor: 0 for 12% of contacts
  (dead numbers, screeners), else uniform in [0.5, 1.5].
- a call not answered is busy 10% of the time, an answering machine 25%, else no answer.
Random draws are common to the arms: the k-th call of contact i uses the same uniform numbers in every
arm (so the arms differ only by when they call).

Arms:
  (a) plain: the engine's instant.
  (b) learned: best_time_move with the contact's table (contact_table over campaign_table over
      organisation_table), recomputed every night at 00:00 from all calls so far (the organisation's
      counts are this campaign's: it is the organisation's only campaign); it starts with no history.
  (c) oracle: best_time_move with the contact's true probabilities (upper bound).
  (c') table oracle: best_time_move with the true population average by local hour, what (b)'s
      campaign table can at best learn.
  (d) kind posterior: knows the three true profiles, their shares and the factors' distribution but
      not a contact's kind, and infers it by Bayes from the contact's own unanswered calls: the best a
      learner that does not observe the kind could know.
  (e) learned by kind: as (b), with one campaign table per kind, as if each lead carried its kind as
      an attribute (the population above does not promise that: this row shows what such an attribute
      would be worth, it is not (b)).
All moving arms use the same max shift, minimum gain and capacity. The last line is JSON.
"""

import argparse
import heapq
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from strategies import best_time  # noqa: E402
from strategies.durations import Delay  # noqa: E402
from strategies.engine import (  # noqa: E402
    STRATEGY_TELEPHONY,
    AttemptRecord,
    Calendar,
    Catalog,
    StrategySpec,
    Window,
    decide,
    is_allowed_at,
    next_allowed_at,
)

CAMPAIGN_ZONE = "America/New_York"
CONTACT_ZONES = (("America/New_York", 0.6), ("America/Los_Angeles", 0.4))
START = datetime(2026, 4, 13, 9, 0, tzinfo=ZoneInfo(CAMPAIGN_ZONE))  # a Monday
NO_ANSWER, BUSY, MACHINE, CONNECTED = (
    "sip.customer_no_answer",
    "sip.customer_busy",
    "twilio.answering_machine",
    "platform.call_complete",
)
MAX_ATTEMPTS = 6
CAPACITY_PER_HOUR = 600
NEVER_ANSWER_SHARE = 0.12
OTHER_HOURS = 0.03


def _profile(weekday_8_to_20: tuple[float, ...], weekend: dict[int, float]) -> tuple[float, ...]:
    """168 rates from the Mon-Fri rates of 08:00 ... 20:00 and the weekend's by hour."""
    weekday = dict(zip(range(8, 21), weekday_8_to_20, strict=True))
    rates = []
    for day in range(7):
        source = weekday if day < 5 else weekend
        rates.extend(source.get(hour, OTHER_HOURS) for hour in range(24))
    return tuple(rates)


def _hours(first: int, last: int, rate: float) -> dict[int, float]:
    return dict.fromkeys(range(first, last + 1), rate)


SEGMENTS = {
    "office": (
        0.45,
        _profile(
            (0.30, 0.12, 0.08, 0.08, 0.18, 0.10, 0.07, 0.07, 0.10, 0.22, 0.36, 0.38, 0.32),
            {**_hours(8, 9, 0.20), **_hours(10, 15, 0.30), **_hours(16, 20, 0.25)},
        ),
    ),
    "retiree": (
        0.25,
        _profile(
            (0.18, 0.32, 0.42, 0.40, 0.24, 0.22, 0.28, 0.28, 0.24, 0.18, 0.14, 0.14, 0.12),
            _hours(8, 20, 0.25),
        ),
    ),
    "shift": (
        0.30,
        _profile(
            (0.05, 0.05, 0.06, 0.10, 0.22, 0.34, 0.36, 0.34, 0.24, 0.14, 0.10, 0.08, 0.08),
            {**_hours(8, 11, 0.08), **_hours(12, 20, 0.20)},
        ),
    ),
}


def build_calendar(weeks: int) -> Calendar:
    weekday = (Window(9 * 60, 20 * 60),)
    hours = (weekday,) * 5 + ((Window(10 * 60, 16 * 60),), ())
    end = START + timedelta(days=7 * (weeks - 1) + 5, hours=7)  # the last Saturday, 16:00
    return Calendar(
        zone=CAMPAIGN_ZONE,
        business_hours=hours,
        max_attempts=MAX_ATTEMPTS,
        daily_attempts=2,
        contact_window=Window(8 * 60, 21 * 60),
        start_at=START,
        end_at=end,
    )


TELEPHONY = StrategySpec(
    STRATEGY_TELEPHONY,
    {NO_ANSWER: Delay(2, "h"), BUSY: Delay(30, "m"), MACHINE: Delay(3, "h")},
    name="No answer 2h, busy 30m, machine 3h",
)


class Population:
    """Contacts' zones, segments, factors and the uniform numbers of their calls (common to all arms)."""

    def __init__(self, count: int, seed: int):
        rng = random.Random(seed)
        names = list(SEGMENTS)
        shares = [SEGMENTS[name][0] for name in names]
        zones = [zone for zone, _ in CONTACT_ZONES]
        zone_shares = [share for _, share in CONTACT_ZONES]
        self.zone = [rng.choices(zones, zone_shares)[0] for _ in range(count)]
        self.segment = [rng.choices(names, shares)[0] for _ in range(count)]
        self.factor = [0.0 if rng.random() < NEVER_ANSWER_SHARE else rng.uniform(0.5, 1.5) for _ in range(count)]
        self.answer_draws = [[rng.random() for _ in range(MAX_ATTEMPTS)] for _ in range(count)]
        self.outcome_draws = [[rng.random() for _ in range(MAX_ATTEMPTS)] for _ in range(count)]

    def __len__(self) -> int:
        return len(self.zone)

    def probability(self, contact: int, hour: int) -> float:
        return min(0.95, SEGMENTS[self.segment[contact]][1][hour] * self.factor[contact])


def population_table(population: Population) -> best_time.RateTable:
    """The true mean answer probability by local hour of week over the whole population."""
    sums = [0.0] * best_time.HOURS_PER_WEEK
    for contact in range(len(population)):
        for hour in range(best_time.HOURS_PER_WEEK):
            sums[hour] += population.probability(contact, hour)
    return best_time.RateTable.from_rates([total / len(population) for total in sums])


# (d): the true profiles, shares and reachability factors (the factor's uniform part by 4 points).
_FACTORS = ((0.0, NEVER_ANSWER_SHARE),) + tuple((f, (1 - NEVER_ANSWER_SHARE) / 4) for f in (0.625, 0.875, 1.125, 1.375))


def posterior_table(contact: int, own: dict[int, tuple[int, int]]) -> best_time.RateTable:
    """The expected answer probability by hour given the contact's own calls, by Bayes over the true
    kinds and factors: what any learner that does not observe the kind could at best know."""
    weights = []
    for share, profile in SEGMENTS.values():
        weight = 0.0
        for factor, factor_share in _FACTORS:
            likelihood = share * factor_share
            for hour, (attempts, connects) in own.items():
                p = factor * profile[hour]
                likelihood *= p**connects * (1 - p) ** (attempts - connects)
            weight += likelihood * factor
        weights.append(weight)
    total = sum(weights) or 1.0
    profiles = [profile for _, profile in SEGMENTS.values()]
    return best_time.RateTable.from_rates(
        [sum(w / total * profile[hour] for w, profile in zip(weights, profiles, strict=True)) for hour in range(168)]
    )


class Arm:
    """How a retry's instant is chosen: the engine's (plain), or best_time_move with a table that is
    learned (`learn_by` gives the key whose calls a contact's table learns from) or given (`tables`)."""

    def __init__(self, name, population, calendar, *, tables=None, learn_by=None, shift=None, gain=0.0, priors=None):
        self.name = name
        self.population = population
        self.calendar = calendar
        self.tables = tables  # (contact, own counts) -> RateTable, for the oracles
        self.learn_by = learn_by  # contact -> key of the table it learns from and uses
        self.shift = shift
        self.gain = gain
        self.priors = priors or {}
        self.learned: dict[object, best_time.RateTable] = {}
        self.counts: dict[object, list[list[int]]] = {}
        self.slot_counts: dict[int, int] = {}
        self.moved = 0
        self.sample_explanation = ""
        self.sample_after = (START + timedelta(days=8)).timestamp()

    @property
    def moves(self) -> bool:
        return self.learn_by is not None or self.tables is not None

    def nightly(self) -> None:
        """Recompute the tables from all calls so far, as beat would at night."""
        if self.learn_by is None:
            return
        everything = [[0, 0] for _ in range(best_time.HOURS_PER_WEEK)]
        for cells in self.counts.values():
            for hour, (attempts, connects) in enumerate(cells):
                everything[hour][0] += attempts
                everything[hour][1] += connects
        organisation = best_time.organisation_table(
            {hour: (a, c) for hour, (a, c) in enumerate(everything) if a}, prior_strength=self.priors["organisation"]
        )
        self.learned = {
            key: best_time.campaign_table(
                {hour: (a, c) for hour, (a, c) in enumerate(cells) if a},
                organisation,
                prior_strength=self.priors["campaign"],
            )
            for key, cells in self.counts.items()
        }
        self.learned[None] = organisation

    def record(self, contact: int, hour: int, connected: bool) -> None:
        if self.learn_by is None:
            return
        key = self.learn_by(contact)
        cells = self.counts.get(key)
        if cells is None:
            cells = self.counts[key] = [[0, 0] for _ in range(best_time.HOURS_PER_WEEK)]
        cells[hour][0] += 1
        cells[hour][1] += connected

    def table_for(self, contact: int, own: dict[int, tuple[int, int]]) -> best_time.RateTable:
        if self.tables is not None:
            return self.tables(contact, own)
        learned = self.learned.get(self.learn_by(contact)) or self.learned.get(None) or best_time.RateTable.flat()
        return best_time.contact_table(
            own, learned, prior_strength=self.priors["contact"], same_hour_weight=self.priors["same_hour_weight"]
        )

    def schedule(self, contact: int, decided: datetime, attempts, own) -> float:
        """The POSIX instant the retry is due."""
        due = decided
        if self.moves:
            zone = self.population.zone[contact]
            move = best_time.best_time_move(
                decided,
                campaign_zone=CAMPAIGN_ZONE,
                contact_zone=zone,
                is_allowed=lambda instant: is_allowed_at(self.calendar, instant, attempts, zone),
                table=self.table_for(contact, own),
                max_shift=self.shift,
                min_gain=self.gain,
                slot_counts=self.slot_counts,
                capacity_per_hour=CAPACITY_PER_HOUR,
            )
            if move is not None:
                due = move.at
                self.moved += 1
                if not self.sample_explanation and decided.timestamp() > self.sample_after:
                    self.sample_explanation = move.explanation
        ts = due.timestamp()
        slot = int(ts // best_time.SLOT_SECONDS)
        self.slot_counts[slot] = self.slot_counts.get(slot, 0) + 1
        return ts


def run(arm: Arm, population: Population, calendar: Calendar, catalog: Catalog) -> dict:
    zones = {zone: ZoneInfo(zone) for zone, _ in CONTACT_ZONES}
    campaign_zone = ZoneInfo(CAMPAIGN_ZONE)
    per_slot = int(best_time.slot_capacity(CAPACITY_PER_HOUR))
    spacing = best_time.SLOT_SECONDS / per_slot
    count = len(population)
    attempts: list[list[AttemptRecord]] = [[] for _ in range(count)]
    own: list[dict[int, tuple[int, int]]] = [{} for _ in range(count)]
    reached = [False] * count
    retries: list[tuple[float, int, int]] = []
    fresh: list[tuple[float, int, int]] = []
    for contact in range(count):
        first = next_allowed_at(calendar, START, [], population.zone[contact])
        heapq.heappush(fresh, (first.at.timestamp(), contact, contact))
    sequence = count
    calls = 0
    calls_by_hour: dict[int, int] = {}
    calls_by_local: dict[int, int] = {}
    end_ts = calendar.end_at.timestamp()
    slot_ts = START.timestamp()
    last_night = None
    while slot_ts <= end_ts and (retries or fresh):
        local_day = datetime.fromtimestamp(slot_ts, campaign_zone).date()
        if local_day != last_night:
            arm.nightly()
            last_night = local_day
        slot_end = slot_ts + best_time.SLOT_SECONDS
        placed = 0
        while placed < per_slot:
            if retries and retries[0][0] < slot_end:
                queue = retries
            elif fresh and fresh[0][0] < slot_end:
                queue = fresh
            else:
                break
            due, order, contact = heapq.heappop(queue)
            at_ts = max(due, slot_ts + placed * spacing)
            at = datetime.fromtimestamp(at_ts, UTC)
            zone = population.zone[contact]
            history = attempts[contact]
            if not is_allowed_at(calendar, at, history, zone):
                allowed = next_allowed_at(calendar, at, history, zone)
                if allowed is not None:
                    heapq.heappush(queue, (max(allowed.at.timestamp(), slot_end), order, contact))
                continue
            placed += 1
            calls += 1
            hour_key = int(at_ts // 3600)
            calls_by_hour[hour_key] = calls_by_hour.get(hour_key, 0) + 1
            k = len(history)
            hour = best_time.hour_of_week(at, zones[zone])
            calls_by_local[hour % 24] = calls_by_local.get(hour % 24, 0) + 1
            connected = population.answer_draws[contact][k] < population.probability(contact, hour)
            arm.record(contact, hour, connected)
            previous = own[contact].get(hour, (0, 0))
            own[contact][hour] = (previous[0] + 1, previous[1] + connected)
            if connected:
                reached[contact] = True
                history.append(AttemptRecord(at, CONNECTED, "successful", 120))
                continue
            draw = population.outcome_draws[contact][k]
            outcome = BUSY if draw < 0.10 else MACHINE if draw < 0.35 else NO_ANSWER
            history.append(AttemptRecord(at, outcome))
            decision = decide(calendar, history, catalog, TELEPHONY, None, zone)
            if decision.next_attempt_at is None:
                continue
            due_ts = arm.schedule(contact, decision.next_attempt_at, history, own[contact])
            sequence += 1
            heapq.heappush(retries, (due_ts, sequence, contact))
        slot_ts = slot_end
    total_reached = sum(reached)
    open_hours = len(calls_by_hour)
    return {
        "arm": arm.name,
        "reached": total_reached,
        "calls": calls,
        "attempts_per_reached": round(calls / total_reached, 3) if total_reached else None,
        "calls_per_open_hour": round(calls / open_hours, 1) if open_hours else 0,
        "peak_calls_per_hour": max(calls_by_hour.values(), default=0),
        "moved": arm.moved,
        "never_called": sum(1 for history in attempts if not history),
        "reached_by_segment": {
            name: sum(1 for c in range(count) if reached[c] and population.segment[c] == name) for name in SEGMENTS
        },
        "calls_by_local_hour": [calls_by_local.get(h, 0) for h in range(8, 21)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--weeks", type=int, default=3)
    parser.add_argument("--max-shift-hours", type=float, default=6.0, help="W: how much later a retry may move")
    parser.add_argument("--min-gain", type=float, default=0.1, help="X: minimum relative gain (0.2 = 20%% higher)")
    parser.add_argument("--organisation-prior", type=float, default=best_time.DEFAULT_ORGANISATION_PRIOR_STRENGTH)
    parser.add_argument("--campaign-prior", type=float, default=best_time.DEFAULT_CAMPAIGN_PRIOR_STRENGTH)
    parser.add_argument("--contact-prior", type=float, default=best_time.DEFAULT_CONTACT_PRIOR_STRENGTH)
    parser.add_argument("--same-hour-weight", type=float, default=best_time.DEFAULT_SAME_HOUR_WEIGHT)
    parser.add_argument("--arms", default="plain,learned,oracle,table_oracle,posterior,by_kind")
    args = parser.parse_args()
    started = time.perf_counter()
    cpu_started = time.process_time()
    calendar = build_calendar(args.weeks)
    catalog = Catalog.load()
    population = Population(args.contacts, args.seed)
    shift = timedelta(hours=args.max_shift_hours)
    priors = {
        "organisation": args.organisation_prior,
        "campaign": args.campaign_prior,
        "contact": args.contact_prior,
        "same_hour_weight": args.same_hour_weight,
    }
    true_tables = {}

    def true_table(contact: int, own) -> best_time.RateTable:
        key = (population.segment[contact], population.factor[contact] == 0)
        table = true_tables.get(key)
        if table is None:
            # The factor scales every hour alike, so the segment's profile ranks the hours the same way.
            rates = (0.0,) * best_time.HOURS_PER_WEEK if key[1] else SEGMENTS[key[0]][1]
            table = true_tables[key] = best_time.RateTable.from_rates(rates)
        return table

    average = population_table(population)
    moving = {"shift": shift, "gain": args.min_gain}
    factories = {
        "plain": lambda: Arm("(a) plain", population, calendar),
        "learned": lambda: Arm(
            "(b) learned", population, calendar, learn_by=lambda contact: "campaign", priors=priors, **moving
        ),
        "oracle": lambda: Arm("(c) oracle", population, calendar, tables=true_table, **moving),
        "table_oracle": lambda: Arm(
            "(c') table oracle", population, calendar, tables=lambda contact, own: average, **moving
        ),
        "posterior": lambda: Arm("(d) kind posterior", population, calendar, tables=posterior_table, **moving),
        "by_kind": lambda: Arm(
            "(e) learned by kind",
            population,
            calendar,
            learn_by=lambda contact: population.segment[contact],
            priors=priors,
            **moving,
        ),
    }
    results = {}
    samples = {}
    for key in args.arms.split(","):
        arm = factories[key]()
        results[key] = run(arm, population, calendar, catalog)
        samples[key] = arm.sample_explanation
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started

    print(
        f"seed {args.seed}, {args.contacts:,} contacts, {args.weeks} weeks, capacity {CAPACITY_PER_HOUR}/h, "
        f"W {args.max_shift_hours:g}h, X {args.min_gain:.0%}, priors {priors}"
    )
    print(f"{'arm':<20}{'reached':>9}{'gain':>8}{'calls':>9}{'att/reached':>13}{'calls/h':>9}{'peak/h':>8}{'moved':>8}")
    plain = results.get("plain", {}).get("reached")
    for row in results.values():
        gain = f"{row['reached'] / plain - 1:+.1%}" if plain else ""
        print(
            f"{row['arm']:<20}{row['reached']:>9,}{gain:>8}{row['calls']:>9,}{row['attempts_per_reached'] or 0:>13.2f}"
            f"{row['calls_per_open_hour']:>9.1f}{row['peak_calls_per_hour']:>8}{row['moved']:>8,}"
        )
    summary = {"seed": args.seed, "contacts": args.contacts, "weeks": args.weeks, "arms": results}
    if plain and "learned" in results:
        summary["learned_gain"] = round(results["learned"]["reached"] / plain - 1, 4)
    if plain and "learned" in results and "oracle" in results:
        oracle_gain = results["oracle"]["reached"] - plain
        summary["share_of_oracle_gain"] = (
            round((results["learned"]["reached"] - plain) / oracle_gain, 4) if oracle_gain else None
        )
        print(
            f"(b) vs (a): {summary['learned_gain']:+.1%} contacts reached (target >= +15%); "
            f"share of the oracle's gain: {summary['share_of_oracle_gain']:.0%} (target >= 70%)"
        )
    if samples.get("learned"):
        print(f"e.g. {samples['learned']}")
    summary["seconds"] = round(elapsed, 1)
    summary["cpu_seconds"] = round(cpu, 1)
    print(f"runtime {elapsed:.1f}s wall, {cpu:.1f}s CPU (one core)")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
