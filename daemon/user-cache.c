/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* uid -> user name, home and shell from the host's user database, cached per uid. */

/*
 * Without it every Run read /etc/passwd four times (glibc's NSS: stat nsswitch.conf, open,
 * fstat, lseek, read, close): for the decision's and the session's audit records and for
 * the command's environment. See user-cache.h for the rule that keeps entries true.
 */

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/user-cache.h"
#include "protocol/cleanup.h"
#include "protocol/util.h"

static void entry_clear(struct user_entry *e)
{
	free(e->name);
	free(e->home);
	free(e->shell);
	*e = (struct user_entry){ 0 };
}

/* The host's user database through NSS, as nsctld has always read it. */
static int lookup_nss(uid_t uid, struct user_entry *ret)
{
	struct passwd pw, *found = NULL;
	long size = sysconf(_SC_GETPW_R_SIZE_MAX);
	_cleanup_free_ char *buf = NULL;
	int r;

	if (size <= 0 || size > (1 << 20))
		size = 16384;
	for (;;) {
		buf = malloc((size_t)size);
		if (!buf)
			return -ENOMEM;
		r = getpwuid_r(uid, &pw, buf, (size_t)size, &found);
		if (r != ERANGE || size >= (1 << 20))
			break;
		buf = mfree(buf);
		size *= 2;
	}
	if (r != 0)
		return -r;
	if (!found)
		return -ENOENT;
	*ret = (struct user_entry){ .uid = uid, .found = true };
	ret->name = strdup(pw.pw_name ? pw.pw_name : "");
	ret->home = strdup(pw.pw_dir ? pw.pw_dir : "");
	ret->shell = strdup(pw.pw_shell ? pw.pw_shell : "");
	if (!ret->name || !ret->home || !ret->shell) {
		entry_clear(ret);
		return -ENOMEM;
	}
	return 0;
}

void user_cache_init(struct user_cache *uc, const char *passwd_path, user_lookup_fn lookup)
{
	*uc = (struct user_cache){
		.passwd_path = passwd_path ? passwd_path : "/etc/passwd",
		.lookup = lookup ? lookup : lookup_nss,
		.recheck_usec = USER_CACHE_RECHECK_USEC,
	};
}

void user_cache_flush(struct user_cache *uc)
{
	for (unsigned i = 0; i < uc->n; i++)
		entry_clear(&uc->entries[i]);
	uc->n = 0;
	uc->next_evict = 0;
	uc->have_stat = false;
	uc->checked_usec = 0;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Empty the cache if the database's file changed (or cannot be stat()ed). */
static void revalidate(struct user_cache *uc, uint64_t now)
{
	struct stat st;

	if (uc->checked_usec != 0 && now - uc->checked_usec < uc->recheck_usec)
		return;
	if (stat(uc->passwd_path, &st) < 0) {
		user_cache_flush(uc); /* nothing to compare with: nothing kept */
		return;
	}
	if (!uc->have_stat || !same_file(&st, &uc->st)) {
		user_cache_flush(uc);
		uc->st = st;
		uc->have_stat = true;
	}
	uc->checked_usec = now;
}

int user_cache_get(struct user_cache *uc, uid_t uid, const struct user_entry **ret)
{
	struct user_entry fresh = { 0 }, *slot;
	uint64_t now = now_usec();
	int r;

	revalidate(uc, now);
	for (unsigned i = 0; i < uc->n; i++) {
		slot = &uc->entries[i];
		if (slot->uid != uid)
			continue;
		if (now - slot->made_usec < USER_CACHE_TTL_USEC) {
			*ret = slot;
			return 0;
		}
		entry_clear(slot);
		*slot = uc->entries[--uc->n];
		uc->entries[uc->n] = (struct user_entry){ 0 };
		break;
	}
	r = uc->lookup(uid, &fresh);
	if (r == -ENOENT)
		fresh = (struct user_entry){ .uid = uid, .found = false };
	else if (r < 0)
		return r;
	fresh.uid = uid;
	fresh.made_usec = now;
	if (uc->n < USER_CACHE_MAX) {
		slot = &uc->entries[uc->n++];
	} else {
		/* Full: the entries are replaced in turn. */
		slot = &uc->entries[uc->next_evict];
		uc->next_evict = (uc->next_evict + 1) % USER_CACHE_MAX;
		entry_clear(slot);
	}
	*slot = fresh;
	*ret = slot;
	return 0;
}

struct user_cache *user_cache_host(void)
{
	static struct user_cache host;

	if (!host.lookup)
		user_cache_init(&host, NULL, NULL);
	return &host;
}
