/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests for strict JSON parsing: every accepted shape and every rejection class. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/cleanup.h"
#include "protocol/varlink.h"

struct json_case {
	const char *text;
	size_t len; /* 0: strlen(text) */
	int expect; /* 0 or -errno */
};

/* Cases with a NUL byte inside give their length; the macro counts it without the final NUL. */
#define BYTES(s) s, sizeof(s) - 1

/*
 * One reader per max_depth, kept for the whole run: each parses every case of its depth
 * after the ones before it (errors included) through the tokener it keeps.
 */
static struct proto_reader readers[PROTO_DEPTH_MAX + 1];
static bool readers_used[PROTO_DEPTH_MAX + 1];

static struct proto_reader *reader_for(unsigned max_depth)
{
	unsigned i = max_depth > PROTO_DEPTH_MAX ? PROTO_DEPTH_MAX : max_depth;

	if (!readers_used[i]) {
		struct proto_limits l = proto_limits_default;

		l.max_depth = max_depth;
		proto_reader_init(&readers[i], &l);
		readers_used[i] = true;
	}
	return &readers[i];
}

/* What proto_json_parse() said, proto_reader_parse() says too, with the same object. */
static void check_reader_agrees(char *copy, size_t len, unsigned max_depth, int expect,
				struct json_object *expect_o)
{
	struct json_object *sentinel = (struct json_object *)&sentinel, *o = sentinel;
	struct proto_message m = { .data = copy, .len = len };
	int r;

	r = proto_reader_parse(reader_for(max_depth), &m, &o);
	assert_int_equal(r, expect);
	if (r < 0) {
		assert_ptr_equal(o, sentinel);
		return;
	}
	assert_string_equal(json_object_to_json_string(o), json_object_to_json_string(expect_o));
	json_object_put(o);
}

/*
 * Parse a copy of exactly len bytes with no terminator after it, so a read past the end
 * shows up under ASan. On failure *ret must be left alone.
 */
static int parse_exact(const char *text, size_t len, unsigned max_depth, struct json_object **ret)
{
	char *copy = malloc(len ? len : 1);
	struct json_object *sentinel = (struct json_object *)&sentinel, *o = sentinel;
	int r;

	assert_non_null(copy);
	memcpy(copy, text, len);
	r = proto_json_parse(copy, len, max_depth, &o);
	check_reader_agrees(copy, len, max_depth, r, o);
	free(copy);
	if (r < 0)
		assert_ptr_equal(o, sentinel);
	else
		assert_true(o != sentinel && json_object_is_type(o, json_type_object));
	if (r >= 0 && ret)
		*ret = o;
	else if (r >= 0)
		json_object_put(o);
	return r;
}

static void run_cases(const struct json_case *cases, size_t n, unsigned max_depth)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
		int r = parse_exact(cases[i].text, len, max_depth, NULL);

		if (r != cases[i].expect)
			print_error("case %zu: '%.*s': got %d, expected %d\n", i, (int)len,
				    cases[i].text, r, cases[i].expect);
		assert_int_equal(r, cases[i].expect);
	}
}

static void test_valid(void **state)
{
	static const struct json_case cases[] = {
		{ "{}", 0, 0 },
		{ " \t\r\n{ } \n", 0, 0 },
		{ "{\"a\":1}", 0, 0 },
		{ "{\"a\":{\"a\":{\"a\":[]}}}", 0, 0 },
		{ "{\"a\":{\"b\":1},\"b\":{\"b\":2}}", 0, 0 }, /* same key in different objects */
		{ "{\"a\":1,\"A\":2,\"a \":3,\"\":4}", 0, 0 },
		{ "{\"l\":[true,false,null,\"s\",0,-0,1.5,-1e10,2E-3,1e+2,[],{}]}", 0, 0 },
		{ "{\"esc\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0041 \\u00e9 \\uFFFF\"}", 0, 0 },
		{ "{\"pair\":\"\\ud83d\\ude00\",\"raw\":\"\xf0\x9f\x98\x80 \xc3\xa9 "
		  "\xe2\x82\xac\"}",
		  0, 0 },
		{ "{\"edges\":\"\xc2\x80 \xdf\xbf \xe0\xa0\x80 \xef\xbf\xbf \xf4\x8f\xbf\xbf\"}", 0,
		  0 },
		{ "{\"max\":9223372036854775807,\"min\":-9223372036854775808}", 0, 0 },
		{ "{\"tiny\":1e-400,\"big\":1.7976931348623157e308}", 0, 0 },
		{ "{\"zeros\":0.000000000000000000000000000000000000000001}", 0, 0 },
		{ "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8}", 0, 0 },
		/* len ends the text: what follows it is not looked at. */
		{ "{}garbage", 2, 0 },
	};

	run_cases(cases, ELEMENTSOF(cases), 16);
}

