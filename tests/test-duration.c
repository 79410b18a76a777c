/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of protocol/duration.c: the policy's durations, parsed strictly and formatted back. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "protocol/duration.h"

#define SEC UINT64_C(1000000)

static void test_units(void **state)
{
	uint64_t u = 0;

	assert_int_equal(duration_parse("90s", &u), 0);
	assert_true(u == 90 * SEC);
	assert_int_equal(duration_parse("15m", &u), 0);
	assert_true(u == 15 * 60 * SEC);
	assert_int_equal(duration_parse("8h", &u), 0);
	assert_true(u == 8 * 3600 * SEC);
	assert_int_equal(duration_parse("2d", &u), 0);
	assert_true(u == 2 * 86400 * SEC);
	assert_int_equal(duration_parse("1s", &u), 0);
	assert_true(u == SEC);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"", "s", "0s", "00s", "01m", "90", "90x", "90S", "90 s", " 90s", "90s ", "-5s",
		"+5s", "1.5h", "15mm", "15m3s", "1e3s", "0x10s", "m15",
	};
	uint64_t u = 77;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(duration_parse(bad[i], &u), -EINVAL);
		assert_true(u == 77); /* untouched on failure */
	}
	assert_int_equal(duration_parse(NULL, &u), -EINVAL);
}

static void test_range(void **state)
{
	uint64_t u = 77;

	assert_int_equal(duration_parse("366d", &u), 0);
	assert_true(u == DURATION_MAX_USEC);
	assert_int_equal(duration_parse("367d", &u), -ERANGE);
	assert_int_equal(duration_parse("8785h", &u), -ERANGE);
	assert_int_equal(duration_parse("99999999999999999999999s", &u), -ERANGE);
	assert_int_equal(duration_parse("18446744073709551617s", &u), -ERANGE);
	assert_true(u == DURATION_MAX_USEC);
}

static void test_format(void **state)
{
	char b[32];

	assert_string_equal(duration_format(90 * SEC, b, sizeof(b)), "1m30s");
	assert_string_equal(duration_format(15 * 60 * SEC, b, sizeof(b)), "15m");
	assert_string_equal(duration_format(8 * 3600 * SEC, b, sizeof(b)), "8h");
	assert_string_equal(duration_format(86400 * SEC + 1, b, sizeof(b)), "1d");
	assert_string_equal(duration_format(999999, b, sizeof(b)), "0s");
	assert_string_equal(duration_format(0, b, sizeof(b)), "0s");
	assert_string_equal(duration_format(93784 * SEC, b, sizeof(b)), "1d2h3m4s");
	/* Truncated, still terminated. */
	assert_string_equal(duration_format(93784 * SEC, b, 4), "1d2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
