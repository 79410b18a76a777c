/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests for daemon/conn.c: real connections on socketpairs, served by a real libevent loop. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>
#include <event2/event.h>
#include <json-c/json.h>

#include "daemon/conn.h"
#include "daemon/manager.h"
#include "daemon/targets/target.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"
#include "tests/daemon-loop.h"

struct fixture {
	struct manager *m;
	char dir[64];
	char policy[96];
	char engine[96];
	int engine_fd; /* a docker engine that accepts and never answers */
};

static int setup(void **state)
{
	struct manager_settings s;
	struct fixture *f = calloc(1, sizeof(*f));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *error = NULL;
	FILE *p;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/nsctl-test-conn-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(chmod(f->dir, 0755), 0);
	snprintf(f->policy, sizeof(f->policy), "%s/policy", f->dir);
	snprintf(f->engine, sizeof(f->engine), "%s/docker.sock", f->dir);
	p = fopen(f->policy, "we");
	assert_non_null(p);
	fputs("permit root on docker:* ns uts\n", p);
	assert_int_equal(fclose(p), 0);
	assert_int_equal(chmod(f->policy, 0644), 0);

	f->engine_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	assert_true(f->engine_fd >= 0);
	strcpy(sa.sun_path, f->engine);
	assert_int_equal(bind(f->engine_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->engine_fd, 8), 0);

	manager_settings_init(&s);
	s.policy_path = strdup(f->policy);
	s.docker_socket = strdup(f->engine);
	s.backends = TARGET_KIND_BIT(TARGET_DOCKER);
	s.backend_timeout_ms = 600000; /* the engine's silence must outlast the test */
	s.request_timeout_sec = 600;
	assert_non_null(s.policy_path);
	assert_non_null(s.docker_socket);
	assert_int_equal(manager_new(&s, &f->m), 0);
	manager_settings_done(&s);
	assert_int_equal(manager_load_policy(f->m, &error), 0);
	assert_null(error);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	manager_free(f->m);
	safe_close(f->engine_fd);
	(void)unlink(f->engine);
	(void)unlink(f->policy);
	(void)rmdir(f->dir);
	free(f);
	return 0;
}

