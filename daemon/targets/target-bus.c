/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Target backends "machine:NAME" (systemd-machined) and "unit:NAME.service" (systemd). */

/*
 * Both are a process found through the system bus: the manager object names the target's
 * object (machined's GetMachine, systemd's GetUnit), whose property holds the pid (Leader,
 * MainPID). As for containers, the pid becomes a pidfd and the property is read again: only
 * the same pid, with the pidfd's process still alive, makes the pidfd the target's. A unit
 * without a main process (0) is not a target.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>

#include "daemon/targets/bus.h"
#include "daemon/targets/target-backend.h"
#include "protocol/cleanup.h"

struct bus_list;

/* Where a kind of target lives on the bus. */
struct bus_source {
	const struct target_backend *backend;
	const char *service;
	const char *path;
	const char *manager_iface;
	const char *get_method;       /* NAME -> object path */
	const char *object_iface;
	const char *pid_property;
	const char *const *not_found; /* error names that mean "no such target" */
	bool (*name_valid)(const char *name);
	/* Start the call that lists the targets, and read its reply into bus_list_add(). */
	int (*list_call)(struct bus_list *bl);
	int (*list_read)(struct bus_list *bl, sd_bus_message *reply);
};

static const struct bus_source machine_source, unit_source;

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Machine names as machined takes them: host-name-like, at most 64 characters. */
static bool machine_name_valid(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > 64 || !is_alnum(s[0]))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!is_alnum(s[i]) && !strchr("-_.", s[i]))
			return false;
	return true;
}

/* Service unit names: "NAME.service", NAME of the characters unit names allow. */
static bool unit_name_valid(const char *s)
{
	size_t len = strlen(s);

	if (len <= 8 || len > 255 || strcmp(s + len - 8, ".service") != 0)
		return false;
	for (size_t i = 0; i < len - 8; i++)
		if (!is_alnum(s[i]) && !strchr(":-_.\\@", s[i]))
			return false;
	return true;
}

static int machine_parse(const char *rest, struct target *t)
{
	return machine_name_valid(rest) ? 0 : -EINVAL;
}

static int unit_parse(const char *rest, struct target *t)
{
	return unit_name_valid(rest) ? 0 : -EINVAL;
}

static bool is_not_found(const struct bus_source *src, const sd_bus_error *e)
{
	for (const char *const *n = src->not_found; e && *n; n++)
		if (sd_bus_error_has_name(e, *n))
			return true;
	return false;
}

/* --- lookup ------------------------------------------------------------------------------ */

struct bus_lookup {
	struct target_op op;
	struct target_context *ctx;
	const struct bus_source *src;
	char *name;
	char *path;
	bool confirming;          /* the second reading of the pid */
	pid_t pid;
	int pidfd;
	struct bus_call *call;
	target_lookup_fn cb;
	void *userdata;
};

static void lookup_free(struct bus_lookup *l)
{
	bus_call_cancel(l->call);
	safe_close(l->pidfd);
	free(l->name);
	free(l->path);
	free(l);
}

static void lookup_cancel(struct target_op *op)
{
	lookup_free((struct bus_lookup *)op);
}

static void lookup_finish(struct bus_lookup *l, int r, struct target *t, const char *reason)
{
	l->call = NULL; /* finishing: bus.c frees it after this callback */
	l->cb(r, t, reason, l->userdata);
	lookup_free(l);
}

static void lookup_fail(struct bus_lookup *l, int r, const sd_bus_error *e)
{
	char reason[512];

	if (is_not_found(l->src, e)) {
		lookup_finish(l, -ENOENT, NULL, NULL);
		return;
	}
	r = bus_failure(r, e, l->src->service, l->ctx->backend_timeout_ms, reason,
			sizeof(reason));
	lookup_finish(l, r, NULL, reason);
}

static void lookup_succeed(struct bus_lookup *l)
{
	struct target *t = NULL;
	int r;

	r = target_new_pinned(l->src->backend, l->name, l->pid, TAKE_FD(l->pidfd), &t);
	lookup_finish(l, r, t, NULL);
}

static void on_lookup_pid(int r, sd_bus_message *reply, const sd_bus_error *e, void *userdata)
{
	struct bus_lookup *l = userdata;
	uint32_t pid = 0;

	l->call = NULL;
	if (r >= 0)
		r = bus_reply_read_u32(reply, &pid);
	if (r < 0) {
		lookup_fail(l, r, e);
		return;
	}
	if (!l->confirming) {
		if (pid == 0 || pid > INT32_MAX) {
			lookup_finish(l, -ENOENT, NULL, NULL);
			return;
		}
		l->pid = (pid_t)pid;
		l->pidfd = pidfd_open(l->pid, 0);
		if (l->pidfd < 0) {
			lookup_finish(l, errno == ESRCH ? -ENOENT : -errno, NULL, NULL);
			return;
		}
		l->confirming = true;
		r = bus_get_property(l->ctx->bus, l->src->service, l->path,
				     l->src->object_iface, l->src->pid_property, on_lookup_pid, l,
				     &l->call);
		if (r < 0)
			lookup_finish(l, r, NULL, NULL);
		return;
	}
	if ((pid_t)pid != l->pid || target_pidfd_exited(l->pidfd)) {
		lookup_finish(l, -ENOENT, NULL, NULL);
		return;
	}
	lookup_succeed(l);
}