static void test_values(void **state)
{
	static const char text[] = "{\"\\u0061\":\"\\ud83d\\ude00\",\"n\":-9223372036854775808,"
				   "\"d\":1.0,\"t\":true,\"z\":null}";
	_cleanup_json_ struct json_object *o = NULL;
	struct json_object *v;

	assert_int_equal(parse_exact(text, strlen(text), 16, &o), 0);
	assert_true(json_object_object_get_ex(o, "a", &v));
	assert_string_equal(json_object_get_string(v), "\xf0\x9f\x98\x80");
	assert_true(json_object_object_get_ex(o, "n", &v));
	assert_true(json_object_is_type(v, json_type_int));
	assert_true(json_object_get_int64(v) == INT64_MIN);
	assert_true(json_object_object_get_ex(o, "d", &v));
	assert_true(json_object_is_type(v, json_type_double));
	assert_true(json_object_object_get_ex(o, "t", &v));
	assert_true(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(o, "z", &v));
	assert_null(v);
	assert_int_equal(json_object_object_length(o), 5);
}

static void test_syntax(void **state)
{
	static const struct json_case cases[] = {
		{ BYTES(""), -EBADMSG },
		{ BYTES("   "), -EBADMSG },
		{ "{", 0, -EBADMSG },
		{ "}", 0, -EBADMSG },
		{ "{\"a\"}", 0, -EBADMSG },
		{ "{\"a\":}", 0, -EBADMSG },
		{ "{\"a\" 1}", 0, -EBADMSG },
		{ "{\"a\":1,}", 0, -EBADMSG },
		{ "{,}", 0, -EBADMSG },
		{ "{\"a\":1 \"b\":2}", 0, -EBADMSG },
		{ "{\"a\":[1,]}", 0, -EBADMSG },
		{ "{\"a\":[1 2]}", 0, -EBADMSG },
		{ "{\"a\":[1,2}", 0, -EBADMSG },
		{ "{\"a\":{]}", 0, -EBADMSG },
		{ "{'a':1}", 0, -EBADMSG },
		{ "{a:1}", 0, -EBADMSG },
		{ "{1:1}", 0, -EBADMSG },
		{ "{\"a\":01}", 0, -EBADMSG },
		{ "{\"a\":-01}", 0, -EBADMSG },
		{ "{\"a\":1.}", 0, -EBADMSG },
		{ "{\"a\":.5}", 0, -EBADMSG },
		{ "{\"a\":+1}", 0, -EBADMSG },
		{ "{\"a\":-}", 0, -EBADMSG },
		{ "{\"a\":1e}", 0, -EBADMSG },
		{ "{\"a\":1e+}", 0, -EBADMSG },
		{ "{\"a\":0x10}", 0, -EBADMSG },
		{ "{\"a\":tru}", 0, -EBADMSG },
		{ "{\"a\":True}", 0, -EBADMSG },
		{ "{\"a\":nul}", 0, -EBADMSG },
		{ "{\"a\":NaN}", 0, -EBADMSG },
		{ "{\"a\":Infinity}", 0, -EBADMSG },
		{ "{\"a\":\"\\x\"}", 0, -EBADMSG },
		{ "{\"a\":\"\\u12\"}", 0, -EBADMSG },
		{ "{\"a\":\"\\u12G4\"}", 0, -EBADMSG },
		{ "{\"a\":\"\\U0041\"}", 0, -EBADMSG },
		{ "{\"a\":\"tab\there\"}", 0, -EBADMSG },
		{ "{\"a\":\"new\nline\"}", 0, -EBADMSG },
		{ "{\"a\":\"unterminated}", 0, -EBADMSG },
		{ "{\"a\":\"x\\", 0, -EBADMSG },
		{ "{/* comment */}", 0, -EBADMSG },
		{ "{\"a\":1}//", 0, -EBADMSG },
		{ "\xef\xbb\xbf{}", 0, -EBADMSG }, /* a byte order mark is not whitespace */
		{ "{\xc3\xa9:1}", 0, -EBADMSG },
		{ "\v{}", 0, -EBADMSG },
		/* Trailing bytes. */
		{ "{} {}", 0, -EBADMSG },
		{ "{}x", 0, -EBADMSG },
		{ "{}}", 0, -EBADMSG },
		{ "{},", 0, -EBADMSG },
		{ BYTES("{}\0"), -EBADMSG },
		{ BYTES("{\0}"), -EBADMSG },
		{ BYTES("{\"a\":\"\0\"}"), -EBADMSG }, /* a raw NUL is a control character */
		/* The top level must be an object. */
		{ "[]", 0, -EBADMSG },
		{ "[{}]", 0, -EBADMSG },
		{ "1", 0, -EBADMSG },
		{ "\"s\"", 0, -EBADMSG },
		{ "null", 0, -EBADMSG },
		{ "true", 0, -EBADMSG },
	};

	run_cases(cases, ELEMENTSOF(cases), 16);
}

