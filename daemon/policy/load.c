/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loading the policy: the MUST list, the files checked on their opened fds, includes. */

/*
 * Invariants of the policy (daemon/policy/). Each one has at least one case in
 * tests/test-policy.c (6, 7 and 10 in test-policy-ids.c and test-policy-lex.c too). Where
 * they are kept: 3, 4, 13 here; 10 lex.c; 6, 7 ids.c; 8, 11 parse.c; 1, 2, 5, 9, 12 match.c.
 *
 * 1) Default deny. A request that no rule matches MUST be denied; an empty policy, a
 *    policy of comments only and a missing policy (NULL) deny everything.
 *
 * 2) The last matching rule MUST decide, whatever its action: a later deny overrides an
 *    earlier permit and a later permit overrides an earlier deny.
 *
 * 3) The checks on a policy file MUST be made on the opened file descriptor (fstat),
 *    never on the path, and the bytes parsed MUST be read from that same descriptor.
 *    The last path component MUST NOT be a symbolic link (O_NOFOLLOW). The file MUST be
 *    a regular file owned by root, not writable by group or others, and at most
 *    POLICY_FILE_MAX bytes, counting the bytes actually read, not only st_size. This
 *    holds for every included file as much as for the main one.
 *
 * 4) A file that fails any check, and text with any error, MUST NOT yield a policy: no
 *    partial policy, no "skip the bad line", no "skip the bad include". *ret is written
 *    only on success.
 *
 * 5) The caller's identity MUST come only from struct policy_caller, which the daemon
 *    fills from the kernel (SO_PEERCRED, SO_PEERGROUPS). Nothing in a request names a
 *    user. A user rule matches the uid only; a group rule matches the primary gid or a
 *    supplementary group only.
 *
 * 6) Names MUST be resolved when the policy is loaded, in the host's user database, and
 *    an unknown user or group MUST be an error, for deny rules too: skipping a deny rule
 *    would widen access. This holds for "as USER" too, whose groups are resolved then.
 *
 * 7) Numeric ids MUST be exact: decimal digits only, no sign, no leading zero, no
 *    overflow, and never (uid_t)-1 / (gid_t)-1.
 *
 * 8) Every word MUST be understood or be an error: unknown keywords, unknown
 *    capabilities, repeated clauses and options, and words that could be read more than
 *    one way.
 *
 * 9) A permit with a namespace list MUST cover every namespace of the request; a request
 *    that asks for one namespace more than the list does not match it. A deny with a
 *    namespace list MUST match every request that needs any namespace on its list.
 *
 * 10) Bytes that cannot be part of a rule (NUL, control characters, lines longer than
 *    POLICY_LINE_MAX) MUST be errors, never truncated or skipped.
 *
 * 11) A deny rule MUST NOT carry what only a grant means (options, "as", "caps"): they
 *    are errors there, so that no one reads a deny as narrower than it is.
 *
 * 12) A permit with "cmd" MUST match only a request whose argv[0] is its path, or the
 *    bare name of its path (resolved later, and checked again, by the worker), and when
 *    it lists arguments, only a request whose other arguments are exactly those. A
 *    request without argv matches no rule with "cmd".
 *
 * 13) Includes MUST NOT loop and MUST NOT nest deeper than POLICY_INCLUDE_DEPTH_MAX; the
 *    directory of an include MUST be owned by root and not writable by group or others
 *    (else its files could be removed or renamed), and it MUST exist.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/policy/policy-internal.h"
#include "daemon/policy/policy.h"
#include "protocol/cleanup.h"

#define POLICY_INCLUDE_FILES_MAX 256 /* files one include may name */

void policy_free(struct policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_rules; i++)
		policy_rule_done(&p->rules[i]);
	free(p->rules);
	free(p);
}

