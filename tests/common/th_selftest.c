/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

/*
 * The harness's own test binary: cases that fail, skip and pass on
 * purpose; th_selftest.py runs each and checks the exit code and the
 * output (file:line and the values of a failed check). Not declared as
 * meson tests case by case: most of its cases must fail.
 */

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "th.h"

static bool teardown_ran;

static int
case_pass(void)
{
	TH_CHECK(1 + 1 == 2, "arithmetic");
	TH_CHECK_RC(0, 0);
	TH_CHECK_EQ(3, 3);
	return 0;
}

/* A failed check in a case that returns 0: the case fails. */
static int
case_fail(void)
{
	int got = 3;

	TH_CHECK(got == 4, "got %d, want %d", got, 4); /* selftest: fail line */
	return 0;
}

static int
case_fail_rc(void)
{
	TH_CHECK_RC(-EINVAL, 0); /* selftest: rc line */
	return 0;
}

static int
case_fail_eq(void)
{
	long a = 3;

	TH_CHECK_EQ(a, 4); /* selftest: eq line */
	return 0;
}

static int
require_helper(void)
{
	TH_REQUIRE(0, "required %s", "thing"); /* selftest: require line */
	printf("not reached\n");
	return 0;
}

/* A helper's TH_REQUIRE returns -1: the case's nonzero return fails it,
 * and the check counted.
 */
static int
case_require(void)
{
	return require_helper();
}

/* Nonzero return without a failed check. */
static int
case_return(void)
{
	return -1;
}

static int
case_skip(void)
{
	printf("skipping on purpose\n");
	return TH_SKIP;
}

/* A failed check, then a skip: the failure wins. */
static int
case_fail_skip(void)
{
	TH_CHECK(false, "before the skip"); /* selftest: fail_skip line */
	return TH_SKIP;
}

static int
case_not_run(void)
{
	printf("FAIL: the case ran after its setup skipped\n");
	return 1;
}

static int
setup_skip(const struct th_case *c)
{
	printf("setup of %s: skip\n", c->name);
	return TH_SKIP;
}

static int
setup_fail(const struct th_case *c)
{
	printf("setup of %s: fail\n", c->name);
	return -ENODEV;
}

static int
setup_ok(const struct th_case *c)
{
	(void)c;
	teardown_ran = false;
	return 0;
}

static void
teardown_say(const struct th_case *c)
{
	teardown_ran = true;
	printf("teardown of %s\n", c->name);
}

static int
case_args(void)
{
	TH_CHECK(strcmp(th_arg(0, "none"), "x") == 0, "arg 0 '%s'", th_arg(0, "none"));
	TH_CHECK_EQ(th_arg_uint(1, 7), 42);
	TH_CHECK_EQ(th_arg_uint(2, 7), 7);
	TH_CHECK(th_current() != NULL && strcmp(th_current()->name, "args") == 0,
		"the running case: %s", th_current() != NULL ? th_current()->name : "none");
	return 0;
}

static int
case_expect(void)
{
	TH_EXPECT(1, "shown when it passes");
	TH_EXPECT(0, "shown when it fails"); /* selftest: expect line */
	return 0;
}

static void
crash_hook_say(void)
{
	static const char msg[] = "crash hook ran\n";

	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(3);
}

/* With an address: writes there (a crash the harness must report); without
 * one it skips (the run of every case goes on).
 */
static int
case_crash(void)
{
	volatile int *p = (volatile int *)(uintptr_t)th_arg_uint(0, 0);

	if (p == NULL) {
		printf("no address to crash on\n");
		return TH_SKIP;
	}
	th_on_crash(crash_hook_say);
	*p = 1;
	printf("not reached\n");
	return 0;
}

static const struct th_case cases[] = {
	{ "pass", "unit", case_pass, NULL, NULL },
	{ "fail", "unit", case_fail, setup_ok, teardown_say },
	{ "fail_rc", "unit", case_fail_rc, NULL, NULL },
	{ "fail_eq", "unit", case_fail_eq, NULL, NULL },
	{ "require", "unit", case_require, NULL, NULL },
	{ "return", "unit", case_return, NULL, NULL },
	{ "skip", "unit", case_skip, NULL, NULL },
	{ "fail_skip", "unit", case_fail_skip, NULL, NULL },
	/* the case must not run */
	{ "setup_skip", "unit", case_not_run, setup_skip, teardown_say },
	{ "setup_fail", "unit", case_not_run, setup_fail, teardown_say },
	{ "args", "unit,concurrency", case_args, NULL, NULL },
	{ "expect", "unit", case_expect, NULL, NULL },
	{ "crash", "unit", case_crash, NULL, NULL },
};

int
main(int argc, char **argv)
{
	int rc = th_main(argc, argv, cases, TH_DIM(cases), 0);

	if (argc > 1 && strcmp(argv[1], "fail") == 0 && !teardown_ran)
		printf("teardown did not run\n");
	return rc;
}
