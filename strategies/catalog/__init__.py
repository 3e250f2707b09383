"""The outcome catalog the product ships, read from the CSV files beside this module.

Pure Python (no Django import): the data migration that loads the catalog into the database and
`manage.py simulate`, which touches no database, both read the files through these functions.
"""

import csv
from dataclasses import dataclass
from pathlib import Path

CATALOG_DIR = Path(__file__).resolve().parent

CATEGORIES = ("platform", "ozonetel", "twilio", "sip", "mapped")
# How screens name each category: SIP is an acronym, "mapped" outcomes were added by a supervisor.
CATEGORY_LABELS = {
    "platform": "Platform",
    "ozonetel": "Ozonetel",
    "twilio": "Twilio",
    "sip": "SIP",
    "mapped": "Mapped by a supervisor",
}
HANDLINGS = ("final", "retry", "redial", "instant")


@dataclass(frozen=True)
class OutcomeRow:
    code: str
    name: str
    category: str
    description: str
    is_connected: bool
    is_final: bool
    sip_code: int | None


@dataclass(frozen=True)
class CallResultRow:
    code: str
    name: str
    handling: str
    description: str


@dataclass(frozen=True)
class MappingRow:
    provider: str
    raw: str
    outcome: str
    note: str


@dataclass(frozen=True)
class AutoClassificationRow:
    outcome: str
    call_result: str


def _rows(filename: str) -> list[dict[str, str]]:
    with open(CATALOG_DIR / filename, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _yes(value: str) -> bool:
    return value.strip().lower() in ("yes", "true", "1")


def read_outcomes() -> list[OutcomeRow]:
    return [
        OutcomeRow(
            code=row["code"],
            name=row["name"],
            category=row["category"],
            description=row["description"],
            is_connected=_yes(row["connected"]),
            is_final=_yes(row["final"]),
            sip_code=int(row["sip_code"]) if row["sip_code"].strip() else None,
        )
        for row in _rows("outcomes.csv")
    ]


def read_call_results() -> list[CallResultRow]:
    return [
        CallResultRow(row["code"], row["name"], row["handling"], row["description"])
        for row in _rows("call_results.csv")
    ]


def read_provider_mappings() -> list[MappingRow]:
    return [
        MappingRow(row["provider"], row["raw"], row["outcome"], row.get("note", "") or "")
        for row in _rows("provider_mappings.csv")
    ]


def read_auto_classifications() -> list[AutoClassificationRow]:
    return [AutoClassificationRow(row["outcome"], row["call_result"]) for row in _rows("auto_classification.csv")]
