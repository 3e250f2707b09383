"""`manage.py simulate` and the compliance keys of SCENARIOS.md: attempt_rules, avoid_repeat, contact.phone,
do_not_call, history. No database."""

import json
from pathlib import Path

import pytest

from strategies.engine import Catalog
from strategies.scenario import ScenarioError, parse_scenario

from .test_simulate import run_simulate

HERE = Path(__file__).resolve().parent
GOOD = json.loads((HERE / "public_scenarios" / "compliance_02.json").read_text())
CATALOG = Catalog.load()


def with_change(change):
    doc = json.loads(json.dumps(GOOD))
    doc.pop("expected")
    change(doc)
    return doc


def rule(**fields):
    def change(doc):
        doc["campaign"]["attempt_rules"][0].update(fields)
        for key, value in fields.items():
            if value is ...:
                del doc["campaign"]["attempt_rules"][0][key]

    return change


def top(key, value):
    def change(doc):
        doc[key] = value

    return change


def campaign(key, value):
    def change(doc):
        doc["campaign"][key] = value

    return change


BAD = [
    ("rules_not_list", campaign("attempt_rules", {"max": 7}), "campaign.attempt_rules: expected a list"),
    ("rule_not_object", campaign("attempt_rules", ["7 in 7"]), "campaign.attempt_rules[0]: expected an object"),
    ("rule_without_max", rule(max=...), "campaign.attempt_rules[0].max: is required"),
    ("rule_zero_max", rule(max=0), "campaign.attempt_rules[0].max: must be at least 1"),
    ("rule_text_max", rule(max="7"), "campaign.attempt_rules[0].max: expected a whole number"),
    ("rule_without_within", rule(within=...), "campaign.attempt_rules[0].within: is required"),
    ("rule_bad_within", rule(within="a week"), "campaign.attempt_rules[0].within: invalid duration"),
    ("rule_seconds", rule(within="600s"), "campaign.attempt_rules[0].within: '600s': use minutes, hours or days"),
    ("rule_zero_within", rule(within="0d"), "campaign.attempt_rules[0].within: must be longer than 0"),
    ("rule_unknown_count", rule(count="some"), "campaign.attempt_rules[0].count: unknown count 'some'"),
    ("rule_count_number", rule(count=3), "campaign.attempt_rules[0].count: unknown count 3"),
    ("rule_empty_codes", rule(count=[]), "campaign.attempt_rules[0].count: expected at least one outcome code"),
    ("rule_unknown_code", rule(count=["sip.nope"]), "campaign.attempt_rules[0].count[0]: unknown outcome 'sip.nope'"),
    ("rule_unknown_scope", rule(scope="world"), "campaign.attempt_rules[0].scope: unknown scope 'world'"),
    ("rule_name", rule(name=7), "campaign.attempt_rules[0].name: expected a string"),
    ("band_too_long", campaign("avoid_repeat", "12h"), "campaign.avoid_repeat: 12h is longer than the maximum 11h"),
    ("band_one_day", campaign("avoid_repeat", "1d"), "campaign.avoid_repeat: 1d is longer than the maximum 11h"),
    ("band_bad", campaign("avoid_repeat", "2 hours"), "campaign.avoid_repeat: invalid duration"),
    ("phone_local", top("contact", {"phone": "212 555 0142"}), "contact.phone: '212 555 0142' is not an E.164"),
    ("phone_number", top("contact", {"phone": 12125550142}), "contact.phone: expected an E.164 number"),
    ("dnc_not_list", top("do_not_call", "+12125550142"), "do_not_call: expected a list"),
    ("dnc_bad_number", top("do_not_call", ["+0123"]), "do_not_call[0]: '+0123' is not an E.164"),
    ("dnc_no_number", top("do_not_call", [{"since": "2026-11-20T00:00:00Z"}]), "do_not_call[0].number: is required"),
    (
        "dnc_naive_since",
        top("do_not_call", [{"number": "+12125550142", "since": "2026-11-20T00:00:00"}]),
        "do_not_call[0].since",
    ),
    ("dnc_type", top("do_not_call", [12125550142]), "do_not_call[0]: expected a number"),
    ("history_not_list", top("history", {}), "history: expected a list"),
    (
        "history_outcome",
        top("history", [{"at": "2026-11-20T10:00:00-05:00", "outcome": "x.y"}]),
        "history[0].outcome: unknown outcome 'x.y'",
    ),
    ("history_at", top("history", [{"outcome": "sip.customer_busy"}]), "history[0].at: is required"),
]


