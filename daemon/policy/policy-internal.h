/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Inside the policy loader: one load, the parse of one file, its tokens; shared by the files
 * of daemon/policy/ that read policy text (load.c, lex.c, ids.c, parse.c), not by others. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon/policy/policy.h"

#define POLICY_LINE_MAX 4096 /* bytes, without the newline */
#define POLICY_ID_MAX 4294967294u /* (uid_t)-1 and (gid_t)-1 mean "no change" to setresuid */

enum token_kind {
	TOKEN_WORD,
	TOKEN_OPEN,  /* "{" */
	TOKEN_CLOSE, /* "}" */
};

struct token {
	enum token_kind kind;
	const char *text; /* NUL-terminated; "{" or "}" for braces */
	unsigned line;
};

/* One load: the policy being built from the main file and its includes, and the error. */
struct load {
	struct policy *policy;
	size_t n_rules_allocated;
	char *error;
	struct file_id {
		dev_t dev;
		ino_t ino;
	} stack[POLICY_INCLUDE_DEPTH_MAX]; /* the files being read, outermost first */
	unsigned depth;
};

/* The parse of one file. The tokens of the current line live in tokens[] and buf[]. */
struct parser {
	struct load *load;
	const char *path;
	const char *p, *end; /* the text not read yet */
	unsigned line;       /* number of the line last read */
	size_t n_tokens;
	/* A line of POLICY_LINE_MAX bytes holds at most that many tokens ("{{{{"), and its
	 * words with their NULs fit in one byte more: a word ends at a byte that is not part
	 * of any word, except the last word of the line. */
	struct token tokens[POLICY_LINE_MAX];
	char buf[POLICY_LINE_MAX + 1];
};

/* load.c: record "PATH:LINE: message" as the load's error; returns -EINVAL, or -ENOMEM
 * without one. */
__attribute__((format(printf, 3, 4)))
int policy_error(struct parser *ps, unsigned line, const char *fmt, ...);

/* lex.c: read the next line of ps into ps->tokens (n_tokens == 0 for a line without any). */
int policy_lex_line(struct parser *ps);

/* ids.c: "as USER" or "as UID": the user must be in the host's user database; so are its
 * groups. */
int policy_parse_as(struct parser *ps, const struct token *arg, struct policy_rule *rule);
/* ids.c: fill rule's identity from "name", "1000", ":group" or ":1000". */
int policy_parse_identity(struct parser *ps, const struct token *t, struct policy_rule *rule);

/* parse.c: parse the rule on ps's current line and append it to the load's policy. */
int policy_parse_rule(struct parser *ps);
/* parse.c: free what a rule holds (not the rule itself). */
void policy_rule_done(struct policy_rule *r);
