/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness: the policy parser, and decisions made with whatever it accepts. */

/*
 * The input is a policy file's text. policy_parse_text() either fails with a message that
 * names the file, or yields rules that are then asked about a few fixed requests. Checked:
 * nothing is written on failure, every rule is well-formed, and each decision is the one
 * the rules imply (last match wins, default deny), computed here independently.
 */

#include <fnmatch.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "daemon/policy/policy.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PATH "fuzz.policy"

static void check(bool ok)
{
	if (!ok)
		abort();
}

static bool rule_matches(const struct policy_rule *r, const struct policy_caller *c,
			 const struct policy_request *q)
{
	bool id = false, target = !r->targets, ns;

	/* The requests below carry no argv: a rule that names a command matches none of them. */
	if (r->cmd)
		return false;

	if (r->identity_kind == POLICY_IDENTITY_USER) {
		id = r->uid == c->uid;
	} else {
		id = r->gid == c->gid;
		for (size_t i = 0; i < c->n_groups; i++)
			id = id || r->gid == c->groups[i];
	}
	for (char **g = r->targets; g && *g; g++)
		target = target || fnmatch(*g, q->target, 0) == 0 ||
			 fnmatch(*g, q->bare_name, 0) == 0;
	if (r->ns_mask == 0)
		ns = true;
	else if (r->action == POLICY_DENY)
		ns = (q->ns_mask & r->ns_mask) != 0;
	else
		ns = (q->ns_mask & ~r->ns_mask) == 0;
	return id && target && ns;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const gid_t groups[] = { 10, 1000, 4294967294u };
	static const struct policy_caller callers[] = {
		{ .uid = 0, .gid = 0 },
		{ .uid = 1000, .gid = 1000, .groups = groups, .n_groups = ELEMENTSOF(groups) },
		{ .uid = 4294967294u, .gid = 65534 },
	};
	static const struct policy_request requests[] = {
		{ .target = "netns:blue", .bare_name = "blue", .ns_mask = NS_BIT(NS_NET) },
		{ .target = "pid:42", .bare_name = "42", .ns_mask = NS_MASK_ALL },
		{ .target = "netns:prod-db", .bare_name = "prod-db",
		  .ns_mask = NS_BIT(NS_NET) | NS_BIT(NS_MNT) },
	};
	struct policy *p = (struct policy *)&callers; /* any non-NULL sentinel */
	struct policy *const sentinel = p;
	char *error = (char *)&callers;
	int r;

	/*
	 * "include" reads files relative to the fuzzer's working directory: not text, and not
	 * the same on every run. The parser's include handling has its cases in test-policy.
	 */
	if (memmem(data, size, "include", 7))
		return 0;
	r = policy_parse_text(PATH, (const char *)data, size, &p, &error);
	if (r < 0) {
		/*
		 * *ret untouched; a message naming the file, or a file it includes "(included
		 * from fuzz.policy:N)", unless memory ran out.
		 */
		check(p == sentinel);
		check(error == NULL || strncmp(error, PATH ":", strlen(PATH ":")) == 0 ||
		      strstr(error, "(included from " PATH ":"));
		if (error != (char *)&callers)
			free(error);
		return 0;
	}
	check(r == 0 && p != sentinel && p != NULL);
	check(error == (char *)&callers);

	for (size_t i = 0; i < p->n_rules; i++) {
		const struct policy_rule *rule = &p->rules[i];

		check(rule->action == POLICY_PERMIT || rule->action == POLICY_DENY);
		check(rule->identity && rule->identity[0]);
		check(rule->file && rule->file[0]);
		/* Lines rise within one file; an include puts another file's rules in between. */
		check(rule->line >= 1);
		if (i > 0 && strcmp(rule->file, PATH) == 0 && strcmp(p->rules[i - 1].file, PATH) == 0)
			check(rule->line > p->rules[i - 1].line);
		check((rule->ns_mask & ~NS_MASK_ALL) == 0);
		check(rule->identity_kind == POLICY_IDENTITY_USER ? rule->uid != (uid_t)-1
								  : rule->gid != (gid_t)-1);
		for (char **g = rule->targets; g && *g; g++)
			check(**g != '\0' && !strchr(*g, ','));
	}

	for (size_t c = 0; c < ELEMENTSOF(callers); c++)
		for (size_t q = 0; q < ELEMENTSOF(requests); q++) {
			const struct policy_rule *rule = (const struct policy_rule *)&callers;
			const struct policy_rule *expect = NULL;
			enum policy_action a;

			for (size_t i = p->n_rules; i > 0 && !expect; i--)
				if (rule_matches(&p->rules[i - 1], &callers[c], &requests[q]))
					expect = &p->rules[i - 1];
			a = policy_check(p, &callers[c], &requests[q], &rule);
			check(rule == expect);
			check(a == (expect ? expect->action : POLICY_DENY));
		}

	policy_free(p);
	return 0;
}
