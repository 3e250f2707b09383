"""`manage.py simulate` end to end: the public scenarios, our own, and malformed files.

These tests run without the `django_db` mark, so pytest-django fails any of them that touches the database.
"""

import io
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from django.core.management import call_command

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PUBLIC = sorted((HERE / "public_scenarios").glob("*.json"))
OWN = sorted((HERE / "scenarios").glob("*.json"))


def same_instant(a, b):
    if a is None or b is None:
        return a is None and b is None
    return datetime.fromisoformat(a) == datetime.fromisoformat(b)


def run_simulate(*paths):
    """(exit code, stdout, stderr) of the command run in-process."""
    out, err = io.StringIO(), io.StringIO()
    real_stderr = sys.stderr
    sys.stderr = err
    try:
        call_command("simulate", *map(str, paths), stdout=out)
        code = 0
    except SystemExit as exc:
        code = exc.code
    finally:
        sys.stderr = real_stderr
    return code, out.getvalue(), err.getvalue()


def without_expected(path, tmp_path):
    doc = json.loads(path.read_text())
    expected = doc.pop("expected")
    target = tmp_path / path.name
    target.write_text(json.dumps(doc))
    return target, expected


def assert_matches(got, expected, label):
    assert len(got["decisions"]) == len(expected), label
    for want, have in zip(expected, got["decisions"], strict=True):
        assert have["attempt"] == want["attempt"]
        assert have["reason"] == want["reason"], f"{label} attempt {want['attempt']}: {have['explanation']}"
        assert same_instant(have["next_attempt_at"], want["next_attempt_at"]), (
            f"{label} attempt {want['attempt']}: expected {want['next_attempt_at']}, got {have['next_attempt_at']}"
            f" ({have['explanation']})"
        )
        assert isinstance(have["explanation"], str) and have["explanation"]


def test_scenario_folders_are_populated():
    assert len(PUBLIC) >= 3
    assert len(OWN) >= 30


