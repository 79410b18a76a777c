/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sd-bus on libevent: the bus fd and its next deadline become events; calls never block. */

/*
 * sd-bus is made for sd-event; here the loop is libevent's, so the connection is driven by
 * hand, as sd_bus_get_fd()/get_events()/get_timeout() and sd_bus_process() intend: after
 * every call started and every round of processing, the fd event is re-armed for the
 * directions sd-bus wants and the timer for its earliest deadline (a call's timeout). The
 * connection is opened on first use (connect() and authentication are non-blocking), and
 * dropped when it fails; sd-bus then answers every call still pending with an error, and the
 * next call opens a new connection. The system bus is $DBUS_SYSTEM_BUS_ADDRESS when set.
 */

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>
#include <event2/event.h>

#include "daemon/targets/bus.h"
#include "protocol/cleanup.h"

struct bus_call {
	struct bus *b;
	sd_bus_slot *slot;           /* sent, waiting for the reply */
	struct event *ev_early;      /* not sent, or the bus was lost: answered from here */
	int early_r;
	bus_reply_fn cb;
	void *userdata;
	LIST_ENTRY(bus_call) entry;  /* in b->calls while slot is set */
};

struct bus {
	struct event_base *base;
	unsigned timeout_ms;         /* one call */
	sd_bus *bus;                 /* NULL until first used, and after it failed */
	struct event *ev_io;
	struct event *ev_time;
	int io_events;               /* what ev_io is armed for */
	LIST_HEAD(, bus_call) calls; /* sent and not answered */
};

static void on_early(evutil_socket_t fd, short what, void *userdata);

static void bus_process(struct bus *b);

/* Forget the connection; calls it did not answer are answered with -ECONNRESET. */
static void bus_drop(struct bus *b)
{
	struct bus_call *c;

	while ((c = LIST_FIRST(&b->calls))) {
		LIST_REMOVE(c, entry);
		c->slot = sd_bus_slot_unref(c->slot);
		c->early_r = -ECONNRESET;
		c->ev_early = evtimer_new(b->base, on_early, c);
		if (c->ev_early)
			event_active(c->ev_early, EV_TIMEOUT, 0);
		/* else it stays silent: out of memory; its owner's deadline ends it */
	}
	if (b->ev_io) {
		event_free(b->ev_io);
		b->ev_io = NULL;
	}
	evtimer_del(b->ev_time);
	b->io_events = 0;
	b->bus = sd_bus_close_unref(b->bus);
}

static void on_io(evutil_socket_t fd, short what, void *userdata)
{
	bus_process(userdata);
}

static void on_time(evutil_socket_t fd, short what, void *userdata)
{
	bus_process(userdata);
}

/* Arm the fd event and the timer for what sd-bus waits for now. */
static int bus_rearm(struct bus *b)
{
	uint64_t until, now;
	struct timespec ts;
	struct timeval tv;
	int fd, events, want = 0;

	fd = sd_bus_get_fd(b->bus);
	events = sd_bus_get_events(b->bus);
	if (fd < 0 || events < 0)
		return fd < 0 ? fd : events;
	if (events & POLLIN)
		want |= EV_READ;
	if (events & POLLOUT)
		want |= EV_WRITE;
	if (!b->ev_io || want != b->io_events) {
		if (b->ev_io)
			event_free(b->ev_io);
		b->ev_io = event_new(b->base, fd, (short)(want | EV_PERSIST), on_io, b);
		if (!b->ev_io)
			return -ENOMEM;
		b->io_events = want;
		event_add(b->ev_io, NULL);
	}
	if (sd_bus_get_timeout(b->bus, &until) < 0 || until == UINT64_MAX) {
		evtimer_del(b->ev_time);
		return 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
	until = until > now ? until - now : 0;
	tv.tv_sec = (time_t)(until / 1000000);
	tv.tv_usec = (suseconds_t)(until % 1000000);
	evtimer_add(b->ev_time, &tv);
	return 0;
}

/* Dispatch everything sd-bus has: replies, timeouts, and after a failure the error replies. */
static void bus_process(struct bus *b)
{
	int r;

	do
		r = sd_bus_process(b->bus, NULL);
	while (r > 0);
	if (r < 0 || sd_bus_is_open(b->bus) <= 0 || bus_rearm(b) < 0)
		bus_drop(b);
}

static int bus_open(struct bus *b)
{
	int r;

	if (b->bus)
		return 0;
	r = sd_bus_open_system(&b->bus);
	if (r < 0) {
		b->bus = NULL;
		return r;
	}
	r = bus_rearm(b);
	if (r < 0)
		bus_drop(b);
	return r;
}

int bus_new(struct event_base *base, unsigned timeout_ms, struct bus **ret)
{
	struct bus *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->base = base;
	b->timeout_ms = timeout_ms;
	LIST_INIT(&b->calls);
	b->ev_time = evtimer_new(base, on_time, b);
	if (!b->ev_time) {
		free(b);
		return -ENOMEM;
	}
	*ret = b;
	return 0;
}

void bus_free(struct bus *b)
{
	if (!b)
		return;
	bus_drop(b);
	event_free(b->ev_time);
	free(b);
}

void bus_call_cancel(struct bus_call *c)
{
	if (!c)
		return;
	if (c->slot) {
		LIST_REMOVE(c, entry);
		sd_bus_slot_unref(c->slot);
	}
	if (c->ev_early)
		event_free(c->ev_early);
	free(c);
}

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct bus_call *c = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);
	int r = 0;

	if (e) {
		r = -sd_bus_error_get_errno(e);
		if (r == 0)
			r = -EIO;
	}
	c->cb(r, e ? NULL : m, e, c->userdata);
	bus_call_cancel(c);
	return 0;
}

