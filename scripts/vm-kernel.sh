#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
#
# Builds (once) a guest kernel of the VM tier: Debian's 'linux' source
# package from bookworm-backports (6.12.x), tinyconfig + a fragment, all
# built in. Also installs its uapi headers (iommufd.h, vfio.h: Debian 12's
# linux-libc-dev is too old).
#   x86_64 (default): the VM tier's guest, tests/vm/kernel.config, bzImage;
#   arm64: the SMMUv3 row of the atomicity matrix (scripts/vm-arm64.sh),
#          tests/vm/arm64/kernel.config, cross-built with
#          aarch64-linux-gnu-gcc, Image.
#
# Usage: scripts/vm-kernel.sh [--arch x86_64|arm64] [--headers]
# Prints the kernel's cache directory on stdout; it holds the image
# (bzImage or Image), config, version and headers/include (uapi headers as
# headers_install lays them out; x86_64 also the kernel's iommufd_test.h,
# the IOMMUFD_TEST ABI). --headers only prints headers/include when that
# kernel is already cached (nothing otherwise) and never builds or
# downloads. The key is arch + kernel version + fragment hash + gcc version
# (the image embeds a build timestamp, so it is never compared by content).
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

name=vm-kernel
dr_info() { echo "[$name] $*" >&2; }
dr_die() { echo "[$name] ERROR: $*" >&2; exit 1; }
dr_step() { _dr_t0=$(date +%s); echo "[$name] $* ..." >&2; }
dr_done() { echo "[$name]   done in $(( $(date +%s) - _dr_t0 ))s" >&2; }

arch=x86_64
headers=0
while [ $# -gt 0 ]; do
	case "$1" in
	--arch) [ $# -ge 2 ] || dr_die "--arch needs a value (x86_64 or arm64)"; arch=$2; shift 2 ;;
	--headers) headers=1; shift ;;
	*) dr_die "unknown argument '$1' (expected --arch x86_64|arm64 or --headers)" ;;
	esac
done
# What differs between the two guests: log name, fragment, compiler,
# make target and its output, the file that says a cached kernel is
# complete, the cache names (x86_64's unprefixed, as before arm64 came),
# the build time from clean (measured).
case "$arch" in
x86_64)
	name=vm-kernel frag="$top/tests/vm/kernel.config" cross="" karch=""
	target=bzImage image=arch/x86/boot/bzImage complete=iommufd_test.h prefix=""
	took="from clean about 14 CPU minutes, 7 min on 2 idle cores" ;;
arm64)
	name=vm-kernel-arm64 frag="$top/tests/vm/arm64/kernel.config"
	cross=aarch64-linux-gnu- karch=arm64 target=Image image=arch/arm64/boot/Image
	complete=linux/iommufd.h prefix="arm64-"
	took="from clean about 7.5 CPU minutes, 4 min on 2 idle cores" ;;
*)
	dr_die "unknown --arch '$arch' (expected x86_64 or arm64)" ;;
esac

CACHE=$(dr_cache_dir)
VMC="$CACHE/vm"
jobs=${VM_KERNEL_JOBS:-2}
[ -f "$frag" ] || dr_die "kernel config fragment $frag is missing"
mkdir -p "$VMC" || dr_die "cannot create $VMC (set DMA_REPLACE_CACHE to a writable path)"
if [ "$arch" = arm64 ]; then
	for t in make "${cross}gcc" flex bison bc tar xz; do
		command -v "$t" >/dev/null ||
			dr_die "'$t' not found: run scripts/setup.sh (with the VM tier in TEST_TIERS it installs qemu-system-arm and gcc-aarch64-linux-gnu)"
	done
else
	for t in make gcc flex bison bc tar xz; do
		command -v "$t" >/dev/null || dr_die "'$t' not found: run scripts/setup.sh (it installs the VM tier's packages)"
	done
	[ -f /usr/include/libelf.h ] || dr_die "libelf-dev missing: run scripts/setup.sh"
fi