static void on_lookup_object(int r, sd_bus_message *reply, const sd_bus_error *e,
			     void *userdata)
{
	struct bus_lookup *l = userdata;
	const char *path;

	l->call = NULL;
	if (r >= 0)
		r = sd_bus_message_read(reply, "o", &path);
	if (r < 0) {
		lookup_fail(l, r, e);
		return;
	}
	l->path = strdup(path);
	if (!l->path) {
		lookup_finish(l, -ENOMEM, NULL, NULL);
		return;
	}
	r = bus_get_property(l->ctx->bus, l->src->service, l->path, l->src->object_iface,
			     l->src->pid_property, on_lookup_pid, l, &l->call);
	if (r < 0)
		lookup_finish(l, r, NULL, NULL);
}

static int bus_lookup(struct target_context *ctx, const struct bus_source *src, const char *rest,
		      target_lookup_fn cb, void *userdata, struct target_op **ret)
{
	struct bus_lookup *l = calloc(1, sizeof(*l));
	int r;

	if (!l)
		return -ENOMEM;
	l->op.cancel = lookup_cancel;
	l->ctx = ctx;
	l->src = src;
	l->pidfd = -EBADF;
	l->cb = cb;
	l->userdata = userdata;
	l->name = strdup(rest);
	if (!l->name) {
		lookup_free(l);
		return -ENOMEM;
	}
	r = bus_call_method(ctx->bus, src->service, src->path, src->manager_iface,
			    src->get_method, on_lookup_object, l, &l->call, "s", rest);
	if (r < 0) {
		lookup_free(l);
		return r;
	}
	*ret = &l->op;
	return 0;
}

static int machine_lookup(struct target_context *ctx, const char *rest, target_lookup_fn cb,
			  void *userdata, struct target_op **ret)
{
	return bus_lookup(ctx, &machine_source, rest, cb, userdata, ret);
}

static int unit_lookup(struct target_context *ctx, const char *rest, target_lookup_fn cb,
		       void *userdata, struct target_op **ret)
{
	return bus_lookup(ctx, &unit_source, rest, cb, userdata, ret);
}

/* --- listing ----------------------------------------------------------------------------- */

struct bus_list {
	struct target_lister lister;   /* first: the handle */
	const struct bus_source *src;
	struct bus_call *call;         /* the listing call */
};

static void list_done(struct target_lister *l)
{
	bus_call_cancel(((struct bus_list *)l)->call);
}

static void pid_cancel(void *handle)
{
	bus_call_cancel(handle);
}

static void list_fail(struct bus_list *bl, int r, const sd_bus_error *e)
{
	char reason[512];

	r = bus_failure(r, e, bl->src->service, bl->lister.ctx->backend_timeout_ms, reason,
			sizeof(reason));
	target_lister_finish(&bl->lister, r, reason);
}

static void on_list_pid(int r, sd_bus_message *reply, const sd_bus_error *e, void *userdata)
{
	struct target_list_slot *slot = userdata;
	struct bus_list *bl = (struct bus_list *)slot->lister;
	char reason[512];
	uint32_t pid = 0;

	if (r >= 0)
		r = bus_reply_read_u32(reply, &pid);
	if (r < 0 && !is_not_found(bl->src, e)) {
		r = bus_failure(r, e, bl->src->service, bl->lister.ctx->backend_timeout_ms,
				reason, sizeof(reason));
		target_lister_pid_done(slot, r, 0, NULL, reason);
		return;
	}
	/* Gone meanwhile, or without a process (pid 0): not a target. */
	if (r < 0 || pid == 0 || pid > INT32_MAX)
		target_lister_pid_done(slot, -ENOENT, 0, NULL, NULL);
	else
		target_lister_pid_done(slot, 0, (pid_t)pid, NULL, NULL);
}

static int pid_start(struct target_list_slot *slot, const char *path)
{
	struct bus_list *bl = (struct bus_list *)slot->lister;
	struct bus_call *call;
	int r;

	r = bus_get_property(bl->lister.ctx->bus, bl->src->service, path,
			     bl->src->object_iface, bl->src->pid_property, on_list_pid, slot,
			     &call);
	if (r < 0)
		return r;
	slot->handle = call;
	return 0;
}

/* One target from the listing call, if it has a valid name; 0 or -ENOMEM. */
static int bus_list_add(struct bus_list *bl, const char *name, const char *path,
			const char *state)
{
	if (!bl->src->name_valid(name))
		return 0;
	return target_lister_add(&bl->lister, name, state, path);
}

static void on_list(int r, sd_bus_message *reply, const sd_bus_error *e, void *userdata)
{
	struct bus_list *bl = userdata;

	bl->call = NULL;
	if (r >= 0)
		r = bl->src->list_read(bl, reply);
	if (r == -ENOMEM) {
		target_lister_finish(&bl->lister, r, NULL);
		return;
	}
	if (r < 0) {
		list_fail(bl, r, e);
		return;
	}
	target_lister_run(&bl->lister);
}

