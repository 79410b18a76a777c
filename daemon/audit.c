/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Audit records with NSCTL_* fields: to the journal, or as one JSON object per line on stderr. */

/*
 * A record is first collected as a list of fields, each a string or an integer, and only
 * then written: as journal fields (KEY=VALUE), or as one JSON object on stderr whose keys
 * are the same. Absent values are left out in both. docs/audit.md lists the fields.
 *
 * What a caller chose (argv, the target's name, the variable named in a message) is
 * bounded per record (AUDIT_ARGV_MAX, AUDIT_TARGET_MAX, AUDIT_MESSAGE_MAX: under 3 KiB in
 * all); a cut value ends in "...", its original length is recorded beside it and
 * NSCTL_TRUNCATED names the cut fields. Denials go through a per-uid rate limit
 * (daemon/audit-limit.c) that counts what it holds back and says so in a summary record;
 * permits and session records are never held back.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include <systemd/sd-journal.h>

#include "daemon/audit-limit.h"
#include "daemon/audit.h"
#include "daemon/policy/policy.h"
#include "daemon/user-cache.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"
#include "protocol/util.h"
#include "protocol/varlink.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"
#define FIELDS_MAX (36 + _NS_COUNT)

#define AUDIT_ARGV_MAX 2048    /* bytes of the JSON text of argv */
#define AUDIT_TARGET_MAX 256
#define AUDIT_MESSAGE_MAX 512
#define TRUNCATION_MARK "..."

/*
 * MESSAGE_ID per event, fixed (made with systemd-id128 new): journalctl MESSAGE_ID=...
 * finds every record of one kind whatever the MESSAGE says.
 */
static const struct {
	const char *event;
	const char *id;
} message_ids[] = {
	{ "decision", "edaf20de66834eb68701b32875b055b3" },
	{ "session-start", "df0d8ad8d1064095935dfd9218c0e7d2" },
	{ "session-end", "75b544e4a66f4571816eaf130e3f2bf3" },
	{ "denials-suppressed", "da58ef8f519a4b27b1e9785991fe6aa4" },
	{ "kill", "3b1f6c2e8d9a4f0b9e6d2c71a5f48e03" },
};

static enum audit_sink sink = AUDIT_STDERR;
static struct audit_limit limit;  /* the denials' rate limit, per caller uid */

static const char *message_id(const char *event)
{
	for (size_t i = 0; i < ELEMENTSOF(message_ids); i++)
		if (strcmp(message_ids[i].event, event) == 0)
			return message_ids[i].id;
	return NULL;
}

int audit_sink_from_string(const char *s)
{
	if (strcmp(s, "auto") == 0)
		return AUDIT_AUTO;
	if (strcmp(s, "journal") == 0)
		return AUDIT_JOURNAL;
	if (strcmp(s, "stderr") == 0)
		return AUDIT_STDERR;
	return -EINVAL;
}

static void flush_at_exit(void);

void audit_init(enum audit_sink s)
{
	static bool registered;

	if (s == AUDIT_AUTO)
		s = access(JOURNAL_SOCKET, W_OK) == 0 ? AUDIT_JOURNAL : AUDIT_STDERR;
	sink = s;
	/* Suppressed denials still pending are counted out when nsctld exits. */
	if (!registered && atexit(flush_at_exit) == 0)
		registered = true;
}

struct field {
	char key[32];
	const char *str;   /* a string value, or NULL for an integer */
	int64_t num;
	bool json;         /* str is JSON text (argv): raw in the journal, parsed on stderr */
};

struct fields {
	struct field f[FIELDS_MAX];
	size_t n;
};

static void add_str(struct fields *fs, const char *key, const char *v)
{
	if (!v || fs->n == FIELDS_MAX)
		return;
	snprintf(fs->f[fs->n].key, sizeof(fs->f[0].key), "%s", key);
	fs->f[fs->n].str = v;
	fs->f[fs->n].json = false;
	fs->n++;
}

static void add_num(struct fields *fs, const char *key, int64_t v)
{
	if (fs->n == FIELDS_MAX)
		return;
	snprintf(fs->f[fs->n].key, sizeof(fs->f[0].key), "%s", key);
	fs->f[fs->n].str = NULL;
	fs->f[fs->n].num = v;
	fs->n++;
}

