/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests for daemon/session.c: real Run calls on socketpairs, served by a real libevent
 * loop; real workers forked into a target process of the test's own (a new uts namespace).
 * Starting a session takes root (a root-owned policy, setns, cgroups): as another user
 * these cases are skipped, and where no cgroup v2 hierarchy can be used too.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <event2/event.h>
#include <json-c/json.h>

#include "daemon/conn.h"
#include "daemon/manager.h"
#include "daemon/session.h"
#include "daemon/spawn.h"
#include "daemon/text-file.h"
#include "daemon/targets/target.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"
#include "protocol/varlink.h"
#include "tests/daemon-loop.h"

#define TARGET_HOSTNAME "nsctl-test-session"

struct fixture {
	struct manager *m;
	char dir[64];
	char policy[96];
	pid_t target;        /* a process of ours in its own uts namespace */
	char target_name[32];
	int in_w, out_r;     /* the test's ends of the last command's stdin and stdout */
};

static int setup(void **state)
{
	struct manager_settings s;
	struct fixture *f = calloc(1, sizeof(*f));
	char *error = NULL;
	int ready[2];
	char c;

	assert_non_null(f);
	f->in_w = f->out_r = -EBADF;
	snprintf(f->dir, sizeof(f->dir), "/tmp/nsctl-test-session-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(chmod(f->dir, 0755), 0);
	snprintf(f->policy, sizeof(f->policy), "%s/policy", f->dir);
	write_file(f->policy, "permit root on pid:* ns uts\n");

	/* The target: its own hostname tells that the command joined its namespace. */
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	f->target = fork();
	assert_true(f->target >= 0);
	if (f->target == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (unshare(CLONE_NEWUTS) < 0 ||
		    sethostname(TARGET_HOSTNAME, strlen(TARGET_HOSTNAME)) < 0)
			_exit(1);
		(void)write(ready[1], "r", 1);
		for (;;)
			pause();
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	snprintf(f->target_name, sizeof(f->target_name), "pid:%d", (int)f->target);

	manager_settings_init(&s);
	s.policy_path = strdup(f->policy);
	s.backends = TARGET_KIND_BIT(TARGET_PID);
	s.request_timeout_sec = 600;
	s.kill_grace_sec = 1;
	s.log = AUDIT_STDERR;
	assert_non_null(s.policy_path);
	assert_int_equal(manager_new(&s, &f->m), 0);
	manager_settings_done(&s);
	assert_int_equal(manager_load_policy(f->m, &error), 0);
	assert_null(error);
	if (manager_setup_cgroups(f->m, &error) < 0) {
		print_message("no session cgroups here (%s): skipped\n", error);
		free(error);
		f->m->cgroups = NULL;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	manager_free(f->m);
	safe_close(f->in_w);
	safe_close(f->out_r);
	(void)kill(f->target, SIGKILL);
	(void)waitpid(f->target, NULL, 0);
	(void)unlink(f->policy);
	(void)rmdir(f->dir);
	free(f);
	return 0;
}

static void need_cgroups(struct fixture *f)
{
	if (!f->m->cgroups)
		skip();
}

/*
 * io.nsctl.Run of /bin/sh -c script in the target's uts namespace, from peer p. The
 * command's stdin and stdout are pipes whose other ends the fixture keeps (in_w, out_r).
 */
static void call_run(struct fixture *f, struct peer *p, const char *script)
{
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)script, NULL };
	struct run_request req = {
		.target = f->target_name,
		.ns_mask = NS_BIT(NS_UTS),
		.argv = argv,
		.stdin_fd = 0,
		.stdout_fd = 1,
		.stderr_fd = 2,
	};
	_cleanup_json_ struct json_object *call = NULL;
	int in[2], out[2], fds[3];

	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	safe_close(f->in_w);
	safe_close(f->out_r);
	f->in_w = in[1];
	f->out_r = out[0];
	fds[0] = in[0];
	fds[1] = out[1];
	fds[2] = fcntl(out[1], F_DUPFD_CLOEXEC, 3);
	assert_true(fds[2] >= 0);
	call = proto_call_new(NSCTL_METHOD_RUN, run_request_to_json(&req), true);
	assert_non_null(call);
	assert_int_equal(proto_send_json(p->fd, call, fds, 3), 0); /* takes the fds */
}

/* Kill(session, sig) from peer p. */
static void call_kill(struct peer *p, int64_t session, int sig)
{
	char text[160];

	snprintf(text, sizeof(text),
		 "{\"method\":\"" NSCTL_METHOD_KILL "\",\"parameters\":{\"session\":%lld,"
		 "\"signal\":%d}}", (long long)session, sig);
	peer_call(p, text);
}

/* The started reply, message 0: its session id, after checking its shape. */
static int64_t expect_started(struct fixture *f, struct peer *p)
{
	_cleanup_json_ struct json_object *o = NULL;
	struct session *s;
	int64_t id;

	assert_true(loop_until(f->m, p, has_messages, 1, 10000));
	o = peer_message(p, 0);
	assert_non_null(o);
	if (msg_error(o))
		fail_msg("Run failed: %s", json_object_to_json_string(o));
	assert_true(msg_continues(o));
	id = msg_int(o, "session");
	assert_true(id > 0);
	assert_true(msg_int(o, "pid") > 0);
	s = session_find(f->m, (uint64_t)id);
	assert_non_null(s);
	assert_int_equal(s->state, SESSION_RUNNING);
	assert_string_equal(s->target, f->target_name);
	assert_int_equal(s->caller.uid, 0);
	return id;
}

/* The command says "ready" on stdout once its traps are set. */
static void command_wait_ready(struct fixture *f)
{
	struct pollfd pfd = { .fd = f->out_r, .events = POLLIN };
	char buf[16] = "";

	assert_int_equal(poll(&pfd, 1, 10000), 1);
	assert_int_equal(read(f->out_r, buf, sizeof(buf) - 1), 6);
	assert_string_equal(buf, "ready\n");
}

static void command_go(struct fixture *f)
{
	assert_int_equal(write(f->in_w, "go\n", 3), 3);
}

static bool suid_dumpable_is_1(void)
{
	_cleanup_free_ char *text = NULL;

	return read_text_file("/proc/sys/fs/suid_dumpable", 16, &text) >= 0 && text[0] == '1';
}

static void test_run_to_exit(void **state)
{
	struct fixture *f = *state;
	_cleanup_json_ struct json_object *o = NULL;
	struct peer p;
	char out[128] = "";
	int64_t id;
	ssize_t n;

	need_cgroups(f);
	peer_connect(f->m, &p);
	call_run(f, &p, "read x; uname -n; exit 3");
	id = expect_started(f, &p);
	/*
	 * The worker was spawned (daemon/spawn.c), not forked: a spawner thread made it
	 * (unless fs.suid_dumpable is 1, which makes nsctld fork).
	 */
	if (spawner_supported() && !suid_dumpable_is_1())
		assert_int_equal(spawner_threads(f->m->spawner), 1);
	assert_int_equal(f->m->n_sessions, 1);
	assert_int_equal(session_count_uid(f->m, 0), 1);
	assert_int_equal(session_count_uid(f->m, 1), 0);
	/* Running, and nothing more until the command is told to go on. */
	loop_for(f->m, &p, 100);
	assert_int_equal(peer_n_messages(&p), 1);

	command_go(f);
	assert_true(loop_until(f->m, &p, has_messages, 2, 10000));
	o = peer_message(&p, 1);
	assert_null(msg_error(o));
	assert_false(msg_continues(o));
	assert_int_equal(msg_int(o, "exit_code"), 3);
	assert_int_equal(msg_int(o, "signal"), -1);
	assert_true(loop_until(f->m, NULL, n_sessions_is, 0, 5000));
	assert_null(session_find(f->m, (uint64_t)id));
	/* The command ran in the target's uts namespace. */
	n = read(f->out_r, out, sizeof(out) - 1);
	assert_true(n > 0);
	assert_string_equal(out, TARGET_HOSTNAME "\n");
	/* The connection serves the next call. */
	assert_false(p.eof);
	assert_int_equal(f->m->n_conns, 1);
	peer_close(&p);
	assert_true(loop_until(f->m, NULL, n_conns_is, 0, 5000));
}

static void test_start_error(void **state)
{
	struct fixture *f = *state;
	_cleanup_json_ struct json_object *o = NULL;
	char *argv[] = { (char *)"/nonexistent/nsctl-test", NULL };
	struct run_request req = {
		.target = f->target_name, .ns_mask = NS_BIT(NS_UTS), .argv = argv,
		.stdin_fd = 0, .stdout_fd = 1, .stderr_fd = 2,
	};
	_cleanup_json_ struct json_object *call = NULL;
	struct peer p;
	int fds[3];

	need_cgroups(f);
	peer_connect(f->m, &p);
	for (int i = 0; i < 3; i++)
		fds[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
	call = proto_call_new(NSCTL_METHOD_RUN, run_request_to_json(&req), true);
	assert_int_equal(proto_send_json(p.fd, call, fds, 3), 0);
	/* One reply, the error; no session is left. */
	assert_true(loop_until(f->m, &p, has_messages, 1, 10000));
	o = peer_message(&p, 0);
	assert_string_equal(msg_error(o), NSCTL_ERROR_EXECUTABLE_NOT_FOUND);
	assert_true(loop_until(f->m, NULL, n_sessions_is, 0, 5000));
	loop_for(f->m, &p, 50);
	assert_int_equal(peer_n_messages(&p), 1);
	peer_close(&p);
}

static void test_kill(void **state)
{
	struct fixture *f = *state;
	_cleanup_json_ struct json_object *o = NULL, *k = NULL, *none = NULL;
	struct peer p, q;
	int64_t id;

	need_cgroups(f);
	peer_connect(f->m, &p);
	peer_connect(f->m, &q);
	call_run(f, &p, "read x");
	id = expect_started(f, &p);

	/* No such session: SessionNotFound, and the running one is untouched. */
	call_kill(&q, id + 1000, SIGTERM);
	assert_true(loop_until(f->m, &q, has_messages, 1, 5000));
	none = peer_message(&q, 0);
	assert_string_equal(msg_error(none), NSCTL_ERROR_SESSION_NOT_FOUND);
	assert_int_equal(f->m->n_sessions, 1);

	/* Kill from a second connection of the owner: the first gets the signal as the end. */
	call_kill(&q, id, SIGTERM);
	assert_true(loop_until(f->m, &q, has_messages, 2, 5000));
	k = peer_message(&q, 1);
	assert_null(msg_error(k));
	assert_true(loop_until(f->m, &p, has_messages, 2, 10000));
	o = peer_message(&p, 1);
	assert_null(msg_error(o));
	assert_false(msg_continues(o));
	assert_int_equal(msg_int(o, "signal"), SIGTERM);
	assert_int_equal(msg_int(o, "exit_code"), -1);
	assert_true(loop_until(f->m, NULL, n_sessions_is, 0, 5000));
	peer_close(&p);
	peer_close(&q);
}

/* The client goes: SIGHUP ends a command that keeps the default action, at once. */
static void test_hangup(void **state)
{
	struct fixture *f = *state;
	struct peer p;

	need_cgroups(f);
	f->m->settings.kill_grace_sec = 60; /* nothing here may wait for the grace */
	peer_connect(f->m, &p);
	call_run(f, &p, "read x");
	expect_started(f, &p);
	peer_close(&p);
	assert_true(loop_until(f->m, NULL, n_sessions_is, 0, 5000));
	assert_int_equal(f->m->n_conns, 0);
}

/* A command that ignores SIGHUP is killed once the grace period is over. */
static void test_hangup_then_kill_after_grace(void **state)
{
	struct fixture *f = *state;
	struct session *s;
	struct peer p;
	int64_t id;

	need_cgroups(f);
	f->m->settings.kill_grace_sec = 1;
	peer_connect(f->m, &p);
	call_run(f, &p, "trap '' HUP; echo ready; read x");
	id = expect_started(f, &p);
	command_wait_ready(f);
	peer_close(&p);
	/* Hung up, still there within the grace. */
	loop_for(f->m, NULL, 300);
	s = session_find(f->m, (uint64_t)id);
	assert_non_null(s);
	assert_true(s->hung_up);
	assert_null(s->conn);
	assert_int_equal(f->m->n_conns, 0);
	/* Gone after it: SIGKILL. */
	assert_true(loop_until(f->m, NULL, n_sessions_is, 0, 5000));
}

static void test_limit_sessions_per_uid(void **state)
{
	struct fixture *f = *state;
	_cleanup_json_ struct json_object *o = NULL, *end = NULL;
	_cleanup_close_ int first_in = -EBADF;
	struct json_object *v;
	struct peer p, q;

	need_cgroups(f);
	f->m->settings.max_sessions_per_uid = 1;
	peer_connect(f->m, &p);
	peer_connect(f->m, &q);
	call_run(f, &p, "read x; exit 7");
	expect_started(f, &p);
	first_in = TAKE_FD(f->in_w);

	/* A second session of the same uid is refused while the first runs. */
	call_run(f, &q, "exit 0");
	assert_true(loop_until(f->m, &q, has_messages, 1, 10000));
	o = peer_message(&q, 0);
	assert_string_equal(msg_error(o), NSCTL_ERROR_LIMIT_EXCEEDED);
	assert_true(json_object_object_get_ex(msg_parameters(o), "limit", &v));
	assert_string_equal(json_object_get_string(v), "sessions-per-user");
	assert_int_equal(f->m->n_sessions, 1);
	/* The refused call's stdio is not kept: its stdin has no reader left. */
	assert_int_equal(write(f->in_w, "go\n", 3), -1);
	assert_int_equal(errno, EPIPE);
	peer_close(&q);

	/* The first one is unaffected and ends as its command says. */
	assert_int_equal(write(first_in, "go\n", 3), 3);
	assert_true(loop_until(f->m, &p, has_messages, 2, 10000));
	end = peer_message(&p, 1);
	assert_int_equal(msg_int(end, "exit_code"), 7);
	assert_true(loop_until(f->m, NULL, n_sessions_is, 0, 5000));
	peer_close(&p);
}

static void test_session_free_kills(void **state)
{
	struct fixture *f = *state;
	struct session *s;
	struct peer p;
	pid_t pid;
	int64_t id;

	need_cgroups(f);
	peer_connect(f->m, &p);
	call_run(f, &p, "trap '' HUP TERM; read x");
	id = expect_started(f, &p);
	s = session_find(f->m, (uint64_t)id);
	pid = s->worker_pid;
	assert_int_equal(kill(pid, 0), 0);
	/* Teardown frees without ceremony: the command is killed and reaped, not left. */
	session_free(s);
	assert_int_equal(f->m->n_sessions, 0);
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(errno, ESRCH);
	peer_close(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ROOT_TEST(test_run_to_exit),
		ROOT_TEST(test_start_error),
		ROOT_TEST(test_kill),
		ROOT_TEST(test_hangup),
		ROOT_TEST(test_hangup_then_kill_after_grace),
		ROOT_TEST(test_limit_sessions_per_uid),
		ROOT_TEST(test_session_free_kills),
	};

	/* A peer that has gone must not kill the test with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
