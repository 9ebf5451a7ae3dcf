#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
"""Result lines for scripts/run-tests.sh: 'STATUS tag/name [reason]'.

testlog_results.py TAG TESTLOG [EXPECTED]
    meson's testlog.json -> one line per test. A skipped test's reason is
    the last line it printed (tests print one line saying why before exiting
    77). EXPECTED is the output of 'meson test --list' for the suites the
    tier asked for: every test listed there without a result in TESTLOG
    (meson stopped, crashed, or was interrupted) is a FAIL, and so is an
    empty list.

testlog_results.py --missing TAG RESULTS EXPECTED
    One FAIL line for each test of EXPECTED ('meson test --list' output)
    that has no line 'STATUS TAG/<test name>' in RESULTS (the VM tier's
    results file, whose lines name the bare test).
"""
import json
import sys


def listed(path):
    """Tests of a 'meson test --list' output, in order (lines look like
    'project:suite / name'; anything else, e.g. ninja's chatter, is not a
    test)."""
    with open(path, encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f if " / " in l]


def bare(name):
    """The test's own name, without 'project:suite / '."""
    return name.split(" / ", 1)[1] if " / " in name else name


def result_name(name):
    return name.replace(" ", "_")


def testlog(tag, path, expected_path=None):
    out = []
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        lines = None
        out.append(f"FAIL {tag}/meson-test: no test log ({e})")
    ran = set()
    for line in lines or []:
        t = json.loads(line)
        ran.add(t["name"])
        name = result_name(t["name"])
        res = t["result"]
        text = (t.get("stdout") or "").strip().splitlines()
        last = text[-1][:200] if text else ""
        if res in ("OK", "EXPECTEDFAIL"):
            out.append(f"PASS {tag}/{name}")
        elif res == "SKIP":
            out.append(f"SKIP {tag}/{name}: {last or 'skipped (no reason printed)'}")
        else:
            out.append(f"FAIL {tag}/{name}: {res} {last}")
    if expected_path is None:
        if lines == []:
            out.append(f"FAIL {tag}/meson-test: no tests ran")
        return out
    expected = listed(expected_path)
    if not expected:
        out.append(f"FAIL {tag}/meson-test: the requested suites list no test "
                   "(meson test --list printed none)")
    for name in expected:
        if name not in ran and lines is not None:
            out.append(f"FAIL {tag}/{result_name(name)}: registered in the requested "
                       "suites but never ran (no result in testlog.json)")
    return out


def missing(tag, results_path, expected_path):
    have = set()
    try:
        with open(results_path, encoding="utf-8") as f:
            for line in f:
                parts = line.split(" ", 1)
                if len(parts) == 2 and parts[1].startswith(tag + "/"):
                    have.add(parts[1][len(tag) + 1:].split(":", 1)[0].strip())
    except OSError:
        pass
    out = []
    for name in listed(expected_path):
        if bare(name) not in have:
            out.append(f"FAIL {tag}/{bare(name)}: registered in suite '{tag}' but "
                       "never ran (no result line from the tier)")
    return out


def main(argv):
    if len(argv) == 5 and argv[1] == "--missing":
        lines = missing(argv[2], argv[3], argv[4])
    elif len(argv) in (3, 4) and not argv[1].startswith("-"):
        lines = testlog(argv[1], argv[2], argv[3] if len(argv) == 4 else None)
    else:
        sys.exit("usage: testlog_results.py TAG TESTLOG [EXPECTED] | "
                 "--missing TAG RESULTS EXPECTED")
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
