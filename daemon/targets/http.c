/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* HTTP/1.1 for container engine APIs: a strict, bounded response parser and a unix-socket GET. */

/*
 * Why not libevent's evhttp: in libevent 2.1 (Debian 12) an evhttp_connection always
 * (re)connects by host name over TCP, closing any socket it was given; the AF_UNIX client
 * (evhttp_connection_base_bufferevent_unix_new) arrived in 2.2. So the request is written
 * and the answer read here, with plain events on a non-blocking socket, and parsed by a
 * parser that accepts only what the Docker and Podman APIs send (CRLF lines, HTTP/1.0 and
 * 1.1, Content-Length, chunked, or a body up to EOF) and enforces its limits while the
 * bytes arrive, so that a service that answers too much, too little or never cannot make
 * nsctld wait or grow.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/targets/http.h"
#include "protocol/cleanup.h"

#define CHUNK_LINE_MAX 256 /* chunk size with its extensions */

static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Field values: visible characters, obs-text, space and tab; no other control bytes. */
static bool value_ok(const char *p, const char *end)
{
	for (; p < end; p++) {
		unsigned char u = (unsigned char)*p;

		if ((u < 0x20 && u != '\t') || u == 0x7f)
			return false;
	}
	return true;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "HTTP/1.1 200 OK": version, three digits, and a reason after a space (may be empty). */
static int parse_status_line(const char *p, const char *end, int *ret_status)
{
	int status = 0;

	if (end - p < 12 || (memcmp(p, "HTTP/1.1 ", 9) != 0 && memcmp(p, "HTTP/1.0 ", 9) != 0))
		return -EBADMSG;
	p += 9;
	for (int i = 0; i < 3; i++, p++) {
		if (*p < '0' || *p > '9')
			return -EBADMSG;
		status = status * 10 + (*p - '0');
	}
	if (p < end && *p != ' ')
		return -EBADMSG;
	if (!value_ok(p, end))
		return -EBADMSG;
	/* No interim answers are expected for a GET without "Expect". */
	if (status < 200 || status > 599)
		return -EBADMSG;
	*ret_status = status;
	return 0;
}

static int parse_content_length(const char *p, const char *end, const struct http_limits *lim,
				size_t *ret)
{
	size_t v = 0;

	if (p == end)
		return -EBADMSG;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -EBADMSG;
		if (v > lim->max_body)
			return -EMSGSIZE;
		v = v * 10 + (size_t)(*p - '0');
	}
	if (v > lim->max_body)
		return -EMSGSIZE;
	*ret = v;
	return 0;
}

static int parse_head(struct http_response *r, const char *raw, size_t len, bool eof,
		      const struct http_limits *lim)
{
	size_t window = len < lim->max_head ? len : lim->max_head;
	const char *end = memmem(raw, window, "\r\n\r\n", 4);
	const char *p, *eol;
	bool have_length = false, chunked = false;
	size_t length = 0;
	int r_;

	if (!end) {
		if (len >= lim->max_head)
			return -EMSGSIZE;
		return eof ? -EPROTO : 0;
	}
	eol = memmem(raw, (size_t)(end + 2 - raw), "\r\n", 2);
	r_ = parse_status_line(raw, eol, &r->status);
	if (r_ < 0)
		return r_;
	for (p = eol + 2; p < end + 2; p = eol + 2) {
		const char *colon, *v, *ve;

		eol = memmem(p, (size_t)(end + 2 - p), "\r\n", 2);
		/* A line folded onto the previous one (obs-fold) is not accepted. */
		if (*p == ' ' || *p == '\t')
			return -EBADMSG;
		for (colon = p; colon < eol && is_tchar(*colon); colon++)
			;
		if (colon == p || colon == eol || *colon != ':')
			return -EBADMSG;
		for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
			;
		for (ve = eol; ve > v && (ve[-1] == ' ' || ve[-1] == '\t'); ve--)
			;
		if (!value_ok(v, ve))
			return -EBADMSG;
		if ((size_t)(colon - p) == 14 && strncasecmp(p, "Content-Length", 14) == 0) {
			size_t n;

			r_ = parse_content_length(v, ve, lim, &n);
			if (r_ < 0)
				return r_;
			/* Two different lengths: which one frames the body is anyone's guess. */
			if (have_length && n != length)
				return -EBADMSG;
			have_length = true;
			length = n;
		} else if ((size_t)(colon - p) == 17 &&
			   strncasecmp(p, "Transfer-Encoding", 17) == 0) {
			if (chunked || ve - v != 7 || strncasecmp(v, "chunked", 7) != 0)
				return -EBADMSG;
			chunked = true;
		}
	}
	if (have_length && chunked)
		return -EBADMSG;
	if (r->status == 204 || r->status == 304) {
		r->framing = HTTP_FRAMING_LENGTH;
		r->content_length = 0;
	} else if (chunked) {
		r->framing = HTTP_FRAMING_CHUNKED;
	} else if (have_length) {
		r->framing = HTTP_FRAMING_LENGTH;
		r->content_length = length;
	} else {
		r->framing = HTTP_FRAMING_EOF;
	}
	r->head_len = (size_t)(end + 4 - raw);
	r->scan = r->head_len;
	return 1;
}