/* {"a":{"a":...{}}} or {"a":[[...]]} nested depth levels deep in all. */
static char *nested(unsigned depth, bool arrays)
{
	size_t cap = depth * 8 + 16, len = 0;
	char *s = malloc(cap);

	assert_non_null(s);
	len += (size_t)sprintf(s + len, "{");
	for (unsigned i = 1; i < depth; i++)
		len += (size_t)sprintf(s + len, arrays ? (i == 1 ? "\"a\":[" : "[") : "\"a\":{");
	for (unsigned i = 1; i < depth; i++)
		len += (size_t)sprintf(s + len, arrays ? "]" : "}");
	sprintf(s + len, "}");
	return s;
}

static void expect_depth(unsigned depth, bool arrays, unsigned max_depth, int expect)
{
	char *s = nested(depth, arrays);

	assert_int_equal(parse_exact(s, strlen(s), max_depth, NULL), expect);
	free(s);
}

static void test_depth(void **state)
{
	expect_depth(1, false, 1, 0);
	expect_depth(2, false, 1, -ELOOP);
	expect_depth(1, false, 0, -ELOOP); /* {} is depth 1 */
	for (int arrays = 0; arrays <= 1; arrays++) {
		expect_depth(16, arrays, 16, 0);
		expect_depth(17, arrays, 16, -ELOOP);
		expect_depth(PROTO_DEPTH_MAX, arrays, PROTO_DEPTH_MAX, 0);
		expect_depth(PROTO_DEPTH_MAX + 1, arrays, PROTO_DEPTH_MAX, -ELOOP);
		/* A larger max_depth is clamped to the ceiling. */
		expect_depth(PROTO_DEPTH_MAX + 1, arrays, 1000, -ELOOP);
		expect_depth(1000, arrays, 1000, -ELOOP);
	}
	/* Depth is nesting, not the number of containers. */
	{
		static const char wide[] = "{\"a\":{},\"b\":{},\"c\":[{},{},[]],\"d\":{\"e\":{}}}";

		assert_int_equal(parse_exact(wide, strlen(wide), 3, NULL), 0);
		assert_int_equal(parse_exact(wide, strlen(wide), 2, NULL), -ELOOP);
	}
}

static void test_duplicates(void **state)
{
	static const struct json_case cases[] = {
		{ "{\"a\":1,\"a\":2}", 0, -ENOTUNIQ },
		{ "{\"a\":1,\"a\":1}", 0, -ENOTUNIQ },
		{ "{\"a\":1,\"b\":2,\"a\":3}", 0, -ENOTUNIQ },
		{ "{\"a\":1,\"\\u0061\":2}", 0, -ENOTUNIQ },
		{ "{\"\\u0061\":1,\"\\u0061\":2}", 0, -ENOTUNIQ },
		{ "{\"a/b\":1,\"a\\/b\":2}", 0, -ENOTUNIQ },
		{ "{\"\xc3\xa9\":1,\"\\u00e9\":2}", 0, -ENOTUNIQ },
		{ "{\"\\ud83d\\ude00\":1,\"\xf0\x9f\x98\x80\":2}", 0, -ENOTUNIQ },
		{ "{\"\":1,\"\":2}", 0, -ENOTUNIQ },
		{ "{\"a\":{\"x\":1,\"y\":{},\"x\":2}}", 0, -ENOTUNIQ },
		{ "{\"a\":[{\"k\":1,\"k\":2}]}", 0, -ENOTUNIQ },
		{ "{\"a\":null,\"a\":null}", 0, -ENOTUNIQ },
		/* Not duplicates. */
		{ "{\"a\":1,\"ab\":2,\"b\":3,\"A\":4}", 0, 0 },
		{ "{\"a\":{\"a\":1},\"b\":{\"a\":1}}", 0, 0 },
		{ "{\"a\":{\"b\":1},\"b\":{\"a\":{\"b\":2}}}", 0, 0 },
	};

	run_cases(cases, ELEMENTSOF(cases), 16);
}

/* Many keys with one repeated at the very end: found, and quickly. */
static void test_duplicates_many_keys(void **state)
{
	enum { N = 50000 };
	char *s = malloc(N * 16 + 32);
	size_t len = 0;

	assert_non_null(s);
	len += (size_t)sprintf(s, "{");
	for (int i = 0; i < N; i++)
		len += (size_t)sprintf(s + len, "\"k%d\":%d,", i, i);
	sprintf(s + len, "\"k%d\":0}", N / 2);
	assert_int_equal(parse_exact(s, strlen(s), 16, NULL), -ENOTUNIQ);
	sprintf(s + len, "\"k%d\":0}", N);
	assert_int_equal(parse_exact(s, strlen(s), 16, NULL), 0);
	free(s);
}