/* Record "PATH:LINE: message" as the load's error; returns -EINVAL, or -ENOMEM without one. */
int policy_error(struct parser *ps, unsigned line, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	struct load *ld = ps->load;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	free(ld->error);
	if (asprintf(&ld->error, "%s:%u: %s", ps->path, line, msg) < 0) {
		ld->error = NULL;
		return -ENOMEM;
	}
	return -EINVAL;
}

/* Record "PATH: message" in *ret_error (NULL when out of memory); returns err (a -errno). */
__attribute__((format(printf, 4, 5)))
static int file_error(const char *path, int err, char **ret_error, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;
	int r;

	*ret_error = NULL;
	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0 || asprintf(ret_error, "%s: %s", path, msg) < 0) {
		*ret_error = NULL;
		return -ENOMEM;
	}
	return err;
}

/* --- files and includes ------------------------------------------------------------- */

/* Read all of fd, failing with -EFBIG past POLICY_FILE_MAX bytes whatever st_size said. */
static int read_bounded(int fd, size_t size_hint, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = size_hint + 1;

	if (cap < 4096)
		cap = 4096;
	if (cap > POLICY_FILE_MAX + 1)
		cap = POLICY_FILE_MAX + 1;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len > POLICY_FILE_MAX)
			return -EFBIG;
		if (len == cap) {
			char *b;

			cap = cap * 2 > POLICY_FILE_MAX + 1 ? POLICY_FILE_MAX + 1 : cap * 2;
			b = realloc(buf, cap);
			if (!b)
				return -ENOMEM;
			buf = b;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

/*
 * Open name (relative to dirfd) as a policy file, check the opened fd and read it.
 * display names the file in messages. Returns 0 with the text, its length and the fd's
 * stat, or -errno with "DISPLAY: what is wrong" in *ret_error.
 */
static int read_policy_file(int dirfd, const char *name, const char *display, char **ret_text,
			    size_t *ret_len, struct stat *ret_st, char **ret_error)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	struct stat st;
	int flags, r;

	/*
	 * O_NONBLOCK: open() of a FIFO for reading blocks until a writer appears, and would
	 * hang the daemon on a policy path that was replaced by a FIFO. With O_NONBLOCK the
	 * open returns at once, fstat() rejects everything that is not a regular file before
	 * any read, and the flag is cleared again (it means nothing for regular files).
	 */
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		if (r == -ELOOP)
			return file_error(display, r, ret_error, "is a symbolic link");
		return file_error(display, r, ret_error, "%s", strerror(-r));
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		return file_error(display, r, ret_error, "%s", strerror(-r));
	}
	if (!S_ISREG(st.st_mode))
		return file_error(display, -EINVAL, ret_error, "not a regular file");
	if (st.st_uid != 0)
		return file_error(display, -EPERM, ret_error, "not owned by root");
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return file_error(display, -EPERM, ret_error, "writable by group or others");
	if (st.st_size > (off_t)POLICY_FILE_MAX)
		return file_error(display, -EFBIG, ret_error, "larger than %u bytes",
				  POLICY_FILE_MAX);

	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		r = -errno;
		return file_error(display, r, ret_error, "%s", strerror(-r));
	}

	/* st_size is a hint only (files in /proc say 0): the bound is on the bytes read. */
	r = read_bounded(fd, (size_t)st.st_size, &buf, &len);
	if (r == -EFBIG)
		return file_error(display, r, ret_error, "larger than %u bytes", POLICY_FILE_MAX);
	if (r < 0)
		return file_error(display, r, ret_error, "%s", strerror(-r));
	*ret_text = TAKE_PTR(buf);
	*ret_len = len;
	*ret_st = st;
	return 0;
}

static int parse_text(struct load *ld, const char *path, const char *text, size_t len);

/* A file-level fault of an included file: "MESSAGE (included from FILE:LINE)". */
static int include_error(struct parser *ps, unsigned line, int err, char *message)
{
	struct load *ld = ps->load;

	free(ld->error);
	ld->error = NULL;
	if (!message || asprintf(&ld->error, "%s (included from %s:%u)", message, ps->path,
				 line) < 0) {
		ld->error = NULL;
		err = -ENOMEM;
	}
	free(message);
	return err;
}