static int body_append(struct http_response *r, const char *data, size_t n)
{
	if (r->body_len + n > r->body_alloc) {
		size_t na = r->body_alloc ? r->body_alloc : 4096;
		char *nb;

		while (na < r->body_len + n)
			na *= 2;
		nb = realloc(r->body, na);
		if (!nb)
			return -ENOMEM;
		r->body = nb;
		r->body_alloc = na;
	}
	memcpy(r->body + r->body_len, data, n);
	r->body_len += n;
	return 0;
}

/* Decode the chunks that have arrived completely; 1 once the trailer has ended. */
static int parse_chunks(struct http_response *r, const char *raw, size_t len, bool eof,
			const struct http_limits *lim)
{
	for (;;) {
		const char *p = raw + r->scan, *crlf, *q;
		size_t avail = len - r->scan, size = 0, trailer;
		int d, r_;

		if (r->in_trailer) {
			crlf = memmem(p, avail, "\r\n", 2);
			trailer = (size_t)((crlf ? crlf : raw + len) - raw) - r->trailer_start;
			if (trailer > lim->max_head)
				return -EMSGSIZE;
			if (!crlf)
				return eof ? -EPROTO : 0;
			if (crlf == p)
				return 1;
			if (!value_ok(p, crlf) || !memchr(p, ':', (size_t)(crlf - p)))
				return -EBADMSG;
			r->scan += (size_t)(crlf - p) + 2;
			continue;
		}
		crlf = memmem(p, avail < CHUNK_LINE_MAX ? avail : CHUNK_LINE_MAX, "\r\n", 2);
		if (!crlf) {
			if (avail >= CHUNK_LINE_MAX)
				return -EBADMSG;
			return eof ? -EPROTO : 0;
		}
		for (q = p; q < crlf && (d = hex_value(*q)) >= 0; q++) {
			if (size > lim->max_body)
				return -EMSGSIZE;
			size = size * 16 + (size_t)d;
		}
		/* Digits, then the end of the line or chunk extensions after ';'. */
		if (q == p || (q < crlf && *q != ';') || !value_ok(q, crlf))
			return -EBADMSG;
		if (size > lim->max_body - r->body_len)
			return -EMSGSIZE;
		if (size == 0) {
			r->in_trailer = true;
			r->scan += (size_t)(crlf - p) + 2;
			r->trailer_start = r->scan;
			continue;
		}
		if (avail < (size_t)(crlf - p) + 2 + size + 2)
			return eof ? -EPROTO : 0;
		if (crlf[2 + size] != '\r' || crlf[3 + size] != '\n')
			return -EBADMSG;
		r_ = body_append(r, crlf + 2, size);
		if (r_ < 0)
			return r_;
		r->scan += (size_t)(crlf - p) + 2 + size + 2;
	}
}

int http_response_parse(struct http_response *r, const char *raw, size_t len, bool eof,
			const struct http_limits *lim)
{
	size_t avail;
	int r_;

	if (r->head_len == 0) {
		r_ = parse_head(r, raw, len, eof, lim);
		if (r_ <= 0)
			return r_;
	}
	avail = len - r->head_len;
	switch (r->framing) {
	case HTTP_FRAMING_LENGTH:
		if (avail >= r->content_length)
			return 1;
		return eof ? -EPROTO : 0;
	case HTTP_FRAMING_EOF:
		if (avail > lim->max_body)
			return -EMSGSIZE;
		if (!eof)
			return 0;
		r->content_length = avail;
		return 1;
	case HTTP_FRAMING_CHUNKED:
		return parse_chunks(r, raw, len, eof, lim);
	}
	return -EBADMSG;
}

const char *http_response_body(const struct http_response *r, const char *raw, size_t *ret_len)
{
	if (r->framing == HTTP_FRAMING_CHUNKED) {
		*ret_len = r->body_len;
		return r->body ? r->body : "";
	}
	*ret_len = r->content_length;
	return raw + r->head_len;
}

void http_response_done(struct http_response *r)
{
	free(r->body);
	*r = (struct http_response){ 0 };
}

/* --- one GET ----------------------------------------------------------------------------- */

struct http_get {
	int fd;
	struct event *ev_write, *ev_read, *ev_timer, *ev_early;
	char *request;
	size_t req_len, req_sent;
	char *raw;                 /* the response as it arrives */
	size_t len, alloc, cap;
	struct http_response resp;
	struct http_limits lim;
	int early_r;               /* failed before any I/O: reported on the next iteration */
	http_done_fn cb;
	void *userdata;
};