static void on_early(evutil_socket_t fd, short what, void *userdata)
{
	struct bus_call *c = userdata;

	c->cb(c->early_r, NULL, NULL, c->userdata);
	bus_call_cancel(c);
}

static int call_start(struct bus *b, sd_bus_message *msg, bus_reply_fn cb, void *userdata,
		      struct bus_call **ret)
{
	uint64_t usec = (uint64_t)b->timeout_ms * 1000;
	struct bus_call *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	c->b = b;
	c->cb = cb;
	c->userdata = userdata;
	r = sd_bus_call_async(b->bus, &c->slot, msg, on_reply, c, usec);
	if (r < 0) {
		free(c);
		return r;
	}
	LIST_INSERT_HEAD(&b->calls, c, entry);
	r = bus_rearm(b);
	if (r < 0) {
		bus_call_cancel(c);
		return r;
	}
	*ret = c;
	return 0;
}

/* A call that fails before it is sent is answered on the next loop iteration. */
static int call_fail_later(struct bus *b, int err, bus_reply_fn cb, void *userdata,
			   struct bus_call **ret)
{
	struct bus_call *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->b = b;
	c->cb = cb;
	c->userdata = userdata;
	c->early_r = err;
	c->ev_early = evtimer_new(b->base, on_early, c);
	if (!c->ev_early) {
		free(c);
		return -ENOMEM;
	}
	event_active(c->ev_early, EV_TIMEOUT, 0);
	*ret = c;
	return 0;
}

static int call_methodv(struct bus *b, const char *dest, const char *path, const char *iface,
			const char *member, bus_reply_fn cb, void *userdata,
			struct bus_call **ret, const char *types, va_list ap)
{
	sd_bus_message *msg = NULL;
	int r;

	r = bus_open(b);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return call_fail_later(b, r, cb, userdata, ret);
	r = sd_bus_message_new_method_call(b->bus, &msg, dest, path, iface, member);
	if (r >= 0 && types)
		r = sd_bus_message_appendv(msg, types, ap);
	if (r >= 0)
		r = call_start(b, msg, cb, userdata, ret);
	sd_bus_message_unref(msg);
	return r;
}

int bus_call_method(struct bus *b, const char *dest, const char *path, const char *iface,
		    const char *member, bus_reply_fn cb, void *userdata, struct bus_call **ret,
		    const char *types, ...)
{
	va_list ap;
	int r;

	va_start(ap, types);
	r = call_methodv(b, dest, path, iface, member, cb, userdata, ret, types, ap);
	va_end(ap);
	return r;
}

int bus_get_property(struct bus *b, const char *dest, const char *path, const char *iface,
		     const char *property, bus_reply_fn cb, void *userdata, struct bus_call **ret)
{
	return bus_call_method(b, dest, path, "org.freedesktop.DBus.Properties", "Get", cb,
			       userdata, ret, "ss", iface, property);
}

int bus_reply_read_u32(sd_bus_message *reply, uint32_t *ret)
{
	uint32_t v;
	int r;

	r = sd_bus_message_enter_container(reply, 'v', "u");
	if (r < 0)
		return r;
	r = sd_bus_message_read(reply, "u", &v);
	if (r < 0)
		return r;
	r = sd_bus_message_exit_container(reply);
	if (r < 0)
		return r;
	*ret = v;
	return 0;
}

/* Is the failure that of a service (or a bus) that is not there at all? */
static bool bus_failure_is_absent(int r, const sd_bus_error *error)
{
	if (error)
		return sd_bus_error_has_names(error, "org.freedesktop.DBus.Error.ServiceUnknown",
					      "org.freedesktop.DBus.Error.NameHasNoOwner");
	/* Connecting failed: there is no system bus here. */
	return r == -ENOENT || r == -ECONNREFUSED || r == -ENOMEDIUM;
}

int bus_failure(int r, const sd_bus_error *error, const char *service, unsigned timeout_ms,
		char *buf, size_t n)
{
	if (!error && bus_failure_is_absent(r, NULL)) {
		snprintf(buf, n, "no system bus: %s", strerror(-r));
		return -EHOSTDOWN;
	}
	if (bus_failure_is_absent(r, error)) {
		snprintf(buf, n, "%s is not on the system bus", service);
		return -EHOSTDOWN;
	}
	if (r == -ETIMEDOUT) {
		snprintf(buf, n, "no answer from %s within %u ms", service, timeout_ms);
		return r;
	}
	if (error && error->message)
		snprintf(buf, n, "%s: %s", service, error->message);
	else if (error && error->name)
		snprintf(buf, n, "%s: %s", service, error->name);
	else
		snprintf(buf, n, "%s: %s", service, strerror(-r));
	return r;
}
