"""Scenario files (SCENARIOS.md): parse and validate them into engine inputs, render decisions to JSON.

Pure Python (no Django import). Validation collects every problem, each naming its field
(`campaign.business_hours.mon[0]: end 09:00 is not after start 17:00`), so a supervisor fixes a file in
one pass. Besides the SCENARIOS.md rule maps, a strategy may be an attempt ladder:
`{"ladder": {"outcomes": ["sip.customer_no_answer"], "steps": ["10m", "1h", null], "name": "..."}}`
(for a business strategy the codes are call results, under "results" or "outcomes").

Compliance keys (PRODUCT.md rules 8-10): `campaign.attempt_rules`, `campaign.avoid_repeat`,
`contact.phone` (E.164), `do_not_call` (numbers, each listed all along or `since` an instant) and `history`
(the number's attempts in other campaigns, which only attempt rules with scope "number" count).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .durations import Delay, parse_delay
from .engine import (
    COUNT_ALL,
    COUNT_CONNECTED,
    COUNT_OUTCOMES,
    HANDLINGS,
    MAX_AVOID_REPEAT_SECONDS,
    RULE_SCOPES,
    SCOPE_CONTACT,
    STRATEGY_BUSINESS,
    STRATEGY_LADDER,
    STRATEGY_TELEPHONY,
    AttemptRecord,
    AttemptRule,
    Calendar,
    Catalog,
    Decision,
    OutcomeInfo,
    StrategySpec,
    Window,
    decide,
)

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME_RE = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_E164_RE = re.compile(r"\+[1-9][0-9]{1,14}")
# Far enough from datetime's limits that a year-long search plus any delay cannot overflow.
_MIN_YEAR, _MAX_YEAR = 1900, 9000


@dataclass(frozen=True)
class Problem:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class ScenarioError(ValueError):
    """A scenario that cannot be run; `problems` lists every reason, each naming its field."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Listing:
    """A do-not-call entry for the scenario's number: listed all along (since None) or from `since` on."""

    number: str
    since: datetime | None = None

    def applies_to(self, attempt_at: datetime) -> bool:
        return self.since is None or attempt_at >= self.since


@dataclass(frozen=True)
class Scenario:
    name: str
    calendar: Calendar
    catalog: Catalog
    telephony: StrategySpec | None
    business: StrategySpec | None
    contact_zone: str | None
    attempts: tuple[AttemptRecord, ...]
    phone: str | None = None
    # Entries of the file's do_not_call list that name the contact's phone.
    listings: tuple[Listing, ...] = ()
    # Attempts to the same number in other campaigns (rule 9, scope "number").
    history: tuple[AttemptRecord, ...] = ()

    def decide(self) -> list[Decision]:
        """One decision per attempt. Each sees the attempts up to its own, the history entries that started at
        or before it (what was known then), and whether the number was listed when its attempt was made."""
        decisions = []
        for i in range(len(self.attempts)):
            prefix = self.attempts[: i + 1]
            at = prefix[-1].at
            known = [a for a in self.history if a.at <= at]
            listed = any(listing.applies_to(at) for listing in self.listings)
            decisions.append(
                decide(
                    self.calendar,
                    prefix,
                    self.catalog,
                    self.telephony,
                    self.business,
                    self.contact_zone,
                    number_history=known,
                    do_not_call=listed,
                )
            )
        return decisions


class _Problems:
    def __init__(self):
        self.items: list[Problem] = []

    def add(self, field: str, message: str) -> None:
        self.items.append(Problem(field, message))


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int(p: _Problems, value: Any, field: str, minimum: int) -> int | None:
    if not _is_int(value):
        p.add(field, f"expected a whole number, got {_type_name(value)}")
        return None
    if value < minimum:
        p.add(field, f"must be at least {minimum}, got {value}")
        return None
    return value


def _delay(p: _Problems, value: Any, field: str) -> Delay | None:
    try:
        return parse_delay(value)
    except ValueError as exc:
        p.add(field, str(exc))
        return None