void http_get_cancel(struct http_get *g)
{
	if (!g)
		return;
	if (g->ev_write)
		event_free(g->ev_write);
	if (g->ev_read)
		event_free(g->ev_read);
	if (g->ev_timer)
		event_free(g->ev_timer);
	if (g->ev_early)
		event_free(g->ev_early);
	safe_close(g->fd);
	free(g->request);
	free(g->raw);
	http_response_done(&g->resp);
	free(g);
}

static void get_finish(struct http_get *g, int r)
{
	const char *body = NULL;
	size_t body_len = 0;

	if (r == 0)
		body = http_response_body(&g->resp, g->raw, &body_len);
	g->cb(r, r == 0 ? g->resp.status : 0, body, body_len, g->userdata);
	http_get_cancel(g);
}

static void on_early(evutil_socket_t fd, short what, void *userdata)
{
	struct http_get *g = userdata;

	get_finish(g, g->early_r);
}

static void on_timeout(evutil_socket_t fd, short what, void *userdata)
{
	get_finish(userdata, -ETIMEDOUT);
}

static void on_write(evutil_socket_t fd, short what, void *userdata)
{
	struct http_get *g = userdata;
	ssize_t n;

	n = send(g->fd, g->request + g->req_sent, g->req_len - g->req_sent,
		 MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			get_finish(g, -errno);
		return;
	}
	g->req_sent += (size_t)n;
	if (g->req_sent < g->req_len)
		return;
	/* Our side stays open: some servers take a half-close for a client that left. */
	event_del(g->ev_write);
	event_add(g->ev_read, NULL);
}

static void on_read(evutil_socket_t fd, short what, void *userdata)
{
	struct http_get *g = userdata;

	for (;;) {
		ssize_t n;
		int r;

		if (g->len == g->alloc) {
			size_t na = g->alloc ? g->alloc * 2 : 16384;
			char *nr;

			if (g->alloc >= g->cap) {
				get_finish(g, -EMSGSIZE);
				return;
			}
			if (na > g->cap)
				na = g->cap;
			nr = realloc(g->raw, na);
			if (!nr) {
				get_finish(g, -ENOMEM);
				return;
			}
			g->raw = nr;
			g->alloc = na;
		}
		n = read(g->fd, g->raw + g->len, g->alloc - g->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				get_finish(g, -errno);
			return;
		}
		g->len += (size_t)n;
		r = http_response_parse(&g->resp, g->raw, g->len, n == 0, &g->lim);
		if (r != 0 || n == 0) {
			get_finish(g, r > 0 ? 0 : r < 0 ? r : -EPROTO);
			return;
		}
	}
}

int http_get_start(struct event_base *base, const char *socket_path, const char *path,
		   unsigned timeout_ms, const struct http_limits *lim, http_done_fn cb,
		   void *userdata, struct http_get **ret)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
	struct http_get *g;
	int n;

	if (strlen(socket_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, socket_path);
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->fd = -EBADF;
	g->lim = *lim;
	/* Room for the head, the body, and chunk framing of up to as much again. */
	g->cap = lim->max_head + 2 * lim->max_body + 4096;
	g->cb = cb;
	g->userdata = userdata;
	n = asprintf(&g->request,
		     "GET %s HTTP/1.1\r\n"
		     "Host: localhost\r\n"
		     "User-Agent: nsctld\r\n"
		     "Accept: application/json\r\n"
		     "Connection: close\r\n"
		     "\r\n",
		     path);
	if (n < 0) {
		g->request = NULL;
		http_get_cancel(g);
		return -ENOMEM;
	}
	g->req_len = (size_t)n;
	g->ev_timer = evtimer_new(base, on_timeout, g);
	g->ev_early = evtimer_new(base, on_early, g);
	if (!g->ev_timer || !g->ev_early) {
		http_get_cancel(g);
		return -ENOMEM;
	}
	g->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (g->fd < 0) {
		g->early_r = -errno;
	} else if (connect(g->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
		/* ENOENT, ECONNREFUSED, EACCES; EAGAIN when its listen backlog is full. */
		g->early_r = -errno;
	} else {
		g->ev_write = event_new(base, g->fd, EV_WRITE | EV_PERSIST, on_write, g);
		g->ev_read = event_new(base, g->fd, EV_READ | EV_PERSIST, on_read, g);
		if (!g->ev_write || !g->ev_read) {
			http_get_cancel(g);
			return -ENOMEM;
		}
		event_add(g->ev_write, NULL);
		evtimer_add(g->ev_timer, &tv);
	}
	if (g->early_r < 0)
		event_active(g->ev_early, EV_TIMEOUT, 0);
	*ret = g;
	return 0;
}