static void peer_send(struct peer *p, const char *data, size_t len)
{
	assert_int_equal(send(p->fd, data, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Turn the loop (and read the peer's end) until cond holds; false if it did not in 5 s. */
static bool run_until(struct fixture *f, struct peer *p, loop_cond_fn cond, size_t arg)
{
	return loop_until(f->m, p, cond, arg, 5000);
}

/* The docker engine (fd passed as arg) was connected to: the call waits on it. */
static bool engine_asked(struct manager *m, struct peer *p, size_t engine_fd)
{
	struct pollfd pfd = { .fd = (int)engine_fd, .events = POLLIN };

	(void)m;
	(void)p;
	return poll(&pfd, 1, 0) == 1;
}

/* A while of turns: to show that something does not happen. */
static void run_turns(struct fixture *f, struct peer *p)
{
	loop_for(f->m, p, 50);
}

#define CALL_GET_INFO "{\"method\":\"" VARLINK_METHOD_GET_INFO "\"}"

static void test_call_answered(void **state)
{
	struct fixture *f = *state;
	struct peer p;
	_cleanup_json_ struct json_object *o = NULL;
	struct json_object *params, *v;
	struct conn *c;

	c = peer_connect(f->m, &p);
	assert_int_equal(f->m->n_conns, 1);
	assert_string_equal(conn_state_to_string(c->state), "idle");
	peer_call(&p, CALL_GET_INFO);
	assert_true(run_until(f, &p, has_messages, 1));
	o = peer_message(&p, 0);
	assert_non_null(o);
	assert_null(msg_error(o));
	params = msg_parameters(o);
	assert_non_null(params);
	assert_true(json_object_object_get_ex(params, "vendor", &v) ||
		    json_object_object_get_ex(params, "product", &v));
	/* Answered, the connection stays open for the next call. */
	run_turns(f, &p);
	assert_false(p.eof);
	assert_int_equal(f->m->n_conns, 1);
	assert_int_equal(peer_n_messages(&p), 1);
	assert_int_equal(c->state, CONN_IDLE);

	/* The peer hangs up while idle: the connection goes. */
	peer_close(&p);
	assert_true(run_until(f, NULL, n_conns_is, 0));
}

static void test_oneway_call(void **state)
{
	struct fixture *f = *state;
	struct peer p;
	_cleanup_json_ struct json_object *o = NULL;

	peer_connect(f->m, &p);
	peer_call(&p, "{\"method\":\"" VARLINK_METHOD_GET_INFO "\",\"oneway\":true}");
	/* No reply to a oneway call; the next call is answered, and is the first reply. */
	peer_call(&p, "{\"method\":\"org.example.Nothing\"}");
	assert_true(run_until(f, &p, has_messages, 1));
	run_turns(f, &p);
	assert_int_equal(peer_n_messages(&p), 1);
	o = peer_message(&p, 0);
	assert_non_null(o);
	assert_string_equal(msg_error(o), VARLINK_ERROR_INTERFACE_NOT_FOUND);
	assert_false(p.eof);
	peer_close(&p);
	assert_true(run_until(f, NULL, n_conns_is, 0));
}

static void test_pipelined_in_order(void **state)
{
	struct fixture *f = *state;
	static const char calls[] =
		"{\"method\":\"org.example.First\"}\0"
		"{\"method\":\"" NSCTL_INTERFACE ".NoSuchMethod\"}\0"
		"{\"method\":\"" VARLINK_METHOD_GET_INFO "\"}\0"
		"{\"method\":\"org.example.Last\"}";
	struct peer p;
	struct json_object *o, *v;

	peer_connect(f->m, &p);
	/* All four in one write: they arrive together and are answered one after another. */
	peer_send(&p, calls, sizeof(calls));
	assert_true(run_until(f, &p, has_messages, 4));

	o = peer_message(&p, 0);
	assert_string_equal(msg_error(o), VARLINK_ERROR_INTERFACE_NOT_FOUND);
	assert_true(json_object_object_get_ex(msg_parameters(o), "interface", &v));
	assert_string_equal(json_object_get_string(v), "org.example");
	json_object_put(o);

	o = peer_message(&p, 1);
	assert_string_equal(msg_error(o), VARLINK_ERROR_METHOD_NOT_FOUND);
	json_object_put(o);

	o = peer_message(&p, 2);
	assert_null(msg_error(o));
	assert_non_null(msg_parameters(o));
	json_object_put(o);

	o = peer_message(&p, 3);
	assert_string_equal(msg_error(o), VARLINK_ERROR_INTERFACE_NOT_FOUND);
	json_object_put(o);

	/* Half-closed with nothing left to answer: the connection closes itself. */
	assert_int_equal(shutdown(p.fd, SHUT_WR), 0);
	assert_true(run_until(f, &p, peer_saw_eof, 0));
	assert_int_equal(peer_n_messages(&p), 4);
	assert_true(run_until(f, NULL, n_conns_is, 0));
	peer_close(&p);
}

/* Write first: a reply goes out in the loop turn that read its call, EV_WRITE unarmed. */
static void test_reply_written_at_once(void **state)
{
	struct fixture *f = *state;
	struct peer p;
	struct conn *c;

	c = peer_connect(f->m, &p);
	peer_call(&p, CALL_GET_INFO);
	assert_true(event_base_loop(f->m->base, EVLOOP_ONCE | EVLOOP_NONBLOCK) >= 0);
	peer_drain(&p);
	assert_int_equal(peer_n_messages(&p), 1);
	assert_int_equal(proto_writer_pending(&c->writer), 0);
	assert_false(event_pending(c->ev_write, EV_WRITE, NULL));
	peer_close(&p);
	assert_true(run_until(f, NULL, n_conns_is, 0));
}

/* A socket that takes nothing (EAGAIN): the replies wait, in order, for EV_WRITE. */
static void test_reply_waits_for_socket(void **state)
{
	static const char calls[] = CALL_GET_INFO "\0{\"method\":\"org.example.Second\"}";
	struct fixture *f = *state;
	char filler[512], sink[4096];
	size_t filled = 0;
	struct json_object *o;
	struct peer p;
	struct conn *c;
	int small = 4096;

	c = peer_connect(f->m, &p);
	assert_int_equal(setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
	/* Fill the daemon's side until the kernel refuses more. */
	memset(filler, 'x', sizeof(filler));
	for (;;) {
		ssize_t n = send(c->fd, filler, sizeof(filler), MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			assert_int_equal(errno, EAGAIN);
			break;
		}
		filled += (size_t)n;
	}
	assert_true(filled > 0);

	peer_send(&p, calls, sizeof(calls));
	run_turns(f, NULL);
	/* Both replies queued, none sent, EV_WRITE armed. */
	assert_true(proto_writer_pending(&c->writer) > 0);
	assert_true(event_pending(c->ev_write, EV_WRITE, NULL));
	assert_int_equal(f->m->n_conns, 1);

	/* The peer reads the filler: the socket takes the replies, EV_WRITE is disarmed. */
	while (filled > 0) {
		ssize_t n = recv(p.fd, sink, filled < sizeof(sink) ? filled : sizeof(sink),
				 MSG_DONTWAIT);

		if (n > 0)
			filled -= (size_t)n;
		else
			assert_true(n < 0 && errno == EAGAIN);
	}
	assert_true(run_until(f, &p, has_messages, 2));
	o = peer_message(&p, 0);
	assert_null(msg_error(o));
	json_object_put(o);
	o = peer_message(&p, 1);
	assert_string_equal(msg_error(o), VARLINK_ERROR_INTERFACE_NOT_FOUND);
	json_object_put(o);
	assert_int_equal(proto_writer_pending(&c->writer), 0);
	assert_false(event_pending(c->ev_write, EV_WRITE, NULL));
	assert_int_equal(c->state, CONN_IDLE);

	/* Half-closed: closed once nothing is left to send. */
	assert_int_equal(shutdown(p.fd, SHUT_WR), 0);
	assert_true(run_until(f, &p, peer_saw_eof, 0));
	assert_true(run_until(f, NULL, n_conns_is, 0));
	peer_close(&p);
}

static void test_peer_closes_mid_reply(void **state)
{
	struct fixture *f = *state;
	struct peer p;
	struct conn *c;
	int small = 4096;

	c = peer_connect(f->m, &p);
	/* A reply larger than both socket buffers cannot be written in one go. */
	assert_int_equal(setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
	assert_int_equal(setsockopt(p.fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
	peer_call(&p, "{\"method\":\"" VARLINK_METHOD_GET_INTERFACE
		      "\",\"parameters\":{\"interface\":\"" NSCTL_INTERFACE "\"}}");
	/* Run until the reply is on its way but not all written (the peer reads nothing). */
	for (unsigned i = 0; i < 100; i++)
		assert_true(event_base_loop(f->m->base, EVLOOP_ONCE | EVLOOP_NONBLOCK) >= 0);
	assert_true(proto_writer_pending(&c->writer) > 0);
	assert_int_equal(f->m->n_conns, 1);

	/* The peer goes: the write fails and the connection is freed, the daemon lives on. */
	peer_close(&p);
	assert_true(run_until(f, NULL, n_conns_is, 0));
}

static void test_malformed_message(void **state)
{
	struct fixture *f = *state;
	struct peer p;
	_cleanup_json_ struct json_object *o = NULL;
	struct json_object *v;

	peer_connect(f->m, &p);
	/* Garbage, then a good call that must not be answered: the connection is closing. */
	peer_send(&p, "{\"method\":\0" CALL_GET_INFO, sizeof("{\"method\":\0" CALL_GET_INFO));
	assert_true(run_until(f, &p, peer_saw_eof, 0));
	assert_int_equal(peer_n_messages(&p), 1);
	o = peer_message(&p, 0);
	assert_non_null(o);
	assert_string_equal(msg_error(o), NSCTL_ERROR_PROTOCOL);
	assert_true(json_object_object_get_ex(msg_parameters(o), "reason", &v));
	assert_string_equal(json_object_get_string(v), "malformed JSON");
	assert_true(run_until(f, NULL, n_conns_is, 0));
	peer_close(&p);
}

static void test_invalid_call(void **state)
{
	struct fixture *f = *state;
	struct peer p;
	_cleanup_json_ struct json_object *o = NULL;
	struct json_object *v;

	peer_connect(f->m, &p);
	/* Valid JSON, not a call: ProtocolError naming the field, then closed. */
	peer_call(&p, "{\"method\":42}");
	assert_true(run_until(f, &p, peer_saw_eof, 0));
	assert_int_equal(peer_n_messages(&p), 1);
	o = peer_message(&p, 0);
	assert_string_equal(msg_error(o), NSCTL_ERROR_PROTOCOL);
	assert_true(json_object_object_get_ex(msg_parameters(o), "reason", &v));
	assert_string_equal(json_object_get_string(v), "invalid call: 'method'");
	assert_true(run_until(f, NULL, n_conns_is, 0));
	peer_close(&p);
}

static void test_shutdown_with_operation_pending(void **state)
{
	struct fixture *f = *state;
	struct peer idle, busy;
	_cleanup_json_ struct json_object *o = NULL;
	struct conn *c;

	peer_connect(f->m, &idle);
	c = peer_connect(f->m, &busy);
	assert_int_equal(f->m->n_conns, 2);
	/* ListTargets asks the engine, which never answers: the call waits on the listing. */
	peer_call(&busy, "{\"method\":\"" NSCTL_METHOD_LIST_TARGETS "\",\"more\":true}");
	assert_true(run_until(f, &busy, engine_asked, (size_t)f->engine_fd));
	run_turns(f, &busy);
	assert_int_equal(peer_n_messages(&busy), 0);
	assert_int_equal(c->state, CONN_CALL);
	assert_non_null(c->pending);

	manager_stop(f->m);
	/* The idle connection is gone at once; the waiting call is answered ShuttingDown. */
	assert_int_equal(f->m->n_conns, 1);
	assert_string_equal(conn_state_to_string(c->state), "closing");
	assert_null(c->pending);
	peer_drain(&idle);
	assert_true(idle.eof);
	assert_true(run_until(f, &busy, peer_saw_eof, 0));
	assert_int_equal(peer_n_messages(&busy), 1);
	o = peer_message(&busy, 0);
	assert_non_null(o);
	assert_string_equal(msg_error(o), NSCTL_ERROR_SHUTTING_DOWN);
	assert_true(run_until(f, NULL, n_conns_is, 0));
	peer_close(&idle);
	peer_close(&busy);
}

static void test_protocol_error_while_waiting(void **state)
{
	struct fixture *f = *state;
	struct peer p;
	_cleanup_json_ struct json_object *o = NULL;
	struct json_object *v;
	struct conn *c;

	f->m->settings.max_pipelined = 2;
	c = peer_connect(f->m, &p);
	peer_call(&p, "{\"method\":\"" NSCTL_METHOD_LIST_TARGETS "\",\"more\":true}");
	assert_true(run_until(f, &p, engine_asked, (size_t)f->engine_fd));
	assert_int_equal(c->state, CONN_CALL);
	/* Three more calls queue behind the waiting one: one too many. */
	for (int i = 0; i < 3; i++)
		peer_call(&p, CALL_GET_INFO);
	/* ProtocolError, then closed; the listing is cancelled; the call gets no answer. */
	assert_true(run_until(f, &p, peer_saw_eof, 0));
	assert_int_equal(peer_n_messages(&p), 1);
	o = peer_message(&p, 0);
	assert_string_equal(msg_error(o), NSCTL_ERROR_PROTOCOL);
	assert_true(json_object_object_get_ex(msg_parameters(o), "reason", &v));
	assert_string_equal(json_object_get_string(v), "too many calls queued on one connection");
	assert_true(run_until(f, NULL, n_conns_is, 0));
	peer_close(&p);
}

static void test_state_names(void **state)
{
	for (int s = 0; s < _CONN_STATE_MAX; s++)
		assert_non_null(conn_state_to_string(s));
	assert_string_equal(conn_state_to_string(CONN_CLOSING_CALL), "closing-call");
	assert_null(conn_state_to_string(_CONN_STATE_MAX));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ROOT_TEST(test_call_answered),
		ROOT_TEST(test_oneway_call),
		ROOT_TEST(test_pipelined_in_order),
		ROOT_TEST(test_reply_written_at_once),
		ROOT_TEST(test_reply_waits_for_socket),
		ROOT_TEST(test_peer_closes_mid_reply),
		ROOT_TEST(test_malformed_message),
		ROOT_TEST(test_invalid_call),
		ROOT_TEST(test_shutdown_with_operation_pending),
		ROOT_TEST(test_protocol_error_while_waiting),
		cmocka_unit_test(test_state_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
