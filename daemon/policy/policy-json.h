/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The JSON forms of rules and of what they grant, for CheckAccess and ListRules. */
#pragma once

#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>

struct policy_rule;

/* ["cap_net_admin", ...] for a mask. NULL on ENOMEM (as for all below). */
struct json_object *policy_caps_to_json(uint64_t caps);

/* {"user"?, "uid", "gid", "groups"}: "user" from the host's user database, when found. */
struct json_object *policy_run_as_to_json(uid_t uid, gid_t gid, const gid_t *groups,
					  size_t n_groups);

/* A rule as ListRules shows it: where, what it says, and its parts. */
struct json_object *policy_rule_to_json(const struct policy_rule *rule);
