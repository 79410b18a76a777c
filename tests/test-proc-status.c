/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of daemon/proc-status.c: the worker's reading of its own status file. */

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/proc-status.h"

/* A status file as Linux 6.x writes it (trimmed of fields nobody reads). */
static const char status_text[] =
	"Name:\tnsctld\n"
	"Umask:\t0022\n"
	"State:\tR (running)\n"
	"Tgid:\t4242\n"
	"Pid:\t4242\n"
	"PPid:\t1\n"
	"TracerPid:\t0\n"
	"Uid:\t1000\t1001\t1002\t1003\n"
	"Gid:\t2000\t2001\t2002\t4294967295\n"
	"FDSize:\t64\n"
	"Groups:\t10 20 \n"
	"VmRSS:\t    3464 kB\n"
	"SigQ:\t7/96367\n"
	"SigPnd:\t0000000000000000\n"
	"ShdPnd:\t0000000000000000\n"
	"SigBlk:\tfffffffffffbfeff\n"
	"SigIgn:\t0000000180001004\n"
	"SigCgt:\t0000000000004003\n"
	"CapInh:\t0000000000000000\n"
	"CapPrm:\t000001ffffffffff\n"
	"CapEff:\t000001ffffffffff\n"
	"CapBnd:\t000001fffeffffff\n"
	"CapAmb:\t0000000000001000\n"
	"NoNewPrivs:\t1\n"
	"Seccomp:\t0\n"
	"Seccomp_filters:\t0\n"
	"Cpus_allowed_list:\t0-1\n";

static void test_parse(void **state)
{
	struct proc_status st;

	(void)state;
	assert_int_equal(proc_status_parse(status_text, strlen(status_text), &st), 0);
	assert_int_equal(st.uid[0], 1000);
	assert_int_equal(st.uid[3], 1003);
	assert_int_equal(st.gid[1], 2001);
	assert_true(st.gid[3] == 4294967295u);
	assert_true(st.sig_blocked == UINT64_C(0xfffffffffffbfeff));
	assert_true(st.sig_ignored == UINT64_C(0x180001004));
	assert_true(st.sig_caught == UINT64_C(0x4003));
	assert_true(st.cap_inheritable == 0);
	assert_true(st.cap_permitted == UINT64_C(0x1ffffffffff));
	assert_true(st.cap_effective == UINT64_C(0x1ffffffffff));
	assert_true(st.cap_bounding == UINT64_C(0x1fffeffffff));
	assert_true(st.cap_ambient == UINT64_C(0x1000));
	assert_true(st.no_new_privs);
}

/* The text with the line starting with name replaced by line (or removed when NULL). */
static size_t edited(char *out, size_t size, const char *name, const char *line)
{
	const char *p = status_text;
	size_t n = 0;

	while (*p) {
		const char *eol = strchr(p, '\n') + 1;
		const char *put = p;
		size_t len = (size_t)(eol - p);

		if (strncmp(p, name, strlen(name)) == 0) {
			put = line;
			len = line ? strlen(line) : 0;
		}
		assert_true(n + len < size);
		if (put)
			memcpy(out + n, put, len);
		n += len;
		p = eol;
	}
	return n;
}

/* Every field the worker relies on must be there, well formed, once: else no verdict. */
static void test_refused(void **state)
{
	static const char *const missing[] = {
		"Uid:", "Gid:", "SigBlk:", "SigIgn:", "SigCgt:", "CapInh:", "CapPrm:", "CapEff:",
		"CapBnd:", "CapAmb:", "NoNewPrivs:",
	};
	static const struct { const char *name, *line; } bad[] = {
		{ "CapBnd:", "CapBnd:\t\n" },
		{ "CapBnd:", "CapBnd:\t000001fffeffffffx\n" },
		{ "CapBnd:", "CapBnd:\t00000000000000001\n" },   /* 17 digits */
		{ "CapBnd:", "CapBnd:\t1fffeffffff\n" },         /* not 16 digits */
		{ "CapAmb:", "CapAmb:\t-1\n" },
		{ "CapEff:", "CapEff:\tFFFF\n" },               /* the kernel writes lower case */
		{ "NoNewPrivs:", "NoNewPrivs:\t2\n" },
		{ "Uid:", "Uid:\t1000\t1001\t1002\n" },          /* three ids */
		{ "Uid:", "Uid:\t1000\t1001\t1002\t1003\t1004\n" },
		{ "Gid:", "Gid:\t0\t0\t0\t4294967296\n" },
		{ "SigIgn:", "SigIgn:\t0\nSigIgn:\t0\n" },       /* twice */
	};
	struct proc_status st, untouched;
	char buf[4096];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		n = edited(buf, sizeof(buf), missing[i], NULL);
		memset(&st, 0x5a, sizeof(st));
		untouched = st;
		assert_int_equal(proc_status_parse(buf, n, &st), -EBADMSG);
		assert_memory_equal(&st, &untouched, sizeof(st));
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = edited(buf, sizeof(buf), bad[i].name, bad[i].line);
		assert_int_equal(proc_status_parse(buf, n, &st), -EBADMSG);
	}
	/* A cut-off file (the last line without its newline) is parsed as far as it goes. */
	n = edited(buf, sizeof(buf), "Seccomp", NULL);
	assert_int_equal(proc_status_parse(buf, n - 1, &st), 0);
	assert_int_equal(proc_status_parse(buf, 0, &st), -EBADMSG);
}

/* The kernel's own file, read the way the worker reads it, agrees with the system calls. */
static void test_read_self(void **state)
{
	struct proc_status st;
	sigset_t set, old;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	(void)state;
	assert_true(fd >= 0);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	assert_int_equal(sigprocmask(SIG_BLOCK, &set, &old), 0);
	signal(SIGURG, SIG_IGN);
	assert_int_equal(proc_status_read(fd, &st), 0);
	assert_true(st.sig_blocked & (UINT64_C(1) << (SIGUSR2 - 1)));
	assert_true(st.sig_ignored & (UINT64_C(1) << (SIGURG - 1)));
	assert_int_equal(st.uid[0], getuid());
	assert_int_equal(st.uid[1], geteuid());
	assert_int_equal(st.gid[0], getgid());
	assert_int_equal(st.no_new_privs, prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	for (int cap = 0; cap < 64; cap++) {
		int in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);

		if (in < 0)
			break;
		assert_int_equal(!!(st.cap_bounding & (UINT64_C(1) << cap)), in);
	}
	/* Read again from the same fd: the status as it is now, not as it was at open. */
	signal(SIGURG, SIG_DFL);
	assert_int_equal(proc_status_read(fd, &st), 0);
	assert_false(st.sig_ignored & (UINT64_C(1) << (SIGURG - 1)));
	assert_int_equal(sigprocmask(SIG_SETMASK, &old, NULL), 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_read_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
