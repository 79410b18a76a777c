/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests for daemon/manager.c: settings, policy load and reload (by call and by SIGHUP),
 * the orderly stop (SIGTERM, with a session running), idleness, and the connection
 * limits of a real listening socket, all in a real libevent loop. A policy must be
 * root's: as another user the cases that load one are skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <event2/event.h>
#include <json-c/json.h>

#include "daemon/conn.h"
#include "daemon/listener.h"
#include "daemon/manager.h"
#include "daemon/policy/policy.h"
#include "daemon/session.h"
#include "daemon/targets/target.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"
#include "protocol/varlink.h"
#include "tests/daemon-loop.h"

struct fixture {
	struct manager *m;
	char dir[64];
	char policy[96];
	char socket[96];
};

/* A manager whose policy file is written but not loaded. */
static int setup(void **state)
{
	struct manager_settings s;
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/nsctl-test-manager-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(chmod(f->dir, 0755), 0);
	snprintf(f->policy, sizeof(f->policy), "%s/policy", f->dir);
	snprintf(f->socket, sizeof(f->socket), "%s/socket", f->dir);
	write_file(f->policy, "permit root on pid:* ns uts\n");

	manager_settings_init(&s);
	s.policy_path = strdup(f->policy);
	s.listen_path = strdup(f->socket);
	s.backends = TARGET_KIND_BIT(TARGET_PID);
	s.request_timeout_sec = 600;
	s.log = AUDIT_STDERR;
	assert_non_null(s.policy_path);
	assert_non_null(s.listen_path);
	assert_int_equal(manager_new(&s, &f->m), 0);
	manager_settings_done(&s);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	manager_free(f->m);
	(void)unlink(f->policy);
	(void)unlink(f->socket);
	(void)rmdir(f->dir);
	free(f);
	return 0;
}

static void test_settings(void **state)
{
	struct manager_settings s;
	struct manager *m = NULL;
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	manager_settings_init(&s);
	assert_int_equal(s.kill_grace_sec, 5);
	assert_int_equal(s.request_timeout_sec, 10);
	assert_int_equal(s.max_connections, 512);
	assert_int_equal(s.max_connections_per_uid, 64);
	assert_int_equal(s.max_sessions_per_uid, 64);
	assert_int_equal(s.max_pipelined, 16);
	assert_int_equal(s.limits.max_message, proto_limits_default.max_message);
	assert_int_equal(s.host_mntns_fd, -EBADF);
	assert_null(s.policy_path);

	/* manager_new() takes the settings: the caller's copy owns nothing afterwards. */
	s.policy_path = strdup("/nonexistent/policy");
	s.host_mntns_fd = fd;
	assert_int_equal(manager_new(&s, &m), 0);
	assert_null(s.policy_path);
	assert_int_equal(s.host_mntns_fd, -EBADF);
	manager_settings_done(&s); /* frees nothing, closes nothing */
	assert_string_equal(m->settings.policy_path, "/nonexistent/policy");
	assert_int_equal(m->settings.host_mntns_fd, fd);
	assert_int_equal(fcntl(fd, F_GETFD), FD_CLOEXEC);
	assert_null(m->policy);
	assert_int_equal(m->n_conns, 0);
	assert_int_equal(m->n_sessions, 0);
	assert_false(m->stopping);
	manager_free(m);
	/* ... and the manager closes what it took. */
	assert_int_equal(fcntl(fd, F_GETFD), -1);
}

static void test_policy_reload(void **state)
{
	struct fixture *f = *state;
	struct policy *first;
	char *error = NULL;

	assert_int_equal(manager_load_policy(f->m, &error), 0);
	assert_null(error);
	assert_non_null(f->m->policy);
	assert_int_equal(f->m->policy->n_rules, 1);
	first = f->m->policy;

	/* A broken file: the last good policy stays, the error names file and line. */
	write_file(f->policy, "permit root on pid:* ns uts\npermit nosuchkeyword\n");
	assert_true(manager_reload_policy(f->m, &error) < 0);
	assert_non_null(error);
	assert_non_null(strstr(error, f->policy));
	assert_non_null(strstr(error, ":2:"));
	free(error);
	error = NULL;
	assert_ptr_equal(f->m->policy, first);

	/* A file others may write is not used either. */
	write_file(f->policy, "permit root on pid:* ns uts\npermit root on pid:* ns net\n");
	assert_int_equal(chmod(f->policy, 0666), 0);
	assert_true(manager_reload_policy(f->m, NULL) < 0);
	assert_ptr_equal(f->m->policy, first);

	/* Fixed: the new one replaces it. */
	assert_int_equal(chmod(f->policy, 0644), 0);
	assert_int_equal(manager_reload_policy(f->m, &error), 0);
	assert_null(error);
	assert_int_equal(f->m->policy->n_rules, 2);
}

