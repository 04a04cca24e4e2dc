"""Check an odoo-bin test log the way checklog-odoo does: fail on any ERROR or
CRITICAL line, on any WARNING that is not listed as expected below, on any
skipped test (a browser test skips when Chromium or websocket-client is
missing), and when the module ran no test at all.

Usage: checklog.py --module NAME LOGFILE
"""

import argparse
import re
import sys

# Warnings a healthy run prints; anything else fails the run.
EXPECTED_WARNINGS = [
    # no wkhtmltopdf on a test machine: PDF reports are not exercised
    r"You need Wkhtmltopdf to print a pdf version of the reports",
]

LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) (?P<db>\S+) (?P<logger>\S+): (?P<msg>.*)")


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--module", required=True, action="append", help="a module whose tests must run (repeatable)")
    parser.add_argument("log")
    args = parser.parse_args(argv)

    problems = []
    tests_run = dict.fromkeys(args.module, 0)
    expected = [re.compile(p) for p in EXPECTED_WARNINGS]
    stats = re.compile(r"^(%s): (\d+) tests " % "|".join(re.escape(module) for module in args.module))
    with open(args.log, encoding="utf-8", errors="replace") as log:
        for line in log:
            m = LINE.match(line)
            if not m:
                continue
            level, msg = m["level"], m["msg"]
            if level in ("ERROR", "CRITICAL"):
                problems.append(line.rstrip())
            elif level == "WARNING" and not any(p.search(msg) for p in expected):
                problems.append(line.rstrip())
            elif m["logger"].startswith("odoo.tests") and msg.startswith("skipped "):
                problems.append(line.rstrip())
            if m["logger"] == "odoo.tests.stats":
                s = stats.match(msg)
                if s:
                    # logged again after post_install tests, cumulative: keep the largest
                    tests_run[s.group(1)] = max(tests_run[s.group(1)], int(s.group(2)))

    problems.extend(f"no test of {module} ran" for module, count in tests_run.items() if not count)
    for p in problems:
        print("checklog: " + p, file=sys.stderr)
    print(
        "checklog: %s, %d problem line(s) in the log"
        % (", ".join("%s: %d tests ran" % item for item in tests_run.items()), len(problems)),
        file=sys.stderr,
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
