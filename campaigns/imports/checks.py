"""Row checks of an import: phone, zone and duplicates, each bad row named by field."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field

from campaigns.imports.reading import Columns, Inspection
from campaigns.models import Campaign, Contact
from campaigns.services.contacts import derive_contact_zone
from retryadmin.lib.phones import check_phone


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass(frozen=True)
class GoodRow:
    row: int
    phone: str
    name: str
    zone: str
    custom_fields: dict


class RowChecker:
    """Checks one row at a time and remembers the phones seen earlier in the file."""

    def __init__(self, campaign: Campaign, columns: Columns):
        self.campaign = campaign
        self.columns = columns
        self.width = len(columns.headers)
        self.first_row_of_phone: dict[str, int] = {}
        self.zones = set(zoneinfo.available_timezones())
        self._derive_zone = derive_contact_zone

    def derive_zone(self, phone: str) -> str:
        # Not cached by prefix: phonenumbers decides a number's zone from its type (mobile, fixed line)
        # as well as its prefix, so a prefix cache could give a neighbour's zone.
        return self._derive_zone(phone, self.campaign.zone)

    def check(self, row: int, cells: list[str]) -> tuple[GoodRow | None, list[RowError]]:
        columns = self.columns
        if len(cells) > self.width and any(c.strip() for c in cells[self.width :]):
            return None, [
                RowError(row, "row", f"The row has {len(cells)} values but the header has {self.width} columns.")
            ]
        cells = cells + [""] * (self.width - len(cells))
        errors = []
        phone, message = check_phone(cells[columns.phone])
        if message:
            errors.append(RowError(row, "phone", message))
        name = cells[columns.name].strip() if columns.name is not None else ""
        if len(name) > 200:
            errors.append(RowError(row, "name", f"The name has {len(name)} characters; at most 200 fit."))
        zone = cells[columns.zone].strip() if columns.zone is not None else ""
        if zone and zone not in self.zones:
            errors.append(RowError(row, "zone", f"'{zone}' is not a known IANA time zone (e.g. Europe/London)."))
        if phone:
            first = self.first_row_of_phone.get(phone)
            if first is not None:
                errors.append(RowError(row, "phone", f"{phone} is already on row {first} of this file."))
            else:
                self.first_row_of_phone[phone] = row
        if errors:
            return None, errors
        if not zone:
            zone = self.derive_zone(phone)
        custom = {key: cells[index].strip() for index, key in columns.custom if cells[index].strip()}
        return GoodRow(row, phone, name, zone, custom), []


def existing_phones(campaign: Campaign, phones: list[str]) -> set[str]:
    return set(Contact.objects.filter(campaign=campaign, phone__in=phones).values_list("phone", flat=True))


def _check_chunk(checker: RowChecker, campaign: Campaign, chunk) -> tuple[list[GoodRow], list[RowError]]:
    good, errors = [], []
    for row, cells in chunk:
        checked, row_errors = checker.check(row, cells)
        if checked:
            good.append(checked)
        errors.extend(row_errors)
    taken = existing_phones(campaign, [g.phone for g in good])
    if taken:
        errors.extend(taken_errors(good, taken))
        good = [g for g in good if g.phone not in taken]
    errors.sort(key=lambda e: e.row)
    return good, errors


def taken_errors(rows: list[GoodRow], taken: set[str]) -> list[RowError]:
    message = "{} is already a contact in this campaign."
    return [RowError(g.row, "phone", message.format(g.phone)) for g in rows if g.phone in taken]


@dataclass
class PreviewCheck:
    """The row checks of the preview rows only: `errors` maps a row number to its RowErrors."""

    checked: int
    errors: dict[int, list[RowError]]
    good: list[GoodRow] = field(default_factory=list)

    @property
    def bad_rows(self) -> int:
        return len(self.errors)

    @property
    def good_rows(self) -> list[GoodRow]:
        """The checked rows that will be imported (a row with any error is skipped whole)."""
        return [g for g in self.good if g.row not in self.errors]


def check_preview(campaign: Campaign, inspection: Inspection) -> PreviewCheck:
    """Run the import's own row checks on the rows the preview shows, not on the whole file: the page
    must stay quick for a 100,000-row file. A number repeated later in the file is not seen here."""
    checker = RowChecker(campaign, inspection.columns)
    good, errors = _check_chunk(checker, campaign, inspection.preview)
    by_row: dict[int, list[RowError]] = {}
    for error in errors:
        by_row.setdefault(error.row, []).append(error)
    return PreviewCheck(len(inspection.preview), by_row, list(good))
