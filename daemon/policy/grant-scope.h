/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a grant reaches: capabilities containment can scope to a target, and those it cannot. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct policy_rule;

/*
 * The capabilities of caps that act beyond the namespaces a session can be confined to
 * (files, identities, the kernel): everything but the network, IPC, signal and
 * scheduling ones. Containment cannot keep these inside a target.
 */
uint64_t grant_scope_unscoped(uint64_t caps);

/*
 * Does a command with caps, running as the caller or not, act on open files or
 * identities? Then a regular file of the caller's must not become its stdio.
 */
bool grant_scope_acts_on_files(uint64_t caps, bool run_as_caller);

/*
 * For a permit rule whose grant cannot be scoped to its target ("as root", or
 * capabilities grant_scope_unscoped() names): 1 and a warning ("FILE:LINE: ...") in buf;
 * 0 when the grant is scoped or grants nothing.
 */
int grant_scope_warning(const struct policy_rule *rule, char *buf, size_t n);

/*
 * A capability acts on the namespace the command is in. The NS_* (enum ns_type) that caps
 * act on but the session would not be in as the target's: not joined (ns_mask) and not
 * shared with nsctld (shared_ns; then nsctld's own is the target's). -1 when there is none.
 * Network capabilities need the network namespace, ipc_owner the IPC one.
 */
int grant_scope_missing_ns(uint64_t caps, uint32_t ns_mask, uint32_t shared_ns);
