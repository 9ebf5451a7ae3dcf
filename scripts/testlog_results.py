#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Turn meson's testlog.json into result lines: STATUS tag/name [reason].

A skipped test's reason is the last line it printed (tests print one line
saying why before exiting 77)."""
import json
import sys


def main():
    tag, path = sys.argv[1], sys.argv[2]
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except OSError as e:
        print(f"FAIL {tag}/meson-test: no test log ({e})")
        return
    if not lines:
        print(f"FAIL {tag}/meson-test: no tests ran")
    for line in lines:
        t = json.loads(line)
        name = t["name"].replace(" ", "_")
        res = t["result"]
        out = (t.get("stdout") or "").strip().splitlines()
        last = out[-1][:200] if out else ""
        if res in ("OK", "EXPECTEDFAIL"):
            print(f"PASS {tag}/{name}")
        elif res == "SKIP":
            print(f"SKIP {tag}/{name}: {last or 'skipped (no reason printed)'}")
        else:
            print(f"FAIL {tag}/{name}: {res} {last}")


if __name__ == "__main__":
    main()
