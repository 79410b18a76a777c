/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The worker's view of its own /proc/self/status: signals, capabilities, ids, no_new_privs. */

/*
 * One pread() of the status file shows the result of every drop at once (the kernel
 * formats it from the task's credentials when it is read), where asking the same with
 * prctl() takes two system calls per capability. The fd is opened by the worker before it
 * joins anything, from nsctld's own /proc, so that the file read is the kernel's, never one
 * of a target's.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "daemon/proc-status.h"

/* The status file is about 1.5 KiB; a larger one is refused, not cut short. */
#define STATUS_MAX 8192

enum field_kind { FIELD_HEX, FIELD_BOOL, FIELD_IDS };

static const struct field {
	const char *name;       /* with its ':' */
	enum field_kind kind;
	size_t offset;
} fields[] = {
	{ "Uid:",        FIELD_IDS,  offsetof(struct proc_status, uid) },
	{ "Gid:",        FIELD_IDS,  offsetof(struct proc_status, gid) },
	{ "SigBlk:",     FIELD_HEX,  offsetof(struct proc_status, sig_blocked) },
	{ "SigIgn:",     FIELD_HEX,  offsetof(struct proc_status, sig_ignored) },
	{ "SigCgt:",     FIELD_HEX,  offsetof(struct proc_status, sig_caught) },
	{ "CapInh:",     FIELD_HEX,  offsetof(struct proc_status, cap_inheritable) },
	{ "CapPrm:",     FIELD_HEX,  offsetof(struct proc_status, cap_permitted) },
	{ "CapEff:",     FIELD_HEX,  offsetof(struct proc_status, cap_effective) },
	{ "CapBnd:",     FIELD_HEX,  offsetof(struct proc_status, cap_bounding) },
	{ "CapAmb:",     FIELD_HEX,  offsetof(struct proc_status, cap_ambient) },
	{ "NoNewPrivs:", FIELD_BOOL, offsetof(struct proc_status, no_new_privs) },
};

#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* A number of the given base (10 or 16) from p up to end; advances p. 0 or -EBADMSG. */
static int parse_number(const char **p, const char *end, unsigned base, uint64_t *ret)
{
	uint64_t v = 0;
	const char *q = *p;
	int d;

	if (q == end || (d = hex_digit(*q)) < 0 || (unsigned)d >= base)
		return -EBADMSG;
	for (; q < end && (d = hex_digit(*q)) >= 0 && (unsigned)d < base; q++) {
		if (v > (UINT64_MAX - (unsigned)d) / base)
			return -EBADMSG;
		v = v * base + (unsigned)d;
	}
	*p = q;
	*ret = v;
	return 0;
}

static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* The value of one field, from p (after the name) to the end of the line. */
static int parse_value(const struct field *f, const char *p, const char *end,
		       struct proc_status *st)
{
	char *base = (char *)st + f->offset;
	uint64_t v;
	int r;

	switch (f->kind) {
	case FIELD_HEX: {
		const char *start = p;

		/* The kernel writes a mask as exactly 16 hex digits. */
		r = parse_number(&p, end, 16, &v);
		if (r < 0 || p - start != 16)
			return -EBADMSG;
		memcpy(base, &v, sizeof(uint64_t));
		break;
	}
	case FIELD_BOOL:
		r = parse_number(&p, end, 10, &v);
		if (r < 0 || v > 1)
			return -EBADMSG;
		*(bool *)base = v;
		break;
	case FIELD_IDS:
		for (int i = 0; i < 4; i++) {
			uint32_t id;

			p = skip_blanks(p, end);
			r = parse_number(&p, end, 10, &v);
			if (r < 0 || v > UINT32_MAX)
				return -EBADMSG;
			id = (uint32_t)v;
			memcpy(base + i * sizeof(uint32_t), &id, sizeof(id));
		}
		break;
	}
	return skip_blanks(p, end) == end ? 0 : -EBADMSG;
}

int proc_status_parse(const char *text, size_t n, struct proc_status *ret)
{
	struct proc_status st = { 0 };
	const char *p = text, *end = text + n;
	unsigned seen = 0;

	_Static_assert(sizeof(uid_t) == sizeof(uint32_t) && sizeof(gid_t) == sizeof(uint32_t),
		       "ids are 32 bits");
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (!eol)
			eol = end;
		for (size_t i = 0; i < N_FIELDS; i++) {
			size_t len = strlen(fields[i].name);

			if ((size_t)(eol - p) < len || memcmp(p, fields[i].name, len) != 0)
				continue;
			/* A field twice is not the kernel's file. */
			if ((seen & (1u << i)) ||
			    parse_value(&fields[i], skip_blanks(p + len, eol), eol, &st) < 0)
				return -EBADMSG;
			seen |= 1u << i;
			break;
		}
		p = eol + 1;
	}
	if (seen != (1u << N_FIELDS) - 1)
		return -EBADMSG;
	*ret = st;
	return 0;
}

int proc_status_read(int fd, struct proc_status *ret)
{
	char buf[STATUS_MAX];
	ssize_t n;

	do
		n = pread(fd, buf, sizeof(buf), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n == sizeof(buf))
		return -EFBIG;
	return proc_status_parse(buf, (size_t)n, ret);
}
