/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Audit records with NSCTL_* fields: to the journal, or as one JSON object per line on stderr. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include <systemd/sd-journal.h>

#include "daemon/audit.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

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

static struct json_object *argv_to_json(char *const *argv)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; a && argv && argv[i]; i++)
		json_object_array_add(a, json_object_new_string(argv[i]));
	return a;
}

static void log_stderr(const struct audit_record *r, const char *ns)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();

	if (!o)
		return;
#define ADD(k, v) json_object_object_add(o, k, v)
	ADD("MESSAGE", json_object_new_string(r->message ? r->message : r->event));
	ADD("NSCTL_EVENT", json_object_new_string(r->event));
	if (r->caller) {
		ADD("NSCTL_CALLER_UID", json_object_new_int64(r->caller->uid));
		ADD("NSCTL_CALLER_GID", json_object_new_int64(r->caller->gid));
		ADD("NSCTL_CALLER_PID", json_object_new_int64(r->caller->pid));
	}
	if (r->target)
		ADD("NSCTL_TARGET", json_object_new_string(r->target));
	ADD("NSCTL_NAMESPACES", json_object_new_string(ns));
	if (r->argv)
		ADD("NSCTL_ARGV", argv_to_json(r->argv));
	if (r->decision)
		ADD("NSCTL_DECISION", json_object_new_string(r->decision));
	if (r->rule)
		ADD("NSCTL_RULE", json_object_new_string(r->rule));
	if (r->session)
		ADD("NSCTL_SESSION", json_object_new_int64((int64_t)r->session));
	if (r->pid > 0)
		ADD("NSCTL_PID", json_object_new_int64(r->pid));
	if (r->exit_status >= 0)
		ADD("NSCTL_EXIT_STATUS", json_object_new_int(r->exit_status));
	if (r->signal > 0)
		ADD("NSCTL_SIGNAL", json_object_new_int(r->signal));
	if (r->error)
		ADD("NSCTL_ERROR", json_object_new_string(r->error));
	if (r->duration_usec)
		ADD("NSCTL_DURATION_USEC", json_object_new_int64((int64_t)r->duration_usec));
#undef ADD
	fprintf(stderr, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	fflush(stderr);
}

static void log_journal(const struct audit_record *r, const char *ns)
{
	_cleanup_json_ struct json_object *argv = r->argv ? argv_to_json(r->argv) : NULL;
	const char *argv_json = argv ? json_object_to_json_string_ext(argv, JSON_C_TO_STRING_PLAIN)
				     : "";
	int r_;

	r_ = sd_journal_send("MESSAGE=%s", r->message ? r->message : r->event,
			     "PRIORITY=%d", 5 /* notice */,
			     "SYSLOG_IDENTIFIER=nsctld",
			     "NSCTL_EVENT=%s", r->event,
			     "NSCTL_CALLER_UID=%u", r->caller ? (unsigned)r->caller->uid : 0u,
			     "NSCTL_CALLER_GID=%u", r->caller ? (unsigned)r->caller->gid : 0u,
			     "NSCTL_CALLER_PID=%d", r->caller ? (int)r->caller->pid : 0,
			     "NSCTL_TARGET=%s", r->target ? r->target : "",
			     "NSCTL_NAMESPACES=%s", ns,
			     "NSCTL_ARGV=%s", argv_json,
			     "NSCTL_DECISION=%s", r->decision ? r->decision : "",
			     "NSCTL_RULE=%s", r->rule ? r->rule : "",
			     "NSCTL_SESSION=%llu", (unsigned long long)r->session,
			     "NSCTL_PID=%d", (int)r->pid,
			     "NSCTL_EXIT_STATUS=%d", r->exit_status,
			     "NSCTL_SIGNAL=%d", r->signal,
			     "NSCTL_ERROR=%s", r->error ? r->error : "",
			     "NSCTL_DURATION_USEC=%llu", (unsigned long long)r->duration_usec,
			     NULL);
	if (r_ < 0)
		log_stderr(r, ns); /* never lose a record */
}

void audit_log(const struct audit_record *r)
{
	char ns[128];

	ns_mask_to_string(r->ns_mask, ns, sizeof(ns));
	if (sink == AUDIT_JOURNAL)
		log_journal(r, ns);
	else
		log_stderr(r, ns);
}
