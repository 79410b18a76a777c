/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Durations as the policy writes them ("90s", "15m", "8h", "1d") and as listings show them. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define DURATION_MAX_USEC (UINT64_C(366) * 24 * 3600 * 1000000) /* a year and a day */

/*
 * Parse "N" followed by one unit, s, m, h or d: N decimal digits without sign or leading
 * zero, the result from 1 s to DURATION_MAX_USEC. 0 and microseconds in *ret, or -EINVAL
 * (malformed, no unit, zero) or -ERANGE (too long).
 */
int duration_parse(const char *s, uint64_t *ret_usec);

/*
 * Write usec as the policy would ("15m", "90s", "1h30m", "2d") into buf of n bytes; whole
 * seconds (rounded down). Returns buf.
 */
const char *duration_format(uint64_t usec, char *buf, size_t n);