def _zone_name(p: _Problems, value: Any, field: str) -> str | None:
    if not isinstance(value, str) or not value:
        p.add(field, f'expected an IANA time zone name such as "Europe/London", got {_type_name(value)}')
        return None
    try:
        ZoneInfo(value)
    except Exception:  # ZoneInfoNotFoundError, or ValueError/TypeError for malformed keys
        p.add(field, f"unknown time zone {value!r}")
        return None
    return value


def _minute(p: _Problems, value: Any, field: str, allow_24: bool) -> int | None:
    match = _TIME_RE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        p.add(field, f'expected a time "HH:MM", got {value!r}')
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if allow_24 and (hour, minute) == (24, 0):
        return 1440
    if hour > 23 or minute > 59:
        p.add(field, f"{value!r} is not a time of day (00:00-23:59{', or 24:00 to end a window' if allow_24 else ''})")
        return None
    return hour * 60 + minute


def _window(p: _Problems, value: Any, field: str) -> Window | None:
    if not isinstance(value, list) or len(value) != 2:
        p.add(field, f'expected a window ["HH:MM", "HH:MM"], got {json.dumps(value)}')
        return None
    start = _minute(p, value[0], f"{field}[0]", allow_24=False)
    end = _minute(p, value[1], f"{field}[1]", allow_24=True)
    if start is None or end is None:
        return None
    if end <= start:
        p.add(field, f"end {value[1]} is not after start {value[0]}")
        return None
    return Window(start, end)


def _aware(p: _Problems, value: Any, field: str) -> datetime | None:
    if not isinstance(value, str):
        p.add(field, f"expected an ISO 8601 date-time with an offset, got {_type_name(value)}")
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        p.add(field, f"{value!r} is not an ISO 8601 date-time")
        return None
    if parsed.utcoffset() is None:
        p.add(field, f'{value!r} has no UTC offset (write e.g. "2026-11-23T10:00:00+05:30")')
        return None
    if not (_MIN_YEAR <= parsed.year <= _MAX_YEAR):
        p.add(field, f"{value!r} is outside the years {_MIN_YEAR}-{_MAX_YEAR}")
        return None
    return parsed


def _object(p: _Problems, data: dict, key: str, field: str, required: bool) -> dict | None:
    if key not in data or (data[key] is None and not required):
        if required:
            p.add(field, "is required")
        return None
    value = data[key]
    if not isinstance(value, dict):
        p.add(field, f"expected an object, got {_type_name(value)}")
        return None
    return value


def _list(p: _Problems, value: Any, field: str) -> list | None:
    if value is None:
        return None
    if not isinstance(value, list):
        p.add(field, f"expected a list, got {_type_name(value)}")
        return None
    return value


def _business_hours(p: _Problems, value: dict, field: str) -> tuple[tuple[Window, ...], ...]:
    days: list[tuple[Window, ...]] = [()] * 7
    for key, windows in value.items():
        day_field = f"{field}.{key}"
        if key not in WEEKDAY_KEYS:
            p.add(day_field, f"unknown weekday {key!r}: use {', '.join(WEEKDAY_KEYS)}")
            continue
        if windows is None:
            continue
        if not isinstance(windows, list):
            p.add(day_field, f'expected a list of windows [["09:00", "17:00"], ...], got {_type_name(windows)}')
            continue
        parsed = [_window(p, window, f"{day_field}[{i}]") for i, window in enumerate(windows)]
        days[WEEKDAY_KEYS.index(key)] = tuple(w for w in parsed if w is not None)
    return tuple(days)


