/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nsctl-load: drives nsctld over Varlink for the benchmarks: call latency, request rate, held sessions. */

/*
 * What a shell cannot measure: many requests in flight at once, hundreds of sessions held
 * open by one process, and the latency of single calls while that goes on. Every mode
 * prints one line of key=value pairs that the bench scripts pick apart; times are in
 * microseconds, rates per second.
 *
 *   getinfo  org.varlink.service.GetInfo, one call at a time on one connection (or a new
 *            connection per call), optionally paced: the latency of a cheap call.
 *   run      io.nsctl.Run of a short command from C client threads, each call on a new
 *            connection as nsctl makes it: requests per second and their latency.
 *   hold     N io.nsctl.Run sessions of a long command, W in flight while they start;
 *            prints "ready" when all run and keeps them until stdin reaches EOF.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"
#include "protocol/varlink.h"

#define CLIENTS_MAX 256
#define SESSIONS_MAX 100000

struct options {
	const char *socket_path;
	const char *target;
	uint32_t ns_mask;
	char **command;       /* after "--": run and hold */
	unsigned long count;  /* calls (getinfo, run); 0: use duration */
	double duration;      /* seconds (getinfo, run) */
	unsigned clients;     /* threads (run) */
	unsigned sessions;    /* hold */
	unsigned window;      /* hold: Run calls in flight while starting */
	unsigned interval_us; /* getinfo: pause between calls */
	bool connect_each;    /* getinfo: a new connection per call */
};

