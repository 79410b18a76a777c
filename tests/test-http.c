/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests for daemon/targets/http.c: the response parser's framing and limits, one GET's transport. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>
#include <event2/event.h>

#include "daemon/targets/http.h"
#include "protocol/cleanup.h"

static const struct http_limits lim = { .max_head = 256, .max_body = 64 };

/* Parse text in one piece; the body is copied into body (NUL-terminated) when complete. */
static int parse_all(const char *text, size_t len, bool eof, char *body, size_t n)
{
	struct http_response r = { 0 };
	int ret = http_response_parse(&r, text, len, eof, &lim);

	if (ret == 1 && body) {
		size_t blen;
		const char *b = http_response_body(&r, text, &blen);

		assert_true(blen < n);
		memcpy(body, b, blen);
		body[blen] = '\0';
	}
	http_response_done(&r);
	return ret;
}

#define PARSE(text, eof) parse_all((text), strlen(text), (eof), NULL, 0)

static void test_content_length(void **state)
{
	const char *t = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello";
	char body[80];

	assert_int_equal(parse_all(t, strlen(t), false, body, sizeof(body)), 1);
	assert_string_equal(body, "hello");
	/* Cut anywhere before the end: more is needed, or at EOF it is truncated. */
	for (size_t i = 0; i < strlen(t); i++) {
		assert_int_equal(parse_all(t, i, false, NULL, 0), 0);
		assert_int_equal(parse_all(t, i, true, NULL, 0), -EPROTO);
	}
}

static void test_incremental(void **state)
{
	const char *t = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			"3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nTrailer: x\r\n\r\n";
	struct http_response r = { 0 };
	size_t blen;
	const char *b;
	int ret = 0;

	/* One byte more each time, as a slow server would send it. */
	for (size_t i = 1; i <= strlen(t) && ret == 0; i++) {
		ret = http_response_parse(&r, t, i, false, &lim);
		if (i < strlen(t))
			assert_int_equal(ret, 0);
	}
	assert_int_equal(ret, 1);
	assert_int_equal(r.status, 200);
	b = http_response_body(&r, t, &blen);
	assert_int_equal(blen, 5);
	assert_memory_equal(b, "abcde", 5);
	http_response_done(&r);
}

static void test_eof_framing(void **state)
{
	const char *t = "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"a\":1}";
	char body[80];

	assert_int_equal(parse_all(t, strlen(t), false, NULL, 0), 0);
	assert_int_equal(parse_all(t, strlen(t), true, body, sizeof(body)), 1);
	assert_string_equal(body, "{\"a\":1}");
}

static void test_no_body_statuses(void **state)
{
	char body[8];

	assert_int_equal(parse_all("HTTP/1.1 204 No Content\r\n\r\n", 27, false, body,
				   sizeof(body)), 1);
	assert_string_equal(body, "");
	assert_int_equal(PARSE("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", false), 1);
	/* An empty reason phrase is allowed, a missing space before it is not. */
	assert_int_equal(PARSE("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", false), 1);
	assert_int_equal(PARSE("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", false), 1);
}

static void test_status_line(void **state)
{
	assert_int_equal(PARSE("HTTP/2 200 OK\r\n\r\n", false), -EBADMSG);
	assert_int_equal(PARSE("HTTP/1.1 20 OK\r\n\r\n", false), -EBADMSG);
	assert_int_equal(PARSE("HTTP/1.1 200x OK\r\n\r\n", false), -EBADMSG);
	assert_int_equal(PARSE("HTTP/1.1 2a0 OK\r\n\r\n", false), -EBADMSG);
	assert_int_equal(PARSE("http/1.1 200 OK\r\n\r\n", false), -EBADMSG);
	assert_int_equal(PARSE("HTTP/1.1 100 Continue\r\n\r\n", false), -EBADMSG);
	assert_int_equal(PARSE("HTTP/1.1 600 What\r\n\r\n", false), -EBADMSG);
	assert_int_equal(PARSE("HTTP/1.1 200 O\x01K\r\n\r\n", false), -EBADMSG);
	/* Bare LF line ends are not CRLF: the head never ends. */
	assert_int_equal(PARSE("HTTP/1.1 200 OK\nContent-Length: 0\n\n", false), 0);
	assert_int_equal(PARSE("HTTP/1.1 200 OK\nContent-Length: 0\n\n", true), -EPROTO);
}

