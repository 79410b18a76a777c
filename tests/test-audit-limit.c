/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests for the denials' rate limit: the bucket, the counts it keeps, the summaries. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>

#include "daemon/audit-limit.h"

#define SEC UINT64_C(1000000)

static struct audit_limit *new_limit(void)
{
	struct audit_limit *l = calloc(1, sizeof(*l));

	assert_non_null(l);
	return l;
}

/* A flood: the burst is written, the rest counted; nothing is lost in the sums. */
static void test_flood_is_counted(void **state)
{
	struct audit_limit *l = new_limit();
	struct audit_limit_summary s = { 0 };
	uint64_t t = 1000 * SEC, written = 0, summarized = 0;
	int k;

	for (int i = 0; i < 1000; i++) {
		k = audit_limit_take(l, 1003, t + (uint64_t)i * 1000, &s); /* 1000 per second */
		if (k == 0 || k == 1)
			written++;
		if (k == 1 || k == 2)
			summarized += s.suppressed;
	}
	/* The burst and what refilled in the second it took: 0.999 s, one token. */
	assert_int_equal(written, AUDIT_LIMIT_BURST + 1);
	/* Still pending; at exit they are counted out. */
	assert_int_equal(audit_limit_due(l, t + 2 * SEC, false, &s), 0);
	assert_int_equal(audit_limit_due(l, t + 2 * SEC, true, &s), 1);
	summarized += s.suppressed;
	assert_int_equal(s.uid, 1003);
	assert_int_equal(written + summarized, 1000);
	assert_int_equal(audit_limit_due(l, t + 2 * SEC, true, &s), 0);
	free(l);
}

/* The bucket refills: after a pause the next denial is written, after its summary. */
static void test_refill_and_summary(void **state)
{
	struct audit_limit *l = new_limit();
	struct audit_limit_summary s = { 0 };
	uint64_t t = 5 * SEC;

	for (int i = 0; i < AUDIT_LIMIT_BURST; i++)
		assert_int_equal(audit_limit_take(l, 7, t, &s), 0);
	assert_int_equal(audit_limit_take(l, 7, t, &s), -EAGAIN);
	assert_int_equal(audit_limit_take(l, 7, t + 1, &s), -EAGAIN);
	/* Another uid has its own bucket. */
	assert_int_equal(audit_limit_take(l, 8, t + 2, &s), 0);
	/* One token back after 1/PER_SEC seconds: written; the count of 2 goes on. */
	assert_int_equal(audit_limit_take(l, 7, t + SEC / AUDIT_LIMIT_PER_SEC, &s), 0);
	assert_int_equal(audit_limit_due(l, t + SEC, false, &s), 0);
	/* The window over: its summary is due, and the next record comes after it. */
	assert_int_equal(audit_limit_take(l, 7, t + AUDIT_LIMIT_WINDOW_USEC, &s), 1);
	assert_int_equal(s.uid, 7);
	assert_int_equal(s.suppressed, 2);
	assert_int_equal(s.span_usec, AUDIT_LIMIT_WINDOW_USEC);
	/* Long idle: a full bucket again, no overflow in the refill. */
	for (int i = 0; i < AUDIT_LIMIT_BURST; i++)
		assert_int_equal(audit_limit_take(l, 7, UINT64_MAX / 2, &s), 0);
	assert_int_equal(audit_limit_take(l, 7, UINT64_MAX / 2, &s), -EAGAIN);
	free(l);
}

/* A sustained flood gets a summary at least every window, from the flood itself. */
static void test_window(void **state)
{
	struct audit_limit *l = new_limit();
	struct audit_limit_summary s = { 0 };
	uint64_t t = SEC, n_summaries = 0;

	for (uint64_t u = 0; u < 25 * SEC; u += SEC / 100) { /* 100 per second, 25 s */
		int k = audit_limit_take(l, 42, t + u, &s);

		if (k == 1 || k == 2)
			n_summaries++;
	}
	/* One per window: 25 s of flood, two windows over (and the rest pending). */
	assert_int_equal(n_summaries, 2);
	/* Due without force once a window has passed since the first held back. */
	assert_int_equal(audit_limit_due(l, t + 25 * SEC, false, &s), 0);
	assert_int_equal(audit_limit_due(l, t + 25 * SEC + AUDIT_LIMIT_WINDOW_USEC, false, &s), 1);
	assert_true(s.suppressed > 0);
	free(l);
}

/* More uids than places: counts are never dropped to make room. */
static void test_table_full(void **state)
{
	struct audit_limit *l = new_limit();
	struct audit_limit_summary s = { 0 };
	uint64_t t = SEC, summarized = 0, suppressed = 0;

	for (uid_t u = 0; u < AUDIT_LIMIT_UIDS; u++) {
		for (int i = 0; i < AUDIT_LIMIT_BURST; i++)
			assert_int_equal(audit_limit_take(l, 1000 + u, t, &s), 0);
		assert_int_equal(audit_limit_take(l, 1000 + u, t, &s), -EAGAIN);
		suppressed++;
	}
	/* A new uid: some pending count is written out first, then its record. */
	assert_int_equal(audit_limit_take(l, 99999, t, &s), 1);
	summarized += s.suppressed;
	assert_int_equal(summarized, 1);
	while (audit_limit_due(l, t, true, &s) > 0)
		summarized += s.suppressed;
	assert_int_equal(summarized, suppressed);
	free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flood_is_counted),
		cmocka_unit_test(test_refill_and_summary),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_table_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
