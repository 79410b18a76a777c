/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The policy file: safe loading, a tokenizer, a keyword-table rule parser, and matching. */

/*
 * Invariants of this file. Each one has at least one case in tests/test-policy.c.
 *
 * 1) Default deny. A request that no rule matches MUST be denied; an empty policy, a
 *    policy of comments only and a missing policy (NULL) deny everything.
 *
 * 2) The last matching rule MUST decide, whatever its action: a later deny overrides an
 *    earlier permit and a later permit overrides an earlier deny.
 *
 * 3) The checks on the policy file MUST be made on the opened file descriptor (fstat),
 *    never on the path, and the bytes parsed MUST be read from that same descriptor.
 *    The last path component MUST NOT be a symbolic link (O_NOFOLLOW). The file MUST be
 *    a regular file owned by root, not writable by group or others, and at most
 *    POLICY_FILE_MAX bytes, counting the bytes actually read, not only st_size.
 *
 * 4) A file that fails any check, and text with any error, MUST NOT yield a policy: no
 *    partial policy, no "skip the bad line". *ret is written only on success.
 *
 * 5) The caller's identity MUST come only from struct policy_caller, which the daemon
 *    fills from the kernel (SO_PEERCRED, SO_PEERGROUPS). Nothing in a request names a
 *    user. A user rule matches the uid only; a group rule matches the primary gid or a
 *    supplementary group only.
 *
 * 6) Names MUST be resolved when the policy is loaded, and an unknown user or group MUST
 *    be an error, for deny rules too: skipping a deny rule would widen access.
 *
 * 7) Numeric ids MUST be exact: decimal digits only, no sign, no leading zero, no
 *    overflow, and never (uid_t)-1 / (gid_t)-1.
 *
 * 8) Every word MUST be understood or be an error. Keywords reserved for later versions
 *    of the language MUST be errors today, so that no rule is read as broader than it was
 *    written.
 *
 * 9) A permit with a namespace list MUST cover every namespace of the request; a request
 *    that asks for one namespace more than the list does not match it. A deny with a
 *    namespace list MUST match every request that needs any namespace on its list.
 *
 * 10) Bytes that cannot be part of a rule (NUL, control characters, lines longer than
 *    POLICY_LINE_MAX) MUST be errors, never truncated or skipped.
 */

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/policy.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

#define POLICY_LINE_MAX 4096 /* bytes, without the newline */
#define POLICY_ID_MAX 4294967294u /* (uid_t)-1 and (gid_t)-1 mean "no change" to setresuid */
#define NSS_BUFFER_MAX (1u << 20)

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

/* The state of one parse. The tokens of the current line live in tokens[] and buf[]. */
struct parser {
	const char *path;
	const char *p, *end; /* the text not read yet */
	unsigned line;       /* number of the line last read */
	struct policy *policy;
	size_t n_rules_allocated;
	char *error;
	size_t n_tokens;
	/* A line of POLICY_LINE_MAX bytes holds at most that many tokens ("{{{{"), and its
	 * words with their NULs fit in one byte more: a word ends at a byte that is not part
	 * of any word, except the last word of the line. */
	struct token tokens[POLICY_LINE_MAX];
	char buf[POLICY_LINE_MAX + 1];
};

static void rule_done(struct policy_rule *r)
{
	free(r->identity);
	r->targets = strv_free(r->targets);
	free(r->file);
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_rules; i++)
		rule_done(&p->rules[i]);
	free(p->rules);
	free(p);
}

static void parser_freep(struct parser **ps)
{
	if (!*ps)
		return;
	policy_free((*ps)->policy);
	free((*ps)->error);
	free(*ps);
}

/* Record "PATH:LINE: message" as the parse error; returns -EINVAL, or -ENOMEM without one. */
__attribute__((format(printf, 3, 4)))
static int parse_error(struct parser *ps, unsigned line, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	free(ps->error);
	if (asprintf(&ps->error, "%s:%u: %s", ps->path, line, msg) < 0) {
		ps->error = NULL;
		return -ENOMEM;
	}
	return -EINVAL;
}

/* Record "PATH: message" in *ret_error (NULL when out of memory); returns err (a -errno). */
__attribute__((format(printf, 4, 5)))
static int file_error(const char *path, int err, char **ret_error, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;
	int r;

	*ret_error = NULL;
	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0 || asprintf(ret_error, "%s: %s", path, msg) < 0) {
		*ret_error = NULL;
		return -ENOMEM;
	}
	return err;
}

