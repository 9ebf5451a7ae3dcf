#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
#
# Sets up everything the project needs on a Debian 12 machine, idempotently:
#   1. build/test dependencies from the distribution (apt-get), and 2 MiB
#      hugepages with a hugetlbfs mount (as root, not kept over a reboot);
#   2. a DPDK with the driver SDK, built from source and installed into a
#      cache outside the clone, keyed by DPDK version and build options.
#
# Source of DPDK, in order:
#   DPDK_TARBALL=<path to dpdk-X.Y.tar.xz>   a release tarball (CI: 25.11 LTS)
#   otherwise Debian's own 'dpdk' source package (Debian 12: 22.11 LTS),
#   fetched with a private sources list and a private apt state directory.
#
# Environment:
#   DMA_REPLACE_CACHE  cache directory (default ${XDG_CACHE_HOME:-~/.cache}/dma-replace)
#   DPDK_TARBALL       see above
#   DPDK_VERSION       use this cached DPDK (<cache>/dpdk-<version>.env, as
#                      scripts/build.sh does) when it is there; current.env
#                      is left as it is
#   SETUP_SKIP_APT=1   do not call apt-get (everything already installed)
#   HUGEPAGES_MIN      free 2 MiB hugepages to have (default 64; see 1b)
#   SETUP_NO_HUGEPAGES=1  leave the machine's hugepages as they are
#   TEST_TIERS         without 'vm' in it, the aarch64 VM packages are left out
#
# On success it writes <cache>/current.env (DPDK_PREFIX, DPDK_VERSION,
# DPDK_SRC) and prints it; scripts/build.sh sources it.
set -eu -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

CACHE=$(dr_cache_dir)
mkdir -p "$CACHE" || dr_die "cannot create cache directory $CACHE (set DMA_REPLACE_CACHE to a writable path)"

# ---- 1. packages -----------------------------------------------------------
# (libclang-rt-14-dev also holds the libFuzzer runtime of clang-14
# -fsanitize=fuzzer, for the fuzz build flavor; libfuzzer-14-dev is only
# the standalone libFuzzer.a and is not needed. python3-sphinx, doxygen,
# groff-base and man-db build and check doc/ (guides, API reference, man
# page), warnings as errors, in meson suite doc; gawk (DPDK's awk rules)
# and codespell for suite style, devtools/.)
PKGS="meson ninja-build pkg-config gcc python3-pyelftools libnuma-dev dpkg-dev
xz-utils python3-matplotlib clang-14 libclang-rt-14-dev
flex bison libelf-dev bc qemu-system-x86 busybox-static cpio spin
python3-sphinx doxygen groff-base man-db gawk codespell"
# The VM tier's aarch64 boot (scripts/vm-arm64.sh: QEMU virt + SMMUv3, a
# cross-built guest kernel and a static guest program, hence the cross C
# library, which gcc-aarch64-linux-gnu only recommends): only when the VM
# tier runs (TEST_TIERS unset, scripts/run-tests.sh's default, or naming vm).
case ",${TEST_TIERS:-vm}," in
*,vm,*) PKGS="$PKGS qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross" ;;
esac

install_packages() {
	local missing=""
	for p in $PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing="$missing $p"
	done
	if [ -z "$missing" ]; then
		dr_info "packages: all present"
		return 0
	fi
	[ "${SETUP_SKIP_APT:-0}" = 1 ] && dr_die "missing packages:$missing (SETUP_SKIP_APT=1 set)"
	[ "$(id -u)" = 0 ] || dr_die "missing packages:$missing; run as root or install them with apt-get"
	dr_step "apt-get install$missing"
	# Lists may be stale or absent on a fresh machine: update once, then install.
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing \
		>"$CACHE/apt-install.log" 2>&1; then
		DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$CACHE/apt-install.log" 2>&1 ||
			dr_die "apt-get update failed: is the package archive reachable? see $CACHE/apt-install.log"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing \
			>>"$CACHE/apt-install.log" 2>&1 ||
			dr_die "apt-get install failed (network or disk?); see $CACHE/apt-install.log, then re-run"
	fi
	dr_done
}