def _campaign(p: _Problems, data: dict) -> dict:
    """Calendar keyword arguments; a missing one means its field had a problem."""
    campaign = _object(p, data, "campaign", "campaign", required=True)
    if campaign is None:
        return {}
    out: dict[str, Any] = {}
    for key in ("timezone", "max_attempts", "daily_attempts", "business_hours"):
        if key not in campaign:
            p.add(f"campaign.{key}", "is required")
    if "timezone" in campaign:
        out["zone"] = _zone_name(p, campaign["timezone"], "campaign.timezone")
    if "max_attempts" in campaign:
        out["max_attempts"] = _int(p, campaign["max_attempts"], "campaign.max_attempts", 1)
    if "daily_attempts" in campaign:
        daily = campaign["daily_attempts"]
        # null: no daily limit.
        out["daily_attempts"] = None if daily is None else _int(p, daily, "campaign.daily_attempts", 1)
        if daily is not None and out["daily_attempts"] is None:
            del out["daily_attempts"]
    hours = _object(p, campaign, "business_hours", "campaign.business_hours", required=False)
    if hours is not None:
        out["business_hours"] = _business_hours(p, hours, "campaign.business_hours")
    elif "business_hours" in campaign and campaign["business_hours"] is None:
        p.add("campaign.business_hours", "expected an object, got null")
    holidays = _list(p, campaign.get("holidays"), "campaign.holidays")
    if holidays is not None:
        found = set()
        for i, value in enumerate(holidays):
            try:
                if not isinstance(value, str):
                    raise ValueError
                found.add(date.fromisoformat(value))
            except ValueError:
                p.add(f"campaign.holidays[{i}]", f'expected a date "YYYY-MM-DD", got {json.dumps(value)}')
        out["holidays"] = frozenset(found)
    if campaign.get("contact_window") is not None:
        out["contact_window"] = _window(p, campaign["contact_window"], "campaign.contact_window")
    for key in ("redial_delay", "opening_delay"):
        if campaign.get(key) is not None:
            out[key] = _delay(p, campaign[key], f"campaign.{key}")
    if campaign.get("short_call_seconds") is not None:
        out["short_call_seconds"] = _int(p, campaign["short_call_seconds"], "campaign.short_call_seconds", 0)
    if campaign.get("end_at") is not None:
        out["end_at"] = _aware(p, campaign["end_at"], "campaign.end_at")
    if campaign.get("avoid_repeat") is not None:
        band = _delay(p, campaign["avoid_repeat"], "campaign.avoid_repeat")
        if band is not None and band.nominal_seconds > MAX_AVOID_REPEAT_SECONDS:
            p.add("campaign.avoid_repeat", f"{campaign['avoid_repeat']} is longer than the maximum 11h")
        elif band is not None:
            out["avoid_repeat"] = band
    return out


def _attempt_rules(p: _Problems, data: dict, outcome_codes: frozenset[str]) -> tuple[AttemptRule, ...]:
    """campaign.attempt_rules (rule 9); a rule with a problem is left out (and reported)."""
    campaign = data.get("campaign")
    if not isinstance(campaign, dict):
        return ()
    values = _list(p, campaign.get("attempt_rules"), "campaign.attempt_rules")
    rules = []
    for i, value in enumerate(values or ()):
        field = f"campaign.attempt_rules[{i}]"
        if not isinstance(value, dict):
            p.add(field, f"expected an object with max, within, count, scope, got {_type_name(value)}")
            continue
        before = len(p.items)
        name = value.get("name", "")
        if name is None:
            name = ""
        if not isinstance(name, str):
            p.add(f"{field}.name", f"expected a string, got {_type_name(name)}")
        if "max" not in value:
            p.add(f"{field}.max", "is required")
            most = None
        else:
            most = _int(p, value["max"], f"{field}.max", 1)
        within = None
        if "within" not in value:
            p.add(f"{field}.within", "is required")
        else:
            within = _delay(p, value["within"], f"{field}.within")
            if within is not None and within.unit == "s":
                p.add(f"{field}.within", f"{value['within']!r}: use minutes, hours or days (m, h or d)")
            elif within is not None and within.is_zero:
                p.add(f"{field}.within", "must be longer than 0")
        count, outcomes = _rule_count(p, value.get("count", COUNT_ALL), f"{field}.count", outcome_codes)
        scope = value.get("scope", SCOPE_CONTACT)
        if scope not in RULE_SCOPES:
            shown = json.dumps(scope) if not isinstance(scope, str) else repr(scope)
            p.add(f"{field}.scope", f'unknown scope {shown}: use "contact" or "number"')
        if len(p.items) == before:
            rules.append(AttemptRule(name, most, within, count, outcomes, scope))
    return tuple(rules)