@pytest.mark.parametrize("path", PUBLIC + OWN, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_scenario_decisions_match_expected(path, tmp_path):
    target, expected = without_expected(path, tmp_path)
    code, out, err = run_simulate(target)
    assert (code, err) == (0, "")
    (got,) = json.loads(out)["scenarios"]
    assert_matches(got, expected, path.name)


def test_all_scenarios_in_one_run_keep_their_order(tmp_path):
    pairs = [without_expected(p, tmp_path) for p in PUBLIC + OWN]
    code, out, err = run_simulate(*(t for t, _ in pairs))
    assert code == 0, err
    scenarios = json.loads(out)["scenarios"]
    assert len(scenarios) == len(pairs)
    for (target, expected), got in zip(pairs, scenarios, strict=True):
        assert_matches(got, expected, target.name)


def test_output_uses_the_campaign_offset_and_names(tmp_path):
    doc = json.loads((HERE / "public_scenarios" / "01.json").read_text())
    del doc["name"]
    target = tmp_path / "unnamed.json"
    target.write_text(json.dumps(doc))
    code, out, _ = run_simulate(target)
    result = json.loads(out)["scenarios"][0]
    assert result["name"] == "unnamed"
    assert result["decisions"][0]["next_attempt_at"] == "2026-11-23T11:00:00+05:30"
    assert set(result["decisions"][0]) == {"attempt", "next_attempt_at", "reason", "explanation"}


# --- malformed files ---------------------------------------------------------------------------

GOOD = json.loads((HERE / "public_scenarios" / "01.json").read_text())


def mutate(change):
    doc = json.loads(json.dumps(GOOD))
    change(doc)
    return doc


def set_in(path, value):
    def change(doc):
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


def delete(path):
    def change(doc):
        node = doc
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return change


BAD = [
    ("unknown_outcome", set_in(["attempts", 1, "outcome"], "foo"), "attempts[1].outcome: unknown outcome 'foo'"),
    ("unknown_result", set_in(["attempts", 2, "result"], "great"), "attempts[2].result: unknown call result 'great'"),
    ("unknown_zone", set_in(["campaign", "timezone"], "Mars/Olympus"), "campaign.timezone: unknown time zone"),
    ("unknown_contact_zone", set_in(["contact"], {"timezone": "Nowhere"}), "contact.timezone: unknown time zone"),
    (
        "bad_duration",
        set_in(["telephony_strategy", "sip.customer_busy"], "1.5h"),
        "telephony_strategy.sip.customer_busy:",
    ),
    ("bad_redial", set_in(["campaign", "redial_delay"], "soon"), "campaign.redial_delay: invalid duration"),
    (
        "window_backwards",
        set_in(["campaign", "business_hours", "mon"], [["17:00", "09:00"]]),
        "campaign.business_hours.mon[0]: end 09:00 is not after start 17:00",
    ),
    (
        "window_empty",
        set_in(["campaign", "business_hours", "tue", 0], ["09:00", "09:00"]),
        "campaign.business_hours.tue[0]",
    ),
    (
        "window_25h",
        set_in(["campaign", "business_hours", "wed", 0], ["09:00", "25:00"]),
        "campaign.business_hours.wed[0][1]",
    ),
    (
        "start_24h",
        set_in(["campaign", "business_hours", "wed", 0], ["24:00", "24:00"]),
        "campaign.business_hours.wed[0][0]",
    ),
    ("bad_weekday", set_in(["campaign", "business_hours", "funday"], []), "campaign.business_hours.funday"),
    ("contact_window", set_in(["campaign", "contact_window"], ["21:00", "08:00"]), "campaign.contact_window: end"),
    ("missing_zone", delete(["campaign", "timezone"]), "campaign.timezone: is required"),
    ("missing_max", delete(["campaign", "max_attempts"]), "campaign.max_attempts: is required"),
    ("missing_daily", delete(["campaign", "daily_attempts"]), "campaign.daily_attempts: is required"),
    ("missing_hours", delete(["campaign", "business_hours"]), "campaign.business_hours: is required"),
    ("missing_campaign", delete(["campaign"]), "campaign: is required"),
    ("missing_attempts", delete(["attempts"]), "attempts: is required"),
    ("missing_at", delete(["attempts", 0, "at"]), "attempts[0].at: is required"),
    (
        "naive_at",
        set_in(["attempts", 0, "at"], "2026-11-23T10:00:00"),
        "attempts[0].at: '2026-11-23T10:00:00' has no UTC offset",
    ),
    ("wrong_type_max", set_in(["campaign", "max_attempts"], "5"), "campaign.max_attempts: expected a whole number"),
    ("zero_max", set_in(["campaign", "max_attempts"], 0), "campaign.max_attempts: must be at least 1"),
    ("bool_daily", set_in(["campaign", "daily_attempts"], True), "campaign.daily_attempts: expected a whole number"),
    (
        "hours_list",
        set_in(["campaign", "business_hours"], [["09:00", "17:00"]]),
        "campaign.business_hours: expected an object",
    ),
    ("attempts_object", set_in(["attempts"], {}), "attempts: expected a list"),
    ("holiday", set_in(["campaign", "holidays"], ["2026-02-30"]), "campaign.holidays[0]"),
    ("end_at", set_in(["campaign", "end_at"], "tomorrow"), "campaign.end_at"),
    ("short_call", set_in(["campaign", "short_call_seconds"], -1), "campaign.short_call_seconds: must be at least 0"),
    ("duration", set_in(["attempts", 2, "duration"], "long"), "attempts[2].duration"),
    ("outcome_flag", set_in(["outcomes", 0, "final"], "no"), "outcomes[0].final: expected true or false"),
    (
        "business_code",
        set_in(["business_strategy"], {"sip.customer_busy": "1h"}),
        "business_strategy.sip.customer_busy: unknown call result",
    ),
    (
        "ladder_step",
        set_in(["telephony_strategy"], {"ladder": {"outcomes": ["sip.customer_busy"], "steps": ["1x"]}}),
        "telephony_strategy.ladder.steps[0]",
    ),
    (
        "ladder_code",
        set_in(["telephony_strategy"], {"ladder": {"outcomes": ["nope"], "steps": ["1h"]}}),
        "telephony_strategy.ladder.outcomes[0]: unknown outcome",
    ),
    ("strategy_list", set_in(["telephony_strategy"], ["1h"]), "telephony_strategy: expected an object"),
    ("year_9999", set_in(["attempts", 0, "at"], "9999-12-31T23:00:00+00:00"), "attempts[0].at"),
]


@pytest.mark.parametrize(("label", "change", "expected"), BAD, ids=[b[0] for b in BAD])
def test_malformed_scenario_exits_2_naming_file_and_field(label, change, expected, tmp_path):
    target = tmp_path / f"{label}.json"
    target.write_text(json.dumps(mutate(change)))
    code, out, err = run_simulate(target)
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert lines and all(line.startswith(f"{target}: ") for line in lines), err
    assert any(expected in line for line in lines), err
    assert "Traceback" not in err


def test_every_problem_of_a_file_is_reported(tmp_path):
    doc = mutate(set_in(["campaign", "timezone"], "Nope/Nope"))
    doc["attempts"][0]["outcome"] = "foo"
    doc["attempts"][1]["result"] = "bar"
    doc["campaign"]["business_hours"]["mon"] = [["17:00", "09:00"]]
    target = tmp_path / "many.json"
    target.write_text(json.dumps(doc))
    code, out, err = run_simulate(target)
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 4
    for field in ("campaign.timezone", "attempts[0].outcome", "attempts[1].result", "campaign.business_hours.mon[0]"):
        assert f"{target}: {field}: " in err


@pytest.mark.parametrize(
    ("content", "field"),
    [("{not json", "(json): invalid JSON"), ("[]", "(document): expected a JSON object"), (b"\xff\xfe", "(file)")],
)
def test_unparseable_files(content, field, tmp_path):
    target = tmp_path / "broken.json"
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content)
    code, out, err = run_simulate(target)
    assert (code, out) == (2, "")
    assert err.startswith(f"{target}: {field}")


def test_one_bad_file_among_good_ones_prints_nothing_on_stdout(tmp_path):
    good, _ = without_expected(PUBLIC[0], tmp_path)
    missing = tmp_path / "missing.json"
    code, out, err = run_simulate(good, missing)
    assert (code, out) == (2, "")
    assert err == f"{missing}: (file): cannot read: No such file or directory\n"


def test_real_process_exit_code_and_streams(tmp_path):
    good, _ = without_expected(PUBLIC[1], tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(mutate(set_in(["attempts", 0, "outcome"], "foo"))))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "retryadmin.settings.test"}
    command = [sys.executable, "manage.py", "simulate"]
    ok = subprocess.run([*command, str(good)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["scenarios"][0]["decisions"][0]["reason"] == "retry"
    failed = subprocess.run(
        [*command, str(good), str(bad)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert failed.returncode == 2
    assert failed.stdout == ""
    assert failed.stderr == f"{bad}: attempts[0].outcome: unknown outcome 'foo'\n"