static void test_policy_unusable_from_start(void **state)
{
	struct fixture *f = *state;
	char *error = NULL;

	write_file(f->policy, "permit\n");
	assert_true(manager_load_policy(f->m, &error) < 0);
	assert_non_null(error);
	free(error);
	error = NULL;
	assert_null(f->m->policy);
	/* Still unusable: nothing to keep, nothing made up. */
	assert_true(manager_reload_policy(f->m, &error) < 0);
	free(error);
	assert_null(f->m->policy);
}

static bool n_rules_is(struct manager *m, struct peer *p, size_t n)
{
	return m->policy && m->policy->n_rules == n;
}

static void test_reload_on_sighup(void **state)
{
	struct fixture *f = *state;
	char *error = NULL;

	assert_int_equal(manager_load_policy(f->m, &error), 0);
	write_file(f->policy, "permit root on pid:* ns uts\npermit root on pid:* ns net\n"
			      "permit root on pid:* ns ipc\n");
	/* Not before the signal ... */
	loop_for(f->m, NULL, 50);
	assert_int_equal(f->m->policy->n_rules, 1);
	/* ... and at it, from the loop. */
	assert_int_equal(raise(SIGHUP), 0);
	assert_true(loop_until(f->m, NULL, n_rules_is, 3, 5000));
	assert_false(f->m->stopping);
}

static void test_stop_on_sigterm_when_idle(void **state)
{
	struct fixture *f = *state;
	struct peer p;

	assert_int_equal(manager_listen(f->m), 0);
	assert_int_equal(listener_start(f->m), 0);
	peer_connect(f->m, &p);
	assert_int_equal(raise(SIGTERM), 0);
	assert_true(loop_until(f->m, &p, peer_saw_eof, 0, 5000));
	assert_true(f->m->stopping);
	/* No listener, no connection, no session: the loop is told to end. */
	assert_null(f->m->ev_listen);
	assert_int_equal(f->m->n_conns, 0);
	assert_true(loop_exited(f->m, NULL, 0));
	peer_close(&p);
}

/*
 * A target process of ours, made before any connection so that it holds none of their
 * fds (an fd it held would keep a connection open); it dies with the test.
 */
static pid_t spawn_target(void)
{
	pid_t t = fork();

	assert_true(t >= 0);
	if (t == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	return t;
}

/* A session runs /bin/sh -c "read x" in target t; stdin's other end in *ret_in. */
static void start_session(struct fixture *f, struct peer *p, pid_t t, int *ret_in)
{
	char target[32], *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)"read x", NULL };
	struct run_request req = {
		.target = target, .ns_mask = NS_BIT(NS_UTS), .argv = argv,
		.stdin_fd = 0, .stdout_fd = 1, .stderr_fd = 2,
	};
	_cleanup_json_ struct json_object *call = NULL, *o = NULL;
	int in[2], fds[3];

	snprintf(target, sizeof(target), "pid:%d", (int)t);
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	fds[0] = in[0];
	fds[1] = open("/dev/null", O_WRONLY | O_CLOEXEC);
	fds[2] = open("/dev/null", O_WRONLY | O_CLOEXEC);
	call = proto_call_new(NSCTL_METHOD_RUN, run_request_to_json(&req), true);
	assert_non_null(call);
	assert_int_equal(proto_send_json(p->fd, call, fds, 3), 0);
	assert_true(loop_until(f->m, p, has_messages, 1, 10000));
	o = peer_message(p, 0);
	if (msg_error(o))
		fail_msg("Run failed: %s", json_object_to_json_string(o));
	assert_true(msg_continues(o));
	*ret_in = in[1];
}

static void test_stop_with_session_running(void **state)
{
	struct fixture *f = *state;
	_cleanup_json_ struct json_object *o = NULL;
	_cleanup_close_ int in = -EBADF;
	struct json_object *v;
	struct peer idle, p;
	char *error = NULL;
	pid_t t;

	assert_int_equal(manager_load_policy(f->m, &error), 0);
	if (manager_setup_cgroups(f->m, &error) < 0) {
		print_message("no session cgroups here (%s): skipped\n", error);
		free(error);
		skip();
	}
	t = spawn_target();
	peer_connect(f->m, &idle);
	peer_connect(f->m, &p);
	start_session(f, &p, t, &in);
	assert_int_equal(f->m->n_sessions, 1);

	manager_stop(f->m);
	assert_true(f->m->stopping);
	/* The idle connection goes at once; the session's is kept for its final reply. */
	peer_drain(&idle);
	assert_true(idle.eof);
	assert_int_equal(f->m->n_conns, 1);
	assert_false(loop_exited(f->m, NULL, 0));

	/* The command is hung up; its end says the daemon is stopping. */
	assert_true(loop_until(f->m, &p, has_messages, 2, 10000));
	o = peer_message(&p, 1);
	assert_null(msg_error(o));
	assert_int_equal(msg_int(o, "signal"), SIGHUP);
	assert_true(json_object_object_get_ex(msg_parameters(o), "daemon_stopping", &v));
	assert_true(json_object_get_boolean(v));
	/* Once no session is left, the loop ends. */
	assert_true(loop_until(f->m, NULL, loop_exited, 0, 5000));
	assert_int_equal(f->m->n_sessions, 0);

	/* Nothing new is started while stopping. */
	manager_stop(f->m); /* idempotent */
	peer_close(&idle);
	peer_close(&p);
	assert_int_equal(kill(t, SIGKILL), 0);
	assert_int_equal(waitpid(t, NULL, 0), t);
}

