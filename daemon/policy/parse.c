/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The policy's rules: a keyword-table parser of one rule's tokens (action, options, identity,
 * clauses, cmd) into a struct policy_rule; every word understood or an error (MUST 8, 11). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "daemon/policy/policy-internal.h"
#include "daemon/policy/policy.h"
#include "protocol/cleanup.h"
#include "protocol/duration.h"
#include "protocol/nsctl-protocol.h"

void policy_rule_done(struct policy_rule *r)
{
	free(r->identity);
	r->targets = strv_free(r->targets);
	free(r->file);
	r->setenv = strv_free(r->setenv);
	free(r->run_as_user);
	free(r->run_as_groups);
	free(r->cmd);
	r->cmd_args = strv_free(r->cmd_args);
	free(r->text);
}

static const struct {
	const char *keyword;
	enum policy_action action;
} actions[] = {
	{ "permit", POLICY_PERMIT },
	{ "deny", POLICY_DENY },
};

/* The options without an argument; "setenv { ... }" has a parser of its own. */
static const struct {
	const char *keyword;
	unsigned bit;
} flag_options[] = {
	{ "keepenv", POLICY_OPT_KEEPENV },
	{ "tty", POLICY_OPT_TTY },
	{ "notty", POLICY_OPT_NOTTY },
	{ "cgroup", POLICY_OPT_CGROUP },
	{ "nolog", POLICY_OPT_NOLOG },
	{ "reason", POLICY_OPT_REASON },
	{ "exec", POLICY_OPT_EXEC },
};

static int parse_on(struct parser *ps, const struct token *arg, struct policy_rule *rule);
static int parse_ns(struct parser *ps, const struct token *arg, struct policy_rule *rule);
static int parse_caps(struct parser *ps, const struct token *arg, struct policy_rule *rule);

/*
 * The clauses after the identity that take one argument; each may be given once, in any
 * order. "cmd PATH [ARG...]" takes the rest of the line and so comes last.
 */
static const struct clause {
	const char *keyword;
	const char *argument;  /* for "missing ... after" */
	bool permit_only;      /* it grants something: meaningless, so an error, in a deny */
	int (*parse)(struct parser *ps, const struct token *arg, struct policy_rule *rule);
} clauses[] = {
	{ "as", "user", true, policy_parse_as },
	{ "on", "list of targets", false, parse_on },
	{ "ns", "list of namespaces", false, parse_ns },
	{ "caps", "list of capabilities", true, parse_caps },
};

static const struct clause *clause_lookup(const char *word)
{
	for (size_t i = 0; i < ELEMENTSOF(clauses); i++)
		if (strcmp(clauses[i].keyword, word) == 0)
			return &clauses[i];
	return NULL;
}

static bool is_clause_keyword(const char *word)
{
	return clause_lookup(word) || strcmp(word, "cmd") == 0;
}

/* The bit of a flag option, POLICY_OPT_SETENV for "setenv", 0 for any other word. */
static unsigned option_bit(const char *word)
{
	for (size_t i = 0; i < ELEMENTSOF(flag_options); i++)
		if (strcmp(flag_options[i].keyword, word) == 0)
			return flag_options[i].bit;
	if (strcmp(word, "tasks") == 0)
		return POLICY_OPT_TASKS;
	if (strcmp(word, "timeout") == 0)
		return POLICY_OPT_TIMEOUT;
	return strcmp(word, "setenv") == 0 ? POLICY_OPT_SETENV : 0;
}

/* Words that can never be an identity: every keyword of the language. */
static bool is_keyword(const char *word)
{
	for (size_t i = 0; i < ELEMENTSOF(actions); i++)
		if (strcmp(actions[i].keyword, word) == 0)
			return true;
	return is_clause_keyword(word) || option_bit(word) || strcmp(word, "include") == 0;
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
			return policy_error(ps, arg->line, "empty %s in list '%s'", what,
					    arg->text);
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
				return policy_error(ps, arg->line,
						    "'all' cannot be combined with other namespaces");
			mask = NS_MASK_ALL;
			continue;
		}
		t = ns_from_name(*n);
		if (t < 0)
			return policy_error(ps, arg->line, "unknown namespace '%s'", *n);
		if (mask & NS_BIT(t))
			return policy_error(ps, arg->line, "namespace '%s' given twice", *n);
		mask |= NS_BIT(t);
	}
	rule->ns_mask = mask;
	return 0;
}

