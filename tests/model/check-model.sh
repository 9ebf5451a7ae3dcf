#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
#
# Exhaustive check of the pause handshake (handshake.pml) with spin:
#  - the model of the code: no assertion fails, every pause ends, nothing
#    kept is lost (weak fairness);
#  - SINGLE_LOAD (ack_state deciding on the request it loaded before its
#    report, the code before the fix): spin must find the counterexample,
#    and its trail must be the race: the poller loads the request, the
#    controller asks for a new PARK, the poller reports that token, the
#    controller counts the queue parked while the burst is in the ring;
#  - NO_ONLINE_FENCE (the first burst of an armed queue without the
#    seq_cst fence after its QSBR counter store, with a store buffer):
#    spin must find a burst in the ring while the queue is counted parked;
#  - NO_PARKED_ACK (a PARK answered by the QSBR report only, the code
#    before DD_PAUSE_PARKED): spin must find a pause that never ends: a
#    poller that reported the token before the PARK's, parked, kept its
#    packets and bursts no more;
#  - UNBOUNDED_RELEASE (dd_queues_release() without a deadline): spin must
#    find a run where the pause never ends.
# Usage: check-model.sh [WORKDIR]
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${1:-$(mktemp -d)}
mkdir -p "$work"
cd "$work" || exit 1
cp "$here/handshake.pml" .
command -v spin >/dev/null || { echo "FAIL: spin not installed (scripts/setup.sh installs it)"; exit 1; }

fail=0
bad() { echo "FAIL: $*"; fail=1; }

# pan VARIANT: build the verifier of a variant into pan$VARIANT
pan() {
	local v=$1 d=
	[ -n "$v" ] && d="-D$v"
	spin $d -a handshake.pml >/dev/null || { bad "spin $d -a"; return 1; }
	gcc -O2 -DNFAIR=3 -o "pan$v" pan.c || { bad "gcc pan.c ($v)"; return 1; }
}

# errors OUTPUT: the "errors: N" count spin printed
errors() { sed -n 's/.*errors: \([0-9]*\).*/\1/p' <<<"$1" | head -n1; }

echo "== model of the code"
if pan ""; then
	out=$(./pan -m100000 2>&1)
	echo "$out" | grep -E 'states, stored|errors:'
	[ "$(errors "$out")" = 0 ] || bad "safety: $(grep -m1 -E 'assertion|error' <<<"$out")"
	grep -q 'max search depth too small' <<<"$out" && bad "search truncated"
	for n in ends nolost; do
		out=$(./pan -m100000 -a -f -N $n 2>&1)
		echo "  ltl $n: errors $(errors "$out")"
		[ "$(errors "$out")" = 0 ] || bad "ltl $n violated"
	done
fi

echo "== SINGLE_LOAD (ack_state before the fix)"
if pan SINGLE_LOAD; then
	out=$(./panSINGLE_LOAD -m100000 2>&1)
	grep -m1 'assertion violated' <<<"$out" || bad "no counterexample for the single-load ack_state"
	trail=$(spin -DSINGLE_LOAD -t -p handshake.pml 2>&1)
	# the race, in order: poller loads req; controller ORs PARK and
	# starts a grace period; poller reports; controller counts parked
	# with the poller in the ring
	sig=$(grep -nE 'req = pause_req|pause_req = \(\(pause_req&~\(32\)\)\|1\)|token = \(token\+1\)|cnt = t|ctl_parked = 1|p_ring = 1' <<<"$trail" |
		sed -E 's/.*\[(.*)\]$/\1/' | tr '\n' ';')
	if grep -qP 'req = pause_req;((?!req = pause_req)[^;]*;)*pause_req = \(\(pause_req&~\(32\)\)\|1\);token = \(token\+1\);cnt = t;(p_ring = 1;ctl_parked = 1|ctl_parked = 1;p_ring = 1)' <<<"$sig"; then
		echo "  counterexample: report-only request loaded, newer PARK token reported, burst in the ring while counted parked"
	else
		bad "counterexample is not the stale-request race: $(tail -c 400 <<<"$sig")"
	fi
fi

echo "== NO_ONLINE_FENCE (first burst without the fence after its counter store)"
if pan NO_ONLINE_FENCE; then
	out=$(./panNO_ONLINE_FENCE -m100000 2>&1)
	grep -m1 'assertion violated' <<<"$out" ||
		bad "no counterexample without the fence of the arm handshake"
fi

echo "== NO_PARKED_ACK (a PARK answered by the QSBR report only)"
if pan NO_PARKED_ACK; then
	out=$(./panNO_PARKED_ACK -m100000 -a -f -N ends 2>&1)
	if grep -q 'acceptance cycle' <<<"$out" && [ "$(errors "$out")" != 0 ]; then
		trail=$(spin -DNO_PARKED_ACK -t -p handshake.pml 2>&1)
		# the deadlock: under the PARK, before its token, the poller
		# reports the old token, parks and keeps; then the token; then
		# nothing moves
		sig=$(grep -nE 'pause_req = \(\(pause_req&~\(32\)\)\|1\)|token = \(token\+1\)|cnt = t|backlog = \(backlog\+1\)' <<<"$trail" |
			sed -E 's/.*\[(.*)\]$/\1/' | tr '\n' ';')
		if grep -qP 'pause_req = \(\(pause_req&~\(32\)\)\|1\);cnt = t;backlog = \(backlog\+1\);token = \(token\+1\);$' <<<"$sig"; then
			echo "  counterexample: old token reported under the PARK, packets kept, no later burst: the pause never ends"
		else
			bad "NO_PARKED_ACK counterexample is not the old-token park: $(tail -c 300 <<<"$sig")"
		fi
	else
		bad "no run without end found without PARKED: $(grep -m1 -E 'errors' <<<"$out")"
	fi
fi

echo "== UNBOUNDED_RELEASE (release loop without deadline)"
if pan UNBOUNDED_RELEASE; then
	out=$(./panUNBOUNDED_RELEASE -m100000 -a -f -N ends 2>&1)
	grep -q 'acceptance cycle' <<<"$out" && [ "$(errors "$out")" != 0 ] &&
		echo "  counterexample: a pause that never ends" ||
		bad "no non-ending pause found without the deadline"
fi

[ "$fail" = 0 ] && echo "PASS: handshake model" || exit 1