static void test_header_fields(void **state)
{
	static const char nul[] = "HTTP/1.1 200 OK\r\nX: a\0b\r\nContent-Length: 0\r\n\r\n";

	assert_int_equal(PARSE("HTTP/1.1 200 OK\r\n folded\r\n\r\n", false), -EBADMSG);
	assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", false), -EBADMSG);
	assert_int_equal(PARSE("HTTP/1.1 200 OK\r\n: empty\r\n\r\n", false), -EBADMSG);
	assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n", false), -EBADMSG);
	assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nX: a\x7f\r\n\r\n", false), -EBADMSG);
	assert_int_equal(parse_all(nul, sizeof(nul) - 1, false, NULL, 0), -EBADMSG);
	/* Names are case-insensitive, values trimmed of spaces and tabs. */
	assert_int_equal(PARSE("HTTP/1.1 200 OK\r\ncontent-LENGTH: \t2 \r\n\r\nab", false), 1);
}

static void test_framing_conflicts(void **state)
{
	assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
			       "Transfer-Encoding: chunked\r\n\r\n", false), -EBADMSG);
	assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
			       "Content-Length: 2\r\n\r\nab", false), -EBADMSG);
	assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
			       "Content-Length: 2\r\n\r\nab", false), 1);
	assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false),
			 -EBADMSG);
	assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
			       false), -EBADMSG);
	assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
			       "Transfer-Encoding: chunked\r\n\r\n", false), -EBADMSG);
	assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\n", false), -EBADMSG);
	assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", false), -EBADMSG);
	assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", false), -EBADMSG);
	assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n", false),
			 -EBADMSG);
}

static void test_limits(void **state)
{
	char big[512];

	/* The head: no end within max_head bytes. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
	assert_int_equal(parse_all(big, sizeof(big), false, NULL, 0), -EMSGSIZE);
	assert_int_equal(parse_all(big, lim.max_head - 1, false, NULL, 0), 0);
	/* The body: announced, chunked, or up to EOF. */
	assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nContent-Length: 65\r\n\r\n", false), -EMSGSIZE);
	assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nContent-Length: 64\r\n\r\n", false), 0);
	assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
			       false), -EMSGSIZE);
	assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n41\r\n",
			       false), -EMSGSIZE);
	assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			       "ffffffffffffffffffffffff\r\n", false), -EMSGSIZE);
	snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		 "20\r\n%032d\r\n20\r\n%032d\r\n1\r\n", 0, 0);
	assert_int_equal(parse_all(big, strlen(big), false, NULL, 0), -EMSGSIZE);
	snprintf(big, sizeof(big), "HTTP/1.0 200 OK\r\n\r\n%065d", 0);
	assert_int_equal(parse_all(big, strlen(big), false, NULL, 0), -EMSGSIZE);
}

static void test_chunks_malformed(void **state)
{
	char line[400];

	assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n",
			       false), -EBADMSG);
	assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n",
			       false), -EBADMSG);
	assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n",
			       false), -EBADMSG);
	assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			       "0\r\nno-colon\r\n\r\n", false), -EBADMSG);
	/* A chunk-size line that never ends. */
	memset(line, '0', sizeof(line));
	memcpy(line, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 47);
	line[sizeof(line) - 1] = '\0';
	assert_int_equal(PARSE(line, false), -EBADMSG);
	/* Truncated inside a chunk, and in the trailer. */
	assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab",
			       true), -EPROTO);
	assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
			       true), -EPROTO);
}

/* --- the transport, against a real unix socket ---------------------------------------------- */

struct result {
	bool called;
	int r, status;
	char body[128];
};

/* A loop, a socket path in a new directory (listened on, or not), and one GET's result. */
struct fixture {
	struct event_base *base;
	char dir[64];
	char path[96];
	int fd;
	struct result res;
	struct http_get *g;
};

