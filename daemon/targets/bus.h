/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The system bus driven by nsctld's event loop: asynchronous method calls with a deadline. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

struct event_base;
struct bus;
struct bus_call;

/* A bus on the loop base; each call waits at most timeout_ms. Connected on first use. */
int bus_new(struct event_base *base, unsigned timeout_ms, struct bus **ret);
void bus_free(struct bus *b);

/*
 * The answer to a call: r == 0 and the reply, or r < 0 and, when the bus answered with an
 * error, that error (else NULL: -errno of connecting, or the bus was lost). reply and error
 * are valid during the callback only. Called once, from the loop, never from within
 * bus_call_method(), unless the call is cancelled first.
 */
typedef void (*bus_reply_fn)(int r, sd_bus_message *reply, const sd_bus_error *error,
			     void *userdata);

/*
 * Call dest's method on the system bus (connected on first use, again after it was lost),
 * with the backend timeout. types and the arguments as for sd_bus_message_append().
 * -errno only when nothing was started.
 */
int bus_call_method(struct bus *b, const char *dest, const char *path, const char *iface,
		    const char *member, bus_reply_fn cb, void *userdata, struct bus_call **ret,
		    const char *types, ...);

/* org.freedesktop.DBus.Properties.Get(iface, property): the reply holds a variant. */
int bus_get_property(struct bus *b, const char *dest, const char *path, const char *iface,
		     const char *property, bus_reply_fn cb, void *userdata, struct bus_call **ret);

/* Read a variant of type "u" (a reply of bus_get_property()). */
int bus_reply_read_u32(sd_bus_message *reply, uint32_t *ret);

void bus_call_cancel(struct bus_call *c);

/*
 * A failed call of a backend as a lookup error: -EHOSTDOWN when service (or the bus) is not
 * there, -ETIMEDOUT, or r; with the reason written into buf.
 */
int bus_failure(int r, const sd_bus_error *error, const char *service, unsigned timeout_ms,
		char *buf, size_t n);
