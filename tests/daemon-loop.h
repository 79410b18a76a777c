/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* For the daemon's state machine tests: peers on socketpairs, a real loop turned with a bound. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <json-c/json.h>

struct manager;
struct conn;

/* The test's end of one connection: what it received, split into messages at the NULs. */
struct peer {
	int fd;
	char buf[1 << 17];
	size_t len;
	bool eof;
};

/* A connection from uid 0 (gid 0, our pid), as the listener would adopt it. */
struct conn *peer_connect(struct manager *m, struct peer *p);
void peer_close(struct peer *p);
/* One Varlink call, NUL-terminated as on the wire. */
void peer_call(struct peer *p, const char *json);
/* Read what is there without waiting. */
void peer_drain(struct peer *p);
size_t peer_n_messages(const struct peer *p);
/* The idx-th message received, parsed (put it), or NULL. */
struct json_object *peer_message(const struct peer *p, size_t idx);

/* Fields of a reply: the error name or NULL, the parameters or NULL, continues. */
const char *msg_error(struct json_object *o);
struct json_object *msg_parameters(struct json_object *o);
bool msg_continues(struct json_object *o);
/* An integer parameter of a reply; -1 when absent. */
int64_t msg_int(struct json_object *o, const char *key);

typedef bool (*loop_cond_fn)(struct manager *m, struct peer *p, size_t arg);

/*
 * Turn the loop (and read the peer's end, if any) until cond holds; false if it did not
 * within timeout_ms. The loop may sleep in between: what the daemon waits for (pidfds,
 * timers) wakes it.
 */
bool loop_until(struct manager *m, struct peer *p, loop_cond_fn cond, size_t arg,
		unsigned timeout_ms);
/* Turn the loop for ms milliseconds: to show that something does not happen. */
void loop_for(struct manager *m, struct peer *p, unsigned ms);

/* Conditions. */
bool has_messages(struct manager *m, struct peer *p, size_t n);
bool peer_saw_eof(struct manager *m, struct peer *p, size_t arg);
bool n_conns_is(struct manager *m, struct peer *p, size_t n);
bool n_sessions_is(struct manager *m, struct peer *p, size_t n);
/*
 * The loop was told to end (event_base_loopexit) in a turn since the last time this said
 * so. Each turn forgets what the one before was told: the helpers remember it.
 */
bool loop_exited(struct manager *m, struct peer *p, size_t arg);

/* Write text as a root-owned 0644 file (a policy). */
void write_file(const char *path, const char *text);

/*
 * The cases that need a manager (it loads a policy, which must be root's) run only as root;
 * as another user (CI also runs `make check` as nobody) they are skipped. setup and
 * teardown are the test file's own.
 */
void skip_not_root(void **state);
#define ROOT_TEST(fn)                                                                   \
	(geteuid() == 0 ? (struct CMUnitTest)cmocka_unit_test_setup_teardown(fn, setup,  \
									      teardown) \
			: (struct CMUnitTest){ #fn, skip_not_root, NULL, NULL, NULL })