/* --- tokenizer ---------------------------------------------------------------------- */

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
static int lex_line(struct parser *ps)
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
		return parse_error(ps, ps->line, "line longer than %u bytes", POLICY_LINE_MAX);
	for (const char *c = s; c < e; c++) {
		unsigned char u = (unsigned char)*c;

		if (u == '\0')
			return parse_error(ps, ps->line, "NUL byte");
		if ((u < 0x20 && u != '\t') || u == 0x7f)
			return parse_error(ps, ps->line, "invalid character 0x%02x", u);
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

/* --- identities --------------------------------------------------------------------- */

/* Does s look like a number, signed or not? Such a word is never looked up as a name. */
static bool looks_numeric(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Parse a decimal id: digits only, no sign, no leading zero; -ERANGE above POLICY_ID_MAX. */
static int parse_id(const char *s, uint32_t *ret)
{
	uint64_t v = 0;

	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > POLICY_ID_MAX)
			return -ERANGE;
	}
	*ret = (uint32_t)v;
	return 0;
}

static size_t nss_buffer_size(int name)
{
	long n = sysconf(name);

	return n > 0 && n < (long)NSS_BUFFER_MAX ? (size_t)n : 1024;
}

/* Look a user up by name: 0 and the uid, -ENOENT when there is none, or another -errno. */
static int lookup_user(const char *name, uid_t *ret)
{
	for (size_t size = nss_buffer_size(_SC_GETPW_R_SIZE_MAX); size <= NSS_BUFFER_MAX;
	     size *= 2) {
		_cleanup_free_ char *buf = malloc(size);
		struct passwd pw, *result = NULL;
		int r;

		if (!buf)
			return -ENOMEM;
		r = getpwnam_r(name, &pw, buf, size, &result);
		if (r == ERANGE)
			continue;
		if (r == ENOENT || r == ESRCH || (r == 0 && !result))
			return -ENOENT;
		if (r != 0)
			return -r;
		if (pw.pw_uid > POLICY_ID_MAX)
			return -ERANGE;
		*ret = pw.pw_uid;
		return 0;
	}
	return -ENOMEM;
}

/* Look a group up by name; returns like lookup_user(). */
static int lookup_group(const char *name, gid_t *ret)
{
	for (size_t size = nss_buffer_size(_SC_GETGR_R_SIZE_MAX); size <= NSS_BUFFER_MAX;
	     size *= 2) {
		_cleanup_free_ char *buf = malloc(size);
		struct group gr, *result = NULL;
		int r;

		if (!buf)
			return -ENOMEM;
		r = getgrnam_r(name, &gr, buf, size, &result);
		if (r == ERANGE)
			continue;
		if (r == ENOENT || r == ESRCH || (r == 0 && !result))
			return -ENOENT;
		if (r != 0)
			return -r;
		if (gr.gr_gid > POLICY_ID_MAX)
			return -ERANGE;
		*ret = gr.gr_gid;
		return 0;
	}
	return -ENOMEM;
}

/* Fill rule's identity from "name", "1000", ":group" or ":1000". */
static int parse_identity(struct parser *ps, const struct token *t, struct policy_rule *rule)
{
	bool group = t->text[0] == ':';
	const char *name = t->text + group;
	const char *what = group ? "group" : "user";
	const char *id_what = group ? "gid" : "uid";
	uint32_t id = 0;
	int r;

	if (!*name)
		return parse_error(ps, t->line, "missing group name after ':'");

	if (looks_numeric(name)) {
		r = parse_id(name, &id);
		if (r == -ERANGE)
			return parse_error(ps, t->line, "%s '%s' out of range (0..%u)", id_what, name,
					   POLICY_ID_MAX);
		if (r < 0)
			return parse_error(ps, t->line, "invalid %s '%s'", id_what, name);
	} else {
		if (group) {
			gid_t gid = 0;

			r = lookup_group(name, &gid);
			id = gid;
		} else {
			uid_t uid = 0;

			r = lookup_user(name, &uid);
			id = uid;
		}
		if (r == -ENOENT)
			return parse_error(ps, t->line, "unknown %s '%s'", what, name);
		if (r == -ERANGE)
			return parse_error(ps, t->line, "%s '%s' has an invalid %s", what, name,
					   id_what);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			int q = parse_error(ps, t->line, "cannot look up %s '%s': %s", what, name,
					    strerror(-r));
			return q == -ENOMEM ? q : r;
		}
	}

	rule->identity = strdup(t->text);
	if (!rule->identity)
		return -ENOMEM;
	rule->identity_kind = group ? POLICY_IDENTITY_GROUP : POLICY_IDENTITY_USER;
	if (group)
		rule->gid = (gid_t)id;
	else
		rule->uid = (uid_t)id;
	return 0;
}

