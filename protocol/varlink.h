/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Varlink over AF_UNIX: NUL-framed JSON messages with SCM_RIGHTS fds, strict JSON, field tables. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

/* Hard ceilings; the configurable limits below may only be smaller. */
#define PROTO_FDS_MAX 16               /* fds in one message (cmsg buffer is sized for this) */
#define PROTO_MESSAGE_MAX (16u << 20)  /* bytes in one message, terminator excluded */
#define PROTO_DEPTH_MAX 64             /* JSON nesting */

struct proto_limits {
	size_t max_message; /* bytes in one message, NUL excluded */
	unsigned max_depth; /* JSON nesting depth: {} is depth 1 */
	unsigned max_fds;   /* fds attached to one message */
};

/* Defaults: 256 KiB, depth 16, 4 fds. */
extern const struct proto_limits proto_limits_default;

/* One complete message as received: the JSON text and the fds that came with it. */
struct proto_message {
	char *data;  /* NUL-terminated JSON text, owned */
	size_t len;  /* strlen(data) */
	int *fds;    /* CLOEXEC fds received with this message, owned */
	size_t n_fds;
};

/* Free data and close every fd still in the message; safe on a zeroed message. */
void proto_message_done(struct proto_message *m);

/* Detach fd number i from the message (the message no longer closes it); -EBADF if absent. */
int proto_message_take_fd(struct proto_message *m, size_t i);

/*
 * Receive side. Bytes accumulate until a NUL completes a message. fds received by one
 * recvmsg() belong to the message that holds the last byte of that read (the kernel
 * stops a read right after the segment that carried them), so a message gets exactly
 * the fds that the sender attached to its sendmsg().
 */
struct proto_reader {
	struct proto_limits limits;
	char *buf;            /* received bytes not yet handed out */
	size_t len, cap;
	int *cur_fds;         /* fds belonging to the incomplete message at the end of buf */
	size_t n_cur_fds;
	struct proto_message *ready; /* completed messages, FIFO: ready[head_ready...] */
	size_t n_ready, cap_ready;
	size_t head_ready;           /* index of the oldest, so taking one is O(1) */
	struct json_tokener *tok;    /* kept from message to message, see proto_reader_parse */
};

void proto_reader_init(struct proto_reader *r, const struct proto_limits *limits);
/* Release buffers and close every fd held. */
void proto_reader_done(struct proto_reader *r);

/*
 * One recvmsg(MSG_DONTWAIT|MSG_CMSG_CLOEXEC) on fd. Returns bytes read (> 0), 0 on EOF,
 * -EAGAIN when nothing is there, -EMSGSIZE when an incomplete message grows past
 * max_message, -ETOOMANYREFS when a message carries more than max_fds,
 * -EBADMSG on MSG_CTRUNC or a control message other than SOL_SOCKET/SCM_RIGHTS (the
 * fds of that read are closed), other -errno from recvmsg.
 */
int proto_reader_fill(struct proto_reader *r, int fd);

/* Feed bytes and fds as if read by one recvmsg (tests, fuzzing); same returns as fill. */
int proto_reader_feed(struct proto_reader *r, const void *data, size_t len, const int *fds,
		      size_t n_fds);

/* Move the oldest complete message into *ret: 1 if one was there, 0 if none. */
int proto_reader_next(struct proto_reader *r, struct proto_message *ret);

/* Bytes buffered for messages not yet complete. */
size_t proto_reader_pending(const struct proto_reader *r);

/*
 * proto_json_parse() of a message with the reader's max_depth, through one json-c
 * tokener that the reader keeps (reset after each message, freed by proto_reader_done)
 * instead of allocating one per message. Same returns as proto_json_parse.
 */
int proto_reader_parse(struct proto_reader *r, const struct proto_message *m,
		       struct json_object **ret);

/* Send side: a FIFO of encoded messages; fds go out with the first byte of their message. */
struct proto_outmsg;
struct proto_writer {
	struct proto_outmsg *head, *tail;
	size_t queued_bytes;
};

void proto_writer_init(struct proto_writer *w);
void proto_writer_done(struct proto_writer *w);

/*
 * Queue text (len bytes, a NUL is appended) with n_fds fds. The writer takes ownership of
 * the fds on success and on failure alike. Returns 0 or -ENOMEM/-EINVAL.
 */
int proto_writer_queue(struct proto_writer *w, const char *text, size_t len, int *fds,
		       size_t n_fds);

/* Queue a json object, serialized compactly. Ownership of fds as above. */
int proto_writer_queue_json(struct proto_writer *w, struct json_object *o, int *fds,
			    size_t n_fds);

