"""Inventory import: 5,000 use cases from one XLSX file, every row through the services.

Target: the 5,000-row file imported (read, checked, each row created by ``use_case_create`` with its
RACI, KPIs, vendors and history) in under 60 s, with flat memory per row: the peak RSS of a 5,000-row
import is compared with that of a 1,000-row one, each in a fresh process on a fresh database.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from bench.common import child_main, own_database, run_child

TARGET_SECONDS = 60.0
SIZES = (1_000, 5_000)
# Peak RSS growth per extra row above which memory is not "flat": what the parsed file and a row's
# result already cost (a few KiB), not the records imported.
TARGET_KIB_PER_ROW = 8.0


def _peak_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


# ---------------------------------------------------------------- in the subprocesses


def _seed(rows: int, path: Path) -> None:
    """The reference data a use-case file names, and the file: ``rows`` new use cases in Exploration."""
    import tablib
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from intake.models import BusinessUnit, PortfolioBucket, StrategicOutcome
    from inventory.resources import UseCaseResource
    from vendors.models import AIModel, Vendor

    call_command("migrate", verbosity=0)
    users = get_user_model()
    users.objects.create_superuser("bench.gov", "gov@example.test", "x")
    owner = users.objects.create(username="bench.owner")
    delivery = users.objects.create(username="bench.delivery")
    sponsor = users.objects.create(username="bench.sponsor")
    sponsor.groups.add(Group.objects.get(name="executive_sponsors"))
    unit = BusinessUnit.objects.create(code="BENCH", name="Bench unit")
    unit.members.add(owner, delivery)
    outcome = StrategicOutcome.objects.create(name="Bench outcome")
    bucket = PortfolioBucket.objects.order_by("id").first()
    vendor = Vendor.objects.create(name="Bench vendor", external_id="VEN-B")
    AIModel.objects.create(provider=vendor, name="Bench model", version="1", hosting="vendor_api",
                           max_data_classification="confidential", max_tier="high", external_id="MOD-B")
    headers = UseCaseResource().columns()
    base = {
        "business_unit": "BENCH", "summary": "Summarise tickets for agents.", "problem_statement": "Slow.",
        "strategic_outcome": outcome.name, "portfolio_bucket": bucket.code, "outcome_baseline": "12 minutes",
        "outcome_target": "8 minutes", "outcome_time_horizon": "6 months", "business_owner": "bench.owner",
        "delivery_owner": "bench.delivery", "executive_sponsor": "bench.sponsor", "data_sources": "Ticketing",
        "data_classification": "internal", "personal_data": "none", "exposure": "internal_small",
        "expected_users": "40", "integrations": "Ticketing", "target_release": "2027-06-30", "ai_pattern": "copilot",
        "generates_content": "no", "interacts_with_people": "no", "emotion_or_biometric": "no", "deep_fake": "no",
        "public_service": "no", "autonomy": "assists", "decision_impact": "none", "vendors": "VEN-B",
        "ai_models": "MOD-B", "kpis": "Handling time|process_efficiency|minutes|12|8|decrease",
        "stage": "exploration",
    }
    data = tablib.Dataset(headers=headers)
    for n in range(rows):
        cells = {**base, "external_id": f"LEGACY-{n:05d}", "title": f"Legacy use case {n}"}
        data.append([cells.get(h, "") for h in headers])
    path.write_bytes(data.export("xlsx"))


def _seed_step(rows: int) -> dict:
    _seed(rows, Path(os.environ["INVENTORY_BENCH_FILE"]))
    return {"rows": rows}


def _import() -> dict:
    """Import the seeded file in a process that did nothing else, so its peak RSS is the import's."""
    from django.contrib.auth import get_user_model

    from inventory.transfer import import_file

    actor = get_user_model().objects.get(username="bench.gov")
    before = _peak_mib()
    start = time.perf_counter()
    report = import_file(actor=actor, resource="use_cases", path=Path(os.environ["INVENTORY_BENCH_FILE"]))
    seconds = time.perf_counter() - start
    if report.problems:
        raise RuntimeError("; ".join(str(p) for p in report.problems[:5]))
    return {"seconds": seconds, "summary": report.summary(), "peak_mib": _peak_mib(), "before_mib": before}


STEPS = {"import": _import, **{f"seed-{n}": (lambda n=n: _seed_step(n)) for n in SIZES}}


# ---------------------------------------------------------------- in the bench runner


def _measure(rows: int) -> dict:
    url = own_database(f"import_{rows}")
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "use_cases.xlsx")
        run_child("bench.bench_import", f"seed-{rows}", url, INVENTORY_BENCH_FILE=path)
        return {"rows": rows, **run_child("bench.bench_import", "import", url, INVENTORY_BENCH_FILE=path)}


def run() -> dict:
    load = os.getloadavg()[0]
    figures = [_measure(n) for n in SIZES]
    small, big = figures[0], figures[-1]
    growth = [(f["peak_mib"] - f["before_mib"]) * 1024 for f in figures]
    per_row_kib = (growth[-1] - growth[0]) / (big["rows"] - small["rows"])
    ok = big["seconds"] < TARGET_SECONDS and per_row_kib < TARGET_KIB_PER_ROW
    rows = [f"| {f['rows']:,} | {f['seconds']:.1f} | {f['rows'] / f['seconds']:.0f} | {f['before_mib']:.0f} "
            f"| {f['peak_mib']:.0f} | {f['summary']} |" for f in figures]
    lines = [
        "| rows (XLSX) | import (s) | rows/s | RSS before (MiB) | peak RSS (MiB) | result |",
        "|---:|---:|---:|---:|---:|---|",
        *rows,
        "",
        f"`inventory.transfer.import_file` of a use-case XLSX file (reading, file checks, every row created by "
        "`use_case_create` with its RACI, KPI, vendor and model, audited), in one transaction, each size in a "
        f"fresh process on a fresh database (the file is written by another). Load average at the start: "
        f"{load:.1f}. Peak RSS grows {per_row_kib:.1f} KiB per extra row. Target: "
        f"5,000 rows under {TARGET_SECONDS:.0f} s and under {TARGET_KIB_PER_ROW:.0f} KiB per row. "
        f"{'Met.' if ok else 'NOT met.'}",
    ]
    return {"title": "Inventory import (use cases from XLSX)", "body": "\n".join(lines), "ok": ok}


if __name__ == "__main__":
    child_main(STEPS)
