/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests for the target layer: names, what a caller may see. Resolution through the loop:
 * test-target-resolve.c; the cache: test-target-cache.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <event2/event.h>

#include "daemon/policy/access.h"
#include "daemon/manager.h"
#include "daemon/policy/policy.h"
#include "daemon/targets/target-backend.h"
#include "daemon/targets/target-resolve.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

/* backends.def: every kind has its backend, which says it is of that kind, once. */
static void test_backend_table(void **state)
{
	for (int k = 0; k < _TARGET_KIND_COUNT; k++) {
		const struct target_backend *b = target_backend_of_kind(k);

		assert_non_null(b);
		assert_int_equal(b->kind, k);
		assert_ptr_equal(target_backend_of_prefix(b->prefix, strlen(b->prefix)), b);
	}
	assert_null(target_backend_of_kind(_TARGET_KIND_COUNT));
	assert_string_equal(target_kind_prefix(TARGET_PID), "pid");
	assert_string_equal(target_kind_prefix(TARGET_CRIO), "crio");
}

static void test_kinds_from_string(void **state)
{
	uint32_t mask = 0;

	assert_int_equal(target_kinds_from_string("pid", &mask), 0);
	assert_int_equal(mask, TARGET_KIND_BIT(TARGET_PID));
	assert_int_equal(target_kinds_from_string("netns,docker,podman,machine,unit,k8s,"
						  "containerd,crio", &mask), 0);
	assert_int_equal(mask, TARGET_KINDS_ALL & ~TARGET_KIND_BIT(TARGET_PID));
	assert_int_equal(target_kinds_from_string("k8s,crio", &mask), 0);
	assert_int_equal(mask, TARGET_KIND_BIT(TARGET_K8S) | TARGET_KIND_BIT(TARGET_CRIO));
	assert_int_equal(target_kinds_from_string("", &mask), -EINVAL);
	assert_int_equal(target_kinds_from_string("pid,", &mask), -EINVAL);
	assert_int_equal(target_kinds_from_string(",pid", &mask), -EINVAL);
	assert_int_equal(target_kinds_from_string("pid,,netns", &mask), -EINVAL);
	assert_int_equal(target_kinds_from_string("docker,lxc", &mask), -EINVAL);
	assert_int_equal(target_kinds_from_string("Docker", &mask), -EINVAL);
	assert_int_equal(target_kinds_from_string("pidx", &mask), -EINVAL);
}

/* Does backend prefix accept rest as a name? */
static bool syntax(const char *prefix, const char *rest)
{
	const struct target_backend *b = target_backend_of_prefix(prefix, strlen(prefix));
	struct target *t;
	int r;

	assert_non_null(b);
	t = target_new(b);
	assert_non_null(t);
	r = b->parse(rest, t);
	target_free(t);
	return r == 0;
}

static void test_name_syntax(void **state)
{
	char longname[300];

	assert_true(syntax("docker", "web"));
	assert_true(syntax("docker", "a.b-c_d9"));
	assert_true(syntax("podman", "3f2a9c"));
	assert_false(syntax("docker", ""));
	assert_false(syntax("docker", "-web"));
	assert_false(syntax("docker", ".web"));
	assert_false(syntax("docker", "a/b"));
	assert_false(syntax("docker", "a b"));
	assert_false(syntax("docker", "a?b"));
	assert_false(syntax("docker", "../json"));
	memset(longname, 'a', sizeof(longname));
	longname[256] = '\0';
	assert_false(syntax("docker", longname));
	longname[255] = '\0';
	assert_true(syntax("docker", longname));

	assert_true(syntax("unit", "nginx.service"));
	assert_true(syntax("unit", "getty@tty1.service"));
	assert_true(syntax("unit", "systemd-fsck@dev-disk-by\\x2duuid.service"));
	assert_false(syntax("unit", ".service"));
	assert_false(syntax("unit", "nginx.socket"));
	assert_false(syntax("unit", "nginx"));
	assert_false(syntax("unit", "a b.service"));
	assert_false(syntax("unit", "a/b.service"));

	assert_true(syntax("machine", "vm1"));
	assert_true(syntax("machine", "my_vm.example-1"));
	assert_false(syntax("machine", "-vm"));
	assert_false(syntax("machine", "vm/1"));
	memset(longname, 'a', sizeof(longname));
	longname[65] = '\0';
	assert_false(syntax("machine", longname));

	assert_true(syntax("netns", "blue"));
	assert_false(syntax("netns", ".."));
	assert_false(syntax("netns", "a/b"));
	assert_true(syntax("pid", "42"));
	assert_false(syntax("pid", "042"));
}

