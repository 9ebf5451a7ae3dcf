#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
#
# Builds (once) the VM tier's guest kernel: Debian's 'linux' source package
# from bookworm-backports (6.12.x), tinyconfig + tests/vm/kernel.config, all
# built in. Also installs its uapi headers (iommufd.h, vfio.h: Debian 12's
# linux-libc-dev is too old).
#
# Usage: scripts/vm-kernel.sh [--headers]
# Prints the kernel's cache directory on stdout; it holds bzImage, config and
# headers/include (uapi headers as headers_install lays them out, plus the kernel's iommufd_test.h, the
# IOMMUFD_TEST ABI). --headers only prints headers/include when that kernel
# is already cached (nothing otherwise) and never builds or downloads. The key is kernel version + fragment hash + gcc version (the
# image embeds a build timestamp, so it is never compared by content).
#
# Environment:
#   DMA_REPLACE_CACHE  cache directory (see scripts/lib.sh)
#   VM_KERNEL_JOBS     make -j value (default 2: the machine is shared)
#
# Safe to interrupt: the source is extracted into a temporary directory and
# renamed; make resumes in its object directory; the result is published by
# renaming a complete directory.
set -eu -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

dr_info() { echo "[vm-kernel] $*" >&2; }
dr_die() { echo "[vm-kernel] ERROR: $*" >&2; exit 1; }
dr_step() { _dr_t0=$(date +%s); echo "[vm-kernel] $* ..." >&2; }
dr_done() { echo "[vm-kernel]   done in $(( $(date +%s) - _dr_t0 ))s" >&2; }

CACHE=$(dr_cache_dir)
VMC="$CACHE/vm"
frag="$top/tests/vm/kernel.config"
jobs=${VM_KERNEL_JOBS:-2}
[ -f "$frag" ] || dr_die "kernel config fragment $frag is missing"
mkdir -p "$VMC" || dr_die "cannot create $VMC (set DMA_REPLACE_CACHE to a writable path)"
for t in make gcc flex bison bc tar xz; do
	command -v "$t" >/dev/null || dr_die "'$t' not found: run scripts/setup.sh (it installs the VM tier's packages)"
done
[ -f /usr/include/libelf.h ] || dr_die "libelf-dev missing: run scripts/setup.sh"

srcpkg="$CACHE/src/linux-bpo"
# (the fragment's settings only: a comment does not change the kernel)
fraghash=$(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$frag" | sha256sum | cut -c1-10)
gccver=$(gcc -dumpfullversion)
# kernel_dir TARBALL: the cache directory for that source and this fragment.
kernel_dir() {
	local v
	v=$(basename "$1" | sed -n 's/^linux_\([0-9][0-9.]*\)\.orig\.tar\..*/\1/p')
	[ -n "$v" ] || dr_die "cannot read a kernel version from $(basename "$1")"
	echo "$VMC/linux-$v-$fraghash-gcc$gccver"
}

if [ "${1:-}" = --headers ]; then
	[ -f "$srcpkg/.done" ] || exit 0
	d=$(kernel_dir "$(cat "$srcpkg/.done")")/headers/include
	[ -f "$d/iommufd_test.h" ] && echo "$d"
	exit 0
fi
[ $# = 0 ] || dr_die "unknown argument '$1' (expected nothing or --headers)"

# ---- 1. source (network only the first time) -------------------------------
tarball=$(dr_apt_source linux "$srcpkg" bookworm-backports --orig-only)
[ -f "$tarball" ] || dr_die "linux orig tarball $tarball vanished: rm -rf $CACHE/src/linux-bpo and re-run"
out=$(kernel_dir "$tarball")
kver=${out#"$VMC"/linux-}
kver=${kver%%-*}
if [ -f "$out/bzImage" ] && [ -f "$out/headers/include/iommufd_test.h" ]; then
	dr_info "cached: $out"
	echo "$out"
	exit 0
fi

src="$CACHE/src/linux-$kver"
if [ ! -f "$src/.extracted" ]; then
	dr_check_disk "$CACHE" 2500
	dr_step "extract $(basename "$tarball") (whole: Kconfig reads every arch)"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xf "$tarball" -C "$src.tmp" --strip-components=1 ||
		dr_die "cannot extract $tarball (corrupt or disk full?)"
	mv "$src.tmp" "$src"
	touch "$src/.extracted"
	dr_done
fi

# ---- 2. configure ----------------------------------------------------------
# One object directory per kernel version: a fragment change rebuilds
# incrementally, an interrupted build resumes.
obj="$VMC/obj-$kver"
mkdir -p "$obj"
kmake() { make -C "$src" O="$obj" -j"$jobs" "$@"; }
dr_step "configure: tinyconfig + $(basename "$frag")"
{
	kmake tinyconfig &&
		"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$frag" &&
		kmake olddefconfig
} >"$obj/config.log" 2>&1 || dr_die "kernel configuration failed; see $obj/config.log"
missing=""
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) grep -qxF "$line" "$obj/.config" || missing="$missing ${line%%=*}" ;;
	esac
done <"$frag"
[ -z "$missing" ] ||
	dr_die "fragment symbols not set as asked in the final .config (dependency missing?):$missing"
dr_done

# ---- 3. build with progress ------------------------------------------------
dr_check_disk "$VMC" 2000
estf="$VMC/build-steps.count"
est=$(cat "$estf" 2>/dev/null || true)
dr_step "make -j$jobs bzImage (linux $kver; from clean about 14 CPU minutes, 7 min on 2 idle cores)"
log="$obj/build.log"
kmake bzImage >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; exit 130' INT TERM
while kill -0 "$pid" 2>/dev/null; do
	sleep 10
	n=$(grep -c '^  [A-Z]' "$log" || true)
	last=$(grep '^  [A-Z]' "$log" | tail -n1 | sed 's/^ *//')
	echo "[vm-kernel]   [$n/${est:-?}] $last" >&2
done
wait "$pid" || { tail -n 30 "$log" >&2; dr_die "kernel build failed; see $log"; }
trap - INT TERM
n=$(grep -c '^  [A-Z]' "$log" || true)
# A from-scratch count is the useful estimate; incremental runs count less.
[ -n "$est" ] && [ "$n" -le "$est" ] || echo "$n" >"$estf"
dr_done

# ---- 4. publish: bzImage, config, uapi headers -----------------------------
dr_step "uapi headers + publish $out"
rm -rf "$out.tmp"
mkdir -p "$out.tmp"
# 'make headers' + copy is headers_install without its rsync dependency.
kmake headers >"$obj/headers.log" 2>&1 || dr_die "make headers failed; see $obj/headers.log"
mkdir -p "$out.tmp/headers"
cp -r "$obj/usr/include" "$out.tmp/headers/include"
find "$out.tmp/headers" -name '.*' -type f -delete
# Kernel-internal test ABI, matching this kernel exactly.
cp "$src/drivers/iommu/iommufd/iommufd_test.h" "$out.tmp/headers/include/" ||
	dr_die "$src lacks drivers/iommu/iommufd/iommufd_test.h"
cp "$obj/arch/x86/boot/bzImage" "$out.tmp/bzImage"
cp "$obj/.config" "$out.tmp/config"
echo "$kver" >"$out.tmp/version"
rm -rf "$out"
mv "$out.tmp" "$out"
dr_done
echo "$out"
