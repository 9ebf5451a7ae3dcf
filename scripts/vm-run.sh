#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
#
# The VM tier: runs every meson test of suite 'vm' from BUILDDIR inside a QEMU
# guest (TCG, q35, emulated Intel IOMMU with interrupt remapping) whose two
# virtio-net NICs (iommu_platform=on, both on one QEMU hub: nothing leaves the
# VM) are bound to vfio-pci. The guest runs our own kernel (scripts/vm-kernel.sh)
# with the host's file system as its read-only root over 9p, so test command
# lines, libraries and DPDK plugins are at the same paths as on the host
# (a clone under /tmp too: the guest binds it back over its own tmpfs).
# QEMU's 'edu' DMA test device (VM_EDU_DEVICE in the tests' env) is on
# vfio-pci too, for tests that need a device that really does DMA.
# Tests with VM_BOOT=mock in their env run in a second boot with
# intel_iommu=off (the kernel's IOMMUFD_TEST mock domains need that).
# Tests with VM_BOOT=intel-iommu run in a boot of their own with the same
# VT-d; VM_BOOT=amd-iommu or VM_BOOT=virtio-iommu in a boot with QEMU's
# AMD-Vi (amd-iommu, interrupt remapping on) or its virtio-iommu instead of
# the VT-d, their faults counted from that model's trace events (the
# atomicity matrix, issue 15: tests/vm/README.md; the table:
# BUILDDIR/vm-tier/matrix.rst, doc/guides/atomicity_matrix.txt,
# scripts/vm-matrix-table.py).
# Tests with VM_BOOT=vhost run in a boot whose two NICs are vhost-user
# (the NFV deployment): the stock dpdk-testpmd of the build's DPDK
# (VM_VHOST_BACKEND in the tests' env) serves both on the host with
# net_vhost (iommu-support=1), forwarding port 0 <-> 1 (io mode), so the
# guest sees the same two-NIC loop; guest RAM is a shared memfd, the NICs
# have ATS and the VT-d device-iotlb=on (IOTLB misses and invalidations
# reach the backend). Its log: vm-tier/vhost-backend.log, with the
# backend's port xstats after each test (vhost_backend_watch()).
#
# Usage: scripts/vm-run.sh BUILDDIR [RESULTS]
# RESULTS (default $VM_RESULTS, else build/vm-results.txt) gets one line per
# test: 'PASS vm/<name>' or 'FAIL vm/<name>: why' (a test that cannot run
# in the guest, or left no result, fails: tests/vm/vm_harness.py).
# DMA faults are counted per test from QEMU's own IOMMU model, the ground
# truth: for the VT-d its trace events vtd_dmar_fault/vtd_fault_disabled
# (the other models: vm_harness.py FAULT_EVENTS), one per faulting
# translation (QEMU's 'vtd_iommu_translate: detected translation failure'
# message is printed only once per QEMU process, and the guest's fault
# registers drop faults while one is pending). More than the test's
# VM_MAX_DMA_FAULTS (default 0; -1: any) or fewer than VM_MIN_DMA_FAULTS
# (default 0) is a FAIL.
#
# Exit status: 0 when the tier ran (failures are in RESULTS) or was skipped
# (no QEMU, no kernel: 'SKIP vm-tier: why'; with CI=true that is a FAIL and
# the exit status is 1); 1 when a guest did not boot.
#
# Environment: VM_BOOT_TIMEOUT (s, default 300: a boot and its tests' usual
# run time; QEMU is given that plus the longest guest timeout of the boot's
# tests, so that a test that hangs is stopped by its own), VM_HUGEPAGES
# (2 MiB pages reserved at boot, default 256), VM_TIMEOUT_FACTOR (guest
# timeout = meson timeout x this, default 3), VM_KERNEL_JOBS, VM_NO_BUILD
# (1: do not run ninja first), VM_VHOST_BACKEND (the vhost boot's
# dpdk-testpmd instead of the one the tests name).
set -eu -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

dr_info() { echo "[vm-run] $*" >&2; }
dr_die() { echo "[vm-run] ERROR: $*" >&2; exit 2; }
dr_step() { _dr_t0=$(date +%s); echo "[vm-run] $* ..." >&2; }
dr_done() { echo "[vm-run]   done in $(( $(date +%s) - _dr_t0 ))s" >&2; }

