/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The policy language's tokens: a line into words, "{" and "}"; bytes no rule can hold are
 * errors (MUST 10 of load.c). */
#include <errno.h>
#include <string.h>

#include "daemon/policy/policy-internal.h"
#include "daemon/policy/policy.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Bytes that end a word without being part of it. */
static bool is_word_end(char c)
{
	return is_blank(c) || c == '#' || c == '{' || c == '}';
}

static void add_token(struct parser *ps, enum token_kind kind, const char *text)
{
	ps->tokens[ps->n_tokens++] = (struct token){ .kind = kind, .text = text, .line = ps->line };
}

/*
 * Read the next line into ps->tokens: words, "{" and "}". A comment runs from '#' to the end
 * of the line. Lines cannot be continued. A line without tokens gives n_tokens == 0.
 */
int policy_lex_line(struct parser *ps)
{
	const char *nl, *s, *e;
	size_t used = 0;

	nl = memchr(ps->p, '\n', (size_t)(ps->end - ps->p));
	e = nl ? nl : ps->end;
	s = ps->p;
	ps->p = nl ? nl + 1 : ps->end;
	ps->line++;
	ps->n_tokens = 0;

	if (e - s > POLICY_LINE_MAX)
		return policy_error(ps, ps->line, "line longer than %u bytes",
				    POLICY_LINE_MAX);
	for (const char *c = s; c < e; c++) {
		unsigned char u = (unsigned char)*c;

		if (u == '\0')
			return policy_error(ps, ps->line, "NUL byte");
		if ((u < 0x20 && u != '\t') || u == 0x7f)
			return policy_error(ps, ps->line, "invalid character 0x%02x", u);
	}

	while (s < e) {
		if (is_blank(*s)) {
			s++;
		} else if (*s == '#') {
			break;
		} else if (*s == '{' || *s == '}') {
			add_token(ps, *s == '{' ? TOKEN_OPEN : TOKEN_CLOSE, *s == '{' ? "{" : "}");
			s++;
		} else {
			char *w = ps->buf + used;

			while (s < e && !is_word_end(*s))
				ps->buf[used++] = *s++;
			ps->buf[used++] = '\0';
			add_token(ps, TOKEN_WORD, w);
		}
	}
	return 0;
}