# ---- 1b. hugepages -----------------------------------------------------------
# 2 MiB hugepages for the tests that need EAL's dynamic memory (memory
# hotplug: dma_domain_ctl_mirror_hotplug needs 24 free): when fewer than
# HUGEPAGES_MIN (default 64) are free and we are root, reserve the missing
# ones and mount hugetlbfs at /dev/hugepages where none is mounted, as
# DPDK's usertools/dpdk-hugepages.py --setup does (neither survives a
# reboot; SETUP_NO_HUGEPAGES=1 leaves the machine as it is). Without them
# those tests skip, saying why.
reserve_hugepages() {
	local sys=/sys/kernel/mm/hugepages/hugepages-2048kB want=${HUGEPAGES_MIN:-64} free total
	[ "${SETUP_NO_HUGEPAGES:-0}" = 1 ] && return 0
	if [ ! -r "$sys/free_hugepages" ]; then
		dr_info "hugepages: this kernel has no 2 MiB hugepages; tests that need them skip"
		return 0
	fi
	free=$(cat "$sys/free_hugepages")
	if [ "$free" -lt "$want" ]; then
		total=$(cat "$sys/nr_hugepages")
		if [ "$(id -u)" != 0 ] || ! echo $((total + want - free)) >"$sys/nr_hugepages" 2>/dev/null; then
			dr_info "hugepages: $free of $want 2 MiB hugepages free, cannot reserve more (not root?); tests that need them skip"
			return 0
		fi
		dr_info "hugepages: $(cat "$sys/free_hugepages") free 2 MiB hugepages (reserved $((want - free)) more)"
	fi
	grep -q ' hugetlbfs ' /proc/mounts && return 0
	if [ "$(id -u)" = 0 ] && mkdir -p /dev/hugepages && mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null; then
		dr_info "hugepages: hugetlbfs mounted at /dev/hugepages"
	else
		dr_info "hugepages: no hugetlbfs mounted and cannot mount one (not root?); tests that need hugepages skip"
	fi
}

# ---- 2. DPDK source --------------------------------------------------------
# Prints the path of an extracted DPDK source tree.
fetch_dpdk_source() {
	local src_root="$CACHE/src"
	mkdir -p "$src_root"
	if [ -n "${DPDK_TARBALL:-}" ]; then
		[ -f "$DPDK_TARBALL" ] || dr_die "DPDK_TARBALL=$DPDK_TARBALL: no such file (expected a dpdk-X.Y.tar.xz release tarball)"
		local name
		name=$(basename "$DPDK_TARBALL"); name=${name%.tar.*}
		if [ ! -f "$src_root/$name/.extracted" ]; then
			dr_step "extract $DPDK_TARBALL"
			rm -rf "$src_root/$name" "$src_root/$name.tmp"
			mkdir -p "$src_root/$name.tmp"
			tar -xf "$DPDK_TARBALL" -C "$src_root/$name.tmp" --strip-components=1 ||
				dr_die "cannot extract $DPDK_TARBALL (corrupt tarball or disk full?)"
			mv "$src_root/$name.tmp" "$src_root/$name"
			touch "$src_root/$name/.extracted"
			dr_done
		fi
		echo "$src_root/$name"
		return
	fi
	dr_apt_source dpdk "$src_root/debian-dpdk"
}