/* A capability as written ("net_admin" or "cap_net_admin", lower case) -> its number. */
static int cap_lookup(const char *name, unsigned *ret)
{
	const char *bare = strncmp(name, "cap_", 4) == 0 ? name + 4 : name;
	_cleanup_free_ char *full = NULL;
	cap_value_t v = -1;

	if (bare[0] < 'a' || bare[0] > 'z')
		return -EINVAL;
	for (const char *c = bare; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
			return -EINVAL;
	if (asprintf(&full, "cap_%s", bare) < 0)
		return -ENOMEM;
	if (cap_from_name(full, &v) < 0 || v < 0 || v > 63)
		return -EINVAL;
	if (v >= cap_max_bits())
		return -EOPNOTSUPP;
	*ret = (unsigned)v;
	return 0;
}

/* "caps CAP[,CAP...]": names libcap knows and the running kernel supports. */
static int parse_caps(struct parser *ps, const struct token *arg, struct policy_rule *rule)
{
	_cleanup_strv_free_ char **names = NULL;
	uint64_t mask = 0;
	int r;

	r = split_list(ps, arg, "capability", &names);
	if (r < 0)
		return r;
	for (char **n = names; *n; n++) {
		unsigned v = 0;

		r = cap_lookup(*n, &v);
		if (r == -ENOMEM)
			return r;
		if (r == -EOPNOTSUPP)
			return policy_error(ps, arg->line,
					    "capability '%s' is not supported by the running kernel",
					    *n);
		if (r < 0)
			return policy_error(ps, arg->line, "unknown capability '%s'", *n);
		if (mask & (UINT64_C(1) << v))
			return policy_error(ps, arg->line, "capability '%s' given twice", *n);
		mask |= UINT64_C(1) << v;
	}
	rule->caps = mask;
	rule->caps_set = true;
	return 0;
}

/* Absolute, and in the one form the worker's lookup produces: no //, ., .., or / at the end. */
static bool path_is_normalized(const char *p)
{
	if (p[0] != '/' || strlen(p) >= PATH_MAX)
		return false;
	for (const char *c = p; *c; ) {
		size_t k;

		c++; /* the '/' */
		k = strcspn(c, "/");
		if (k == 0 || (k == 1 && c[0] == '.') || (k == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c += k;
	}
	return true;
}

/* "cmd PATH [ARG...]": t[0] is "cmd", the rest of the line (n tokens in all) belongs to it. */
static int parse_cmd(struct parser *ps, const struct token *t, size_t n,
		     struct policy_rule *rule)
{
	if (n < 2 || t[1].kind != TOKEN_WORD)
		return policy_error(ps, t[0].line, "missing path after 'cmd'");
	if (!path_is_normalized(t[1].text))
		return policy_error(ps, t[1].line,
				    "'%s' is not an absolute path without //, . or .. parts, "
				    "or / at the end", t[1].text);
	rule->cmd = strdup(t[1].text);
	if (!rule->cmd)
		return -ENOMEM;
	if (n == 2)
		return 0;
	rule->cmd_args = calloc(n - 1, sizeof(char *));
	if (!rule->cmd_args)
		return -ENOMEM;
	for (size_t k = 2; k < n; k++) {
		if (t[k].kind != TOKEN_WORD)
			return policy_error(ps, t[k].line, "unexpected '%s'", t[k].text);
		/* "cmd /bin/ip on blue" is more likely a misplaced clause than two arguments. */
		if (is_clause_keyword(t[k].text))
			return policy_error(ps, t[k].line,
					    "'%s' after 'cmd' would be an argument of the command; "
					    "write the clauses before 'cmd'", t[k].text);
		rule->cmd_args[k - 2] = strdup(t[k].text);
		if (!rule->cmd_args[k - 2])
			return -ENOMEM;
	}
	return 0;
}

bool policy_env_name_valid(const char *s, size_t len)
{
	if (len == 0 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* "setenv { NAME=VALUE NAME ... }" starting at tokens[*i]; leaves *i on the "}". */
static int parse_setenv(struct parser *ps, size_t *i, struct policy_rule *rule)
{
	const struct token *t = ps->tokens;
	size_t first = *i + 2, close, k;

	if (*i + 1 >= ps->n_tokens || t[*i + 1].kind != TOKEN_OPEN)
		return policy_error(ps, t[*i].line, "expected '{' after 'setenv'");
	for (close = first; close < ps->n_tokens && t[close].kind != TOKEN_CLOSE; close++)
		if (t[close].kind != TOKEN_WORD)
			return policy_error(ps, t[close].line, "unexpected '%s'", t[close].text);
	if (close == ps->n_tokens)
		return policy_error(ps, t[*i].line, "missing '}' after the setenv list");

	rule->setenv = calloc(close - first + 1, sizeof(char *));
	if (!rule->setenv)
		return -ENOMEM;
	for (k = first; k < close; k++) {
		const char *e = t[k].text;
		size_t len = strcspn(e, "=");

		if (!policy_env_name_valid(e, len))
			return policy_error(ps, t[k].line, "invalid variable name in '%s'", e);
		for (size_t j = first; j < k; j++)
			if (strncmp(t[j].text, e, len) == 0 &&
			    (t[j].text[len] == '=' || t[j].text[len] == '\0'))
				return policy_error(ps, t[k].line, "variable '%.*s' given twice",
						    (int)len, e);
		rule->setenv[k - first] = strdup(e);
		if (!rule->setenv[k - first])
			return -ENOMEM;
	}
	*i = close;
	return 0;
}

/* "tasks N" (1..POLICY_TASKS_MAX) or "timeout DURATION" at tokens[*i]; leaves *i on the value. */
static int parse_limit(struct parser *ps, size_t *i, unsigned bit, struct policy_rule *rule)
{
	const struct token *t = ps->tokens;
	const char *v;

	if (*i + 1 >= ps->n_tokens || t[*i + 1].kind != TOKEN_WORD)
		return policy_error(ps, t[*i].line, "missing %s after '%s'",
				    bit == POLICY_OPT_TASKS ? "number of tasks" : "duration",
				    t[*i].text);
	v = t[++*i].text;
	if (bit == POLICY_OPT_TIMEOUT) {
		int r = duration_parse(v, &rule->timeout_usec);

		if (r == -ERANGE)
			return policy_error(ps, t[*i].line, "timeout '%s' is longer than a year",
					    v);
		if (r < 0)
			return policy_error(ps, t[*i].line, "invalid timeout '%s' (expected a number "
					    "and a unit s, m, h or d, as 90s, 15m, 8h)", v);
		return 0;
	}
	unsigned long n = 0;
	bool ok = v[0] >= '1' && v[0] <= '9';

	for (const char *c = v; ok && *c; c++) {
		ok = *c >= '0' && *c <= '9' && n <= POLICY_TASKS_MAX;
		n = n * 10 + (unsigned long)(*c - '0');
	}
	if (!ok || n > POLICY_TASKS_MAX)
		return policy_error(ps, t[*i].line, "invalid number of tasks '%s' (1 to %u)", v,
				    POLICY_TASKS_MAX);
	rule->tasks = (unsigned)n;
	return 0;
}

/* The options between the action and the identity; leaves *i on the first other token. */
static int parse_options(struct parser *ps, size_t *i, struct policy_rule *rule)
{
	const struct token *t = ps->tokens;

	for (; *i < ps->n_tokens && t[*i].kind == TOKEN_WORD; (*i)++) {
		unsigned bit = option_bit(t[*i].text);
		int r;

		if (!bit)
			break;
		if (rule->action == POLICY_DENY)
			return policy_error(ps, t[*i].line, "'%s' is not allowed in a deny rule",
					    t[*i].text);
		if (rule->options & bit)
			return policy_error(ps, t[*i].line, "'%s' given twice", t[*i].text);
		if ((bit & (POLICY_OPT_TTY | POLICY_OPT_NOTTY)) &&
		    (rule->options & (POLICY_OPT_TTY | POLICY_OPT_NOTTY)))
			return policy_error(ps, t[*i].line, "'tty' and 'notty' cannot be combined");
		rule->options |= bit;
		if (bit == POLICY_OPT_SETENV) {
			r = parse_setenv(ps, i, rule);
			if (r < 0)
				return r;
		}
		if (bit & (POLICY_OPT_TASKS | POLICY_OPT_TIMEOUT)) {
			r = parse_limit(ps, i, bit, rule);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* The rule's tokens joined by single spaces: what listings show. */
static char *join_tokens(const struct parser *ps)
{
	size_t len = 0;
	char *s, *p;

	for (size_t i = 0; i < ps->n_tokens; i++)
		len += strlen(ps->tokens[i].text) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	p = s;
	for (size_t i = 0; i < ps->n_tokens; i++)
		p = stpcpy(stpcpy(p, i ? " " : ""), ps->tokens[i].text);
	*p = '\0';
	return s;
}

static int append_rule(struct load *ld, struct policy_rule *rule)
{
	struct policy *p = ld->policy;

	if (p->n_rules == ld->n_rules_allocated) {
		size_t n = ld->n_rules_allocated ? ld->n_rules_allocated * 2 : 16;
		struct policy_rule *rules = reallocarray(p->rules, n, sizeof(*rules));

		if (!rules)
			return -ENOMEM;
		p->rules = rules;
		ld->n_rules_allocated = n;
	}
	p->rules[p->n_rules++] = *rule;
	*rule = (struct policy_rule){};
	return 0;
}

/*
 * permit|deny [OPTION...] IDENTITY [as USER] [on GLOBS] [ns NSES] [caps CAPS]
 *	[cmd PATH [ARG...]], the clauses in any order but cmd last.
 */
int policy_parse_rule(struct parser *ps)
{
	_cleanup_(policy_rule_done) struct policy_rule rule = {};
	const struct token *t = ps->tokens;
	const size_t n = ps->n_tokens;
	unsigned seen = 0;
	size_t i;
	int r;

	for (i = 0; i < ELEMENTSOF(actions); i++)
		if (t[0].kind == TOKEN_WORD && strcmp(t[0].text, actions[i].keyword) == 0)
			break;
	if (i == ELEMENTSOF(actions))
		return policy_error(ps, t[0].line,
				    "expected 'permit', 'deny' or 'include', got '%s'", t[0].text);
	rule.action = actions[i].action;
	rule.line = t[0].line;

	i = 1;
	r = parse_options(ps, &i, &rule);
	if (r < 0)
		return r;

	if (i >= n)
		return policy_error(ps, t[i - 1].line, "missing identity after '%s'",
				    t[i - 1].text);
	if (t[i].kind != TOKEN_WORD || is_keyword(t[i].text))
		return policy_error(ps, t[i].line, "expected an identity after '%s', got '%s'",
				    t[i - 1].text, t[i].text);
	r = policy_parse_identity(ps, &t[i], &rule);
	if (r < 0)
		return r;

	for (i++; i < n; i += 2) {
		const struct clause *c;
		unsigned bit;

		if (t[i].kind != TOKEN_WORD)
			return policy_error(ps, t[i].line, "unexpected '%s'", t[i].text);
		if (strcmp(t[i].text, "cmd") == 0) {
			r = parse_cmd(ps, &t[i], n - i, &rule);
			if (r < 0)
				return r;
			break;
		}
		c = clause_lookup(t[i].text);
		if (!c && option_bit(t[i].text))
			return policy_error(ps, t[i].line,
					    "option '%s' must come before the identity", t[i].text);
		if (!c)
			return policy_error(ps, t[i].line, "unknown keyword '%s'", t[i].text);
		bit = 1u << (c - clauses);
		if (seen & bit)
			return policy_error(ps, t[i].line, "'%s' given twice", c->keyword);
		seen |= bit;
		if (c->permit_only && rule.action == POLICY_DENY)
			return policy_error(ps, t[i].line, "'%s' is not allowed in a deny rule",
					    c->keyword);
		if (i + 1 >= n || t[i + 1].kind != TOKEN_WORD || is_clause_keyword(t[i + 1].text))
			return policy_error(ps, t[i].line, "missing %s after '%s'", c->argument,
					    c->keyword);
		r = c->parse(ps, &t[i + 1], &rule);
		if (r < 0)
			return r;
	}

	rule.file = strdup(ps->path);
	rule.text = join_tokens(ps);
	if (!rule.file || !rule.text)
		return -ENOMEM;
	return append_rule(ps->load, &rule);
}