/* --- rules -------------------------------------------------------------------------- */

static const struct {
	const char *keyword;
	enum policy_action action;
} actions[] = {
	{ "permit", POLICY_PERMIT },
	{ "deny", POLICY_DENY },
};

static int parse_on(struct parser *ps, const struct token *arg, struct policy_rule *rule);
static int parse_ns(struct parser *ps, const struct token *arg, struct policy_rule *rule);

/* The clauses after the identity; each takes one argument and may be given once. */
static const struct clause {
	const char *keyword;
	const char *argument; /* for "missing ... after" */
	int (*parse)(struct parser *ps, const struct token *arg, struct policy_rule *rule);
} clauses[] = {
	{ "on", "list of targets", parse_on },
	{ "ns", "list of namespaces", parse_ns },
};

/*
 * Words of later versions of the language (options before the identity, clauses after
 * it, directives). Today they are errors wherever a keyword could stand, and none of them
 * can be an identity, so that no rule written today changes meaning later.
 */
static const char *const reserved[] = {
	"as", "caps", "cmd", "setenv", "keepenv", "tty", "notty", "cgroup", "nolog", "include",
};

static const struct clause *clause_lookup(const char *word)
{
	for (size_t i = 0; i < ELEMENTSOF(clauses); i++)
		if (strcmp(clauses[i].keyword, word) == 0)
			return &clauses[i];
	return NULL;
}

static bool is_keyword(const char *word)
{
	for (size_t i = 0; i < ELEMENTSOF(actions); i++)
		if (strcmp(actions[i].keyword, word) == 0)
			return true;
	return clause_lookup(word) != NULL;
}

static bool is_reserved(const char *word)
{
	for (size_t i = 0; i < ELEMENTSOF(reserved); i++)
		if (strcmp(reserved[i], word) == 0)
			return true;
	return false;
}

/* Split a comma-separated list; an empty item is an error naming `what`. */
static int split_list(struct parser *ps, const struct token *arg, const char *what,
		      char ***ret)
{
	_cleanup_strv_free_ char **l = NULL;
	size_t n = 1, i = 0;
	const char *s = arg->text;

	for (const char *c = s; *c; c++)
		n += *c == ',';
	l = calloc(n + 1, sizeof(char *));
	if (!l)
		return -ENOMEM;
	for (;;) {
		size_t k = strcspn(s, ",");

		if (k == 0)
			return parse_error(ps, arg->line, "empty %s in list '%s'", what, arg->text);
		l[i] = strndup(s, k);
		if (!l[i++])
			return -ENOMEM;
		if (!s[k])
			break;
		s += k + 1;
	}
	*ret = TAKE_PTR(l);
	return 0;
}

/* "on GLOB[,GLOB...]" */
static int parse_on(struct parser *ps, const struct token *arg, struct policy_rule *rule)
{
	return split_list(ps, arg, "target", &rule->targets);
}

/* "ns NS[,NS...]" or "ns all" */
static int parse_ns(struct parser *ps, const struct token *arg, struct policy_rule *rule)
{
	_cleanup_strv_free_ char **names = NULL;
	uint32_t mask = 0;
	int r;

	r = split_list(ps, arg, "namespace", &names);
	if (r < 0)
		return r;
	for (char **n = names; *n; n++) {
		int t;

		if (strcmp(*n, "all") == 0) {
			if (names[1])
				return parse_error(ps, arg->line,
						   "'all' cannot be combined with other namespaces");
			mask = NS_MASK_ALL;
			continue;
		}
		t = ns_from_name(*n);
		if (t < 0)
			return parse_error(ps, arg->line, "unknown namespace '%s'", *n);
		if (mask & NS_BIT(t))
			return parse_error(ps, arg->line, "namespace '%s' given twice", *n);
		mask |= NS_BIT(t);
	}
	rule->ns_mask = mask;
	return 0;
}