/* Read and parse one included file, name relative to dirfd; display is its path. */
static int include_file(struct parser *ps, unsigned line, int dirfd, const char *name,
			const char *display)
{
	struct load *ld = ps->load;
	_cleanup_free_ char *text = NULL;
	char *error = NULL;
	size_t len = 0;
	struct stat st;
	int r;

	r = read_policy_file(dirfd, name, display, &text, &len, &st, &error);
	if (r < 0)
		return include_error(ps, line, r, error);
	for (unsigned k = 0; k < ld->depth; k++)
		if (ld->stack[k].dev == st.st_dev && ld->stack[k].ino == st.st_ino)
			return policy_error(ps, line, "include loop: %s is already being read",
					    display);
	if (ld->depth == POLICY_INCLUDE_DEPTH_MAX)
		return policy_error(ps, line, "includes nested deeper than %u files",
				    POLICY_INCLUDE_DEPTH_MAX);
	ld->stack[ld->depth++] = (struct file_id){ .dev = st.st_dev, .ino = st.st_ino };
	r = parse_text(ld, display, text, len);
	ld->depth--;
	return r;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in directory dfd that match pattern (no hidden files), sorted. */
static int list_matches(struct parser *ps, unsigned line, int dfd, const char *pattern,
			char ***ret)
{
	_cleanup_strv_free_ char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *d;
	int fd, r = 0;

	fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		safe_close(fd);
		return -errno;
	}
	names = calloc(POLICY_INCLUDE_FILES_MAX + 1, sizeof(char *));
	if (!names) {
		closedir(d);
		return -ENOMEM;
	}
	while ((errno = 0, de = readdir(d))) {
		if (fnmatch(pattern, de->d_name, FNM_PERIOD) != 0)
			continue;
		if (n == POLICY_INCLUDE_FILES_MAX) {
			r = policy_error(ps, line, "more than %u files match '%s'",
					 POLICY_INCLUDE_FILES_MAX, pattern);
			break;
		}
		names[n] = strdup(de->d_name);
		if (!names[n++]) {
			r = -ENOMEM;
			break;
		}
	}
	if (r == 0 && errno != 0)
		r = -errno;
	closedir(d);
	if (r < 0)
		return r;
	qsort(names, n, sizeof(char *), cmp_strp);
	*ret = TAKE_PTR(names);
	return 0;
}

/*
 * "include PATH": one file, or files whose names match the last component's glob, in
 * the order of their names. A relative PATH is relative to the including file.
 */
