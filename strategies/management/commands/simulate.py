"""`manage.py simulate FILE [FILE ...]`: the scheduling engine's decisions for scenario files (SCENARIOS.md).

A thin shell over strategies.scenario and strategies.engine: it reads the catalog from its CSV files and
touches no database. Every problem of every file is reported (`FILE: field: message` on stderr, exit 2,
nothing on stdout) before anything is printed, so a caller never gets half an answer.
"""

import json
import sys

from django.core.management.base import BaseCommand

from strategies.engine import Catalog
from strategies.scenario import Problem, ScenarioError, load_scenario, problem_lines, render_output


class Command(BaseCommand):
    help = "Print the scheduling decisions after every attempt of each scenario file, as one JSON document."
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="scenario JSON files")

    def handle(self, *args, **options):
        catalog = Catalog.load()
        results = []
        errors: list[str] = []
        for filename in options["files"]:
            try:
                scenario = load_scenario(filename, catalog)
                decisions = scenario.decide()
            except ScenarioError as exc:
                errors += problem_lines(filename, exc.problems)
                continue
            except (OverflowError, ValueError) as exc:
                # Dates at the edge of what datetime holds: bad input, not a crash.
                errors += problem_lines(filename, [Problem("attempts", f"cannot be scheduled: {exc}")])
                continue
            results.append((scenario, decisions))
        if errors:
            sys.stderr.write("".join(f"{line}\n" for line in errors))
            sys.stderr.flush()
            raise SystemExit(2)
        self.stdout.write(json.dumps(render_output(results), ensure_ascii=False, indent=2))
