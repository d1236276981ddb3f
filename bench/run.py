"""Run every bench/bench_*.py against the bench database and record the figures.

Usage: python -m bench.run [--out docs/benchmarks.md] [--only name]
Each database (SQLite by default; PostgreSQL via BENCH_DATABASE_URL) gets
its own section in the output file, replaced by each run on it; the rest of
the file (targets, how to reproduce) is kept.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import pkgutil
import re
import sys

from bench import common


def _modules(only: str | None):
    import bench

    for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda m: m.name):
        if info.name.startswith("bench_") and (only is None or only in info.name):
            yield importlib.import_module(f"bench.{info.name}")


def _merge(path, database: str, section: str) -> None:
    """Replace this database's section of the file, keep the others."""
    marker = f"<!-- bench:{database} -->"
    try:
        text = path.read_text()
    except FileNotFoundError:
        text = ("# Benchmarks\n\nFigures of the latest `make bench` run, one section per database. "
                "Benchmarks never run in `make test`.\n")
    pattern = re.compile(rf"{re.escape(marker)}.*?{re.escape(marker)}\n?", re.S)
    block = f"{marker}\n{section}\n{marker}\n"
    text = pattern.sub(lambda _m: block, text) if marker in text else text.rstrip() + "\n\n" + block
    path.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(common.ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--only")
    args = parser.parse_args()
    common.setup_django()
    database = common.database_label()
    parts = [f"## On {database}", "", f"Machine: {common.machine()}. Run {datetime.date.today():%Y-%m-%d}.", "",
             f"Times are medians (of {common.RUNS} runs after {common.WARM_UP} warm-up runs unless a section says "
             "otherwise; the load test gives percentiles of every request).", ""]
    failed = []
    for module in _modules(args.only):
        print(f"running {module.__name__} on {database} ...", flush=True)
        result = module.run()
        parts += [f"### {result['title']}", "", result["body"], ""]
        print(result["body"], flush=True)
        if not result["ok"]:
            failed.append(result["title"])
    from pathlib import Path

    _merge(Path(args.out), database, "\n".join(parts))
    if failed:
        print("targets not met: " + "; ".join(failed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
