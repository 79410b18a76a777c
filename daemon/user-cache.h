/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* uid -> user name, home and shell from the host's user database, cached per uid. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/*
 * What this cache serves decides nothing: the policy's identities (user and group names,
 * `as USER` and its groups) are resolved when the policy is loaded, and callers are known
 * by the uid the kernel reports. The cache gives the words around a uid: the audit
 * record's user name and a command's HOME, USER, LOGNAME and SHELL (a terminal session's
 * shell is checked against the deciding rule as argv, whatever it is).
 *
 * The rule: an entry is used while the file the database is read from (/etc/passwd) has
 * the device, inode, size, mtime and ctime it had when the entry was made, re-checked with
 * one stat() at most once every USER_CACHE_RECHECK_USEC; an entry is at most
 * USER_CACHE_TTL_USEC old (other NSS sources than files change without that file); the
 * cache is emptied when the policy is loaded; it holds at most USER_CACHE_MAX entries.
 */

#define USER_CACHE_MAX 64
#define USER_CACHE_RECHECK_USEC 1000000u
#define USER_CACHE_TTL_USEC 60000000u

struct user_entry {
	uid_t uid;
	bool found;             /* false: no such user (cached too) */
	char *name, *home, *shell;
	uint64_t made_usec;
};

/* Fills *ret (strings malloc'ed) for uid: 0, -ENOENT (no such user) or -errno. */
typedef int (*user_lookup_fn)(uid_t uid, struct user_entry *ret);

struct user_cache {
	const char *passwd_path;  /* the file whose change empties the cache */
	user_lookup_fn lookup;
	uint64_t recheck_usec;
	uint64_t checked_usec;    /* when passwd_path was last stat()ed; 0: never */
	bool have_stat;
	struct stat st;           /* passwd_path as it was when the entries were made */
	struct user_entry entries[USER_CACHE_MAX];
	unsigned n, next_evict;
};

/* passwd_path NULL: /etc/passwd; lookup NULL: getpwuid_r(). */
void user_cache_init(struct user_cache *uc, const char *passwd_path, user_lookup_fn lookup);
/* Empty it (a policy load; the end of a test). */
void user_cache_flush(struct user_cache *uc);

/*
 * The entry of uid (valid until the next call on uc), found or not; -errno only when it
 * could not be looked up (then nothing is cached).
 */
int user_cache_get(struct user_cache *uc, uid_t uid, const struct user_entry **ret);

/* nsctld's one cache of the host's user database (audit, environment). */
struct user_cache *user_cache_host(void);
