/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of the lines nsctl prints (client/errors.c, client/suggest.c) and of nsctld's
 * --check-policy message split (daemon/policy/check-policy.c): what went wrong and what to do. */

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "client/client.h"
#include "daemon/policy/check-policy.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

static void assert_connect_text(int r, const char *expected)
{
	_cleanup_free_ char *text = NULL;

	assert_int_equal(client_connect_error_format("/run/nsctl/io.nsctl", r, &text), 0);
	assert_string_equal(text, expected);
}

static void test_no_daemon(void **state)
{
	static const char *const no_daemon = "nsctld is not running at /run/nsctl/io.nsctl (is "
		"nsctld.socket enabled? systemctl enable --now nsctld.socket)";

	/* No socket file, or a socket nobody listens on: the same words. */
	assert_connect_text(-ENOENT, no_daemon);
	assert_connect_text(-ECONNREFUSED, no_daemon);
}

static void test_socket_mode(void **state)
{
	_cleanup_free_ char *text = NULL;

	assert_int_equal(client_connect_error_format("/run/nsctl/io.nsctl", -EACCES, &text), 0);
	/* Not to be mistaken for a policy denial, and it says whom to ask. */
	assert_non_null(strstr(text, "the socket's permissions keep you out"));
	assert_non_null(strstr(text, "this is not the policy"));
	assert_non_null(strstr(text, "administrators"));
	assert_null(strstr(text, "PermissionDenied"));
}

static void test_connection_lost(void **state)
{
	_cleanup_free_ char *a = NULL, *b = NULL;

	assert_int_equal(client_connect_error_format("/s", -ECONNRESET, &a), 0);
	assert_int_equal(client_connect_error_format("/s", -EPIPE, &b), 0);
	assert_string_equal(a, b);
	assert_string_equal(a, "connection to nsctld lost (at /s; nsctld's log says why: "
			       "journalctl -u nsctld)");
	assert_connect_text(-ETIMEDOUT, "nsctld at /run/nsctl/io.nsctl did not answer in time");
}

static char *format_reply(const char *error, const char *params_json)
{
	_cleanup_json_ struct json_object *p = json_tokener_parse(params_json);
	char *text = NULL;

	assert_non_null(p);
	assert_int_equal(client_error_format(error, p, &text), 0);
	return text;
}

static void test_permission_denied_points_to_policy_and_check(void **state)
{
	_cleanup_free_ char *t = format_reply(NSCTL_ERROR_PERMISSION_DENIED,
		"{\"target\":\"netns:blue\",\"namespaces\":[\"net\",\"mnt\"]}");

	assert_string_equal(t, "io.nsctl.PermissionDenied: not permitted to enter namespaces "
			       "net,mnt of netns:blue (nsctl policy lists the rules that apply to "
			       "you; nsctl check TARGET [NAMESPACES] -- COMMAND says which rule "
			       "decides)");
}

static void test_policy_invalid(void **state)
{
	_cleanup_free_ char *t = format_reply(NSCTL_ERROR_POLICY_INVALID,
		"{\"message\":\"the policy /etc/nsctl/policy is broken or missing\"}");

	assert_string_equal(t, "io.nsctl.PolicyInvalid: nsctld refuses every call: the policy "
			       "/etc/nsctl/policy is broken or missing; ask the host's "
			       "administrators (the details are in nsctld's log: journalctl -u "
			       "nsctld)");
}

static void test_target_not_found_points_to_ls(void **state)
{
	_cleanup_free_ char *t = format_reply(NSCTL_ERROR_TARGET_NOT_FOUND, "{\"target\":\"ip\"}");

	assert_string_equal(t, "io.nsctl.TargetNotFound: no such target: ip (nsctl ls lists the "
			       "targets you may enter)");
}

static void test_missing_target(void **state)
{
	_cleanup_free_ char *t = NULL;

	assert_int_equal(client_missing_target_format("run", "ip", "-b", &t), 0);
	assert_string_equal(t, "unknown option '-b' after 'ip': if 'ip' is the command, the "
			       "target is missing (nsctl run TARGET [NAMESPACES] -- ip ...; nsctl "
			       "ls lists the targets)");
}

static void test_daemon_stopped(void **state)
{
	_cleanup_free_ char *t = NULL;

	assert_int_equal(client_daemon_stopped_format(SIGHUP, &t), 0);
	assert_string_equal(t, "nsctld stopped while the command ran and ended it (HUP, signal "
			       "1); run it again once nsctld is back");
}

static void test_suggest(void **state)
{
	static const char *const verbs[] = { "run", "check", "policy", "ls", "ns" };
	const size_t n = ELEMENTSOF(verbs);

	assert_string_equal(client_suggest("rnu", verbs, n), "run");     /* swapped */
	assert_string_equal(client_suggest("rum", verbs, n), "run");     /* one wrong */
	assert_string_equal(client_suggest("polcy", verbs, n), "policy"); /* one missing */
	assert_string_equal(client_suggest("chekc", verbs, n), "check");
	assert_string_equal(client_suggest("pol", verbs, n), "policy");  /* cut short */
	assert_string_equal(client_suggest("lss", verbs, n), "ls");
	assert_null(client_suggest("frobnicate", verbs, n));
	assert_null(client_suggest("xy", verbs, n));
	/* "ms" is one from "ls" and one from "ns": no guess rather than a wrong one. */
	assert_null(client_suggest("ms", verbs, n));
	assert_null(client_suggest("", verbs, n));
}

static void test_check_policy_split(void **state)
{
	const char *what;
	size_t len;
	unsigned line;

	assert_int_equal(check_policy_split("/etc/nsctl/policy:12: expected 'permit'", &len,
					    &line, &what), 0);
	assert_int_equal(len, strlen("/etc/nsctl/policy"));
	assert_int_equal(line, 12);
	assert_string_equal(what, "expected 'permit'");
	assert_int_equal(check_policy_split("/etc/nsctl/policy: not owned by root", &len, &line,
					    &what), 0);
	assert_int_equal(len, strlen("/etc/nsctl/policy"));
	assert_int_equal(line, 0);
	assert_string_equal(what, "not owned by root");
	/* A ':' inside the file name does not end it. */
	assert_int_equal(check_policy_split("/a:b/policy:3: bad", &len, &line, &what), 0);
	assert_int_equal(len, strlen("/a:b/policy"));
	assert_int_equal(line, 3);
	assert_int_equal(check_policy_split("out of memory", &len, &line, &what), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_daemon),
		cmocka_unit_test(test_socket_mode),
		cmocka_unit_test(test_connection_lost),
		cmocka_unit_test(test_permission_denied_points_to_policy_and_check),
		cmocka_unit_test(test_policy_invalid),
		cmocka_unit_test(test_target_not_found_points_to_ls),
		cmocka_unit_test(test_missing_target),
		cmocka_unit_test(test_daemon_stopped),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_check_policy_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
