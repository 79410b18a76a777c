/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A bounded HTTP/1.1 response parser, and one GET over an AF_UNIX socket through the loop. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <event2/event.h>

struct http_limits {
	size_t max_head;        /* status line and header fields, with the blank line */
	size_t max_body;        /* the body, after de-chunking */
};

enum http_framing {
	HTTP_FRAMING_EOF,       /* the body runs to the end of the connection */
	HTTP_FRAMING_LENGTH,    /* Content-Length */
	HTTP_FRAMING_CHUNKED,   /* Transfer-Encoding: chunked */
};

/* The parser's state; zero-initialise, then feed it the growing raw response. */
struct http_response {
	int status;
	size_t head_len;        /* 0 until the head is complete */
	enum http_framing framing;
	size_t content_length;
	size_t scan;            /* chunked: raw bytes decoded so far */
	bool in_trailer;        /* chunked: the last chunk was seen */
	size_t trailer_start;   /* chunked: where the trailer fields begin */
	char *body;             /* chunked: the decoded body */
	size_t body_len, body_alloc;
};

/*
 * Parse raw (len bytes: the response from its first byte, all that arrived so far; eof:
 * nothing more will come). Returns 1 when the response is complete, 0 when more is needed,
 * -EBADMSG for a malformed response, -EMSGSIZE beyond the limits, -EPROTO when it ends
 * early. Only CRLF line ends, HTTP/1.0 and 1.1, no 1xx answers, and of the transfer codings
 * only "chunked" are accepted. Calls after a result != 0 are not allowed.
 */
int http_response_parse(struct http_response *r, const char *raw, size_t len, bool eof,
			const struct http_limits *lim);

/* The body of a complete response (pointing into raw, or into r). */
const char *http_response_body(const struct http_response *r, const char *raw, size_t *ret_len);

void http_response_done(struct http_response *r);

/*
 * One GET of path over the AF_UNIX stream socket socket_path, bounded by timeout_ms and
 * lim. cb gets r == 0 with the status and body (valid during cb only), or r < 0: the
 * connect() error (-ENOENT, -ECONNREFUSED, -EACCES, ...), -ETIMEDOUT, or a parse error. It
 * is called once, from the loop, never from within http_get_start(), unless the request is
 * cancelled first. http_get_start() returns -errno only when nothing was started.
 */
typedef void (*http_done_fn)(int r, int status, const char *body, size_t len, void *userdata);

struct http_get;

int http_get_start(struct event_base *base, const char *socket_path, const char *path,
		   unsigned timeout_ms, const struct http_limits *lim, http_done_fn cb,
		   void *userdata, struct http_get **ret);

void http_get_cancel(struct http_get *g);
