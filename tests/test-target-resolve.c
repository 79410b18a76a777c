/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests for daemon/targets/target-resolve.c: resolving through a real libevent loop. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <event2/event.h>

#include "daemon/targets/target-backend.h"
#include "daemon/targets/target-cache.h"
#include "daemon/targets/target-resolve.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

/* A context for the target layer alone, on a real libevent base: no manager, no socket. */
static int setup_context(void **state)
{
	struct event_base *base = event_base_new();
	struct target_context *ctx = NULL;

	assert_non_null(base);
	assert_int_equal(
		target_context_new(
			&(struct target_context){
				.base = base,
				.kinds = TARGET_KINDS_ALL,
				.backend_timeout_ms = 2000,
				.cache_sec = 5,
				.docker_socket = (char *)"/nonexistent/nsctl-test/docker.sock",
				.podman_socket = (char *)"/nonexistent/nsctl-test/podman.sock",
			},
			&ctx),
		0);
	*state = ctx;
	return 0;
}

static int teardown_context(void **state)
{
	struct target_context *ctx = *state;
	struct event_base *base = ctx->base;

	target_context_free(ctx);
	event_base_free(base);
	return 0;
}

struct outcome {
	bool called;
	int r;
	char canonical[64];
	char reason[256];
	char backend[16];
	pid_t pid;
	bool pinned;
	uint64_t ns_inodes[_NS_COUNT];
};

static void on_resolved(struct target_result *res, void *userdata)
{
	struct outcome *o = userdata;

	o->called = true;
	o->r = res->r;
	if (res->t) {
		snprintf(o->canonical, sizeof(o->canonical), "%s", res->t->canonical);
		o->pid = res->t->pid;
		o->pinned = res->t->pidfd >= 0 || res->t->nsfd >= 0;
		memcpy(o->ns_inodes, res->t->ns_inodes, sizeof(o->ns_inodes));
	}
	if (res->reason)
		snprintf(o->reason, sizeof(o->reason), "%s", res->reason);
	if (res->backend)
		snprintf(o->backend, sizeof(o->backend), "%s", res->backend);
}

/* Resolve name as uid and run the loop until the callback came; it must not come from within. */
static struct outcome resolve_as(struct target_context *ctx, uid_t uid, const char *name)
{
	struct outcome o = { 0 };
	struct target_op *op = NULL;

	assert_int_equal(
		target_resolve_as(ctx, uid, TARGET_KINDS_ALL, name, NULL, &o, on_resolved, &op), 0);
	assert_false(o.called);
	while (!o.called)
		assert_true(event_base_loop(ctx->base, EVLOOP_ONCE) >= 0);
	return o;
}

static struct outcome resolve(struct target_context *ctx, const char *name)
{
	return resolve_as(ctx, (uid_t)-1, name);
}

static void test_resolve(void **state)
{
	struct target_context *ctx = *state;
	char name[32];
	struct outcome o;

	snprintf(name, sizeof(name), "pid:%d", (int)getpid());
	o = resolve(ctx, name);
	assert_int_equal(o.r, 0);
	assert_string_equal(o.canonical, name);
	assert_int_equal(o.pid, getpid());
	assert_true(o.pinned);

	assert_int_equal(resolve(ctx, "pid:2147483647").r, -ENOENT);
	assert_int_equal(resolve(ctx, "netns:nsctl-test-no-such-netns").r, -ENOENT);
	assert_int_equal(resolve(ctx, "bogus:x").r, -EINVAL);
	assert_int_equal(resolve(ctx, "pid:x").r, -EINVAL);
	assert_int_equal(resolve(ctx, "").r, -EINVAL);
	/* No backend takes a bare name with a slash. */
	assert_int_equal(resolve(ctx, "a/b").r, -EINVAL);

	/* An engine that is not there: for its kind, BackendUnavailable with a reason... */
	o = resolve(ctx, "docker:web");
	assert_int_equal(o.r, -EHOSTDOWN);
	assert_string_equal(o.backend, "docker");
	assert_non_null(strstr(o.reason, "cannot connect to /nonexistent/nsctl-test/docker.sock"));
	/* ... for a bare name, it has nothing (and neither has a bus that is not there). */
	assert_int_equal(resolve(ctx, "nsctl-test-no-such-name").r, -ENOENT);

	ctx->kinds = TARGET_KIND_BIT(TARGET_PID);
	o = resolve(ctx, "netns:blue");
	assert_int_equal(o.r, -ENOPROTOOPT);
	assert_string_equal(o.backend, "netns");
	assert_non_null(strstr(o.reason, "not enabled"));
	/* pid is never tried for a bare name: nothing is left to try. */
	assert_int_equal(resolve(ctx, "42").r, -EINVAL);
}

