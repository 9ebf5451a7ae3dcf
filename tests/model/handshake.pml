/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * The pause handshake of one queue, as lib/dma_domain/dma_domain_binding.c
 * has it: the bits of rte_dma_domain_queue::pause_req (ARMED, PARK, REPORT,
 * RESUMED, KEPT), rte_rcu_qsbr's token and the queue's counter (thread
 * online / quiescent / offline, start / check), the poller's bursts
 * (rte_dma_domain_queue_pause_pending() -> rte_dma_domain_queue_ack_state()
 * -> run / keep / flush), and a controller that runs the swaps of
 * lib/dma_domain/dma_domain_replace.c: a hitless grace period, then a
 * quiesce with one drain round (queues_repark()), walk, quiesce, switch,
 * resume, release (dd_queues_release(), bounded by the swap's deadline).
 *
 * Names follow the code: step labels are the C functions they stand for.
 * Memory model: sequentially consistent, except the poller's store of its
 * QSBR counter at its first burst, which goes through a store buffer
 * (store_buffer below) that only the seq_cst fence drains - the one place
 * where a store followed by a load of another variable (Dekker) is the
 * handshake. The other orderings are message-passing pairs (acquire /
 * release on pause_req and on the QSBR token), written next to the code
 * in dma_domain_binding.c.
 *
 * Checked (tests/model/check-model.sh, in the unit suite):
 *   safety   (assertions): no burst touches the ring while the controller
 *            counts the queue parked (walk, quiesce, switch, resume), nor
 *            while it is reset; only one side posts the backlog at a time
 *   ends     every pause ends (weak fairness)
 *   nolost   what a parked burst kept is posted once the swaps are over
 *
 * Variants (-D): SINGLE_LOAD decides on the request loaded before the
 * report (the race this model was written for: a report-only request
 * loaded, the token of a newer PARK reported, the burst run); spin must
 * report that counterexample. UNBOUNDED_RELEASE drops the deadline of
 * the release loop (dd_queues_release() before its fix): "ends" must fail.
 * NO_ONLINE_FENCE drops the seq_cst fence after the first burst's
 * counter store (the Dekker handshake of an armed queue): with the store
 * still buffered, the controller reads the queue as offline while the
 * re-load misses its PARK; the safety assertions must fail.
 * NO_PARKED_ACK answers a PARK by the QSBR report only (the code before
 * DD_PAUSE_PARKED): a poller whose report carried the token before the
 * PARK's, that parked and kept its packets and then bursts no more while
 * they wait (an application that transmits only what it receives), leaves
 * the controller waiting for a report that never comes; spin must find
 * that deadlock (an invalid end state).
 *
 * The poller may stay idle while it is parked with kept packets (until
 * they are posted or the pause ends): a transmit queue of an application
 * that calls tx_burst only with packets to send.
 */

#define PARK    1
#define REPORT  2
#define ARMED   4
#define RESUMED 8
#define KEPT    16
#define PARKED  32
#define REQ     3

#define MAXB    2  /* backlog slots the model lets a parked burst fill */
/* queue_unpark calls before the swap's deadline (any finite number will
 * do: the deadline is what makes it finite) */
#define DEADLINE 3
#ifdef UNBOUNDED_RELEASE
#define UNPARKS_INC skip
#else
#define UNPARKS_INC unparks++
#endif

byte pause_req = ARMED;  /* rte_dma_domain_queue_arm() before the first burst */
byte token = 1;          /* rte_rcu_qsbr token */
byte cnt = 0;            /* the queue's QSBR counter; 0: offline */
byte cnt_sb = 0;         /* a store of cnt still in the poller's store buffer */
bool sb_full = false;
bool online = false;     /* dd_queue_state.online */
bool online_sb = false;  /* its store, buffered with cnt's (stored before it) */

bool ctl_parked = false; /* the controller counts the queue parked */
bool reset = false;      /* the driver reset the queue (queue_quiesce) */
bool ctl_done = false;

byte backlog = 0;        /* packets kept by parked bursts, not yet posted */
bool p_ring = false;     /* the poller is inside a burst's ring work */
bool p_post = false;     /* the poller posts the backlog */
bool c_post = false;     /* the controller posts the backlog (queue_unpark) */

/* ---- controller ---------------------------------------------------------- */

/* dd_queues_request(): OR the request (a PARK clears PARKED in the same
 * RMW), seq_cst fence, rte_rcu_qsbr_start() */
inline request(r, t)
{
	d_step {
		if
		:: (r & PARK) -> pause_req = (pause_req & ~PARKED) | r
		:: else -> pause_req = pause_req | r
		fi
	};
	d_step { token = token + 1; t = token }
}

/* the wait loop of dd_queues_request(): rte_rcu_qsbr_check() until it
 * passes (the timeout is not modelled: the handshake must end without it) */
inline wait_acks(t)
{
	(cnt == 0 || cnt >= t)
}

/* dev_ops.queue_unpark: posts what parked bursts kept, if the ring is live */
inline queue_unpark()
{
	assert(!p_ring && !p_post);
	c_post = true;
	if
	:: !reset -> backlog = 0
	:: else -> skip
	fi;
	c_post = false
}

/* dd_queues_release(): post what was kept (KEPT), clear the requests with a
 * CAS that fails while KEPT is set; past the swap's deadline, clear them
 * anyway (the poller then posts what it keeps: RESUMED). */
inline queues_release()
{
	unparks = 0;
	do
	:: d_step { (pause_req & KEPT) && unparks < DEADLINE ->
		pause_req = pause_req & ~KEPT; UNPARKS_INC };
	   queue_unpark()
	:: d_step { !(pause_req & KEPT) -> pause_req = pause_req & ~REQ; ctl_parked = false };
	   break
#ifndef UNBOUNDED_RELEASE
	:: d_step { unparks >= DEADLINE -> pause_req = pause_req & ~(REQ | KEPT);
		ctl_parked = false };
	   break
#endif
	od
}

/* queues_wait(PARK) of park_and_check() / queues_repark(): the grace
 * period, or (queues_all_parked()) the queue not online or parked on this
 * PARK */
inline park(t)
{
	request(PARK, t);
#ifdef NO_PARKED_ACK
	wait_acks(t);
#else
	(cnt == 0 || cnt >= t || !online || (pause_req & PARKED));
#endif
	ctl_parked = true
}

proctype controller()
{
	byte t, unparks;

	/* run_hitless(): the switch, then a grace period */
	request(REPORT, t);
	wait_acks(t);
	queues_release();

	/* run_quiesce() with opts.drain: park, walk (uncovered), repark */
	park(t);
iova_walk:
	assert(!p_ring);
	queues_release();                 /* queues_repark() */
	request(REPORT, t);
	wait_acks(t);
	park(t);
iova_walk_again:
	assert(!p_ring);
queue_quiesce:
	assert(!p_ring);
	reset = true;
do_switch:
	assert(!p_ring);
queue_resume:
	assert(!p_ring && !p_post);
	c_post = true;
	reset = false;
	backlog = 0;                      /* vio_txq_backlog_post() */
	c_post = false;
finish_pause:
	queues_release();
	ctl_done = true
}

/* ---- poller -------------------------------------------------------------- */

/* a burst's ring work: nobody may count the queue parked meanwhile */
inline ring_work()
{
	p_ring = true;
	assert(!ctl_parked && !reset);
	p_ring = false
}

/* backlog_flush(): the poller is the backlog's consumer again */
inline backlog_flush()
{
	assert(!c_post);
	p_post = true;
	assert(!ctl_parked && !reset);
	backlog = 0;
	p_post = false;
	d_step { pause_req = pause_req & ~(RESUMED | PARKED) } /* rte_dma_domain_queue_resumed_clear() */
}

proctype poller()
{
	byte req, t;
	bool kept;

	do
	:: /* idle: parked with kept packets, no burst until they are
	    * posted or the pause ends */
	   (backlog > 0 && (pause_req & PARK)) ->
		(backlog == 0 || !(pause_req & PARK))
	:: /* rte_dma_domain_queue_pause_pending() */
	   if
	   :: pause_req == 0 -> ring_work(); goto next
	   :: else -> skip
	   fi;
ack_state:
	   req = pause_req;
	   if
	   :: (req & ARMED) ->
		/* queue_first_burst(): the online store, then
		 * rte_rcu_qsbr_thread_online() stores the counter (both into
		 * the store buffer), then its seq_cst fence drains them
		 * before the re-load of pause_req */
		t = token;
		d_step { online_sb = true; cnt_sb = t; sb_full = true };
#ifndef NO_ONLINE_FENCE
		d_step { online = online_sb; cnt = cnt_sb; sb_full = false };
#endif
		d_step { pause_req = pause_req & ~ARMED };
		req = pause_req
	   :: else -> skip
	   fi;
	   if
	   :: (req & REQ) ->
		if
		:: online || (sb_full && online_sb) -> /* its own store, forwarded */
			/* rte_rcu_qsbr_quiescent(): load the token, store it */
report:
			t = token;
			d_step {
				if
				:: sb_full -> cnt_sb = t /* behind the buffered store */
				:: else -> cnt = t
				fi
			}
		:: else -> skip
		fi;
#ifndef SINGLE_LOAD
		/* decide on what the report answered */
		req = pause_req
#endif
	   :: else -> skip
	   fi;
	   if
	   :: (req & PARK) ->
		if
		:: (req & (RESUMED | PARKED)) != (RESUMED | PARKED) ->
			d_step { pause_req = pause_req | RESUMED | PARKED }
		:: else -> skip
		fi;
		/* QUEUE_PARKED: a tx burst may keep its packets */
		if
		:: backlog < MAXB ->
			backlog++;
			/* rte_dma_domain_queue_kept(): KEPT only while PARK */
			d_step {
				if
				:: (pause_req & PARK) -> pause_req = pause_req | KEPT; kept = true
				:: else -> kept = false
				fi
			};
			if
			:: !kept && !reset -> backlog_flush()
			:: else -> skip
			fi
		:: true -> skip
		fi
	   :: else ->
		if
		:: (req & RESUMED) -> backlog_flush()
		:: else -> skip
		fi;
		ring_work()
	   fi;
next:
	   skip
	od
}

/* The poller's store buffer: a buffered store of the QSBR counter reaches
 * memory at any moment (or at the fence). Only this store is buffered: the
 * controller's request is an RMW followed by a seq_cst fence, and the
 * other orderings the model relies on are acquire/release pairs
 * (message passing), which a store buffer does not break. */
proctype store_buffer()
{
	do
	:: d_step { sb_full -> online = online_sb; cnt = cnt_sb; sb_full = false }
	od
}

init
{
	atomic {
		run controller();
		run poller();
		run store_buffer()
	}
}

ltl ends { <> ctl_done }
ltl nolost { [] (ctl_done -> <> (backlog == 0)) }