srcpkg="$CACHE/src/linux-bpo"
# (the fragment's settings only: a comment does not change the kernel)
fraghash=$(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$frag" | sha256sum | cut -c1-10)
gccver=$("${cross}gcc" -dumpfullversion)
# kernel_dir TARBALL: the cache directory for that source and this fragment.
kernel_dir() {
	local v
	v=$(basename "$1" | sed -n 's/^linux_\([0-9][0-9.]*\)\.orig\.tar\..*/\1/p')
	[ -n "$v" ] || dr_die "cannot read a kernel version from $(basename "$1")"
	echo "$VMC/linux-$prefix$v-$fraghash-gcc$gccver"
}

if [ "$headers" = 1 ]; then
	[ -f "$srcpkg/.done" ] || exit 0
	d=$(kernel_dir "$(cat "$srcpkg/.done")")/headers/include
	[ -f "$d/$complete" ] && echo "$d"
	exit 0
fi

# ---- 1. source (network only the first time) -------------------------------
tarball=$(dr_apt_source linux "$srcpkg" bookworm-backports --orig-only)
[ -f "$tarball" ] || dr_die "linux orig tarball $tarball vanished: rm -rf $CACHE/src/linux-bpo and re-run"
out=$(kernel_dir "$tarball")
kver=${out#"$VMC"/linux-"$prefix"}
kver=${kver%%-*}
if [ -f "$out/$target" ] && [ -f "$out/headers/include/$complete" ]; then
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
obj="$VMC/obj-$prefix$kver"
mkdir -p "$obj"
kmake() { make -C "$src" O="$obj" ${karch:+ARCH=$karch CROSS_COMPILE=$cross} -j"$jobs" "$@"; }
dr_step "configure: ${karch:+ARCH=$karch }tinyconfig + $(basename "$frag")"
{
	kmake tinyconfig &&
		${karch:+env ARCH=$karch} "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$frag" &&
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
estf="$VMC/build-steps${karch:+-$karch}.count"
est=$(cat "$estf" 2>/dev/null || true)
dr_step "make -j$jobs $target (linux $kver, $arch; $took)"
log="$obj/build.log"
kmake "$target" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; exit 130' INT TERM
while kill -0 "$pid" 2>/dev/null; do
	sleep 10
	n=$(grep -c '^  [A-Z]' "$log" || true)
	last=$(grep '^  [A-Z]' "$log" | tail -n1 | sed 's/^ *//')
	echo "[$name]   [$n/${est:-?}] $last" >&2
done
wait "$pid" || { tail -n 30 "$log" >&2; dr_die "kernel build failed; see $log"; }
trap - INT TERM
n=$(grep -c '^  [A-Z]' "$log" || true)
# A from-scratch count is the useful estimate; incremental runs count less.
[ -n "$est" ] && [ "$n" -le "$est" ] || echo "$n" >"$estf"
dr_done

# ---- 4. publish: the image, config, uapi headers ---------------------------
dr_step "uapi headers + publish $out"
rm -rf "$out.tmp"
mkdir -p "$out.tmp"
# 'make headers' + copy is headers_install without its rsync dependency.
kmake headers >"$obj/headers.log" 2>&1 || dr_die "make headers failed; see $obj/headers.log"
mkdir -p "$out.tmp/headers"
cp -r "$obj/usr/include" "$out.tmp/headers/include"
find "$out.tmp/headers" -name '.*' -type f -delete
# Kernel-internal test ABI, matching this kernel exactly (x86_64's tests).
[ "$arch" != x86_64 ] ||
	cp "$src/drivers/iommu/iommufd/iommufd_test.h" "$out.tmp/headers/include/" ||
	dr_die "$src lacks drivers/iommu/iommufd/iommufd_test.h"
cp "$obj/$image" "$out.tmp/$target"
cp "$obj/.config" "$out.tmp/config"
echo "$kver" >"$out.tmp/version"
rm -rf "$out"
mv "$out.tmp" "$out"
dr_done
echo "$out"