static void test_nul_and_utf8(void **state)
{
	static const struct json_case cases[] = {
		{ "{\"a\":\"\\u0000\"}", 0, -EILSEQ },
		{ "{\"a\\u0000b\":1}", 0, -EILSEQ },
		{ "{\"a\":[\"x\\u0000\"]}", 0, -EILSEQ },
		/* Surrogates: lone, misordered, unpaired. */
		{ "{\"a\":\"\\ud800\"}", 0, -EILSEQ },
		{ "{\"a\":\"\\ud800x\"}", 0, -EILSEQ },
		{ "{\"a\":\"\\udbff\\u0041\"}", 0, -EILSEQ },
		{ "{\"a\":\"\\ud800\\ud800\"}", 0, -EILSEQ },
		{ "{\"a\":\"\\udc00\"}", 0, -EILSEQ },
		{ "{\"a\":\"\\ude00\\ud83d\"}", 0, -EILSEQ },
		{ "{\"\\udfff\":1}", 0, -EILSEQ },
		/* Invalid UTF-8 in values and keys. */
		{ "{\"a\":\"\xff\"}", 0, -EILSEQ },
		{ "{\"a\":\"\xfe\"}", 0, -EILSEQ },
		{ "{\"a\":\"\x80\"}", 0, -EILSEQ },
		{ "{\"a\":\"\xc3\"}", 0, -EILSEQ },
		{ "{\"a\":\"\xc3x\"}", 0, -EILSEQ },
		{ "{\"a\":\"\xc0\x80\"}", 0, -EILSEQ },     /* overlong NUL */
		{ "{\"a\":\"\xc1\xbf\"}", 0, -EILSEQ },     /* overlong */
		{ "{\"a\":\"\xe0\x80\x80\"}", 0, -EILSEQ }, /* overlong */
		{ "{\"a\":\"\xe0\x9f\xbf\"}", 0, -EILSEQ }, /* overlong */
		{ "{\"a\":\"\xed\xa0\x80\"}", 0, -EILSEQ }, /* a surrogate in UTF-8 */
		{ "{\"a\":\"\xed\xbf\xbf\"}", 0, -EILSEQ },
		{ "{\"a\":\"\xf0\x80\x80\x80\"}", 0, -EILSEQ },
		{ "{\"a\":\"\xf0\x8f\xbf\xbf\"}", 0, -EILSEQ },
		{ "{\"a\":\"\xf4\x90\x80\x80\"}", 0, -EILSEQ }, /* above U+10FFFF */
		{ "{\"a\":\"\xf5\x80\x80\x80\"}", 0, -EILSEQ },
		{ "{\"a\":\"\xe2\x82\"}", 0, -EILSEQ }, /* truncated */
		{ "{\"a\":\"\xf0\x9f\x98\"}", 0, -EILSEQ },
		{ "{\"\xe9\":1}", 0, -EILSEQ }, /* Latin-1 */
		{ BYTES("{\"a\":\"\xe2\x82"), -EILSEQ },
	};

	run_cases(cases, ELEMENTSOF(cases), 16);
}

static void test_range(void **state)
{
	static const struct json_case cases[] = {
		{ "{\"a\":9223372036854775808}", 0, -ERANGE },
		{ "{\"a\":-9223372036854775809}", 0, -ERANGE },
		{ "{\"a\":18446744073709551615}", 0, -ERANGE },
		{ "{\"a\":18446744073709551616}", 0, -ERANGE },
		{ "{\"a\":[1,99999999999999999999999999999999999999]}", 0, -ERANGE },
		{ "{\"a\":1e400}", 0, -ERANGE },
		{ "{\"a\":-1e400}", 0, -ERANGE },
		{ "{\"a\":1.8e308}", 0, -ERANGE },
		{ "{\"a\":9223372036854775807}", 0, 0 },
		{ "{\"a\":-9223372036854775808}", 0, 0 },
		{ "{\"a\":9223372036854775808.0}", 0, 0 }, /* a double, and finite */
	};

	run_cases(cases, ELEMENTSOF(cases), 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),        cmocka_unit_test(test_values),
		cmocka_unit_test(test_syntax),       cmocka_unit_test(test_depth),
		cmocka_unit_test(test_duplicates),   cmocka_unit_test(test_duplicates_many_keys),
		cmocka_unit_test(test_nul_and_utf8), cmocka_unit_test(test_range),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	/* The readers free their tokeners (ASan and valgrind see a leak otherwise). */
	for (size_t i = 0; i < ELEMENTSOF(readers); i++)
		if (readers_used[i])
			proto_reader_done(&readers[i]);
	return failed;
}