static int machine_list_call(struct bus_list *bl)
{
	return bus_call_method(bl->lister.ctx->bus, bl->src->service, bl->src->path,
			       bl->src->manager_iface, "ListMachines", on_list, bl, &bl->call,
			       NULL);
}

/* ListMachines: a(ssso) name, class, service, object. */
static int machine_list_read(struct bus_list *bl, sd_bus_message *reply)
{
	const char *name, *class, *service, *path;
	int r;

	r = sd_bus_message_enter_container(reply, 'a', "(ssso)");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_read(reply, "(ssso)", &name, &class, &service, &path)) > 0) {
		r = bus_list_add(bl, name, path, "running");
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(reply);
}

static int unit_list_call(struct bus_list *bl)
{
	/* Loaded services in a state that can have a main process. */
	return bus_call_method(bl->lister.ctx->bus, bl->src->service, bl->src->path,
			       bl->src->manager_iface, "ListUnitsByPatterns", on_list, bl,
			       &bl->call, "asas", 4, "active", "reloading", "activating",
			       "deactivating", 1, "*.service");
}

/* ListUnitsByPatterns: a(ssssssouso) name, description, load, active, sub, following,
 * object, job id, job type, job object. */
static int unit_list_read(struct bus_list *bl, sd_bus_message *reply)
{
	const char *name, *desc, *load, *active, *sub, *following, *path, *job_type, *job_path;
	uint32_t job_id;
	int r;

	r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_read(reply, "(ssssssouso)", &name, &desc, &load, &active, &sub,
					&following, &path, &job_id, &job_type, &job_path)) > 0) {
		r = bus_list_add(bl, name, path, sub);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(reply);
}

static int bus_list(struct target_context *ctx, const struct bus_source *src,
		    target_filter_fn filter, void *filter_userdata, target_list_fn cb,
		    void *userdata, struct target_op **ret)
{
	struct bus_list *bl = calloc(1, sizeof(*bl));
	int r;

	if (!bl)
		return -ENOMEM;
	target_lister_init(&bl->lister, ctx, src->backend, filter, filter_userdata, cb, userdata);
	bl->lister.pid_start = pid_start;
	bl->lister.pid_cancel = pid_cancel;
	bl->lister.done = list_done;
	bl->src = src;
	r = src->list_call(bl);
	if (r < 0) {
		free(bl);
		return r;
	}
	*ret = &bl->lister.op;
	return 0;
}

static int machine_list(struct target_context *ctx, target_filter_fn filter, void *filter_userdata,
			target_list_fn cb, void *userdata, struct target_op **ret)
{
	return bus_list(ctx, &machine_source, filter, filter_userdata, cb, userdata, ret);
}

static int unit_list(struct target_context *ctx, target_filter_fn filter, void *filter_userdata,
		     target_list_fn cb, void *userdata, struct target_op **ret)
{
	return bus_list(ctx, &unit_source, filter, filter_userdata, cb, userdata, ret);
}

const struct target_backend target_backend_machine = {
	.prefix = "machine",
	.kind = TARGET_MACHINE,
	.bare_names = true,
	.parse = machine_parse,
	.lookup = machine_lookup,
	.list = machine_list,
};

const struct target_backend target_backend_unit = {
	.prefix = "unit",
	.kind = TARGET_UNIT,
	.bare_names = true,
	.parse = unit_parse,
	.lookup = unit_lookup,
	.list = unit_list,
};

static const char *const machine_not_found[] = {
	"org.freedesktop.machine1.NoSuchMachine",
	"org.freedesktop.DBus.Error.UnknownObject",
	NULL,
};

static const struct bus_source machine_source = {
	.backend = &target_backend_machine,
	.service = "org.freedesktop.machine1",
	.path = "/org/freedesktop/machine1",
	.manager_iface = "org.freedesktop.machine1.Manager",
	.get_method = "GetMachine",
	.object_iface = "org.freedesktop.machine1.Machine",
	.pid_property = "Leader",
	.not_found = machine_not_found,
	.name_valid = machine_name_valid,
	.list_call = machine_list_call,
	.list_read = machine_list_read,
};

static const char *const unit_not_found[] = {
	"org.freedesktop.systemd1.NoSuchUnit",
	"org.freedesktop.DBus.Error.UnknownObject",
	NULL,
};

static const struct bus_source unit_source = {
	.backend = &target_backend_unit,
	.service = "org.freedesktop.systemd1",
	.path = "/org/freedesktop/systemd1",
	.manager_iface = "org.freedesktop.systemd1.Manager",
	.get_method = "GetUnit",
	.object_iface = "org.freedesktop.systemd1.Service",
	.pid_property = "MainPID",
	.not_found = unit_not_found,
	.name_valid = unit_name_valid,
	.list_call = unit_list_call,
	.list_read = unit_list_read,
};