static int parse_include(struct parser *ps)
{
	const struct token *t = ps->tokens;
	const unsigned line = t[0].line;
	_cleanup_strv_free_ char **names = NULL;
	_cleanup_free_ char *full = NULL, *dir = NULL;
	_cleanup_close_ int dfd = -EBADF;
	const char *slash, *pattern;
	struct stat st;
	int r;

	if (ps->n_tokens != 2 || t[1].kind != TOKEN_WORD)
		return policy_error(ps, line, "expected one path after 'include'");
	if (t[1].text[0] == '/') {
		full = strdup(t[1].text);
	} else {
		const char *s = strrchr(ps->path, '/');

		if (asprintf(&full, "%.*s/%s", s ? (int)(s - ps->path) : 1,
			     s ? ps->path : ".", t[1].text) < 0)
			full = NULL;
	}
	if (!full)
		return -ENOMEM;
	slash = strrchr(full, '/');
	pattern = slash + 1;
	dir = strndup(full, slash == full ? 1 : (size_t)(slash - full));
	if (!dir)
		return -ENOMEM;
	if (!*pattern)
		return policy_error(ps, line, "include of a directory: name the files ('%s*.conf')",
				    t[1].text);
	if (strpbrk(dir, "*?[\\"))
		return policy_error(ps, line, "only the last component of an include may be a "
				    "pattern: '%s'", t[1].text);

	/* The directory is checked like a file: who may write it may remove a deny rule. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		char *error = NULL;
		struct stat lst;

		r = -errno;
		/* O_DIRECTORY|O_NOFOLLOW on a symlink says ENOTDIR: name it (a message only). */
		if ((r == -ENOTDIR || r == -ELOOP) && lstat(dir, &lst) == 0 && S_ISLNK(lst.st_mode))
			r = file_error(dir, -ELOOP, &error, "is a symbolic link");
		else
			r = file_error(dir, r, &error, "%s", strerror(-r));
		return include_error(ps, line, r, error);
	}
	if (fstat(dfd, &st) < 0)
		return -errno;
	if (st.st_uid != 0 || st.st_mode & (S_IWGRP | S_IWOTH)) {
		char *error = NULL;

		r = file_error(dir, -EPERM, &error, "%s", st.st_uid != 0 ? "not owned by root"
							: "writable by group or others");
		return include_error(ps, line, r, error);
	}

	if (!strpbrk(pattern, "*?[\\"))
		return include_file(ps, line, dfd, pattern, full);
	r = list_matches(ps, line, dfd, pattern, &names);
	if (r < 0)
		return r;
	for (char **nm = names; nm && *nm; nm++) {
		_cleanup_free_ char *display = NULL;

		if (asprintf(&display, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, *nm) < 0)
			return -ENOMEM;
		r = include_file(ps, line, dfd, *nm, display);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Parse the text of one file into ld->policy; on error ld->error says where. */
static int parse_text(struct load *ld, const char *path, const char *text, size_t len)
{
	_cleanup_free_ struct parser *ps = NULL;
	int r = 0;

	ps = malloc(sizeof(*ps));
	if (!ps)
		return -ENOMEM;
	ps->load = ld;
	ps->path = path;
	ps->p = text;
	ps->end = text ? text + len : text;
	ps->line = 0;
	ps->n_tokens = 0;

	while (r >= 0 && ps->p < ps->end) {
		r = policy_lex_line(ps);
		if (r < 0 || ps->n_tokens == 0)
			continue;
		if (ps->tokens[0].kind == TOKEN_WORD && strcmp(ps->tokens[0].text, "include") == 0)
			r = parse_include(ps);
		else
			r = policy_parse_rule(ps);
	}
	return r;
}

/* Hand the policy out, or turn the load's error into *ret_error. */
static int load_finish(struct load *ld, int r, const char *path, struct policy **ret,
		       char **ret_error)
{
	if (r < 0) {
		/* No partial policy (MUST 4). */
		policy_free(ld->policy);
		if (!ld->error)
			return file_error(path, r, ret_error, "%s", strerror(-r));
		*ret_error = ld->error;
		return r;
	}
	free(ld->error);
	*ret = ld->policy;
	return 0;
}

int policy_parse_text(const char *path, const char *text, size_t len, struct policy **ret,
		      char **ret_error)
{
	struct load ld = {};
	int r = -ENOMEM;

	ld.policy = calloc(1, sizeof(*ld.policy));
	if (ld.policy)
		r = parse_text(&ld, path, text, len);
	return load_finish(&ld, r, path, ret, ret_error);
}

int policy_load(const char *path, struct policy **ret, char **ret_error)
{
	_cleanup_free_ char *text = NULL;
	struct load ld = {};
	size_t len = 0;
	struct stat st;
	int r;

	r = read_policy_file(AT_FDCWD, path, path, &text, &len, &st, ret_error);
	if (r < 0)
		return r;
	ld.stack[ld.depth++] = (struct file_id){ .dev = st.st_dev, .ino = st.st_ino };
	ld.policy = calloc(1, sizeof(*ld.policy));
	r = ld.policy ? parse_text(&ld, path, text, len) : -ENOMEM;
	return load_finish(&ld, r, path, ret, ret_error);
}