static void test_parse(void **state)
{
	struct target *t = NULL;

	/* Without asking anyone: names as written, for every kind. */
	assert_int_equal(target_parse("docker:3f2a", &t), 0);
	assert_string_equal(t->canonical, "docker:3f2a");
	assert_string_equal(t->bare, "3f2a");
	assert_int_equal(t->kind, TARGET_DOCKER);
	/* Resolved through the loop only: no backend opens a container at once. */
	assert_null(t->backend->open);
	target_free(t);
	assert_int_equal(target_parse("unit:nginx.service", &t), 0);
	assert_string_equal(t->canonical, "unit:nginx.service");
	target_free(t);
	assert_int_equal(target_parse("pid:42", &t), 0);
	assert_int_equal(t->pid, 42);
	target_free(t);
	/* A bare name means a backend only once asked; a malformed one nothing. */
	assert_int_equal(target_parse("web", &t), -EINVAL);
	assert_int_equal(target_parse("docker:-web", &t), -EINVAL);
	assert_int_equal(target_parse("lxc:web", &t), -EINVAL);
}

static struct policy *policy_of(const char *text)
{
	_cleanup_free_ char *error = NULL;
	struct policy *p = NULL;

	if (policy_parse_text("test", text, strlen(text), &p, &error) < 0)
		fail_msg("policy: %s", error);
	return p;
}

static void test_access_mask(void **state)
{
	struct policy *p = policy_of("permit 1000 on docker:web-* ns net,uts\n"
				     "deny 1000 on docker:web-2 ns uts\n"
				     "permit 1001 on netns:blue\n"
				     "deny :2000 on netns:blue\n");
	struct policy_caller alice = { .uid = 1000, .gid = 100 };
	struct policy_caller bob = { .uid = 1001, .gid = 100 };
	gid_t groups[] = { 2000 };
	struct policy_caller bob_in_2000 = { .uid = 1001, .gid = 100, .groups = groups,
					     .n_groups = 1 };

	assert_int_equal(access_ns_mask(p, &alice, "docker:web-1", "web-1"),
			 NS_BIT(NS_NET) | NS_BIT(NS_UTS));
	/* A deny with an ns list takes away those namespaces only. */
	assert_int_equal(access_ns_mask(p, &alice, "docker:web-2", "web-2"), NS_BIT(NS_NET));
	assert_true(access_visible(p, &alice, "docker:web-2", "web-2"));
	assert_false(access_visible(p, &alice, "podman:web-1", "web-1"));
	assert_false(access_visible(p, &alice, "netns:blue", "blue"));
	/* A rule without ns: every namespace. */
	assert_int_equal(access_ns_mask(p, &bob, "netns:blue", "blue"), NS_MASK_ALL);
	/* A deny without ns: nothing, so not visible at all. */
	assert_int_equal(access_ns_mask(p, &bob_in_2000, "netns:blue", "blue"), 0);
	assert_false(access_visible(p, &bob_in_2000, "netns:blue", "blue"));
	/* No policy: nothing. */
	assert_int_equal(access_ns_mask(NULL, &alice, "docker:web-1", "web-1"), 0);
	policy_free(p);
}

/* A manager for the target layer alone: a loop, settings, no socket, no policy. */
static int setup_manager(void **state)
{
	struct manager_settings s;
	struct manager *m = NULL;

	manager_settings_init(&s);
	s.docker_socket = strdup("/nonexistent/nsctl-test/docker.sock");
	s.podman_socket = strdup("/nonexistent/nsctl-test/podman.sock");
	assert_int_equal(manager_new(&s, &m), 0);
	*state = m;
	return 0;
}

static int teardown(void **state)
{
	manager_free(*state);
	return 0;
}

