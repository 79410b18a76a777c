/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Audit records with NSCTL_* fields: to the journal, or as one JSON object per line on stderr. */

/*
 * A record is first collected as a list of fields, each a string or an integer, and only
 * then written: as journal fields (KEY=VALUE), or as one JSON object on stderr whose keys
 * are the same. Absent values are left out in both. docs/audit.md lists the fields.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include <json-c/json.h>
#include <systemd/sd-journal.h>

#include "daemon/audit.h"
#include "daemon/policy.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"
#define FIELDS_MAX (24 + _NS_COUNT)

static enum audit_sink sink = AUDIT_STDERR;

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

void audit_init(enum audit_sink s)
{
	if (s == AUDIT_AUTO)
		s = access(JOURNAL_SOCKET, W_OK) == 0 ? AUDIT_JOURNAL : AUDIT_STDERR;
	sink = s;
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

/* Everything of r worth recording; strings point into r, ns, caps and argv_json. */
static void collect(const struct audit_record *r, const char *ns, const char *caps,
		    const char *argv_json, struct fields *fs)
{
	add_str(fs, "MESSAGE", r->message ? r->message : r->event);
	add_str(fs, "NSCTL_EVENT", r->event);
	if (r->caller) {
		add_num(fs, "NSCTL_CALLER_UID", r->caller->uid);
		add_num(fs, "NSCTL_CALLER_GID", r->caller->gid);
		add_num(fs, "NSCTL_CALLER_PID", r->caller->pid);
	}
	add_str(fs, "NSCTL_TARGET", r->target);
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
		json_object_object_add(o, f->key, v);
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

void audit_log(const struct audit_record *r)
{
	_cleanup_json_ struct json_object *argv = r->argv ? strv_to_json(r->argv) : NULL;
	struct fields fs = { .n = 0 };
	char ns[128], caps[1024];

	ns_mask_to_string(r->ns_mask, ns, sizeof(ns));
	policy_caps_to_string(r->caps, caps, sizeof(caps));
	collect(r, ns, caps,
		argv ? json_object_to_json_string_ext(argv, JSON_C_TO_STRING_PLAIN) : NULL, &fs);
	if (sink == AUDIT_JOURNAL && log_journal(&fs) >= 0)
		return;
	log_stderr(&fs); /* never lose a record */
}
