/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of daemon/policy/lex.c: a line of policy text into tokens, and the bytes it refuses. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/policy/policy-internal.h"
#include "protocol/cleanup.h"

struct fixture {
	struct load load;
	struct parser *ps;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->ps = calloc(1, sizeof(*f->ps));
	if (!f->ps) {
		free(f);
		return -1;
	}
	f->ps->load = &f->load;
	f->ps->path = "t";
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->load.error);
	free(f->ps);
	free(f);
	return 0;
}

/* Point the parser at len bytes of text, from its first line. */
static struct parser *text(void **state, const char *s, size_t len)
{
	struct fixture *f = *state;

	f->ps->p = s;
	f->ps->end = s + len;
	f->ps->line = 0;
	f->ps->n_tokens = 0;
	return f->ps;
}

static void assert_word(const struct parser *ps, size_t i, const char *w)
{
	assert_true(i < ps->n_tokens);
	assert_int_equal(ps->tokens[i].kind, TOKEN_WORD);
	assert_string_equal(ps->tokens[i].text, w);
}

static void test_words_and_comments(void **state)
{
	const char *s = "permit\talice  on c1,c2 # a comment {\n";
	struct parser *ps = text(state, s, strlen(s));

	assert_int_equal(policy_lex_line(ps), 0);
	assert_int_equal(ps->n_tokens, 4);
	assert_word(ps, 0, "permit");
	assert_word(ps, 1, "alice");
	assert_word(ps, 2, "on");
	assert_word(ps, 3, "c1,c2");
	assert_int_equal(ps->tokens[3].line, 1);
	assert_true(ps->p == ps->end);
}

static void test_braces_end_words(void **state)
{
	const char *s = "setenv{A=1 B}#x";
	struct parser *ps = text(state, s, strlen(s));

	assert_int_equal(policy_lex_line(ps), 0);
	assert_int_equal(ps->n_tokens, 5);
	assert_word(ps, 0, "setenv");
	assert_int_equal(ps->tokens[1].kind, TOKEN_OPEN);
	assert_string_equal(ps->tokens[1].text, "{");
	assert_word(ps, 2, "A=1");
	assert_word(ps, 3, "B");
	assert_int_equal(ps->tokens[4].kind, TOKEN_CLOSE);
}

static void test_lines_counted(void **state)
{
	const char *s = "\n   # only a comment\ndeny bob";
	struct parser *ps = text(state, s, strlen(s));

	assert_int_equal(policy_lex_line(ps), 0);
	assert_int_equal(ps->n_tokens, 0);
	assert_int_equal(policy_lex_line(ps), 0);
	assert_int_equal(ps->n_tokens, 0);
	assert_int_equal(policy_lex_line(ps), 0);
	assert_int_equal(ps->n_tokens, 2);
	assert_int_equal(ps->tokens[1].line, 3);
	assert_true(ps->p == ps->end);
}

static void test_bad_bytes(void **state)
{
	struct fixture *f = *state;
	static const char nul[] = "permit al\0ice";
	const char *ctl = "ok\nper\x01mit", *del = "a\x7f";
	struct parser *ps;

	ps = text(state, nul, sizeof(nul) - 1);
	assert_int_equal(policy_lex_line(ps), -EINVAL);
	assert_string_equal(f->load.error, "t:1: NUL byte");

	ps = text(state, ctl, strlen(ctl));
	assert_int_equal(policy_lex_line(ps), 0);
	assert_int_equal(policy_lex_line(ps), -EINVAL);
	assert_string_equal(f->load.error, "t:2: invalid character 0x01");

	ps = text(state, del, strlen(del));
	assert_int_equal(policy_lex_line(ps), -EINVAL);
	assert_string_equal(f->load.error, "t:1: invalid character 0x7f");
}

/* POLICY_LINE_MAX bytes are a line; one more is an error. The most tokens fit. */
static void test_line_length(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *s = malloc(POLICY_LINE_MAX + 1);
	struct parser *ps;

	assert_non_null(s);
	memset(s, '{', POLICY_LINE_MAX + 1);
	ps = text(state, s, POLICY_LINE_MAX);
	assert_int_equal(policy_lex_line(ps), 0);
	assert_int_equal(ps->n_tokens, POLICY_LINE_MAX);
	assert_int_equal(ps->tokens[POLICY_LINE_MAX - 1].kind, TOKEN_OPEN);

	memset(s, 'w', POLICY_LINE_MAX);
	ps = text(state, s, POLICY_LINE_MAX);
	assert_int_equal(policy_lex_line(ps), 0);
	assert_int_equal(ps->n_tokens, 1);
	assert_int_equal(strlen(ps->tokens[0].text), POLICY_LINE_MAX);

	ps = text(state, s, POLICY_LINE_MAX + 1);
	assert_int_equal(policy_lex_line(ps), -EINVAL);
	assert_string_equal(f->load.error, "t:1: line longer than 4096 bytes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_words_and_comments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_braces_end_words, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lines_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_length, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