static void on_done(int r, int status, const char *body, size_t len, void *userdata)
{
	struct result *res = userdata;

	res->called = true;
	res->r = r;
	res->status = status;
	if (body && len < sizeof(res->body))
		memcpy(res->body, body, len);
}

static int fixture_new(void **state, bool listening)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->base = event_base_new();
	assert_non_null(f->base);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test-http.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/sock", f->dir);
	f->fd = -1;
	if (listening) {
		f->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_true(f->fd >= 0);
		strcpy(sa.sun_path, f->path);
		assert_int_equal(bind(f->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		assert_int_equal(listen(f->fd, 4), 0);
	}
	*state = f;
	return 0;
}

static int setup_absent(void **state)
{
	return fixture_new(state, false);
}

static int setup_listening(void **state)
{
	return fixture_new(state, true);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	safe_close(f->fd);
	unlink(f->path);
	rmdir(f->dir);
	event_base_free(f->base);
	free(f);
	return 0;
}

/* GET path with the timeout; asserts that it started. */
static void get(struct fixture *f, const char *path, unsigned timeout_ms)
{
	assert_int_equal(http_get_start(f->base, f->path, path, timeout_ms, &lim, on_done,
					&f->res, &f->g), 0);
}

static void test_get_no_socket(void **state)
{
	struct fixture *f = *state;

	get(f, "/x", 1000);
	/* Never from within the start, only from the loop. */
	assert_false(f->res.called);
	event_base_loop(f->base, EVLOOP_ONCE);
	assert_true(f->res.called);
	assert_int_equal(f->res.r, -ENOENT);
}

static void test_get_timeout(void **state)
{
	struct fixture *f = *state;

	/* Listening but never accepting: connect() succeeds into the backlog, no answer. */
	get(f, "/x", 100);
	event_base_dispatch(f->base);
	assert_true(f->res.called);
	assert_int_equal(f->res.r, -ETIMEDOUT);
}

static void test_get_answer(void **state)
{
	static const char answer[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				     "4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n";
	struct fixture *f = *state;
	char req[512];
	ssize_t n;
	int fd;

	get(f, "/containers/c1/json", 2000);
	/* Let the request go out, then answer it from here. */
	event_base_loop(f->base, EVLOOP_NONBLOCK);
	fd = accept4(f->fd, NULL, NULL, SOCK_CLOEXEC);
	assert_true(fd >= 0);
	n = read(fd, req, sizeof(req) - 1);
	assert_true(n > 0);
	req[n] = '\0';
	assert_true(strncmp(req, "GET /containers/c1/json HTTP/1.1\r\n", 34) == 0);
	assert_non_null(strstr(req, "\r\nHost: "));
	assert_int_equal(write(fd, answer, 30), 30);
	event_base_loop(f->base, EVLOOP_NONBLOCK);
	assert_false(f->res.called);
	assert_int_equal(write(fd, answer + 30, sizeof(answer) - 31), (ssize_t)sizeof(answer) - 31);
	/* Complete without waiting for the server to close. */
	while (!f->res.called)
		event_base_loop(f->base, EVLOOP_ONCE);
	assert_int_equal(f->res.r, 0);
	assert_int_equal(f->res.status, 200);
	assert_string_equal(f->res.body, "{\"a\":1}");
	close(fd);
}

static void test_get_cancel(void **state)
{
	struct fixture *f = *state;

	get(f, "/x", 1000);
	http_get_cancel(f->g);
	event_base_loop(f->base, EVLOOP_NONBLOCK);
	assert_false(f->res.called);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content_length),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_eof_framing),
		cmocka_unit_test(test_no_body_statuses),
		cmocka_unit_test(test_status_line),
		cmocka_unit_test(test_header_fields),
		cmocka_unit_test(test_framing_conflicts),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_chunks_malformed),
		cmocka_unit_test_setup_teardown(test_get_no_socket, setup_absent, teardown),
		cmocka_unit_test_setup_teardown(test_get_timeout, setup_listening, teardown),
		cmocka_unit_test_setup_teardown(test_get_answer, setup_listening, teardown),
		cmocka_unit_test_setup_teardown(test_get_cancel, setup_absent, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
