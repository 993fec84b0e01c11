#!/usr/bin/env python
"""CPU per pupil of the bulk import's stages in the checking process (issue 14, item 4), load-independent enough
to compare on a shared machine: the one row validator with the class (`RowChecker.assess`), sealing, indexing and
formatting the COPY rows with their record MACs (`students_copy_prepare`), and the pickling to and from the checking
process. `process_time`, best of --repeat.

    .venv/bin/python bench/import_stages.py --database xueji_import_base --rows 10000
    XUEJI_SEALING=false .venv/bin/python bench/import_stages.py ...   # the same without sealing

The database is one with the demo data (bench/import_bench.py's base, or `manage.py demo_data`); nothing is
written to it. The rows are import_bench.py's file."""

import argparse
import pickle
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import import_bench as bench  # noqa: E402


def best(function, repeat: int) -> float:
    times = []
    for _n in range(repeat):
        began = time.process_time()
        function()
        times.append(time.process_time() - began)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="xueji_import_base")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    bench.setup_django(f"{args.server}/{args.database}")
    from xueji.core import clock
    from xueji.exchange import parallel
    from xueji.exchange.checking import pack_cells
    from xueji.exchange.readers import CsvSource
    from xueji.registry.services import students_copy_prepare

    _actor, school, classes = bench.demo_school()
    file = bench.write_csv(bench.ROOT / "var" / "bench-import" / f"stages-{args.rows}.csv", args.rows, classes)
    source = CsvSource(file)
    header = source.open()
    rows = list(source.rows())
    source.close()
    parallel._init({"database": args.database, "language": "zh-hans", "school": school.pk, "kind": "enrolled",
                    "header": header, "offset": 0, "formulas": {}, "today": clock.today(), "typed_cells": False,
                    "province": "340000"})
    checker = parallel._worker["checker"]
    ids = list(range(10 ** 12, 10 ** 12 + len(rows)))
    assessed = [checker.assess(n, c) for n, c in rows]
    passed = [(a.klass, a.clean) for a in assessed if not a.problems]
    assert len(passed) == len(rows), "the bench's rows are all valid"
    packed = [(n, pack_cells(c)) for n, c in rows]
    figures = {
        "assess (validator, class)": best(lambda: [checker.assess(n, c) for n, c in rows], args.repeat),
        "students_copy_prepare (seal, index, format, MAC)": best(
            lambda: students_copy_prepare(school=school, rows=passed, ids=ids, province_code="340000"), args.repeat),
        "pickle rows to the process and back": best(lambda: pickle.loads(pickle.dumps(packed)), args.repeat),
        "the checking process's whole chunk work (_check, results pickled)": best(
            lambda: pickle.loads(pickle.dumps(parallel._check(packed, ids))), args.repeat),
    }
    from xueji.core import sealing

    print(f"{len(rows):,} rows, sealing {'on' if sealing.enabled() else 'off'}; CPU µs a pupil (best of "
          f"{args.repeat}):")
    for name, seconds in figures.items():
        print(f"  {name}: {seconds / len(rows) * 1e6:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