def _rule_count(p: _Problems, value: Any, field: str, outcome_codes: frozenset[str]) -> tuple[str, frozenset[str]]:
    if value in (COUNT_ALL, COUNT_CONNECTED):
        return value, frozenset()
    if not isinstance(value, list):
        shown = repr(value) if isinstance(value, str) else json.dumps(value)
        p.add(field, f'unknown count {shown}: use "all", "connected" or a list of outcome codes')
        return COUNT_ALL, frozenset()
    if not value:
        p.add(field, "expected at least one outcome code")
    codes = set()
    for i, code in enumerate(value):
        if not isinstance(code, str) or code not in outcome_codes:
            p.add(f"{field}[{i}]", f"unknown outcome {code!r}")
        else:
            codes.add(code)
    return COUNT_OUTCOMES, frozenset(codes)


def _phone(p: _Problems, value: Any, field: str) -> str | None:
    if not isinstance(value, str):
        p.add(field, f'expected an E.164 number such as "+12125550123", got {_type_name(value)}')
        return None
    if not _E164_RE.fullmatch(value):
        p.add(field, f'{value!r} is not an E.164 number (write e.g. "+12125550123")')
        return None
    return value


def _contact_phone(p: _Problems, data: dict) -> str | None:
    contact = data.get("contact")
    if not isinstance(contact, dict) or contact.get("phone") is None:
        return None
    return _phone(p, contact["phone"], "contact.phone")


def _do_not_call(p: _Problems, data: dict) -> list[Listing]:
    values = _list(p, data.get("do_not_call"), "do_not_call")
    listings = []
    for i, value in enumerate(values or ()):
        field = f"do_not_call[{i}]"
        if isinstance(value, dict):
            if "number" not in value:
                p.add(f"{field}.number", "is required")
                continue
            number = _phone(p, value["number"], f"{field}.number")
            since = None
            if value.get("since") is not None:
                since = _aware(p, value["since"], f"{field}.since")
                if since is None:
                    continue
            if number is not None:
                listings.append(Listing(number, since))
        elif isinstance(value, str):
            number = _phone(p, value, field)
            if number is not None:
                listings.append(Listing(number))
        else:
            what = _type_name(value)
            p.add(field, f'expected a number "+12125550123" or an object with number and since, got {what}')
    return listings


def _outcomes(p: _Problems, data: dict) -> list[OutcomeInfo]:
    values = _list(p, data.get("outcomes"), "outcomes")
    extra: dict[str, OutcomeInfo] = {}
    for i, value in enumerate(values or ()):
        field = f"outcomes[{i}]"
        if not isinstance(value, dict):
            p.add(field, f"expected an object with code, name, connected, final, got {_type_name(value)}")
            continue
        code = value.get("code")
        if not isinstance(code, str) or not code.strip():
            p.add(
                f"{field}.code", "is required (a non-empty string)" if code is None else "expected a non-empty string"
            )
            continue
        if code in extra:
            p.add(f"{field}.code", f"duplicate outcome {code!r}")
            continue
        name = value.get("name", code)
        if not isinstance(name, str) or not name.strip():
            p.add(f"{field}.name", "expected a non-empty string")
            name = code
        flags = {}
        for key in ("connected", "final"):
            flag = value.get(key, False)
            if not isinstance(flag, bool):
                p.add(f"{field}.{key}", f"expected true or false, got {_type_name(flag)}")
                flag = False
            flags[key] = flag
        extra[code] = OutcomeInfo(code, name, flags["connected"], flags["final"])
    return list(extra.values())