/* The namespace inodes come with the pinned target: those of /proc/PID/ns, read once. */
static void test_resolve_ns_inodes(void **state)
{
	struct target_context *ctx = *state;
	char name[32], path[64];
	struct outcome o;

	snprintf(name, sizeof(name), "pid:%d", (int)getpid());
	o = resolve(ctx, name);
	assert_int_equal(o.r, 0);
	for (int i = 0; i < _NS_COUNT; i++) {
		struct stat st;

		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_table[i].proc_name);
		if (stat(path, &st) < 0)
			assert_int_equal(o.ns_inodes[i], 0);
		else
			assert_int_equal(o.ns_inodes[i], (uint64_t)st.st_ino);
	}
}

/* A process that has exited is no target, though its pid is still there (a zombie). */
static void test_resolve_exited(void **state)
{
	struct target_context *ctx = *state;
	char name[32];
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	/* Wait until it is a zombie, without reaping it. */
	assert_int_equal(waitid(P_PID, (id_t)pid, &(siginfo_t){ 0 }, WEXITED | WNOWAIT), 0);
	snprintf(name, sizeof(name), "pid:%d", (int)pid);
	assert_int_equal(resolve(ctx, name).r, -ENOENT);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
}

/*
 * Names a service resolves are asked of the cache first, in the caller's partition: what
 * one uid looked up is never served to another.
 */
static void test_resolve_cached(void **state)
{
	struct target_context *ctx = *state;
	struct target *t;
	struct outcome o;
	pid_t pid = fork();
	int pidfd;

	assert_true(pid >= 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	pidfd = pidfd_open(pid, 0);
	assert_true(pidfd >= 0);
	assert_int_equal(target_new_pinned(&target_backend_docker, "web", pid, pidfd, &t), 0);
	target_cache_put(ctx->cache, "1000/docker:web", t);
	target_free(t);

	o = resolve_as(ctx, 1000, "docker:web");
	assert_int_equal(o.r, 0);
	assert_string_equal(o.canonical, "docker:web");
	assert_int_equal(o.pid, pid);
	assert_true(o.pinned);
	/* Another uid, and the shared partition, ask the engine (which is not there). */
	assert_int_equal(resolve_as(ctx, 1001, "docker:web").r, -EHOSTDOWN);
	assert_int_equal(resolve(ctx, "docker:web").r, -EHOSTDOWN);

	/* Gone: the loop drops it, and the engine is asked again. */
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(resolve_as(ctx, 1000, "docker:web").r, -EHOSTDOWN);
}

static void test_resolve_cancel(void **state)
{
	struct target_context *ctx = *state;
	struct outcome o = { 0 };
	struct target_op *op = NULL;

	assert_int_equal(target_resolve_as(ctx, (uid_t)-1, TARGET_KINDS_ALL, "docker:web", NULL,
					   &o, on_resolved, &op), 0);
	target_op_cancel(op);
	assert_true(event_base_loop(ctx->base, EVLOOP_NONBLOCK) >= 0);
	assert_false(o.called);
	/* pid: completes on the next iteration too, and can be cancelled until then. */
	assert_int_equal(target_resolve_as(ctx, (uid_t)-1, TARGET_KINDS_ALL, "pid:1", NULL, &o,
					   on_resolved, &op), 0);
	target_op_cancel(op);
	assert_true(event_base_loop(ctx->base, EVLOOP_NONBLOCK) >= 0);
	assert_false(o.called);
}

static bool reading(const char *canonical, const char *bare, void *userdata)
{
	char *all = userdata;

	strcat(all, canonical);
	strcat(all, "|");
	strcat(all, bare);
	strcat(all, " ");
	return false;
}

static void test_readings(void **state)
{
	struct target_context *ctx = *state;
	char all[256] = "";

	assert_false(target_readings(ctx, "web", reading, all));
	assert_string_equal(all, "netns:web|web docker:web|web podman:web|web machine:web|web ");
	all[0] = '\0';
	assert_false(target_readings(ctx, "web.service", reading, all));
	assert_non_null(strstr(all, "unit:web.service|web.service"));
	all[0] = '\0';
	assert_false(target_readings(ctx, "docker:3f2a", reading, all));
	assert_string_equal(all, "docker:3f2a|3f2a ");
	/* Only the enabled backends. */
	ctx->kinds = TARGET_KIND_BIT(TARGET_PODMAN);
	all[0] = '\0';
	assert_false(target_readings(ctx, "web", reading, all));
	assert_string_equal(all, "podman:web|web ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_resolve, setup_context, teardown_context),
		cmocka_unit_test_setup_teardown(test_resolve_ns_inodes, setup_context,
						teardown_context),
		cmocka_unit_test_setup_teardown(test_resolve_exited, setup_context,
						teardown_context),
		cmocka_unit_test_setup_teardown(test_resolve_cached, setup_context,
						teardown_context),
		cmocka_unit_test_setup_teardown(test_resolve_cancel, setup_context,
						teardown_context),
		cmocka_unit_test_setup_teardown(test_readings, setup_context, teardown_context),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
