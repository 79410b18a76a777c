/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Durations as the policy writes them ("90s", "15m", "8h", "1d") and as listings show them. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "protocol/duration.h"

int duration_parse(const char *s, uint64_t *ret_usec)
{
	uint64_t n = 0, unit;
	const char *p = s;

	if (!s || *s < '1' || *s > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > DURATION_MAX_USEC / 1000000)
			return -ERANGE;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	switch (*p) {
	case 's':
		unit = 1;
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	default:
		return -EINVAL;
	}
	if (p[1] != '\0')
		return -EINVAL;
	if (n > DURATION_MAX_USEC / 1000000 / unit)
		return -ERANGE;
	*ret_usec = n * unit * 1000000;
	return 0;
}

const char *duration_format(uint64_t usec, char *buf, size_t n)
{
	static const struct {
		char unit;
		uint64_t sec;
	} units[] = { { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 } };
	uint64_t sec = usec / 1000000;
	size_t used = 0;

	if (n == 0)
		return buf;
	buf[0] = '\0';
	if (sec == 0) {
		snprintf(buf, n, "0s");
		return buf;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]) && used < n; i++) {
		uint64_t k = sec / units[i].sec;
		int w;

		if (k == 0)
			continue;
		sec %= units[i].sec;
		w = snprintf(buf + used, n - used, "%llu%c", (unsigned long long)k, units[i].unit);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	return buf;
}
