"""Building POST data for the strategy screens."""

from tests.factories import call_result as result
from tests.factories import outcome

SAMPLE = {
    "sample-zone": "Asia/Kolkata",
    "sample-weekdays": ["0", "1", "2", "3", "4"],
    "sample-opens": "09:00",
    "sample-closes": "17:00",
    "sample-max_attempts": "5",
    "sample-daily_attempts": "2",
    "sample-start": "2026-11-23T10:00",  # a Monday
}


def management(prefix: str, total: int, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def strategy_data(name="No answer retries", kind="telephony", rules=(), steps=(), ladder_outcomes=(), sample=True):
    """POST data of the strategy form. rules: (outcome code | None, call result code | None, amount, unit);
    steps: (amount or "", unit)."""
    data = {"name": name, "description": "", "kind": kind}
    data.update(management("rules", len(rules)))
    data.update(management("steps", len(steps)))
    for i, (outcome_code, result_code, amount, unit) in enumerate(rules):
        data[f"rules-{i}-outcome"] = str(outcome(outcome_code).pk) if outcome_code else ""
        data[f"rules-{i}-call_result"] = str(result(result_code).pk) if result_code else ""
        data[f"rules-{i}-amount"] = str(amount)
        data[f"rules-{i}-unit"] = unit
    for i, (amount, unit) in enumerate(steps):
        data[f"steps-{i}-amount"] = str(amount)
        data[f"steps-{i}-unit"] = unit
    if ladder_outcomes:
        data["ladder_outcomes"] = [str(outcome(code).pk) for code in ladder_outcomes]
    if sample:
        data.update(SAMPLE)
    return data