# ---- 3. DPDK build ---------------------------------------------------------
build_dpdk() {
	local src=$1 ver opts key prefix bdir
	ver=$(cat "$src/VERSION")
	# Options depend on what the tree supports (22.11 has no enable_libs).
	# lib/vhost + net/vhost: the VM tier's vhost-user boot serves the
	# guest's NIC with the stock dpdk-testpmd (scripts/vm-run.sh).
	opts="-Ddefault_library=shared -Dplatform=generic -Denable_driver_sdk=true
-Denable_drivers=bus/pci,bus/vdev,mempool/ring,net/ring,net/null,net/vhost
-Dtests=false -Dexamples= -Denable_docs=false"
	if grep -q "option('enable_apps'" "$src/meson_options.txt"; then
		opts="$opts -Denable_apps=test-pmd"
	else
		opts="$opts -Ddisable_apps=$(dr_dpdk_other_apps "$src")"
	fi
	if grep -q "option('enable_libs'" "$src/meson_options.txt"; then
		# vhost needs cryptodev and dmadev (hash, pci: always built)
		opts="$opts -Denable_libs=metrics,vhost,cryptodev,dmadev"
	fi
	key=$(printf '%s\n%s\n' "$ver" "$opts" | sha256sum | cut -c1-10)
	prefix="$CACHE/dpdk-$ver-$key"
	bdir="$CACHE/build/dpdk-$ver-$key"
	if [ -f "$prefix/.complete" ]; then
		dr_info "DPDK $ver: cached at $prefix"
	else
		rm -rf "$prefix"
		if [ ! -f "$bdir/build.ninja" ]; then
			rm -rf "$bdir"
			dr_step "configure DPDK $ver"
			# /usr/bin first: meson's python must see python3-pyelftools.
			PATH=/usr/bin:$PATH meson setup "$bdir" "$src" --prefix="$prefix" --libdir=lib \
				$opts -Dc_link_args=-Wl,--export-dynamic >"$CACHE/dpdk-configure.log" 2>&1 ||
				{ rm -rf "$bdir"; dr_die "DPDK configure failed; see $CACHE/dpdk-configure.log"; }
			dr_done
		fi
		dr_step "compile DPDK $ver"
		PATH=/usr/bin:$PATH dr_ninja_progress "$bdir" ||
			dr_die "DPDK build failed (disk full? see $CACHE/dpdk-build.log); re-run to resume"
		dr_done
		dr_step "install DPDK $ver into $prefix"
		PATH=/usr/bin:$PATH meson install -C "$bdir" --quiet >"$CACHE/dpdk-install.log" 2>&1 ||
			{ rm -rf "$prefix"; dr_die "DPDK install failed; see $CACHE/dpdk-install.log"; }
		for h in bus_driver.h dev_driver.h ethdev_driver.h; do
			[ -f "$prefix/include/$h" ] || dr_die "installed DPDK lacks $h (driver SDK not enabled?)"
		done
		mkdir -p "$prefix/share/dpdk/usertools"
		cp "$src/usertools/dpdk-telemetry.py" "$src/usertools/dpdk-hugepages.py" "$prefix/share/dpdk/usertools/"
		touch "$prefix/.complete"
		dr_done
	fi
	cat >"$CACHE/current.env.tmp" <<EOT
DPDK_VERSION=$ver
DPDK_PREFIX=$prefix
DPDK_SRC=$src
EOT
	mv "$CACHE/current.env.tmp" "$CACHE/current.env"
	# A per-version copy lets two DPDKs coexist (CI builds both).
	cp "$CACHE/current.env" "$CACHE/dpdk-$ver.env"
}

# cached_version: is DPDK_VERSION set and cached (then nothing to build)?
cached_version() {
	local envf=$CACHE/dpdk-${DPDK_VERSION:-}.env
	[ -n "${DPDK_VERSION:-}" ] && [ -z "${DPDK_TARBALL:-}" ] && [ -f "$envf" ] &&
		[ -f "$(. "$envf"; echo "$DPDK_PREFIX")/.complete" ]
}

# The plugins of each build tree are staged under the cache (scripts/plugins.sh):
# refuse up front a cache where DPDK's EAL would refuse them.
msg=$("$here/plugins.sh" check "$CACHE/plugins" 2>&1) || dr_die "$msg"
if cached_version; then
	install_packages
	reserve_hugepages
	dr_info "using DPDK $DPDK_VERSION at $(. "$CACHE/dpdk-$DPDK_VERSION.env"; echo "$DPDK_PREFIX") (DPDK_VERSION, cached)"
	exit 0
fi
dr_check_disk "$CACHE" 3000
install_packages
reserve_hugepages
src=$(fetch_dpdk_source)
build_dpdk "$src"
dr_info "using DPDK $(. "$CACHE/current.env"; echo "$DPDK_VERSION at $DPDK_PREFIX")"