def _strategy(p: _Problems, data: dict, key: str, kind: str, known: frozenset[str], what: str) -> StrategySpec | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        p.add(key, f'expected an object {{code: duration}} or {{"ladder": ...}}, got {_type_name(value)}')
        return None
    if set(value) == {"ladder"}:
        return _ladder(p, value["ladder"], f"{key}.ladder", known, what)
    rules = {}
    for code, text in value.items():
        field = f"{key}.{code}"
        if code not in known:
            p.add(field, f"unknown {what} {code!r}")
            continue
        delay = _delay(p, text, field)
        if delay is not None:
            rules[code] = delay
    return StrategySpec(kind, rules)


def _ladder(p: _Problems, value: Any, field: str, known: frozenset[str], what: str) -> StrategySpec | None:
    if not isinstance(value, dict):
        p.add(field, f'expected an object with "outcomes" and "steps", got {_type_name(value)}')
        return None
    key = next((k for k in ("outcomes", "results", "call_results") if k in value), None)
    if key is None:
        p.add(f"{field}.outcomes", "is required")
        codes: list = []
    else:
        codes = _list(p, value[key], f"{field}.{key}") or []
    keys = set()
    for i, code in enumerate(codes):
        if not isinstance(code, str) or code not in known:
            p.add(f"{field}.{key}[{i}]", f"unknown {what} {code!r}")
        else:
            keys.add(code)
    steps_value = value.get("steps")
    if steps_value is None:
        p.add(f"{field}.steps", "is required")
    steps: list[Delay | None] = []
    for i, text in enumerate(_list(p, steps_value, f"{field}.steps") or []):
        steps.append(None if text is None else _delay(p, text, f"{field}.steps[{i}]"))
    name = value.get("name", "")
    if not isinstance(name, str):
        p.add(f"{field}.name", f"expected a string, got {_type_name(name)}")
        name = ""
    return StrategySpec(STRATEGY_LADDER, ladder_keys=frozenset(keys), ladder_steps=tuple(steps), name=name)


def _contact_zone(p: _Problems, data: dict) -> str | None:
    contact = _object(p, data, "contact", "contact", required=False)
    if contact is None or contact.get("timezone") is None:
        return None
    return _zone_name(p, contact["timezone"], "contact.timezone")


def _attempts(p: _Problems, data: dict, catalog: Catalog, key: str = "attempts") -> list[AttemptRecord]:
    """The attempts (or the history) of the file; `attempts` is required, `history` optional."""
    if key not in data or (key != "attempts" and data[key] is None):
        if key == "attempts":
            p.add(key, "is required")
        return []
    values = data[key]
    if not isinstance(values, list):
        p.add(key, f"expected a list, got {_type_name(values)}")
        return []
    attempts = []
    for i, value in enumerate(values):
        field = f"{key}[{i}]"
        if not isinstance(value, dict):
            p.add(field, f"expected an object with at, outcome, result, duration, got {_type_name(value)}")
            continue
        ok = True
        at = None
        if "at" not in value:
            p.add(f"{field}.at", "is required")
            ok = False
        else:
            at = _aware(p, value["at"], f"{field}.at")
            ok = ok and at is not None
        outcome = value.get("outcome")
        if outcome is None:
            p.add(f"{field}.outcome", "is required")
            ok = False
        elif not isinstance(outcome, str) or outcome not in catalog.outcomes:
            p.add(f"{field}.outcome", f"unknown outcome {outcome!r}")
            ok = False
        result = value.get("result")
        if result is not None and (not isinstance(result, str) or result not in catalog.call_results):
            p.add(f"{field}.result", f"unknown call result {result!r}")
            ok = False
        duration = value.get("duration")
        if duration is not None:
            if isinstance(duration, bool) or not isinstance(duration, int | float) or not duration >= 0:
                p.add(f"{field}.duration", f"expected a non-negative number of seconds, got {json.dumps(duration)}")
                ok = False
            elif duration > 10**9:
                p.add(f"{field}.duration", "is too large")
                ok = False
        if ok:
            attempts.append(AttemptRecord(at, outcome, result, None if duration is None else int(duration)))
    return attempts


