#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The README's test command: sets up what is missing (packages, DPDK with
# the driver SDK), builds the project, and runs every test tier:
#
#   plain  unit + integration + concurrency + e2e, warnings are errors
#   asan   unit + integration under ASan+UBSan
#   tsan   concurrency under TSan (clang)
#   vm     the kernel iommufd path inside a QEMU guest (tests/vm)
#
# Ends with one line "N passed, N failed, N skipped" and exits non-zero on
# any failure. A test registered in a tier's suites ('meson test --list')
# without a result is a failure (scripts/testlog_results.py). A tier that
# cannot run is counted as skipped with its reason (and as failed when
# CI=true, so CI never passes silently without it).
#
# Environment: DPDK_TARBALL (see scripts/setup.sh), TEST_TIERS (comma list,
# default plain,asan,tsan,vm), MESON_TEST_ARGS (extra args for meson test).
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

tiers=${TEST_TIERS:-plain,asan,tsan,vm}
t_start=$(date +%s)
results="$top/build/test-results.txt"
mkdir -p "$top/build"
: >"$results"

"$here/setup.sh" || exit 1
# shellcheck disable=SC1090
. "$(dr_cache_dir)/current.env"
echo "[tests] DPDK $DPDK_VERSION ($DPDK_PREFIX); tiers: $tiers"

# record STATUS NAME [REASON]
record() { echo "$*" >>"$results"; }

# meson_tier FLAVOR TAG SUITES...: build, run the suites, record each test.
meson_tier() {
	local flavor=$1 tag=$2; shift 2
	local bdir suites=() s
	for s in "$@"; do suites+=(--suite "$s"); done
	echo "[tests] === tier $tag: build ($flavor) ==="
	if ! bdir=$(BUILD_WERROR=1 "$here/build.sh" "$flavor"); then
		record "FAIL $tag/build: build failed (see output above)"
		return
	fi
	echo "[tests] === tier $tag: meson test ${*} ==="
	rm -f "$bdir/meson-logs/testlog.json"
	# What the suites hold: a test registered there without a result in
	# testlog.json (meson stopped or crashed half-way) is a FAIL.
	# shellcheck disable=SC2086
	if ! (cd "$bdir" && PATH=/usr/bin:$PATH meson test --no-rebuild --list "${suites[@]}" \
			${MESON_TEST_ARGS:-}) >"$bdir/meson-logs/expected-tests.txt" 2>&1; then
		record "FAIL $tag/meson-test-list: 'meson test --list ${suites[*]}' failed:" \
			"$(tail -n1 "$bdir/meson-logs/expected-tests.txt")"
		: >"$bdir/meson-logs/expected-tests.txt"
	fi
	# shellcheck disable=SC2086
	(cd "$bdir" && PATH=/usr/bin:$PATH meson test --no-rebuild --print-errorlogs \
		--num-processes 1 "${suites[@]}" ${MESON_TEST_ARGS:-})
	/usr/bin/python3 "$here/testlog_results.py" "$tag" "$bdir/meson-logs/testlog.json" \
		"$bdir/meson-logs/expected-tests.txt" >>"$results"
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$top/tests/sanitizers/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$top/tests/sanitizers/tsan.supp}

case ",$tiers," in *,plain,*) meson_tier plain plain unit integration concurrency e2e ;; esac
case ",$tiers," in *,asan,*) meson_tier asan asan unit integration ;; esac
case ",$tiers," in *,tsan,*) meson_tier tsan tsan concurrency ;; esac
case ",$tiers," in *,vm,*)
	echo "[tests] === tier vm ==="
	vm_results="$top/build/vm-results.txt"
	vm_bdir=$top/build/dpdk-$DPDK_VERSION-plain
	rm -f "$vm_results"
	if [ -x "$here/vm-run.sh" ]; then
		"$here/vm-run.sh" "$vm_bdir" "$vm_results" ||
			record "FAIL vm/tier: scripts/vm-run.sh could not run the tier (see output above)"
		# vm-run.sh names its results vm/<test> already
		[ -f "$vm_results" ] && grep -E '^(PASS|FAIL|SKIP) ' "$vm_results" >>"$results"
		# Every test of suite vm needs a result line, unless the whole
		# tier could not run (a line says why).
		if [ -f "$vm_results" ] && ! grep -qE '^(SKIP|FAIL) vm[-/]tier' "$vm_results"; then
			if (cd "$vm_bdir" && PATH=/usr/bin:$PATH meson test --no-rebuild --list --suite vm) \
					>"$vm_bdir/meson-logs/expected-vm-tests.txt" 2>&1; then
				/usr/bin/python3 "$here/testlog_results.py" --missing vm "$vm_results" \
					"$vm_bdir/meson-logs/expected-vm-tests.txt" >>"$results"
			else
				record "FAIL vm/meson-test-list: 'meson test --list --suite vm' failed in $vm_bdir"
			fi
		fi
	else
		record "SKIP vm/tier: scripts/vm-run.sh not present"
	fi
	;;
esac

# In CI a skipped tier is a failure: it must never pass silently.
if [ "${CI:-}" = true ] && grep -qE '^SKIP [a-z]*[/-]tier' "$results"; then
	sed -i -E 's/^SKIP ([a-z]*[/-]tier)/FAIL \1 (skipped in CI)/' "$results"
fi

echo "[tests] === results ($(( $(date +%s) - t_start ))s) ==="
grep -E '^(FAIL|SKIP)' "$results" | sed 's/^/  /'
np=$(grep -c '^PASS' "$results"); nf=$(grep -c '^FAIL' "$results"); ns=$(grep -c '^SKIP' "$results")
echo "$np passed, $nf failed, $ns skipped"
[ "$nf" -eq 0 ] && [ "$np" -gt 0 ]