/* The user name of uid from the host's user database, into buf; NULL when there is none. */
static const char *user_name(uid_t uid, char *buf, size_t n)
{
	const struct user_entry *e;

	if (user_cache_get(user_cache_host(), uid, &e) < 0 || !e->found)
		return NULL;
	snprintf(buf, n, "%s", e->name);
	return buf;
}

/* How many bytes of s (at most max) end on a UTF-8 character boundary. */
static size_t utf8_cut(const char *s, size_t max)
{
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/*
 * s, or its first bytes and TRUNCATION_MARK when it is longer than max (buf has max + 4
 * bytes). *truncated is set when it was cut.
 */
static const char *bounded(const char *s, size_t max, char *buf, bool *truncated)
{
	size_t len, keep;

	*truncated = false;
	if (!s)
		return NULL;
	len = strlen(s);
	if (len <= max)
		return s;
	keep = utf8_cut(s, max - strlen(TRUNCATION_MARK));
	memcpy(buf, s, keep);
	strcpy(buf + keep, TRUNCATION_MARK);
	*truncated = true;
	return buf;
}

/*
 * argv as JSON text of at most AUDIT_ARGV_MAX bytes: whole arguments while they fit, the
 * one that does not cut (ending in TRUNCATION_MARK), the rest left out. NULL on ENOMEM.
 * *ret_len is the length of the whole argv's JSON text.
 */
static struct json_object *argv_bounded(char *const *argv, bool *truncated, size_t *ret_len)
{
	_cleanup_json_ struct json_object *all = strv_to_json(argv);
	_cleanup_json_ struct json_object *out = NULL;
	size_t used = 2, n;

	*truncated = false;
	if (!all)
		return NULL;
	*ret_len = strlen(json_object_to_json_string_ext(all, JSON_C_TO_STRING_PLAIN));
	if (*ret_len <= AUDIT_ARGV_MAX)
		return TAKE_PTR(all);
	*truncated = true;
	out = json_object_new_array();
	if (!out)
		return NULL;
	n = json_object_array_length(all);
	for (size_t i = 0; i < n; i++) {
		const char *a = json_object_get_string(json_object_array_get_idx(all, i));
		size_t len = strlen(a), keep = len;
		struct json_object *v;

		/* Cut until its JSON text (escapes included) fits the room that is left. */
		for (;;) {
			_cleanup_free_ char *cut = NULL;

			if (keep < len) {
				keep = utf8_cut(a, keep);
				cut = malloc(keep + sizeof(TRUNCATION_MARK));
				if (!cut)
					return NULL;
				memcpy(cut, a, keep);
				strcpy(cut + keep, TRUNCATION_MARK);
			}
			v = json_object_new_string(cut ? cut : a);
			if (!v)
				return NULL;
			if (used + (i ? 1 : 0) +
				    strlen(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN)) <=
			    AUDIT_ARGV_MAX)
				break;
			json_object_put(v);
			v = NULL;
			if (keep == 0)
				break;
			keep = keep / 2;
		}
		if (!v)
			break;
		used += (i ? 1 : 0) +
			strlen(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
		json_object_array_add(out, v);
		if (keep < len)
			break;
	}
	return TAKE_PTR(out);
}

/* What collect() needs besides the record: texts made for it, and what was cut. */
struct extras {
	const char *ns, *caps, *argv_json, *user, *target, *message;
	const char *truncated;     /* "ARGV,TARGET", or NULL */
	size_t argc, argv_len, target_len, message_len;
};

/* Everything of r worth recording; strings point into r and x. */
static void collect(const struct audit_record *r, const struct extras *x, struct fields *fs)
{
	const char *ns = x->ns, *caps = x->caps, *argv_json = x->argv_json;

	add_str(fs, "MESSAGE", x->message);
	add_str(fs, "MESSAGE_ID", message_id(r->event));
	add_str(fs, "NSCTL_EVENT", r->event);
	if (r->caller) {
		add_num(fs, "NSCTL_CALLER_UID", r->caller->uid);
		add_str(fs, "NSCTL_CALLER_USER", x->user);
		add_num(fs, "NSCTL_CALLER_GID", r->caller->gid);
		add_num(fs, "NSCTL_CALLER_PID", r->caller->pid);
	}
	add_str(fs, "NSCTL_TARGET", x->target);
	add_str(fs, "NSCTL_NAMESPACES", ns);
	for (int t = 0; r->ns_inodes && t < _NS_COUNT; t++) {
		char key[32];

		if (!r->ns_inodes[t])
			continue;
		snprintf(key, sizeof(key), "NSCTL_NS_%s", ns_table[t].name);
		for (char *c = key; *c; c++)
			*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
		add_num(fs, key, (int64_t)r->ns_inodes[t]);
	}
	if (argv_json) {
		add_str(fs, "NSCTL_ARGV", argv_json);
		fs->f[fs->n - 1].json = true;
	}
	if (x->truncated) {
		add_str(fs, "NSCTL_TRUNCATED", x->truncated);
		if (strstr(x->truncated, "ARGV")) {
			add_num(fs, "NSCTL_ARGC", (int64_t)x->argc);
			add_num(fs, "NSCTL_ARGV_LENGTH", (int64_t)x->argv_len);
		}
		if (strstr(x->truncated, "TARGET"))
			add_num(fs, "NSCTL_TARGET_LENGTH", (int64_t)x->target_len);
		if (strstr(x->truncated, "MESSAGE"))
			add_num(fs, "NSCTL_MESSAGE_LENGTH", (int64_t)x->message_len);
	}
	add_str(fs, "NSCTL_DECISION", r->decision);
	add_str(fs, "NSCTL_RULE", r->rule);
	if (r->granted) {
		add_num(fs, "NSCTL_RUN_AS_UID", r->run_as_uid);
		add_num(fs, "NSCTL_RUN_AS_GID", r->run_as_gid);
		add_str(fs, "NSCTL_CAPS", caps);
		if (r->inside_set && r->inside_uid != r->run_as_uid)
			add_num(fs, "NSCTL_RUN_AS_UID_INSIDE", r->inside_uid);
		if (r->inside_set && r->inside_gid != r->run_as_gid)
			add_num(fs, "NSCTL_RUN_AS_GID_INSIDE", r->inside_gid);
	}
	if (r->session)
		add_num(fs, "NSCTL_SESSION", (int64_t)r->session);
	if (r->pid > 0)
		add_num(fs, "NSCTL_PID", r->pid);
	if (r->exit_status >= 0)
		add_num(fs, "NSCTL_EXIT_STATUS", r->exit_status);
	if (r->signal > 0)
		add_num(fs, "NSCTL_SIGNAL", r->signal);
	add_str(fs, "NSCTL_ERROR", r->error);
	if (r->duration_usec)
		add_num(fs, "NSCTL_DURATION_USEC", (int64_t)r->duration_usec);
	add_str(fs, "NSCTL_REASON", r->reason);
	add_str(fs, "NSCTL_ENDED_BY", r->ended_by);
	if (r->killed)
		add_num(fs, "NSCTL_KILLED_BY_UID", r->killed_by_uid);
}

static void log_stderr(const struct fields *fs)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();

	if (!o)
		return;
	for (size_t i = 0; i < fs->n; i++) {
		const struct field *f = &fs->f[i];
		struct json_object *v;

		if (f->json)
			v = json_tokener_parse(f->str);
		else if (f->str)
			v = json_object_new_string(f->str);
		else
			v = json_object_new_int64(f->num);
		/* Out of memory: the record without this field rather than no record. */
		(void)proto_json_add(o, f->key, v);
	}
	fprintf(stderr, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(stderr);
}

/* 0, or -errno when the journal did not take it. */
static int log_journal(const struct fields *fs)
{
	char text[FIELDS_MAX][64];
	char *owned[FIELDS_MAX] = { 0 };
	struct iovec iov[FIELDS_MAX + 2];
	size_t n = 0;
	int r;

	iov[n++] = (struct iovec){ .iov_base = (char *)"PRIORITY=5", .iov_len = 10 };
	iov[n++] = (struct iovec){ .iov_base = (char *)"SYSLOG_IDENTIFIER=nsctld", .iov_len = 24 };
	for (size_t i = 0; i < fs->n; i++) {
		const struct field *f = &fs->f[i];
		int k;

		if (f->str) {
			if (asprintf(&owned[i], "%s=%s", f->key, f->str) < 0) {
				owned[i] = NULL;
				continue;
			}
			iov[n++] = (struct iovec){
				.iov_base = owned[i], .iov_len = strlen(owned[i]),
			};
			continue;
		}
		k = snprintf(text[i], sizeof(text[i]), "%s=%lld", f->key, (long long)f->num);
		iov[n++] = (struct iovec){ .iov_base = text[i], .iov_len = (size_t)k };
	}
	r = sd_journal_sendv(iov, (int)n);
	for (size_t i = 0; i < fs->n; i++)
		free(owned[i]);
	return r;
}

static void write_fields(const struct fields *fs)
{
	if (sink == AUDIT_JOURNAL && log_journal(fs) >= 0)
		return;
	log_stderr(fs); /* never lose a record */
}

/* "412 denials of uid 1003 suppressed in 10 s", as a record of its own. */
static void log_summary(const struct audit_limit_summary *s)
{
	struct fields fs = { .n = 0 };
	char message[128], user[256];
	uint64_t sec = (s->span_usec + 500000) / 1000000;

	snprintf(message, sizeof(message), "%llu denials of uid %u suppressed in %llu s",
		 (unsigned long long)s->suppressed, (unsigned)s->uid, (unsigned long long)sec);
	add_str(&fs, "MESSAGE", message);
	add_str(&fs, "MESSAGE_ID", message_id("denials-suppressed"));
	add_str(&fs, "NSCTL_EVENT", "denials-suppressed");
	add_num(&fs, "NSCTL_CALLER_UID", s->uid);
	add_str(&fs, "NSCTL_CALLER_USER", user_name(s->uid, user, sizeof(user)));
	add_num(&fs, "NSCTL_SUPPRESSED", (int64_t)s->suppressed);
	add_num(&fs, "NSCTL_SUPPRESSED_USEC", (int64_t)s->span_usec);
	write_fields(&fs);
}

/* Summaries that are due (force: all of them). */
static void flush_summaries(uint64_t now, bool force)
{
	struct audit_limit_summary s;

	while (audit_limit_due(&limit, now, force, &s) > 0)
		log_summary(&s);
}

static void flush_at_exit(void)
{
	flush_summaries(now_usec(), true);
}

void audit_log(const struct audit_record *r)
{
	_cleanup_json_ struct json_object *argv = NULL;
	struct audit_limit_summary summary;
	struct fields fs = { .n = 0 };
	char ns[128], caps[1024], user[256], truncated[32] = "";
	char target[AUDIT_TARGET_MAX + 4], message[AUDIT_MESSAGE_MAX + 4];
	struct extras x = { 0 };
	bool cut, deny = r->decision && strcmp(r->decision, "deny") == 0;
	uint64_t now = now_usec();
	int k = 0;

	flush_summaries(now, false);
	if (deny && r->caller) {
		k = audit_limit_take(&limit, r->caller->uid, now, &summary);
		if (k == 1 || k == 2)
			log_summary(&summary);
		if (k < 0 || k == 2)
			return;
	}

	ns_mask_to_string(r->ns_mask, ns, sizeof(ns));
	policy_caps_to_string(r->caps, caps, sizeof(caps));
	x.ns = ns;
	x.caps = caps;
	if (r->argv) {
		x.argc = strv_length(r->argv);
		argv = argv_bounded(r->argv, &cut, &x.argv_len);
		if (argv)
			x.argv_json = json_object_to_json_string_ext(argv, JSON_C_TO_STRING_PLAIN);
		if (cut)
			strcat(truncated, ",ARGV");
	}
	x.target = bounded(r->target, AUDIT_TARGET_MAX, target, &cut);
	if (cut) {
		x.target_len = strlen(r->target);
		strcat(truncated, ",TARGET");
	}
	x.message = bounded(r->message ? r->message : r->event, AUDIT_MESSAGE_MAX, message, &cut);
	if (cut) {
		x.message_len = strlen(r->message);
		strcat(truncated, ",MESSAGE");
	}
	x.truncated = truncated[0] ? truncated + 1 : NULL;
	x.user = r->caller ? user_name(r->caller->uid, user, sizeof(user)) : NULL;
	collect(r, &x, &fs);
	write_fields(&fs);
}