/*
 * sendmsg(MSG_NOSIGNAL) as much as the socket takes. Returns 1 when the queue is empty,
 * 0 when data remains (the socket said EAGAIN), -errno on a socket error (e.g. -EPIPE).
 */
int proto_writer_flush(struct proto_writer *w, int fd);

/* Bytes queued and not yet written. */
size_t proto_writer_pending(const struct proto_writer *w);

/* Blocking helpers for clients (fd in blocking mode or polled by them). */
int proto_send_json(int fd, struct json_object *o, int *fds, size_t n_fds);
/*
 * Read until one message is complete; returns 1 with *ret filled, 0 on EOF, -errno
 * (-EBADMSG when EOF cuts a message short).
 */
int proto_recv_message(int fd, struct proto_reader *r, struct proto_message *ret);

/*
 * Strict JSON: parse text (exactly len bytes, no trailing bytes) into an object.
 * The top level must be an object. Rejects: syntax errors (-EBADMSG), nesting deeper
 * than max_depth (-ELOOP), a key repeated within one object (-ENOTUNIQ), a string or
 * key containing NUL (\u0000) or invalid UTF-8 (-EILSEQ), an integer outside int64 or a
 * number too large for a double (-ERANGE; json-c would clamp it).
 */
int proto_json_parse(const char *text, size_t len, unsigned max_depth,
		     struct json_object **ret);

/*
 * Field tables. proto_dispatch() walks a JSON object: every key must be in the table
 * (else -EINVAL and *ret_bad_field = the key), every entry with required=true must be
 * present and not null. A null for an optional field leaves the field untouched. Each
 * field function gets the value and a pointer into the destination struct and returns
 * 0 or -EINVAL (then *ret_bad_field = the table name). The table ends with a NULL name.
 */
typedef int (*proto_field_fn)(struct json_object *v, void *field);

struct proto_field {
	const char *name;
	proto_field_fn fn;
	size_t offset;
	bool required;
};

int proto_dispatch(struct json_object *obj, const struct proto_field table[], void *dest,
		   const char **ret_bad_field);

/* Add val to obj under key, consuming val; a NULL val (failed allocation) gives -ENOMEM. */
int proto_json_add(struct json_object *obj, const char *key, struct json_object *val);
/* A new object {key: val}, consuming val; NULL when out of memory (or val is NULL). */
struct json_object *proto_json_object_of(const char *key, struct json_object *val);

/* Field functions. No coercion: the JSON type must be exactly the one named. */
int proto_field_string(struct json_object *v, void *field);   /* char **, non-empty, no NUL, <= 4096 bytes */
int proto_field_bool(struct json_object *v, void *field);     /* bool * */
int proto_field_int64(struct json_object *v, void *field);    /* int64_t *, json int only */
int proto_field_fd_index(struct json_object *v, void *field); /* int *, 0 <= i < PROTO_FDS_MAX */
int proto_field_signal(struct json_object *v, void *field);   /* int *, 1 <= s <= SIGRTMAX */
int proto_field_strv(struct json_object *v, void *field);     /* char ***, array of strings, no NUL, <= 4096 entries */
int proto_field_object(struct json_object *v, void *field);   /* struct json_object ** (new ref) */

/* The envelope of a call: {"method", "parameters"?, "more"?, "oneway"?}. */
struct proto_call {
	char *method;
	struct json_object *parameters; /* owned ref; an empty object when absent */
	bool more;
	bool oneway;
};

/* Decode a call; -EINVAL with *ret_bad_field naming the key on failure. */
int proto_call_decode(struct json_object *msg, struct proto_call *ret, const char **ret_bad_field);
void proto_call_done(struct proto_call *c);

/* Build a call message: takes ownership of parameters (may be NULL). */
struct json_object *proto_call_new(const char *method, struct json_object *parameters,
				   bool more);

/* Build replies; each takes ownership of parameters (may be NULL for {}). */
struct json_object *proto_reply_new(struct json_object *parameters, bool continues);
struct json_object *proto_error_new(const char *error, struct json_object *parameters);

/* The envelope of a reply: {"parameters"?, "continues"?, "error"?}. */
struct proto_reply {
	char *error;                    /* NULL unless an error reply */
	struct json_object *parameters; /* owned ref; empty object when absent */
	bool continues;
};
int proto_reply_decode(struct json_object *msg, struct proto_reply *ret, const char **ret_bad_field);
void proto_reply_done(struct proto_reply *r);