@pytest.mark.parametrize(("label", "change", "expected"), BAD, ids=[b[0] for b in BAD])
def test_bad_compliance_keys_exit_2_naming_the_field(label, change, expected, tmp_path):
    target = tmp_path / f"{label}.json"
    target.write_text(json.dumps(with_change(change)))
    code, out, err = run_simulate(target)
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert lines and all(line.startswith(f"{target}: ") for line in lines), err
    assert any(expected in line for line in lines), err
    assert "Traceback" not in err


def test_every_problem_of_the_new_keys_is_reported_at_once():
    doc = with_change(rule(max=0, scope="world"))
    doc["campaign"]["avoid_repeat"] = "13h"
    doc["do_not_call"] = ["nope"]
    with pytest.raises(ScenarioError) as raised:
        parse_scenario(doc, CATALOG)
    assert [p.field for p in raised.value.problems] == [
        "campaign.avoid_repeat",
        "do_not_call[0]",
        "campaign.attempt_rules[0].max",
        "campaign.attempt_rules[0].scope",
    ]


def test_defaults_of_the_new_keys():
    doc = with_change(rule(count=..., scope=..., name=...))
    del doc["history"]
    scenario = parse_scenario(doc, CATALOG)
    (parsed,) = scenario.calendar.attempt_rules
    assert (parsed.count, parsed.scope, parsed.name, parsed.label) == ("all", "contact", "", "7 calls in 7d")
    assert scenario.calendar.avoid_repeat.is_zero
    assert scenario.history == () and scenario.listings == ()
    assert scenario.calendar.redial_delay.nominal_seconds == 30 * 60


def test_a_number_listed_all_along_stops_every_decision_and_other_numbers_do_not(tmp_path):
    listed = with_change(top("do_not_call", ["+12125550142"]))
    other = with_change(
        top("do_not_call", ["+12125550143", {"number": "+12125550144", "since": "2026-11-01T00:00:00Z"}])
    )
    paths = []
    for name, doc in (("listed", listed), ("other", other)):
        paths.append(tmp_path / f"{name}.json")
        paths[-1].write_text(json.dumps(doc))
    code, out, err = run_simulate(*paths)
    assert code == 0, err
    first, second = json.loads(out)["scenarios"]
    assert [d["reason"] for d in first["decisions"]] == ["do_not_call", "do_not_call"]
    assert all(d["next_attempt_at"] is None for d in first["decisions"])
    assert [d["reason"] for d in second["decisions"]] == ["retry", "retry"]


def test_history_after_an_attempt_is_not_known_to_its_decision(tmp_path):
    doc = with_change(lambda d: None)
    # Another campaign calls the number at 16:30, after the first attempt (16:00) but before its decision runs
    # out: the first decision does not know it, the second does.
    doc["history"] = doc["history"][1:] + [{"at": "2026-11-25T16:30:00-05:00", "outcome": "sip.customer_busy"}]
    target = tmp_path / "late_history.json"
    target.write_text(json.dumps(doc))
    code, out, err = run_simulate(target)
    assert code == 0, err
    decisions = json.loads(out)["scenarios"][0]["decisions"]
    assert decisions[0]["next_attempt_at"] == "2026-11-25T17:00:00-05:00"
    # Eight calls in the week before Thu 11:14: two must leave, the second on Sat 12:30, so Mon 09:00.
    assert decisions[1]["next_attempt_at"] == "2026-11-30T09:00:00-05:00"
