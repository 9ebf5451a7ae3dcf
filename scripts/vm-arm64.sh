#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
#
# The VM tier's aarch64 boot 'smmuv3' (the atomicity matrix, issue 15):
# QEMU 'virt' with its SMMUv3 (iommu=smmuv3, GICv3 + ITS for the MSI
# isolation VFIO needs), TCG, one virtio-net device (iommu_platform=on)
# behind the SMMU, its frames sent to QEMU's user-mode network with
# restrict=on (nothing leaves QEMU; junk frames are dropped there. A hub
# port alone would never accept them: the transmit queue would block).
# The guest kernel is scripts/vm-kernel.sh --arch arm64's; its initramfs holds
# one program, tests/vm/arm64/smmu_replace_test.c, cross-built static
# (aarch64-linux-gnu-gcc, no DPDK), which drives the device itself and runs
# the matrix's cases (forced-hitless replaces under DMA, quiesced
# replaces, replace latency, the library's default strategy).
#
# Ground truth for DMA faults: QEMU's SMMUv3 model, its trace event
# smmuv3_translate_abort and its guest-error log line "<mr> translation
# failed for iova=..." (-d guest_errors: one per translation that ended in
# an error, recorded in the event queue or not); smmuv3_record_event (what
# reached the guest's event queue) is counted beside them.
#
# Usage: scripts/vm-arm64.sh RUNDIR
# RUNDIR (scripts/vm-run.sh's BUILDDIR/vm-tier, or any directory) gets
# console-smmuv3.log, tests/vm-smmuv3-*.log, results-smmuv3.txt ('PASS
# vm/<name>' / 'FAIL vm/<name>: why'), summary lines appended to
# summary.txt, the tests added to plan.json (boot 'smmuv3', for
# scripts/vm-matrix-table.py) and matrix-smmuv3.txt, the row's
# 'MATRIX iommu=smmuv3 ...' line (tests/vm/arm64/smmu_matrix.py).
# Exit status: 0 when the boot ran (failures are in results-smmuv3.txt),
# 1 when it could not (the reason is in results-smmuv3.txt too).
#
# Environment: VM_SMMU_REPLACES (default 1000), VM_SMMU_LAT (replaces per
# latency series, default 200), VM_BOOT_TIMEOUT (s, default 300),
# VM_KERNEL_JOBS, VM_SMMU_INJECT=noquiesce (the quiesce case leaves the
# queue running: its verdict must then FAIL; a check of the check).
set -eu -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

dr_info() { echo "[vm-arm64] $*" >&2; }
dr_step() { _dr_t0=$(date +%s); echo "[vm-arm64] $* ..." >&2; }
dr_done() { echo "[vm-arm64]   done in $(( $(date +%s) - _dr_t0 ))s" >&2; }

[ $# = 1 ] || { echo "usage: $0 RUNDIR" >&2; exit 2; }
rundir=$1
mkdir -p "$rundir/tests" "$rundir/arm64"
rundir=$(cd "$rundir" && pwd)
results="$rundir/results-smmuv3.txt"
replaces=${VM_SMMU_REPLACES:-1000}
nlat=${VM_SMMU_LAT:-200}
boot_timeout=${VM_BOOT_TIMEOUT:-300}
inject=
case "${VM_SMMU_INJECT:-}" in
'') ;;
noquiesce) inject=" smmu_inject_noquiesce=1" ;;
*) echo "VM_SMMU_INJECT='$VM_SMMU_INJECT': expected nothing or 'noquiesce'" >&2; exit 2 ;;
esac
: >"$results"

# cannot WHY: the boot did not run; every case of the row fails, saying why.
cannot() {
	local c
	for c in matrix-info pmd-hitless pmd-quiesce iommufd-latency ioas-latency; do
		echo "FAIL vm/vm-smmuv3-$c: $1" >>"$results"
	done
	dr_info "FAIL boot smmuv3: $1"
	exit 1
}

for t in qemu-system-aarch64 aarch64-linux-gnu-gcc gcc python3; do
	command -v "$t" >/dev/null ||
		cannot "'$t' not found (scripts/setup.sh installs qemu-system-arm and gcc-aarch64-linux-gnu for the VM tier)"
done
[ -f /usr/aarch64-linux-gnu/include/stdio.h ] ||
	cannot "the aarch64 C library headers are not installed (scripts/setup.sh installs libc6-dev-arm64-cross for the VM tier)"

# ---- 1. kernel (cached), guest program, initramfs -------------------------
t0=$(date +%s)
kdir=$("$here/vm-kernel.sh" --arch arm64) || cannot "aarch64 guest kernel could not be built (scripts/vm-kernel.sh --arch arm64)"
dr_step "cross-build the guest program + initramfs"
out="$rundir/arm64"
aarch64-linux-gnu-gcc -D_GNU_SOURCE -static -O2 -g0 -Wall -Wextra -Werror \
	-I"$kdir/headers/include" -I"$top/tests/vm" -I"$top/tests/common" -I"$top/lib/dma_domain/iommufd" \
	"$top/tests/vm/arm64/smmu_replace_test.c" "$top/lib/dma_domain/iommufd/iommufd_util.c" \
	"$top/tests/common/th.c" \
	-lpthread -o "$out/init" 2>"$out/cc.log" ||
	cannot "cross-build of tests/vm/arm64/smmu_replace_test.c failed: $(head -c 300 "$out/cc.log")"
src="$(dr_cache_dir)/src/linux-$(cat "$kdir/version")"
gcc -O2 -o "$out/gen_init_cpio" "$src/usr/gen_init_cpio.c" 2>>"$out/cc.log" ||
	cannot "cannot build the kernel's usr/gen_init_cpio.c from $src"
cat >"$out/initramfs.list" <<EOT
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /proc 0755 0 0
dir /sys 0755 0 0
file /init $out/init 0755 0 0
EOT
"$out/gen_init_cpio" "$out/initramfs.list" >"$out/initramfs.cpio" ||
	cannot "gen_init_cpio failed on $out/initramfs.list"
dr_done

# ---- 2. boot -------------------------------------------------------------------
log="$rundir/console-smmuv3.log"
dr_step "boot smmuv3 (virt,iommu=smmuv3, TCG; $replaces replaces; timeout ${boot_timeout}s; console: $log)"
tb=$(date +%s)
rc=0
timeout -k 10 "$boot_timeout" qemu-system-aarch64 \
	-accel tcg -machine virt,iommu=smmuv3,gic-version=3 -cpu max,pauth-impdef=on \
	-smp 2 -m 512M -display none -no-reboot -nodefaults -serial stdio \
	-netdev user,id=n0,restrict=on \
	-device virtio-net-pci,disable-legacy=on,iommu_platform=on,netdev=n0,romfile= \
	-trace smmuv3_translate_abort -trace smmuv3_record_event -d guest_errors \
	-kernel "$kdir/Image" -initrd "$out/initramfs.cpio" \
	-append "console=ttyAMA0 loglevel=4 panic=-1 smmu_replaces=$replaces smmu_lat=$nlat$inject" \
	</dev/null >"$log" 2>&1 || rc=$?
dr_done
te=$(date +%s)
python3 "$top/tests/vm/arm64/smmu_matrix.py" "$rundir" "$rc" \
	"kernel+initramfs $((tb - t0))s, boot+test $((te - tb))s" || cannot "tests/vm/arm64/smmu_matrix.py failed on $log"
