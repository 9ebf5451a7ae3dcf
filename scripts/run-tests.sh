#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
#
# The README's test command: sets up what is missing (packages, DPDK with
# the driver SDK), builds the project, and runs every test tier:
#
#   plain  unit + integration + concurrency + e2e, warnings are errors;
#          doc: guides, API reference and man page built with warnings as
#          errors (scripts/build-docs.sh), every command the guides show run;
#          style: DPDK's checkpatches.sh, codespell and license headers
#          (devtools/)
#   asan   unit + integration under ASan+UBSan
#   tsan   concurrency under TSan (clang)
#   fuzz   libFuzzer harnesses (tests/fuzz), FUZZ_TIME seconds each (20)
#   vm     the kernel iommufd path inside a QEMU guest (tests/vm)
#
# Ends with one line "N passed, N failed, N skipped" and exits non-zero on
# any failure. A test registered in a tier's suites ('meson test --list')
# without a result is a failure (scripts/testlog_results.py). A tier that
# cannot run is counted as skipped with its reason (and as failed when
# CI=true, so CI never passes silently without it).
#
# Environment: DPDK_TARBALL (see scripts/setup.sh), TEST_TIERS (comma list,
# default plain,asan,tsan,fuzz,vm), MESON_TEST_ARGS (extra args for meson test),
# FUZZ_TIME (seconds per fuzz harness).
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

tiers=${TEST_TIERS:-plain,asan,tsan,fuzz,vm}
t_start=$(date +%s)
results="$top/build/test-results.txt"
mkdir -p "$top/build"
: >"$results"

"$here/setup.sh" || exit 1
# shellcheck disable=SC1090
. "$(dr_cache_dir)/current.env"
# Every build of this run against the DPDK set up above, whatever another
# run sharing the cache sets up meanwhile (build.sh reads current.env).
export DPDK_VERSION
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

# fuzz_tier: build the fuzz flavor, replay each harness's committed corpus
# (tests/fuzz/corpus/<name>: the regression cases) and fuzz it for
# FUZZ_TIME seconds from there, new inputs in a temporary directory. A
# crash, sanitizer report or failed check is a FAIL naming the reproducer.
fuzz_tier() {
	local bdir h name corpus work log rc t0 stats
	echo "[tests] === tier fuzz: build (fuzz) ==="
	if ! bdir=$(BUILD_WERROR=1 "$here/build.sh" fuzz); then
		record "FAIL fuzz/build: build failed (see output above)"
		return
	fi
	work=$(mktemp -d "${TMPDIR:-/tmp}/dr-fuzz.XXXXXX")
	for h in "$top"/tests/fuzz/fuzz_*.c; do
		name=$(basename "$h" .c)
		corpus="$top/tests/fuzz/corpus/$name"
		if [ ! -x "$bdir/tests/fuzz/$name" ]; then
			record "FAIL fuzz/$name: $bdir/tests/fuzz/$name was not built"
			continue
		fi
		if [ ! -d "$corpus" ]; then
			record "FAIL fuzz/$name: no corpus directory $corpus"
			continue
		fi
		mkdir -p "$work/$name/new" "$work/$name/art"
		log="$work/$name/log"
		t0=$(date +%s)
		echo "[tests] fuzz/$name: ${FUZZ_TIME:-20} s from $corpus"
		# detect_leaks=0: LSan would run after each input (slow; the
		# ASan tier's unit tests check leaks); a small quarantine keeps
		# the RSS flat (the default 256 MB one reached libFuzzer's 2 GB
		# limit in fuzz_domain's long runs).
		(cd "$work/$name" && LD_LIBRARY_PATH="$DPDK_PREFIX/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
			ASAN_OPTIONS=${FUZZ_ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=0:quarantine_size_mb=16} \
			"$bdir/tests/fuzz/$name" -max_total_time="${FUZZ_TIME:-20}" -timeout=10 \
			-rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
			-artifact_prefix="$work/$name/art/" "$work/$name/new" "$corpus") >"$log" 2>&1
		rc=$?
		stats=$(grep -E '^stat::number_of_executed_units|^stat::average_exec_per_sec' "$log" |
			sed 's/^stat:://' | tr '\n' ' ')
		echo "[tests] fuzz/$name: rc $rc, $(( $(date +%s) - t0 )) s, $stats"
		if [ "$rc" -eq 0 ]; then
			record "PASS fuzz/$name"
			rm -rf "${work:?}/$name"
		else
			tail -n 40 "$log"
			record "FAIL fuzz/$name: rc $rc, reproducer(s): $(ls "$work/$name/art/"* 2>/dev/null | tr '\n' ' ')(log $log)"
		fi
	done
	rmdir "$work" 2>/dev/null || echo "[tests] fuzz: logs and reproducers kept in $work"
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$top/tests/sanitizers/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$top/tests/sanitizers/tsan.supp}

# The style suite's checkpatch.pl comes from the kernel source the VM tier
# also uses: fetched once into the cache, before the tests.
case ",$tiers," in *,plain,*)
	"$top/devtools/checkpatches.sh" --fetch ||
		record "FAIL plain/checkpatches-fetch: devtools/checkpatches.sh --fetch failed (see above)"
	meson_tier plain plain unit integration concurrency e2e doc style ;;
esac
case ",$tiers," in *,asan,*) meson_tier asan asan unit integration ;; esac
case ",$tiers," in *,tsan,*) meson_tier tsan tsan concurrency ;; esac
case ",$tiers," in *,fuzz,*) fuzz_tier ;; esac
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
