/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness: what nsctld reads from the container runtimes' state files. */

/*
 * The first byte picks the reader, the rest is the file's content:
 *   0, 1  config.json of containerd (0) or CRI-O (1): strict JSON to CRI annotations. A
 *         success must hold only names that pass their checks (the names become target
 *         names and policy glob subjects), a container name only for a container, and
 *         parsing the same bytes again gives the same answer.
 *   2     a pid file: a success is a positive pid whose decimal form is the input, less
 *         an optional final newline.
 *   3     /proc/PID/cgroup with an ID: the input is "ID\n" then the text. A match means
 *         the ID is in the text; appending a line that names it in a path always matches,
 *         and the ID cut short does not match a path that is only the ID. (Not "any path
 *         with the ID": /k8s.io/ID has the component k8s.io, which is the ID "k8s.io1" cut
 *         short; the fuzzer found that the first model said otherwise.)
 * ASan and UBSan make any memory error or leak a crash.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/targets/runtime-state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void fuzz_config(enum runtime_kind k, const char *text, size_t len)
{
	struct runtime_meta m = { 0 }, again = { 0 };
	int r = runtime_state_parse_config(k, text, len, &m);

	if (r < 0) {
		check(m.role == RUNTIME_ROLE_NONE && !m.pod_name && !m.pod_namespace &&
		      !m.container_name && !m.sandbox_id);
		check(runtime_state_parse_config(k, text, len, &again) == r);
		return;
	}
	check(!m.pod_namespace || runtime_k8s_label_valid(m.pod_namespace));
	check(!m.pod_name || runtime_k8s_subdomain_valid(m.pod_name));
	check(!m.container_name || runtime_k8s_label_valid(m.container_name));
	check(!m.sandbox_id || runtime_id_valid(m.sandbox_id));
	check(!m.container_name || m.role == RUNTIME_ROLE_CONTAINER);
	if (m.role == RUNTIME_ROLE_NONE)
		check(!m.pod_name && !m.pod_namespace && !m.sandbox_id);
	check(runtime_state_parse_config(k, text, len, &again) == 0);
	check(again.role == m.role && str_eq(again.pod_name, m.pod_name) &&
	      str_eq(again.pod_namespace, m.pod_namespace) &&
	      str_eq(again.container_name, m.container_name) &&
	      str_eq(again.sandbox_id, m.sandbox_id));
	runtime_meta_done(&m);
	runtime_meta_done(&again);
}

static void fuzz_pid(const char *text, size_t len)
{
	char buf[32];
	pid_t pid = 0;
	size_t n = len;

	if (runtime_state_parse_pid(text, len, &pid) < 0) {
		check(pid == 0);
		return;
	}
	check(pid > 0);
	if (n > 0 && text[n - 1] == '\n')
		n--;
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	check(strlen(buf) == n && memcmp(buf, text, n) == 0);
}

static void fuzz_cgroup(const char *text, size_t len)
{
	const char *nl = memchr(text, '\n', len);
	char id[RUNTIME_STATE_ID_MAX + 1];
	size_t id_len, rest_len;
	const char *rest;
	char *more;
	int k;

	if (!nl || (size_t)(nl - text) > RUNTIME_STATE_ID_MAX)
		return;
	id_len = (size_t)(nl - text);
	memcpy(id, text, id_len);
	id[id_len] = 0;
	if (memchr(id, 0, id_len) || !runtime_id_valid(id))
		return;
	rest = nl + 1;
	rest_len = len - id_len - 1;
	if (runtime_state_cgroup_names(rest, rest_len, id))
		check(memmem(rest, rest_len, id, id_len) != NULL);
	/* A line that names it: found, whatever came before. */
	k = asprintf(&more, "%.*s\n0::/kubepods/cri-containerd-%s.scope\n", (int)rest_len, rest,
		     id);
	check(k >= 0);
	check(runtime_state_cgroup_names(more, (size_t)k, id));
	free(more);
	/* Its own ID cut short is another container's. */
	if (id_len > 1) {
		k = asprintf(&more, "0::/%s\n", id);
		check(k >= 0);
		id[id_len - 1] = 0;
		check(!runtime_state_cgroup_names(more, (size_t)k, id));
		free(more);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size < 1 || size > (1u << 16))
		return 0;
	/* A copy of exactly the input's length: ASan sees any read past it. */
	text = malloc(size - 1 ? size - 1 : 1);
	check(text != NULL);
	memcpy(text, data + 1, size - 1);
	switch (data[0] % 4) {
	case 0:
		fuzz_config(RUNTIME_CONTAINERD, text, size - 1);
		break;
	case 1:
		fuzz_config(RUNTIME_CRIO, text, size - 1);
		break;
	case 2:
		fuzz_pid(text, size - 1);
		break;
	case 3:
		fuzz_cgroup(text, size - 1);
		break;
	}
	free(text);
	return 0;
}
