#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
#
# Builds (once) the aarch64 guest kernel of the VM tier's SMMUv3 boot
# (scripts/vm-arm64.sh): the same Debian 'linux' source as the x86 guest
# (scripts/vm-kernel.sh, bookworm-backports 6.12.x), cross-built with
# aarch64-linux-gnu-gcc from 'ARCH=arm64 tinyconfig' + tests/vm/arm64/kernel.config.
# Also installs its arm64 uapi headers (iommufd.h, vfio.h, asm/) for the
# cross-built guest program.
#
# Usage: scripts/vm-kernel-arm64.sh
# Prints the kernel's cache directory on stdout (Image, config, version,
# headers/include). The key is kernel version + fragment hash + cross gcc
# version.
#
# Environment:
#   DMA_REPLACE_CACHE  cache directory (see scripts/lib.sh)
#   VM_KERNEL_JOBS     make -j value (default 2: the machine is shared)
#
# Safe to interrupt: make resumes in its object directory; the result is
# published by renaming a complete directory.
set -eu -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

dr_info() { echo "[vm-kernel-arm64] $*" >&2; }
dr_die() { echo "[vm-kernel-arm64] ERROR: $*" >&2; exit 1; }
dr_step() { _dr_t0=$(date +%s); echo "[vm-kernel-arm64] $* ..." >&2; }
dr_done() { echo "[vm-kernel-arm64]   done in $(( $(date +%s) - _dr_t0 ))s" >&2; }

CACHE=$(dr_cache_dir)
VMC="$CACHE/vm"
frag="$top/tests/vm/arm64/kernel.config"
jobs=${VM_KERNEL_JOBS:-2}
cross=aarch64-linux-gnu-
[ -f "$frag" ] || dr_die "kernel config fragment $frag is missing"
mkdir -p "$VMC" || dr_die "cannot create $VMC (set DMA_REPLACE_CACHE to a writable path)"
for t in make "${cross}gcc" flex bison bc tar xz; do
	command -v "$t" >/dev/null ||
		dr_die "'$t' not found: run scripts/setup.sh (with the VM tier in TEST_TIERS it installs qemu-system-arm and gcc-aarch64-linux-gnu)"
done

srcpkg="$CACHE/src/linux-bpo"
# (the fragment's settings only: a comment does not change the kernel)
fraghash=$(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$frag" | sha256sum | cut -c1-10)
gccver=$("${cross}gcc" -dumpfullversion)

# ---- 1. source: the x86 guest's (network only the first time) -------------
tarball=$(dr_apt_source linux "$srcpkg" bookworm-backports --orig-only)
[ -f "$tarball" ] || dr_die "linux orig tarball $tarball vanished: rm -rf $CACHE/src/linux-bpo and re-run"
kver=$(basename "$tarball" | sed -n 's/^linux_\([0-9][0-9.]*\)\.orig\.tar\..*/\1/p')
[ -n "$kver" ] || dr_die "cannot read a kernel version from $(basename "$tarball")"
out="$VMC/linux-arm64-$kver-$fraghash-gcc$gccver"
if [ -f "$out/Image" ] && [ -f "$out/headers/include/linux/iommufd.h" ]; then
	dr_info "cached: $out"
	echo "$out"
	exit 0
fi
src="$CACHE/src/linux-$kver"
if [ ! -f "$src/.extracted" ]; then
	dr_check_disk "$CACHE" 2500
	dr_step "extract $(basename "$tarball")"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xf "$tarball" -C "$src.tmp" --strip-components=1 ||
		dr_die "cannot extract $tarball (corrupt or disk full?)"
	mv "$src.tmp" "$src"
	touch "$src/.extracted"
	dr_done
fi

# ---- 2. configure ----------------------------------------------------------
obj="$VMC/obj-arm64-$kver"
mkdir -p "$obj"
kmake() { make -C "$src" O="$obj" ARCH=arm64 CROSS_COMPILE="$cross" -j"$jobs" "$@"; }
dr_step "configure: ARCH=arm64 tinyconfig + $(basename "$frag")"
{
	kmake tinyconfig &&
		ARCH=arm64 "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$frag" &&
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
dr_check_disk "$VMC" 1500
dr_step "make -j$jobs Image (linux $kver, arm64)"
log="$obj/build.log"
kmake Image >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; exit 130' INT TERM
while kill -0 "$pid" 2>/dev/null; do
	sleep 10
	n=$(grep -c '^  [A-Z]' "$log" || true)
	last=$(grep '^  [A-Z]' "$log" | tail -n1 | sed 's/^ *//')
	echo "[vm-kernel-arm64]   [$n] $last" >&2
done
wait "$pid" || { tail -n 30 "$log" >&2; dr_die "kernel build failed; see $log"; }
trap - INT TERM
dr_done

# ---- 4. publish: Image, config, arm64 uapi headers -------------------------
dr_step "uapi headers + publish $out"
rm -rf "$out.tmp"
mkdir -p "$out.tmp"
kmake headers >"$obj/headers.log" 2>&1 || dr_die "make headers failed; see $obj/headers.log"
mkdir -p "$out.tmp/headers"
cp -r "$obj/usr/include" "$out.tmp/headers/include"
find "$out.tmp/headers" -name '.*' -type f -delete
cp "$obj/arch/arm64/boot/Image" "$out.tmp/Image"
cp "$obj/.config" "$out.tmp/config"
echo "$kver" >"$out.tmp/version"
rm -rf "$out"
mv "$out.tmp" "$out"
dr_done
echo "$out"
