/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* daemon/text-file.c: whole files, NUL-terminated, bounded. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/text-file.h"

/* A temporary file of n bytes 'x' (its path in path). */
static void make_file(char *path, size_t n)
{
	int fd = mkstemp(path);
	char *b = malloc(n + 1);

	assert_true(fd >= 0);
	assert_non_null(b);
	memset(b, 'x', n);
	assert_int_equal(write(fd, b, n), (ssize_t)n);
	close(fd);
	free(b);
}

static void test_whole_file(void **state)
{
	char path[] = "/tmp/nsctl-text-file.XXXXXX";
	char *text = NULL;

	(void)state;
	/* Larger than the first buffer, so that it grows. */
	make_file(path, 20000);
	assert_int_equal(read_text_file(path, 1 << 20, &text), 0);
	assert_int_equal(strlen(text), 20000);
	assert_int_equal(strspn(text, "x"), 20000);
	free(text);
	unlink(path);
}

static void test_proc_file(void **state)
{
	char *text = NULL;

	(void)state;
	/* stat() says 0 bytes; the file has more. */
	assert_int_equal(read_text_file("/proc/self/status", 1 << 20, &text), 0);
	assert_non_null(strstr(text, "\nPid:\t"));
	free(text);
}

static void test_errors_leave_ret(void **state)
{
	char path[] = "/tmp/nsctl-text-file.XXXXXX";
	char *text = (char *)"untouched";

	(void)state;
	make_file(path, 10000);
	assert_int_equal(read_text_file(path, 9999, &text), -EFBIG);
	assert_string_equal(text, "untouched");
	assert_int_equal(read_text_file(path, 10000, &text), 0);
	free(text);
	unlink(path);
	text = (char *)"untouched";
	assert_int_equal(read_text_file(path, 1 << 20, &text), -ENOENT);
	assert_string_equal(text, "untouched");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_file),
		cmocka_unit_test(test_proc_file),
		cmocka_unit_test(test_errors_leave_ret),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