def parse_scenario(data: Any, catalog: Catalog | None = None, default_name: str = "") -> Scenario:
    """A Scenario from a decoded scenario document; raises ScenarioError listing every problem.

    `catalog` is the shipped catalog (Catalog.load() when None); the scenario's own `outcomes` are added.
    Keys the format does not know (such as "expected") are ignored.
    """
    p = _Problems()
    if not isinstance(data, dict):
        raise ScenarioError([Problem("(document)", f"expected a JSON object, got {_type_name(data)}")])
    base = catalog if catalog is not None else Catalog.load()
    name = data.get("name", default_name)
    if not isinstance(name, str):
        p.add("name", f"expected a string, got {_type_name(name)}")
        name = default_name
    campaign = _campaign(p, data)
    full_catalog = base.with_outcomes(_outcomes(p, data))
    outcome_codes = frozenset(full_catalog.outcomes)
    result_codes = frozenset(full_catalog.call_results)
    telephony = _strategy(p, data, "telephony_strategy", STRATEGY_TELEPHONY, outcome_codes, "outcome")
    business = _strategy(p, data, "business_strategy", STRATEGY_BUSINESS, result_codes, "call result")
    contact_zone = _contact_zone(p, data)
    phone = _contact_phone(p, data)
    listings = _do_not_call(p, data)
    attempts = _attempts(p, data, full_catalog)
    history = _attempts(p, data, full_catalog, "history")
    campaign["attempt_rules"] = _attempt_rules(p, data, outcome_codes)
    calendar = None
    if not p.items:
        try:
            calendar = Calendar(**campaign)
        except (TypeError, ValueError) as exc:  # only if a check above missed something
            p.add("campaign", str(exc))
    if p.items:
        raise ScenarioError(p.items)
    mine = tuple(listing for listing in listings if listing.number == phone)
    return Scenario(
        name,
        calendar,
        full_catalog,
        telephony,
        business,
        contact_zone,
        tuple(attempts),
        phone,
        mine,
        tuple(sorted(history, key=lambda a: a.at)),
    )


def load_scenario(path: str | Path, catalog: Catalog | None = None) -> Scenario:
    """Read and parse a scenario file; raises ScenarioError (unreadable file, bad JSON, bad fields)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ScenarioError([Problem("(file)", f"cannot read: {reason}")]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            [Problem("(json)", f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")]
        ) from None
    except RecursionError:
        raise ScenarioError([Problem("(json)", "invalid JSON: nested too deeply")]) from None
    return parse_scenario(data, catalog, default_name=path.stem)


def render_decisions(scenario: Scenario, decisions: Sequence[Decision]) -> dict:
    """One scenario's entry of the output document; instants carry the campaign's offset."""
    zone = ZoneInfo(scenario.calendar.zone)
    return {
        "name": scenario.name,
        "decisions": [
            {
                "attempt": i,
                "next_attempt_at": None
                if decision.next_attempt_at is None
                else decision.next_attempt_at.astimezone(zone).isoformat(),
                "reason": decision.reason,
                "explanation": decision.explanation,
            }
            for i, decision in enumerate(decisions, start=1)
        ],
    }


def render_output(results: Sequence[tuple[Scenario, Sequence[Decision]]]) -> dict:
    """The whole output document: {"scenarios": [...]}."""
    return {"scenarios": [render_decisions(scenario, decisions) for scenario, decisions in results]}


def problem_lines(filename: str, problems: Sequence[Problem]) -> list[str]:
    """`FILE: field: message`, one line per problem (newlines in messages flattened)."""
    return [f"{filename}: {problem.field}: {problem.message}".replace("\n", " ") for problem in problems]


__all__ = [
    "HANDLINGS",
    "Listing",
    "Problem",
    "Scenario",
    "ScenarioError",
    "WEEKDAY_KEYS",
    "load_scenario",
    "parse_scenario",
    "problem_lines",
    "render_decisions",
    "render_output",
]
