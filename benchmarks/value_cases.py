"""Pass rate of the case tables per phenomenon: how the scanners and ``extract_text`` do on values as real pages
write them (``tests/cases/*.real.jsonl``), expected failures counted as failures.

    python benchmarks/value_cases.py               # the 'real' tables, one line per phenomenon
    python benchmarks/value_cases.py --failing     # and the cases that fail, with what was found
    python benchmarks/value_cases.py --all         # every table (hand, bugs, real), grouped by table
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_values import ALL_CASES, outcome  # noqa: E402  (the test's own loader and comparison)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--failing", action="store_true", help="list the failing cases")
    parser.add_argument("--all", action="store_true", help="every table, not only the 'real' ones")
    args = parser.parse_args(argv)
    groups: dict[str, list[tuple[bool, str]]] = defaultdict(list)
    for case in ALL_CASES:
        if case.provenance != "real" and not args.all:
            continue
        group = f"{case.kind}/{case.phenomenon}" if case.phenomenon else f"{case.kind}.{case.provenance}"
        for path in case.paths():
            try:
                got, want = outcome(case, path)
                passed, detail = got == want, f"found {got}, expected {want}"
            except Exception as exc:  # a crash is a failure of the case, reported, not the end of the run
                passed, detail = False, f"raised {exc!r}"
            groups[group].append((passed, f"{case.id}:{path}: {detail}"))
    print(f"{'phenomenon':<36} {'cases':>5} {'pass':>5} {'rate':>6}")
    total = passed_total = 0
    for group in sorted(groups):
        results = groups[group]
        passed = sum(ok for ok, _ in results)
        total, passed_total = total + len(results), passed_total + passed
        print(f"{group:<36} {len(results):>5} {passed:>5} {100 * passed / len(results):>5.0f}%")
    print(f"{'all':<36} {total:>5} {passed_total:>5} {100 * passed_total / max(total, 1):>5.0f}%")
    if args.failing:
        for group in sorted(groups):
            for ok, detail in groups[group]:
                if not ok:
                    print(f"  {group}: {detail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