/* Latencies in nanoseconds. */
struct samples {
	uint64_t *v;
	size_t n, cap;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int samples_add(struct samples *s, uint64_t v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		uint64_t *nv = realloc(s->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = v;
	return 0;
}

static int samples_merge(struct samples *dst, const struct samples *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (samples_add(dst, src->v[i]) < 0)
			return -ENOMEM;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* The sample at quantile q (nearest rank) of sorted samples, in microseconds. */
static double quantile_us(const struct samples *s, double q)
{
	size_t i;

	if (s->n == 0)
		return 0;
	i = (size_t)(q * (double)s->n + 0.999999);
	if (i > 0)
		i--;
	if (i >= s->n)
		i = s->n - 1;
	return (double)s->v[i] / 1000.0;
}

/* " NAME_p50_us=... NAME_p90_us=... NAME_p99_us=... NAME_max_us=..." (sorts s). */
static void samples_print(const char *name, struct samples *s)
{
	if (s->n > 0)
		qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
	printf(" %s_p50_us=%.1f %s_p90_us=%.1f %s_p99_us=%.1f %s_max_us=%.1f", name,
	       quantile_us(s, 0.5), name, quantile_us(s, 0.9), name, quantile_us(s, 0.99), name,
	       quantile_us(s, 1.0));
}

static int connect_socket(const char *path, int *ret_fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -EBADF;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		if (errno != EINTR)
			return -errno;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/*
 * Decode one reply. Returns 0 for a final reply, 1 for one that continues, -EREMOTE for an
 * error reply (its name and parameters copied to error, e.g.
 * io.nsctl.SystemError{"operation":"worker-setup","errno":24}, blanks made '_' so that it
 * stays one word of the key=value line), -EBADMSG when it is not a reply at all.
 */
static int decode_reply(const struct proto_message *m, char *error, size_t n)
{
	_cleanup_json_ struct json_object *o = NULL;
	struct proto_reply rep = { 0 };
	int r;

	if (proto_json_parse(m->data, m->len, proto_limits_default.max_depth, &o) < 0 ||
	    proto_reply_decode(o, &rep, NULL) < 0)
		return -EBADMSG;
	if (rep.error) {
		const char *params = "";

		if (rep.parameters && json_object_object_length(rep.parameters) > 0)
			params = json_object_to_json_string_ext(rep.parameters,
								JSON_C_TO_STRING_PLAIN);
		snprintf(error, n, "%s%s", rep.error, params ? params : "");
		for (char *c = error; *c; c++)
			if (*c == ' ' || *c == '\t' || *c == '\n')
				*c = '_';
		r = -EREMOTE;
	} else {
		r = rep.continues ? 1 : 0;
	}
	proto_reply_done(&rep);
	return r;
}

/* The Run call of the options, with three copies of /dev/null as stdio. */
static int send_run(const struct options *o, int fd, int devnull)
{
	struct run_request req = {
		.target = (char *)o->target,
		.ns_mask = o->ns_mask,
		.argv = o->command,
		.stdin_fd = 0,
		.stdout_fd = 1,
		.stderr_fd = 2,
	};
	_cleanup_json_ struct json_object *call = NULL;
	struct json_object *params;
	int fds[3];

	params = run_request_to_json(&req);
	if (!params)
		return -ENOMEM;
	call = proto_call_new(NSCTL_METHOD_RUN, params, true);
	if (!call)
		return -ENOMEM;
	for (int i = 0; i < 3; i++) {
		fds[i] = fcntl(devnull, F_DUPFD_CLOEXEC, 3);
		if (fds[i] < 0) {
			int r = -errno;
			close_many(fds, (size_t)i);
			return r;
		}
	}
	return proto_send_json(fd, call, fds, 3); /* takes the fds */
}

/* Counters shared by the threads of one mode. */
struct shared {
	const struct options *o;
	int devnull;
	uint64_t deadline; /* now_ns() value; 0: count only */
	atomic_ulong issued;
	pthread_mutex_t lock;
	unsigned long errors;
	char first_error[128];
};

static void note_error(struct shared *sh, const char *what)
{
	pthread_mutex_lock(&sh->lock);
	if (sh->errors++ == 0)
		snprintf(sh->first_error, sizeof(sh->first_error), "%s", what);
	pthread_mutex_unlock(&sh->lock);
}

/* May this thread issue one more call? */
static bool another(struct shared *sh)
{
	if (sh->deadline)
		return now_ns() < sh->deadline;
	return atomic_fetch_add(&sh->issued, 1) < sh->o->count;
}

struct run_thread {
	pthread_t thread;
	struct shared *sh;
	struct samples total;   /* connect to final reply */
	struct samples started; /* connect to the "started" reply */
	unsigned long done;
};

/* One Run on a new connection, read to its final reply; errors are noted, not fatal. */
static void run_one(struct run_thread *t)
{
	struct shared *sh = t->sh;
	_cleanup_close_ int fd = -EBADF;
	struct proto_reader rd;
	char error[128] = "";
	uint64_t t0 = now_ns();
	int r;

	r = connect_socket(sh->o->socket_path, &fd);
	if (r < 0) {
		note_error(sh, strerror(-r));
		return;
	}
	r = send_run(sh->o, fd, sh->devnull);
	if (r < 0) {
		note_error(sh, strerror(-r));
		return;
	}
	proto_reader_init(&rd, &proto_limits_default);
	for (;;) {
		struct proto_message m = { 0 };

		r = proto_recv_message(fd, &rd, &m);
		if (r <= 0) {
			note_error(sh, r == 0 ? "connection closed" : strerror(-r));
			break;
		}
		r = decode_reply(&m, error, sizeof(error));
		proto_message_done(&m);
		if (r == 1) {
			(void)samples_add(&t->started, now_ns() - t0);
			continue;
		}
		if (r == 0) {
			(void)samples_add(&t->total, now_ns() - t0);
			t->done++;
		} else {
			note_error(sh, r == -EREMOTE ? error : "bad reply");
		}
		break;
	}
	proto_reader_done(&rd);
}

static void *run_thread_main(void *userdata)
{
	struct run_thread *t = userdata;

	while (another(t->sh))
		run_one(t);
	return NULL;
}

static int open_devnull(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static int mode_run(const struct options *o)
{
	struct shared sh = { .o = o, .lock = PTHREAD_MUTEX_INITIALIZER };
	struct run_thread *threads;
	struct samples total = { 0 }, started = { 0 };
	unsigned long done = 0;
	uint64_t t0, elapsed;
	unsigned n_started = 0;
	int r = 0;

	sh.devnull = open_devnull();
	if (sh.devnull < 0)
		return sh.devnull;
	threads = calloc(o->clients, sizeof(*threads));
	if (!threads) {
		safe_close(sh.devnull);
		return -ENOMEM;
	}
	t0 = now_ns();
	if (!o->count)
		sh.deadline = t0 + (uint64_t)(o->duration * 1e9);
	for (unsigned i = 0; i < o->clients; i++) {
		threads[i].sh = &sh;
		r = -pthread_create(&threads[i].thread, NULL, run_thread_main, &threads[i]);
		if (r < 0)
			break;
		n_started++;
	}
	for (unsigned i = 0; i < n_started; i++)
		pthread_join(threads[i].thread, NULL);
	elapsed = now_ns() - t0;
	for (unsigned i = 0; i < n_started; i++) {
		done += threads[i].done;
		if (samples_merge(&total, &threads[i].total) < 0 ||
		    samples_merge(&started, &threads[i].started) < 0)
			r = -ENOMEM;
		free(threads[i].total.v);
		free(threads[i].started.v);
	}
	if (r == 0) {
		printf("run clients=%u requests=%lu errors=%lu seconds=%.3f rate=%.1f", n_started,
		       done, sh.errors, (double)elapsed / 1e9,
		       (double)done / ((double)elapsed / 1e9));
		samples_print("started", &started);
		samples_print("total", &total);
		if (sh.errors)
			printf(" first_error=%s", sh.first_error);
		printf("\n");
	}
	free(total.v);
	free(started.v);
	free(threads);
	safe_close(sh.devnull);
	return r < 0 ? r : sh.errors ? 1 : 0;
}

/* One GetInfo on fd; 0 on a good final reply. */
static int getinfo_once(int fd, struct proto_reader *rd, char *error, size_t n)
{
	_cleanup_json_ struct json_object *call = NULL;
	struct proto_message m = { 0 };
	int r;

	call = proto_call_new(VARLINK_METHOD_GET_INFO, NULL, false);
	if (!call)
		return -ENOMEM;
	r = proto_send_json(fd, call, NULL, 0);
	if (r < 0)
		return r;
	r = proto_recv_message(fd, rd, &m);
	if (r == 0)
		return -ECONNRESET;
	if (r < 0)
		return r;
	r = decode_reply(&m, error, n);
	proto_message_done(&m);
	return r == 1 ? -EBADMSG : r;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = { .tv_sec = (time_t)(t / 1000000000u),
			       .tv_nsec = (long)(t % 1000000000u) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static int mode_getinfo(const struct options *o)
{
	struct samples lat = { 0 };
	struct proto_reader rd;
	_cleanup_close_ int fd = -EBADF;
	unsigned long calls = 0, errors = 0;
	char error[128] = "", first_error[128] = "";
	uint64_t t0 = now_ns(), next = t0, deadline = 0, elapsed;
	int r, fatal = 0;

	if (!o->count)
		deadline = t0 + (uint64_t)(o->duration * 1e9);
	proto_reader_init(&rd, &proto_limits_default);
	while (o->count ? calls + errors < o->count : now_ns() < deadline) {
		uint64_t t;

		if (o->interval_us) {
			sleep_until(next);
			/* A late call does not bring a burst after it: pace from now. */
			next = now_ns() + (uint64_t)o->interval_us * 1000u;
		}
		t = now_ns();
		if (fd < 0 || o->connect_each) {
			fd = safe_close(fd);
			proto_reader_done(&rd);
			proto_reader_init(&rd, &proto_limits_default);
			r = connect_socket(o->socket_path, &fd);
			if (r >= 0)
				r = getinfo_once(fd, &rd, error, sizeof(error));
		} else {
			r = getinfo_once(fd, &rd, error, sizeof(error));
		}
		if (r < 0) {
			if (errors++ == 0)
				snprintf(first_error, sizeof(first_error), "%s",
					 r == -EREMOTE ? error : strerror(-r));
			fd = safe_close(fd);
			if (errors >= 100)
				break; /* the daemon is gone or refuses us: no point going on */
			continue;
		}
		if (samples_add(&lat, now_ns() - t) < 0) {
			fatal = -ENOMEM;
			break;
		}
		calls++;
	}
	elapsed = now_ns() - t0;
	proto_reader_done(&rd);
	if (fatal == 0) {
		printf("getinfo calls=%lu errors=%lu seconds=%.3f rate=%.1f", calls, errors,
		       (double)elapsed / 1e9, (double)calls / ((double)elapsed / 1e9));
		samples_print("latency", &lat);
		if (errors)
			printf(" first_error=%s", first_error);
		printf("\n");
	}
	free(lat.v);
	return fatal < 0 ? fatal : errors ? 1 : 0;
}

enum slot_state {
	SLOT_NEW,
	SLOT_STARTING,
	SLOT_RUNNING,
	SLOT_GONE,
};

struct slot {
	enum slot_state state;
	int fd;
	uint64_t t0;
	struct proto_reader rd;
};

/*
 * Read what slot s has. A "started" reply moves it to RUNNING; a final or error reply, or
 * EOF, to GONE. Returns 1 when the slot changed state, 0 if not; error names the error.
 */
static int slot_read(struct slot *s, char *error, size_t n)
{
	enum slot_state before = s->state;
	int r;

	r = proto_reader_fill(&s->rd, s->fd);
	if (r == -EAGAIN || r == -EINTR)
		return 0;
	if (r <= 0) {
		snprintf(error, n, "%s", r == 0 ? "connection closed" : strerror(-r));
		s->state = SLOT_GONE;
		return 1;
	}
	for (;;) {
		struct proto_message m = { 0 };

		if (proto_reader_next(&s->rd, &m) <= 0)
			break;
		r = decode_reply(&m, error, n);
		proto_message_done(&m);
		if (r == 1 && s->state == SLOT_STARTING) {
			s->state = SLOT_RUNNING;
			continue;
		}
		if (r == 0)
			snprintf(error, n, "session ended");
		else if (r == -EBADMSG || r == 1)
			snprintf(error, n, "bad reply");
		s->state = SLOT_GONE;
		break;
	}
	return s->state != before;
}

static void slot_close(struct slot *s)
{
	s->fd = safe_close(s->fd);
	proto_reader_done(&s->rd);
}

/* Wait for stdin to reach EOF while the sessions run; counts sessions that end early. */
static unsigned long hold_until_eof(struct slot *slots, unsigned n, struct pollfd *pfd)
{
	unsigned long ended = 0;
	char error[128];

	for (;;) {
		unsigned k = 0;

		pfd[k++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		for (unsigned i = 0; i < n; i++)
			if (slots[i].state == SLOT_RUNNING)
				pfd[k++] = (struct pollfd){ .fd = slots[i].fd, .events = POLLIN };
		if (poll(pfd, k, -1) < 0) {
			if (errno == EINTR)
				continue;
			return ended;
		}
		if (pfd[0].revents) {
			char buf[256];

			if (read(STDIN_FILENO, buf, sizeof(buf)) <= 0)
				return ended;
		}
		for (unsigned i = 0, j = 1; i < n && j < k; i++) {
			if (slots[i].state != SLOT_RUNNING || slots[i].fd != pfd[j].fd)
				continue;
			if (pfd[j++].revents && slot_read(&slots[i], error, sizeof(error)) &&
			    slots[i].state == SLOT_GONE) {
				ended++;
				slot_close(&slots[i]);
			}
		}
	}
}

static int mode_hold(const struct options *o)
{
	_cleanup_free_ struct slot *slots = NULL;
	_cleanup_free_ struct pollfd *pfd = NULL;
	_cleanup_free_ unsigned *pending = NULL;
	_cleanup_close_ int devnull = -EBADF;
	struct samples lat = { 0 };
	unsigned next = 0, inflight = 0, running = 0, failed = 0;
	unsigned long ended;
	char error[128] = "", first_error[128] = "";
	uint64_t t0, ramp;
	int r = 0;

	slots = calloc(o->sessions, sizeof(*slots));
	pfd = calloc(o->sessions + 1, sizeof(*pfd));
	pending = calloc(o->sessions, sizeof(*pending));
	if (!slots || !pfd || !pending)
		return -ENOMEM;
	devnull = open_devnull();
	if (devnull < 0)
		return devnull;
	for (unsigned i = 0; i < o->sessions; i++)
		slots[i].fd = -EBADF;

	t0 = now_ns();
	while (running + failed < o->sessions) {
		unsigned k = 0;

		while (inflight < o->window && next < o->sessions) {
			struct slot *s = &slots[next++];

			proto_reader_init(&s->rd, &proto_limits_default);
			s->t0 = now_ns();
			r = connect_socket(o->socket_path, &s->fd);
			if (r >= 0)
				r = send_run(o, s->fd, devnull);
			if (r < 0) {
				if (failed++ == 0)
					snprintf(first_error, sizeof(first_error), "%s", strerror(-r));
				s->state = SLOT_GONE;
				slot_close(s);
				continue;
			}
			s->state = SLOT_STARTING;
			inflight++;
		}
		for (unsigned i = 0; i < next; i++)
			if (slots[i].state == SLOT_STARTING) {
				pending[k] = i;
				pfd[k++] = (struct pollfd){ .fd = slots[i].fd, .events = POLLIN };
			}
		if (k == 0)
			continue;
		if (poll(pfd, k, -1) < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		for (unsigned j = 0; j < k; j++) {
			struct slot *s = &slots[pending[j]];

			if (!pfd[j].revents || !slot_read(s, error, sizeof(error)))
				continue;
			inflight--;
			if (s->state == SLOT_RUNNING) {
				running++;
				(void)samples_add(&lat, now_ns() - s->t0);
			} else {
				if (failed++ == 0)
					snprintf(first_error, sizeof(first_error), "%s", error);
				slot_close(s);
			}
		}
	}
	ramp = now_ns() - t0;
	printf("hold sessions=%u running=%u errors=%u window=%u ramp_seconds=%.3f ramp_rate=%.1f",
	       o->sessions, running, failed, o->window, (double)ramp / 1e9,
	       (double)running / ((double)ramp / 1e9));
	samples_print("start", &lat);
	if (failed)
		printf(" first_error=%s", first_error);
	printf("\nready\n");
	fflush(stdout);
	free(lat.v);

	ended = hold_until_eof(slots, o->sessions, pfd);
	for (unsigned i = 0; i < o->sessions; i++)
		slot_close(&slots[i]);
	printf("released sessions=%u ended_early=%lu\n", running, ended);
	fflush(stdout);
	return r < 0 ? r : (failed || ended) ? 1 : 0;
}

static void help(void)
{
	printf("Usage: nsctl-load [--socket PATH] getinfo [--count N | --duration SEC]\n"
	       "                  [--interval-us US] [--connect-each]\n"
	       "       nsctl-load [--socket PATH] run --target T [--ns LIST]\n"
	       "                  [--count N | --duration SEC] [--clients C] -- COMMAND [ARG...]\n"
	       "       nsctl-load [--socket PATH] hold --target T [--ns LIST] --sessions N\n"
	       "                  [--window W] -- COMMAND [ARG...]\n"
	       "\n"
	       "Load driver for the nsctld benchmarks. Prints one line of key=value results;\n"
	       "hold prints 'ready' once every session runs and keeps them until stdin ends.\n"
	       "Exits 0 when every call succeeded, 1 when some failed, 2 on usage errors.\n");
}

/* A decimal number from min to max: digits only, no sign, no overflow. */
static int parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *ret)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int parse_unsigned(const char *s, unsigned min, unsigned max, unsigned *ret)
{
	unsigned long v;

	if (parse_ulong(s, min, max, &v) < 0)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

static int parse_ns_list(const char *list, uint32_t *ret)
{
	_cleanup_free_ char *copy = strdup(list);
	uint32_t mask = 0;
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		int t = ns_from_name(w);

		if (t < 0)
			return t;
		mask |= NS_BIT(t);
	}
	if (!mask)
		return -EINVAL;
	*ret = mask;
	return 0;
}

static int parse_options(int argc, char **argv, const char **ret_mode, struct options *o)
{
	enum { ARG_SOCKET = 0x100, ARG_TARGET, ARG_NS, ARG_COUNT, ARG_DURATION, ARG_CLIENTS,
	       ARG_SESSIONS, ARG_WINDOW, ARG_INTERVAL, ARG_CONNECT_EACH };
	static const struct option options[] = {
		{ "socket", required_argument, NULL, ARG_SOCKET },
		{ "target", required_argument, NULL, ARG_TARGET },
		{ "ns", required_argument, NULL, ARG_NS },
		{ "count", required_argument, NULL, ARG_COUNT },
		{ "duration", required_argument, NULL, ARG_DURATION },
		{ "clients", required_argument, NULL, ARG_CLIENTS },
		{ "sessions", required_argument, NULL, ARG_SESSIONS },
		{ "window", required_argument, NULL, ARG_WINDOW },
		{ "interval-us", required_argument, NULL, ARG_INTERVAL },
		{ "connect-each", no_argument, NULL, ARG_CONNECT_EACH },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *mode = NULL;
	char *end;
	int c, idx = 0;

	*o = (struct options){
		.socket_path = getenv("NSCTL_SOCKET") ? getenv("NSCTL_SOCKET")
						      : NSCTL_DEFAULT_SOCKET,
		.ns_mask = NS_BIT(NS_NET),
		.count = 1000,
		.clients = 1,
		.window = 32,
	};
	/* "+": the mode word and "--" end option parsing; the mode's options follow it. */
	while (optind < argc) {
		c = getopt_long(argc, argv, "+h", options, &idx);
		if (c < 0) {
			if (optind >= argc || strcmp(argv[optind - 1], "--") == 0)
				break;
			if (mode)
				break;
			mode = argv[optind++];
			continue;
		}
		switch (c) {
		case ARG_SOCKET:
			o->socket_path = optarg;
			break;
		case ARG_TARGET:
			o->target = optarg;
			break;
		case ARG_NS:
			if (parse_ns_list(optarg, &o->ns_mask) < 0)
				goto bad;
			break;
		case ARG_COUNT:
			if (parse_ulong(optarg, 1, 100000000, &o->count) < 0)
				goto bad;
			o->duration = 0;
			break;
		case ARG_DURATION:
			errno = 0;
			o->duration = strtod(optarg, &end);
			if (errno || *end || !(o->duration > 0 && o->duration < 86400))
				goto bad;
			o->count = 0;
			break;
		case ARG_CLIENTS:
			if (parse_unsigned(optarg, 1, CLIENTS_MAX, &o->clients) < 0)
				goto bad;
			break;
		case ARG_SESSIONS:
			if (parse_unsigned(optarg, 1, SESSIONS_MAX, &o->sessions) < 0)
				goto bad;
			break;
		case ARG_WINDOW:
			if (parse_unsigned(optarg, 1, SESSIONS_MAX, &o->window) < 0)
				goto bad;
			break;
		case ARG_INTERVAL:
			if (parse_unsigned(optarg, 0, 10000000, &o->interval_us) < 0)
				goto bad;
			break;
		case ARG_CONNECT_EACH:
			o->connect_each = true;
			break;
		case 'h':
			help();
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (!mode) {
		fprintf(stderr, "nsctl-load: expected a mode: getinfo, run or hold\n");
		return -EINVAL;
	}
	if (optind < argc)
		o->command = argv + optind;
	if ((strcmp(mode, "run") == 0 || strcmp(mode, "hold") == 0) &&
	    (!o->target || !o->command)) {
		fprintf(stderr, "nsctl-load: %s needs --target and a command after --\n", mode);
		return -EINVAL;
	}
	if (strcmp(mode, "hold") == 0 && o->sessions == 0) {
		fprintf(stderr, "nsctl-load: hold needs --sessions N\n");
		return -EINVAL;
	}
	*ret_mode = mode;
	return 0;
bad:
	fprintf(stderr, "nsctl-load: invalid value for --%s: '%s'\n", options[idx].name, optarg);
	return -EINVAL;
}

/* Hundreds of connections and the fds they pass: take every fd the hard limit allows. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	struct options o;
	const char *mode;
	int r;

	if (parse_options(argc, argv, &mode, &o) < 0)
		return 2;
	raise_fd_limit();
	if (strcmp(mode, "getinfo") == 0) {
		r = mode_getinfo(&o);
	} else if (strcmp(mode, "run") == 0) {
		r = mode_run(&o);
	} else if (strcmp(mode, "hold") == 0) {
		r = mode_hold(&o);
	} else {
		fprintf(stderr, "nsctl-load: unknown mode '%s'\n", mode);
		return 2;
	}
	if (r < 0) {
		fprintf(stderr, "nsctl-load: %s: %s\n", mode, strerror(-r));
		return 1;
	}
	return r;
}