[ $# -ge 1 ] && [ $# -le 2 ] || dr_die "usage: $0 BUILDDIR [RESULTS]"
builddir=$(cd "$1" 2>/dev/null && pwd) || dr_die "build directory '$1' does not exist"
results=${2:-${VM_RESULTS:-$top/build/vm-results.txt}}
mkdir -p "$(dirname "$results")"
results=$(cd "$(dirname "$results")" && pwd)/$(basename "$results")
boot_timeout=${VM_BOOT_TIMEOUT:-300}
hugepages=${VM_HUGEPAGES:-256}
nics="0000:00:03.0,0000:00:04.0"
edu="0000:00:06.0"   # QEMU's DMA test device, for tests that need real DMA
t_start=$(date +%s)

# skip_tier WHY: the tier cannot run here; CI must not pass silently.
skip_tier() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL vm-tier: $1 (CI=true: the VM tier must run)" >"$results"
		dr_info "FAIL vm-tier: $1"
		exit 1
	fi
	echo "SKIP vm-tier: $1" >"$results"
	dr_info "SKIP vm-tier: $1"
	exit 0
}

[ -f "$builddir/meson-info/intro-tests.json" ] ||
	dr_die "$builddir is not a configured meson build directory (run scripts/build.sh)"
# The guest mounts tmpfs on /tmp, /run, /var/tmp and /dev/shm (its root is
# read-only): a clone, build or cache below them is bound back into the
# guest at the same path by guest-init.sh (VM_KEEP_PATHS).
keep_paths=
for p in "$top" "$builddir" "$(dr_cache_dir)"; do
	p=$(realpath -m "$p")
	case "$p" in
	/tmp | /tmp/* | /run | /run/* | /var/tmp | /var/tmp/* | /dev/shm | /dev/shm/*) ;;
	/dev | /dev/* | /proc | /proc/* | /sys | /sys/*)
		dr_die "$p cannot be shared with the guest: move it (clone, build directory or DMA_REPLACE_CACHE) elsewhere" ;;
	*) continue ;;
	esac
	case "$p" in
	*[[:space:],]*) dr_die "'$p' has a blank or a comma, which the guest's kernel command line cannot carry: use a path without" ;;
	esac
	kept=0   # already there when at or below a path kept before
	for k in ${keep_paths//,/ }; do
		case "$p/" in "$k"/*) kept=1 ;; esac
	done
	[ "$kept" = 1 ] || keep_paths=${keep_paths:+$keep_paths,}$p
done
command -v qemu-system-x86_64 >/dev/null ||
	skip_tier "qemu-system-x86_64 not installed (scripts/setup.sh installs qemu-system-x86)"
command -v python3 >/dev/null || skip_tier "python3 not installed"

# ---- 1. guest kernel (cached) ---------------------------------------------
kdir=$("$here/vm-kernel.sh") || skip_tier "guest kernel could not be built (see the messages above)"

# The mock-domain test needs the kernel's headers at configure time: pick it
# up now that they exist.
if ! grep -q '"vm-iommufd-mock-replace"' "$builddir/meson-info/intro-tests.json"; then
	dr_step "reconfigure $builddir (guest kernel headers now cached)"
	PATH=/usr/bin:$PATH meson setup --reconfigure "$builddir" >"$builddir/vm-reconfigure.log" 2>&1 ||
		dr_die "meson reconfigure failed; see $builddir/vm-reconfigure.log"
	dr_done
fi
# A broken target elsewhere must not hide the tests that did build: those
# that did not fail in the guest (exit 127). VM_NO_BUILD=1 runs what is
# built as it is (e.g. binaries built by hand into BUILDDIR).
if [ "${VM_NO_BUILD:-0}" = 1 ]; then
	dr_info "VM_NO_BUILD=1: running $builddir as built"
else
	PATH=/usr/bin:$PATH ninja -C "$builddir" >"$builddir/vm-ninja.log" 2>&1 ||
		dr_info "WARNING: build of $builddir failed (see $builddir/vm-ninja.log); running what was built"
fi

# ---- 2. plan: one guest script per boot kind -------------------------------
rundir="$builddir/vm-tier"
rm -rf "$rundir"
mkdir -p "$rundir"
boots=$(python3 "$top/tests/vm/vm_harness.py" plan "$builddir" "$rundir" "${nics//,/ }" "$edu") ||
	dr_die "cannot read the vm suite from $builddir"
[ -n "$boots" ] || skip_tier "no meson tests of suite 'vm' in $builddir"

# ---- 3. boot once per kind ---------------------------------------------------
# boot KIND: runs guest-KIND.sh; QEMU's serial output and stderr (where the
# trace events go) share one file, in order, so each fault lands between the
# markers of the test that caused it.
boot() {
	local kind=$1 iommu=on log="$rundir/console-$1.log" rc=0
	local mem=(-m 2G) nic0=(-netdev hubport,id=p0,hubid=0) nic1=(-netdev hubport,id=p1,hubid=0)
	local ats="" iotlb=""
	# The IOMMU model and the trace events of its faults (vm_harness.py
	# FAULT_EVENTS): VT-d by default; the atomicity matrix's other x86
	# IOMMUs (issue 15) in boots of their own.
	local viommu trace cmdline_iommu
	viommu=(-device "intel-iommu,intremap=on")
	trace=(-trace vtd_dmar_fault -trace vtd_fault_disabled)
	[ "$kind" = mock ] && iommu=off
	cmdline_iommu="intel_iommu=$iommu"
	case "$kind" in
	amd-iommu)
		# AMD-Vi with its interrupt remapping (VFIO_DEVICE_BIND_IOMMUFD
		# needs MSI isolation); the guest finds it in the IVRS table.
		viommu=(-device "amd-iommu,intremap=on")
		trace=(-trace amdvi_page_fault -trace amdvi_dte_get_fail
			-trace amdvi_invalid_dte -trace amdvi_mode_invalid)
		cmdline_iommu="intel_iommu=off" ;;
	virtio-iommu)
		# virtio-iommu has no interrupt remapping: iommufd refuses
		# VFIO binding without MSI isolation unless told otherwise
		# (the guest's devices are QEMU's own, nothing to isolate).
		viommu=(-device "virtio-iommu-pci,addr=07.0")
		trace=(-trace virtio_iommu_report_fault)
		cmdline_iommu="intel_iommu=off iommufd.allow_unsafe_interrupts=1" ;;
	esac
	if [ "$kind" = vhost ]; then
		vhost_backend_start || { vhost_backend_fail "$1"; return 0; }
		mem=(-m 2G -object memory-backend-memfd,id=mem,size=2G,share=on -machine memory-backend=mem)
		nic0=(-chardev "socket,id=vu0,path=$vhost_dir/vhost0.sock" -netdev vhost-user,id=p0,chardev=vu0)
		nic1=(-chardev "socket,id=vu1,path=$vhost_dir/vhost1.sock" -netdev vhost-user,id=p1,chardev=vu1)
		# vectors=0: no MSI-X (the PMD polls); QEMU 7.2 under TCG
		# dereferences the KVM-only irqfd table when a vhost device
		# with MSI-X enabled starts (segfault in its vector notifiers).
		ats=",ats=on,vectors=0" iotlb=",device-iotlb=on"
		viommu=(-device "intel-iommu,intremap=on$iotlb")
	fi
	local append="console=ttyS0 loglevel=4 panic=-1 ro root=hostroot rootfstype=9p"
	append+=" rootflags=trans=virtio,version=9p2000.L,msize=262144,cache=loose"
	append+=" init=$top/tests/vm/guest-init.sh $cmdline_iommu hugepages=$hugepages"
	# TCG on a loaded host can miss the early IO-APIC timer check's
	# window ("timer doesn't work through Interrupt-remapped IO-APIC"
	# panic): the emulated timer works, skip the check.
	append+=" no_timer_check"
	append+=" VM_SCRIPT=$rundir/guest-$kind.sh"
	[ -n "$keep_paths" ] && append+=" VM_KEEP_PATHS=$keep_paths"
	[ "$kind" = mock ] || append+=" VM_VFIO_DEVICES=$nics,$edu"
	local limit
	limit=$(python3 "$top/tests/vm/vm_harness.py" boot-timeout "$rundir" "$kind" "$boot_timeout")
	dr_step "boot $kind (${viommu[1]}, $cmdline_iommu; timeout ${limit}s; console: $log)"
	timeout -k 10 "$limit" qemu-system-x86_64 \
		-accel tcg -cpu max -machine q35 "${mem[@]}" -smp 2 \
		-display none -no-reboot -nodefaults -serial stdio \
		"${viommu[@]}" "${trace[@]}" \
		"${nic0[@]}" "${nic1[@]}" \
		-device "virtio-net-pci,disable-legacy=on,iommu_platform=on$ats,netdev=p0,romfile=,addr=03.0" \
		-device "virtio-net-pci,disable-legacy=on,iommu_platform=on$ats,netdev=p1,romfile=,addr=04.0" \
		-device edu,addr=06.0 \
		-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
		-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot,addr=05.0 \
		-kernel "$kdir/bzImage" -append "$append" \
		</dev/null >"$log" 2>&1 || rc=$?
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		# What CI's output keeps of a hang: the guest's last lines
		# (and the vhost backend's), the logs stay in $rundir.
		dr_info "boot $kind: TIMEOUT after ${limit}s (QEMU killed); see $log; its last lines:"
		tail -n 20 "$log" | sed 's/^/[vm-run]   | /' >&2
		[ "$kind" = vhost ] && tail -n 12 "$vhost_log" | sed 's/^/[vm-run]   backend | /' >&2
	fi
	[ "$kind" = vhost ] && vhost_backend_stop
	dr_done
	python3 "$top/tests/vm/vm_harness.py" parse "$rundir" "$kind" "$log" "$rc"
}

# ---- vhost-user backend (boot kind 'vhost') ---------------------------------
# The stock dpdk-testpmd of the build's DPDK (its path: VM_VHOST_BACKEND of
# the vhost tests, written by the plan) serves both NICs: io forwarding
# 0 <-> 1, interactive on a fifo so that its port xstats can be dumped
# after each test and it exits cleanly (final stats) when the boot ends.
vhost_dir= vhost_pid= vhost_watch=
vhost_backend_start() {
	local bin lcores cpus=$(( $(nproc) - 1 )) n
	bin=${VM_VHOST_BACKEND:-$(cat "$rundir/backend-vhost.txt" 2>/dev/null || true)}
	vhost_log=$rundir/vhost-backend.log
	if [ ! -x "$bin" ]; then
		vhost_why="no vhost-user backend '$bin' (VM_VHOST_BACKEND): DPDK's dpdk-testpmd with net_vhost is built by scripts/setup.sh; re-run it"
		return 1
	fi
	# A unix socket path has at most 107 bytes.
	vhost_dir=$rundir
	[ ${#vhost_dir} -lt 90 ] || vhost_dir=$(mktemp -d /tmp/vm-vhost.XXXXXX)
	mkfifo "$rundir/vhost-backend.in"
	: >"$vhost_log"   # appended to by the backend and the watcher
	# Both lcores float over every CPU: only the forwarding one polls.
	lcores="(0,1)@(0-$cpus)"
	dr_info "vhost-user backend: $bin (log: $vhost_log)"
	LD_LIBRARY_PATH=$(dirname "$(dirname "$bin")")/lib setsid "$bin" --lcores "$lcores" \
		--log-level=lib.vhost.config:debug --no-huge -m 512 --no-shconf --file-prefix "vm-vhost-$$" --no-pci --no-telemetry \
		--vdev "net_vhost0,iface=$vhost_dir/vhost0.sock,iommu-support=1" \
		--vdev "net_vhost1,iface=$vhost_dir/vhost1.sock,iommu-support=1" \
		-- -i --auto-start --forward-mode=io --nb-cores=1 --total-num-mbufs=8192 \
		<"$rundir/vhost-backend.in" >>"$vhost_log" 2>&1 &
	vhost_pid=$!
	exec 7>"$rundir/vhost-backend.in"
	for n in $(seq 300); do
		[ -S "$vhost_dir/vhost0.sock" ] && [ -S "$vhost_dir/vhost1.sock" ] && break
		kill -0 "$vhost_pid" 2>/dev/null || break
		sleep 0.1
	done
	if ! [ -S "$vhost_dir/vhost1.sock" ] || ! kill -0 "$vhost_pid" 2>/dev/null; then
		vhost_why="vhost-user backend did not come up (no net_vhost in its DPDK? see $vhost_log)"
		vhost_backend_stop
		return 1
	fi
	# The test markers, and the backend's counters (per-queue xstats with
	# iotlb_misses while the guest's ports run: a test prints
	# 'vm-vhost-backend-stats' before it stops them; port stats after each
	# test) into the backend log, in order. Own session: stopped as a group.
	setsid bash -c 'tail -n0 -F "$1" 2>/dev/null | while IFS= read -r line; do
		case "$line" in
		*@@VMT-*)
			echo "${line#*@@}" >>"$2"
			printf "show port stats all\n" >&7 ;;
		*vm-vhost-backend-stats*)
			echo "${line%%$(printf "\r")}" >>"$2"
			printf "show port xstats all\n" >&7 ;;
		esac
	done' vhost-watch "$rundir/console-vhost.log" "$vhost_log" &
	vhost_watch=$!
}
vhost_backend_stop() {
	[ -n "$vhost_watch" ] && kill -- "-$vhost_watch" 2>/dev/null
	if [ -n "$vhost_pid" ]; then
		echo "@@BACKEND-EXIT" >>"$vhost_log"
		# (a subshell that ignores SIGPIPE: the backend may be gone)
		( trap '' PIPE; printf 'show port xstats all\nquit\n' >&7 ) 2>/dev/null
		exec 7>&-
		for _ in $(seq 100); do kill -0 "$vhost_pid" 2>/dev/null || break; sleep 0.1; done
		kill -- "$vhost_pid" 2>/dev/null
		wait "$vhost_pid" 2>/dev/null
	fi
	[ "$vhost_dir" != "$rundir" ] && [ -n "$vhost_dir" ] && rm -rf "$vhost_dir"
	vhost_pid= vhost_watch=
	return 0
}
# The boot did not run: every test of it fails, saying why.
vhost_backend_fail() {
	python3 -c 'import json,sys
for n, m in json.load(open(sys.argv[1])).items():
    if m["boot"] == "vhost":
        print("FAIL vm/%s: %s" % (n, sys.argv[2]))' "$rundir/plan.json" "$vhost_why" >>"$rundir/results-$1.txt"
	dr_info "FAIL boot $1: $vhost_why"
}
trap 'vhost_backend_stop' EXIT

status=0
for kind in $boots; do
	boot "$kind" || status=1
done
# The atomicity matrix's aarch64 row (issue 15): QEMU virt + SMMUv3, its
# own cross-built kernel and guest program (scripts/vm-arm64.sh), results
# in results-smmuv3.txt. VM_ARM64=0, or a VM_ONLY that matches none of
# its cases (vm-smmuv3-matrix-info, -pmd-hitless, -pmd-quiesce,
# -iommufd-latency, -ioas-latency), leaves it out; so does a build whose
# DPDK is not the matrix's (no vm-vtd-matrix-info registered: the matrix
# runs once per CI run, tests/vm/meson.build vm_matrix_dpdk).
if [ "${VM_ARM64:-1}" = 1 ] &&
	grep -q '"vm-vtd-matrix-info"' "$builddir/meson-info/intro-tests.json" &&
	python3 -c 'import re, sys
sys.exit(not any(re.search(sys.argv[1], "vm-smmuv3-" + c) for c in
	("matrix-info", "pmd-hitless", "pmd-quiesce", "iommufd-latency", "ioas-latency")))' "${VM_ONLY:-}"; then
	"$here/vm-arm64.sh" "$rundir" || dr_info "the smmuv3 boot did not run; see $rundir/results-smmuv3.txt"
fi

# ---- 4. results --------------------------------------------------------------
cat "$rundir"/results-*.txt >"$results.tmp"
# The atomicity matrix (issue 15): its table from this run, and its own
# verdicts (a default of hitless on an IOMMU that faulted; a cell without a
# measurement) into the results. A run of the whole tier (no VM_ONLY) also
# writes the table into the guides: doc/guides/atomicity_matrix.txt, which
# performance.rst includes (VM_MATRIX_DOC=FILE: there instead, also with
# VM_ONLY; empty: nowhere). With a DPDK other than the matrix's
# (tests/vm/meson.build vm_matrix_dpdk) no matrix test is registered and
# nothing is written.
matrix_doc=
if [ -n "${VM_MATRIX_DOC+set}" ]; then
	matrix_doc=$VM_MATRIX_DOC
elif [ -z "${VM_ONLY:-}" ]; then
	matrix_doc=$top/doc/guides/atomicity_matrix.txt
fi
python3 "$top/scripts/vm-matrix-table.py" "$rundir" --results "$results.tmp" \
	${matrix_doc:+--doc "$matrix_doc"} >"$rundir/matrix.rst" ||
	echo "FAIL vm-tier: scripts/vm-matrix-table.py failed on $rundir" >>"$results.tmp"
[ "$status" = 0 ] || echo "FAIL vm-tier: a guest did not boot; see $rundir/console-*.log" >>"$results.tmp"
mv "$results.tmp" "$results"
dr_info "$(grep -c '^PASS' "$results" || true) passed, $(grep -c '^FAIL' "$results" || true) failed," \
	"$(grep -c '^SKIP' "$results" || true) skipped in $(( $(date +%s) - t_start ))s; results: $results; logs: $rundir"
grep -v '^PASS' "$results" | sed 's/^/[vm-run]   /' >&2 || true
exit "$status"