/* A client of the listening socket; the fd, connected. */
static int client_connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	strcpy(sa.sun_path, path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void test_idle_timer(void **state)
{
	struct fixture *f = *state;
	int fd;

	/* Only a socket-activated daemon exits when idle. */
	manager_check_idle(f->m);
	assert_false(evtimer_pending(f->m->ev_idle, NULL));
	f->m->socket_activated = true;
	manager_check_idle(f->m);
	assert_true(evtimer_pending(f->m->ev_idle, NULL));
	/* A connection makes it busy, its end idle again. */
	assert_int_equal(manager_listen(f->m), 0);
	assert_int_equal(listener_start(f->m), 0);
	fd = client_connect_to(f->socket);
	assert_true(loop_until(f->m, NULL, n_conns_is, 1, 5000));
	assert_false(evtimer_pending(f->m->ev_idle, NULL));
	safe_close(fd);
	assert_true(loop_until(f->m, NULL, n_conns_is, 0, 5000));
	assert_true(evtimer_pending(f->m->ev_idle, NULL));
	/* --idle-timeout 0: never. */
	f->m->settings.idle_timeout_sec = 0;
	manager_check_idle(f->m);
	assert_false(evtimer_pending(f->m->ev_idle, NULL));
}

/* The listener's refusal on fd: LimitExceeded naming limit, then EOF. */
static void expect_refused(int fd, const char *limit)
{
	_cleanup_json_ struct json_object *o = NULL;
	struct json_object *v;
	struct peer p = { .fd = fd };

	for (int i = 0; i < 500 && !p.eof; i++) {
		struct timespec ts = { .tv_nsec = 10 * 1000 * 1000 };

		peer_drain(&p);
		nanosleep(&ts, NULL);
	}
	assert_true(p.eof);
	assert_int_equal(peer_n_messages(&p), 1);
	o = peer_message(&p, 0);
	assert_string_equal(msg_error(o), NSCTL_ERROR_LIMIT_EXCEEDED);
	assert_true(json_object_object_get_ex(msg_parameters(o), "limit", &v));
	assert_string_equal(json_object_get_string(v), limit);
}

static void check_connection_limit(struct fixture *f, unsigned allowed, const char *limit)
{
	int fds[8];

	assert_true(allowed < ELEMENTSOF(fds));
	assert_int_equal(manager_listen(f->m), 0);
	assert_int_equal(listener_start(f->m), 0);
	for (unsigned i = 0; i < allowed; i++) {
		fds[i] = client_connect_to(f->socket);
		assert_true(loop_until(f->m, NULL, n_conns_is, i + 1, 5000));
	}
	/* One more: refused with the limit's name, the others stay. */
	fds[allowed] = client_connect_to(f->socket);
	loop_for(f->m, NULL, 100);
	assert_int_equal(f->m->n_conns, allowed);
	expect_refused(fds[allowed], limit);
	safe_close(fds[allowed]);
	/* One goes: there is room again. */
	safe_close(fds[0]);
	assert_true(loop_until(f->m, NULL, n_conns_is, allowed - 1, 5000));
	fds[0] = client_connect_to(f->socket);
	assert_true(loop_until(f->m, NULL, n_conns_is, allowed, 5000));
	close_many(fds, allowed);
	assert_true(loop_until(f->m, NULL, n_conns_is, 0, 5000));
}

static void test_connections_per_uid(void **state)
{
	struct fixture *f = *state;

	f->m->settings.max_connections_per_uid = 2;
	check_connection_limit(f, 2, "connections-per-user");
}

static void test_connections_in_total(void **state)
{
	struct fixture *f = *state;

	f->m->settings.max_connections = 3;
	check_connection_limit(f, 3, "connections");
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settings),
		ROOT_TEST(test_policy_reload),
		ROOT_TEST(test_policy_unusable_from_start),
		ROOT_TEST(test_reload_on_sighup),
		TEST(test_stop_on_sigterm_when_idle),
		ROOT_TEST(test_stop_with_session_running),
		TEST(test_idle_timer),
		TEST(test_connections_per_uid),
		TEST(test_connections_in_total),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