static int append_rule(struct parser *ps, struct policy_rule *rule)
{
	struct policy *p = ps->policy;

	if (p->n_rules == ps->n_rules_allocated) {
		size_t n = ps->n_rules_allocated ? ps->n_rules_allocated * 2 : 16;
		struct policy_rule *rules = reallocarray(p->rules, n, sizeof(*rules));

		if (!rules)
			return -ENOMEM;
		p->rules = rules;
		ps->n_rules_allocated = n;
	}
	p->rules[p->n_rules++] = *rule;
	*rule = (struct policy_rule){};
	return 0;
}

/* permit|deny IDENTITY [on GLOB[,GLOB...]] [ns NS[,NS...]|ns all], clauses in any order. */
static int parse_rule(struct parser *ps)
{
	_cleanup_(rule_done) struct policy_rule rule = {};
	const struct token *t = ps->tokens;
	const size_t n = ps->n_tokens;
	unsigned seen = 0;
	size_t i;
	int r;

	for (i = 0; i < ELEMENTSOF(actions); i++)
		if (t[0].kind == TOKEN_WORD && strcmp(t[0].text, actions[i].keyword) == 0)
			break;
	if (i == ELEMENTSOF(actions))
		return parse_error(ps, t[0].line, "expected 'permit' or 'deny', got '%s'",
				   t[0].text);
	rule.action = actions[i].action;
	rule.line = t[0].line;

	if (n < 2)
		return parse_error(ps, t[0].line, "missing identity after '%s'", t[0].text);
	if (t[1].kind == TOKEN_WORD && is_reserved(t[1].text))
		return parse_error(ps, t[1].line, "unknown keyword '%s'", t[1].text);
	if (t[1].kind != TOKEN_WORD || is_keyword(t[1].text))
		return parse_error(ps, t[1].line, "expected an identity after '%s', got '%s'",
				   t[0].text, t[1].text);
	r = parse_identity(ps, &t[1], &rule);
	if (r < 0)
		return r;

	for (i = 2; i < n; i += 2) {
		const struct clause *c;
		unsigned bit;

		if (t[i].kind != TOKEN_WORD)
			return parse_error(ps, t[i].line, "unexpected '%s'", t[i].text);
		c = clause_lookup(t[i].text);
		if (!c)
			return parse_error(ps, t[i].line, "unknown keyword '%s'", t[i].text);
		bit = 1u << (c - clauses);
		if (seen & bit)
			return parse_error(ps, t[i].line, "'%s' given twice", c->keyword);
		seen |= bit;
		if (i + 1 >= n || t[i + 1].kind != TOKEN_WORD || clause_lookup(t[i + 1].text))
			return parse_error(ps, t[i].line, "missing %s after '%s'", c->argument,
					   c->keyword);
		r = c->parse(ps, &t[i + 1], &rule);
		if (r < 0)
			return r;
	}

	rule.file = strdup(ps->path);
	if (!rule.file)
		return -ENOMEM;
	return append_rule(ps, &rule);
}

int policy_parse_text(const char *path, const char *text, size_t len, struct policy **ret,
		      char **ret_error)
{
	_cleanup_(parser_freep) struct parser *ps = NULL;
	int r = 0;

	ps = calloc(1, sizeof(*ps));
	if (!ps)
		return file_error(path, -ENOMEM, ret_error, "%s", strerror(ENOMEM));
	ps->policy = calloc(1, sizeof(*ps->policy));
	if (!ps->policy)
		return file_error(path, -ENOMEM, ret_error, "%s", strerror(ENOMEM));
	ps->path = path;
	ps->p = text;
	ps->end = text ? text + len : text;

	while (r >= 0 && ps->p < ps->end) {
		r = lex_line(ps);
		if (r >= 0 && ps->n_tokens > 0)
			r = parse_rule(ps);
	}
	if (r < 0) {
		/* The partial policy goes with the parser. */
		if (!ps->error)
			return file_error(path, r, ret_error, "%s", strerror(-r));
		*ret_error = TAKE_PTR(ps->error);
		return r;
	}
	*ret = TAKE_PTR(ps->policy);
	return 0;
}

/* --- loading ------------------------------------------------------------------------ */

