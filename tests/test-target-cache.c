/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests for daemon/targets/target-cache.c: pinned names, dropped by a real libevent loop. */
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
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <event2/event.h>

#include "daemon/targets/target-backend.h"
#include "daemon/targets/target-cache.h"
#include "protocol/cleanup.h"

static int setup_base(void **state)
{
	struct event_base *base = event_base_new();

	assert_non_null(base);
	*state = base;
	return 0;
}

static int teardown_base(void **state)
{
	event_base_free(*state);
	return 0;
}

/* A child that waits to be killed, and a pinned docker target for it. */
static pid_t child_target(const char *name, struct target **ret)
{
	pid_t pid = fork();
	int pidfd;

	assert_true(pid >= 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	pidfd = pidfd_open(pid, 0);
	assert_true(pidfd >= 0);
	assert_int_equal(target_new_pinned(&target_backend_docker, name, pid, pidfd, ret), 0);
	return pid;
}

static void child_end(pid_t pid)
{
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
}

static void test_cache(void **state)
{
	struct event_base *base = *state;
	struct target_cache *c = NULL;
	struct target *t, *hit = NULL;
	pid_t pid;

	assert_int_equal(target_cache_new(base, 5, &c), 0);
	pid = child_target("c1", &t);
	assert_string_equal(t->canonical, "docker:c1");
	target_cache_put(c, "docker:c1", t);
	assert_int_equal(target_cache_get(c, "docker:c1", &hit), 0);
	assert_int_equal(hit->pid, pid);
	assert_string_equal(hit->canonical, "docker:c1");
	assert_true(hit->pidfd >= 0 && hit->pidfd != t->pidfd);
	/* Pinned again: its namespaces looked at anew, the same as when it was put. */
	assert_memory_equal(hit->ns_inodes, t->ns_inodes, sizeof(t->ns_inodes));
	assert_int_equal(hit->available_ns, t->available_ns);
	target_free(hit);
	assert_int_equal(target_cache_get(c, "docker:c2", &hit), -ENOENT);

	/* The process exits: the loop drops the entry, and a lookup never returns it. */
	child_end(pid);
	assert_true(event_base_loop(base, EVLOOP_NONBLOCK) >= 0);
	assert_int_equal(target_cache_get(c, "docker:c1", &hit), -ENOENT);
	target_free(t);
	target_cache_free(c);
}

/* An exited process is never served, even before the loop has run. */
static void test_cache_exited_unseen(void **state)
{
	struct event_base *base = *state;
	struct target_cache *c = NULL;
	struct target *t, *hit = NULL;
	pid_t pid;

	assert_int_equal(target_cache_new(base, 5, &c), 0);
	pid = child_target("c1", &t);
	target_cache_put(c, "docker:c1", t);
	child_end(pid);
	assert_int_equal(target_cache_get(c, "docker:c1", &hit), -ENOENT);
	target_free(t);
	target_cache_free(c);
}

/* --target-cache 0: nothing is kept. */
static void test_cache_off(void **state)
{
	struct event_base *base = *state;
	struct target_cache *c = NULL;
	struct target *t, *hit = NULL;
	pid_t pid;

	assert_int_equal(target_cache_new(base, 0, &c), 0);
	pid = child_target("c1", &t);
	target_cache_put(c, "docker:c1", t);
	assert_int_equal(target_cache_get(c, "docker:c1", &hit), -ENOENT);
	child_end(pid);
	target_free(t);
	target_cache_free(c);
}

/* A name put again replaces the old entry; the oldest goes when the cache is full. */
static void test_cache_replace_and_bound(void **state)
{
	struct event_base *base = *state;
	struct target_cache *c = NULL;
	struct target *t1, *t2, *hit = NULL;
	pid_t pid1, pid2;
	char key[32];

	assert_int_equal(target_cache_new(base, 5, &c), 0);
	pid1 = child_target("a", &t1);
	pid2 = child_target("b", &t2);
	target_cache_put(c, "docker:x", t1);
	target_cache_put(c, "docker:x", t2);
	assert_int_equal(target_cache_get(c, "docker:x", &hit), 0);
	assert_int_equal(hit->pid, pid2);
	target_free(hit);

	/* 256 entries at most: the 257th pushes out the oldest ("docker:x"). */
	for (int i = 0; i < 256; i++) {
		snprintf(key, sizeof(key), "docker:k%d", i);
		target_cache_put(c, key, t1);
	}
	assert_int_equal(target_cache_get(c, "docker:x", &hit), -ENOENT);
	assert_int_equal(target_cache_get(c, "docker:k0", &hit), 0);
	assert_int_equal(hit->pid, pid1);
	target_free(hit);
	assert_int_equal(target_cache_get(c, "docker:k255", &hit), 0);
	target_free(hit);

	/* Freed with entries still watched by the loop: nothing is left behind. */
	target_cache_free(c);
	assert_true(event_base_loop(base, EVLOOP_NONBLOCK) >= 0);
	child_end(pid1);
	child_end(pid2);
	target_free(t1);
	target_free(t2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cache, setup_base, teardown_base),
		cmocka_unit_test_setup_teardown(test_cache_exited_unseen, setup_base,
						teardown_base),
		cmocka_unit_test_setup_teardown(test_cache_off, setup_base, teardown_base),
		cmocka_unit_test_setup_teardown(test_cache_replace_and_bound, setup_base,
						teardown_base),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