/* Deny before look-up: could some rule permit a request, whatever the name turns out to be? */
static void test_could_permit(void **state)
{
	struct manager *m = *state;
	struct policy_caller c[6];
	uint32_t kinds = 0;
	const uint32_t net = NS_BIT(NS_NET), mnt = NS_BIT(NS_MNT);

	for (int i = 0; i < 6; i++)
		c[i] = (struct policy_caller){ .uid = 1000 + (uid_t)i, .gid = 100 };
	m->policy = policy_of("permit 1000 on docker:web ns net,uts\n"
			      "permit 1001 on netns:blue ns net\n"
			      "permit 1002 on pid:42\n"
			      "permit 1003 on web*\n"
			      "permit 1004 on *:x ns net\n"
			      "deny 1005\n");
	/* A kind a service resolves: any name of it may turn out to be docker:web. */
	assert_true(access_could_permit(m, &c[0], "docker:web", net, NULL, true, &kinds));
	assert_int_equal(kinds, TARGET_KIND_BIT(TARGET_DOCKER));
	assert_true(access_could_permit(m, &c[0], "docker:3f2a", net, NULL, true, NULL));
	/* ... but not for namespaces no rule covers, nor another kind. */
	assert_false(access_could_permit(m, &c[0], "docker:web", mnt, NULL, true, NULL));
	assert_false(access_could_permit(m, &c[0], "podman:web", net, NULL, true, NULL));
	assert_false(access_could_permit(m, &c[0], "netns:web", net, NULL, true, NULL));
	assert_false(access_could_permit(m, &c[0], "pid:42", net, NULL, true, NULL));
	/* A bare name: only the kinds that could be permitted are worth asking. */
	assert_true(access_could_permit(m, &c[0], "web", net, NULL, true, &kinds));
	assert_int_equal(kinds, TARGET_KIND_BIT(TARGET_DOCKER));
	/* Names that are canonical as written: the policy's own answer. */
	assert_true(access_could_permit(m, &c[1], "netns:blue", net, NULL, true, NULL));
	assert_false(access_could_permit(m, &c[1], "netns:red", net, NULL, true, NULL));
	assert_false(access_could_permit(m, &c[1], "docker:blue", net, NULL, true, NULL));
	assert_true(access_could_permit(m, &c[1], "blue", 0, NULL, true, &kinds));
	assert_int_equal(kinds, TARGET_KIND_BIT(TARGET_NETNS));
	assert_false(access_could_permit(m, &c[1], "web", 0, NULL, true, NULL));
	assert_true(access_could_permit(m, &c[2], "pid:42", mnt, NULL, true, NULL));
	assert_false(access_could_permit(m, &c[2], "pid:43", mnt, NULL, true, NULL));
	/* A glob without ':' may match a bare name of any kind. */
	assert_true(access_could_permit(m, &c[3], "docker:anything", net, NULL, true, NULL));
	assert_true(access_could_permit(m, &c[3], "netns:web1", net, NULL, true, NULL));
	assert_false(access_could_permit(m, &c[3], "netns:zzz", net, NULL, true, NULL));
	/* Glob characters before the ':' may match any kind. */
	assert_true(access_could_permit(m, &c[4], "podman:y", net, NULL, true, NULL));
	assert_false(access_could_permit(m, &c[4], "podman:y", mnt, NULL, true, NULL));
	/* No permit rule at all: nothing, of any kind. */
	assert_false(access_could_permit(m, &c[5], "docker:web", net, NULL, true, NULL));
	assert_false(access_could_permit(m, &c[5], "web", 0, NULL, true, NULL));
	assert_false(access_could_permit(m, &c[5], "pid:1", 0, NULL, true, NULL));
	/* A malformed name has no reading: it is refused without a look-up anyway. */
	assert_true(access_could_permit(m, &c[5], "docker:-bad", net, NULL, true, &kinds));
	assert_int_equal(kinds, TARGET_KINDS_ALL);
	/* No permit rule: no target of any kind is seen. */
	for (int k = 0; k < _TARGET_KIND_COUNT; k++)
		assert_false(access_could_see_kind(m->policy, &c[5], target_kind_prefix(k)));
	assert_true(access_could_see_kind(m->policy, &c[0], "docker"));
	assert_false(access_could_see_kind(m->policy, &c[0], "podman"));
	policy_free(m->policy);
	m->policy = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backend_table),
		cmocka_unit_test(test_kinds_from_string),
		cmocka_unit_test(test_name_syntax),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_access_mask),
		cmocka_unit_test_setup_teardown(test_could_permit, setup_manager, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