/* Read all of fd, failing with -EFBIG past POLICY_FILE_MAX bytes whatever st_size said. */
static int read_bounded(int fd, size_t size_hint, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = size_hint + 1;

	if (cap < 4096)
		cap = 4096;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len > POLICY_FILE_MAX)
			return -EFBIG;
		if (len == cap) {
			char *b;

			cap = cap * 2 > POLICY_FILE_MAX + 1 ? POLICY_FILE_MAX + 1 : cap * 2;
			b = realloc(buf, cap);
			if (!b)
				return -ENOMEM;
			buf = b;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

int policy_load(const char *path, struct policy **ret, char **ret_error)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	struct stat st;
	int flags, r;

	/*
	 * O_NONBLOCK: open() of a FIFO for reading blocks until a writer appears, and would
	 * hang the daemon on a policy path that was replaced by a FIFO. With O_NONBLOCK the
	 * open returns at once, fstat() rejects everything that is not a regular file before
	 * any read, and the flag is cleared again (it means nothing for regular files).
	 */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		if (r == -ELOOP)
			return file_error(path, r, ret_error, "is a symbolic link");
		return file_error(path, r, ret_error, "%s", strerror(-r));
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		return file_error(path, r, ret_error, "%s", strerror(-r));
	}
	if (!S_ISREG(st.st_mode))
		return file_error(path, -EINVAL, ret_error, "not a regular file");
	if (st.st_uid != 0)
		return file_error(path, -EPERM, ret_error, "not owned by root");
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return file_error(path, -EPERM, ret_error, "writable by group or others");
	if (st.st_size > (off_t)POLICY_FILE_MAX)
		return file_error(path, -EFBIG, ret_error, "larger than %u bytes", POLICY_FILE_MAX);

	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		r = -errno;
		return file_error(path, r, ret_error, "%s", strerror(-r));
	}

	/* st_size is a hint only (files in /proc say 0): the bound is on the bytes read. */
	r = read_bounded(fd, (size_t)st.st_size, &buf, &len);
	if (r == -EFBIG)
		return file_error(path, r, ret_error, "larger than %u bytes", POLICY_FILE_MAX);
	if (r < 0)
		return file_error(path, r, ret_error, "%s", strerror(-r));

	return policy_parse_text(path, buf, len, ret, ret_error);
}

/* --- matching ----------------------------------------------------------------------- */

static bool identity_matches(const struct policy_rule *rule, const struct policy_caller *c)
{
	if (rule->identity_kind == POLICY_IDENTITY_USER)
		return c->uid == rule->uid;

	if (c->gid == rule->gid)
		return true;
	for (size_t i = 0; i < c->n_groups; i++)
		if (c->groups[i] == rule->gid)
			return true;
	return false;
}

static bool target_matches(const struct policy_rule *rule, const struct policy_request *req)
{
	if (!rule->targets)
		return true;
	for (char **g = rule->targets; *g; g++) {
		if (req->target && fnmatch(*g, req->target, 0) == 0)
			return true;
		if (req->bare_name && fnmatch(*g, req->bare_name, 0) == 0)
			return true;
	}
	return false;
}

/*
 * A permit covers a request only if it lists every namespace the request needs; a deny
 * applies as soon as the request needs any namespace it lists. Both err towards denying.
 */
static bool ns_matches(const struct policy_rule *rule, const struct policy_request *req)
{
	if (rule->ns_mask == 0)
		return true;
	if (rule->action == POLICY_DENY)
		return (req->ns_mask & rule->ns_mask) != 0;
	return (req->ns_mask & ~rule->ns_mask) == 0;
}

enum policy_action policy_check(const struct policy *p, const struct policy_caller *caller,
				const struct policy_request *req,
				const struct policy_rule **ret_rule)
{
	if (ret_rule)
		*ret_rule = NULL;
	if (!p || !caller || !req)
		return POLICY_DENY;

	/* Last match wins: the first match walking backwards. */
	for (size_t i = p->n_rules; i > 0; i--) {
		const struct policy_rule *rule = &p->rules[i - 1];

		if (identity_matches(rule, caller) && target_matches(rule, req) &&
		    ns_matches(rule, req)) {
			if (ret_rule)
				*ret_rule = rule;
			return rule->action;
		}
	}
	return POLICY_DENY;
}
