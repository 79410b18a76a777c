/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests for the runtimes' state reader: names, pid files, config.json, cgroups, files, scans. */
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/targets/runtime-state.h"
#include "protocol/cleanup.h"

#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define SB64 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static void test_names(void **state)
{
	assert_true(runtime_id_valid("a"));
	assert_true(runtime_id_valid(ID64));
	assert_true(runtime_id_valid("web_1.x-y"));
	assert_false(runtime_id_valid(""));
	assert_false(runtime_id_valid("-a"));
	assert_false(runtime_id_valid(".."));
	assert_false(runtime_id_valid("a/b"));
	assert_false(runtime_id_valid("a b"));
	assert_false(runtime_id_valid(ID64 "0123456789abc")); /* 77 bytes */

	assert_true(runtime_k8s_label_valid("kube-system"));
	assert_true(runtime_k8s_label_valid("a"));
	assert_false(runtime_k8s_label_valid("Kube"));
	assert_false(runtime_k8s_label_valid("a.b"));
	assert_false(runtime_k8s_label_valid("-a"));
	assert_false(runtime_k8s_label_valid("a-"));
	assert_false(runtime_k8s_label_valid("a*"));
	assert_false(runtime_k8s_label_valid(""));
	assert_false(runtime_k8s_label_valid(
		"a123456789012345678901234567890123456789012345678901234567890123"));
	assert_true(runtime_k8s_subdomain_valid("web-7c686947cc-bnbq9"));
	assert_true(runtime_k8s_subdomain_valid("a.b.c"));
	assert_false(runtime_k8s_subdomain_valid("a/b"));
	assert_false(runtime_k8s_subdomain_valid(".a"));
	assert_false(runtime_k8s_subdomain_valid("a?"));
}

static void test_parse_pid(void **state)
{
	pid_t pid = 0;

	assert_int_equal(runtime_state_parse_pid("1234", 4, &pid), 0);
	assert_int_equal(pid, 1234);
	assert_int_equal(runtime_state_parse_pid("42\n", 3, &pid), 0);
	assert_int_equal(pid, 42);
	assert_int_equal(runtime_state_parse_pid("", 0, &pid), -EBADMSG);
	assert_int_equal(runtime_state_parse_pid("\n", 1, &pid), -EBADMSG);
	assert_int_equal(runtime_state_parse_pid("0", 1, &pid), -EBADMSG);
	assert_int_equal(runtime_state_parse_pid("012", 3, &pid), -EBADMSG);
	assert_int_equal(runtime_state_parse_pid("-1", 2, &pid), -EBADMSG);
	assert_int_equal(runtime_state_parse_pid(" 1", 2, &pid), -EBADMSG);
	assert_int_equal(runtime_state_parse_pid("1\n\n", 3, &pid), -EBADMSG);
	assert_int_equal(runtime_state_parse_pid("2147483648", 10, &pid), -EBADMSG);
	assert_int_equal(runtime_state_parse_pid("12\0003", 4, &pid), -EBADMSG);
	assert_int_equal(pid, 42);
}

static int parse(enum runtime_kind k, const char *json, struct runtime_meta *m)
{
	return runtime_state_parse_config(k, json, strlen(json), m);
}

static void test_config_containerd(void **state)
{
	struct runtime_meta m = { 0 };

	assert_int_equal(parse(RUNTIME_CONTAINERD,
			       "{\"ociVersion\":\"1.0.2\",\"annotations\":{"
			       "\"io.kubernetes.cri.container-type\":\"sandbox\","
			       "\"io.kubernetes.cri.sandbox-name\":\"web\","
			       "\"io.kubernetes.cri.sandbox-namespace\":\"staging\","
			       "\"io.kubernetes.cri.sandbox-id\":\"" SB64 "\"}}", &m), 0);
	assert_int_equal(m.role, RUNTIME_ROLE_SANDBOX);
	assert_string_equal(m.pod_name, "web");
	assert_string_equal(m.pod_namespace, "staging");
	assert_null(m.container_name);
	assert_string_equal(m.sandbox_id, SB64);
	runtime_meta_done(&m);

	assert_int_equal(parse(RUNTIME_CONTAINERD,
			       "{\"annotations\":{"
			       "\"io.kubernetes.cri.container-type\":\"container\","
			       "\"io.kubernetes.cri.sandbox-name\":\"web\","
			       "\"io.kubernetes.cri.sandbox-namespace\":\"staging\","
			       "\"io.kubernetes.cri.container-name\":\"app\"},"
			       "\"process\":{\"args\":[\"sh\"]}}", &m), 0);
	assert_int_equal(m.role, RUNTIME_ROLE_CONTAINER);
	assert_string_equal(m.container_name, "app");
	assert_null(m.sandbox_id);
	runtime_meta_done(&m);

	/* Names that are not Kubernetes names: the bundle has no k8s: name. */
	assert_int_equal(parse(RUNTIME_CONTAINERD,
			       "{\"annotations\":{"
			       "\"io.kubernetes.cri.container-type\":\"container\","
			       "\"io.kubernetes.cri.sandbox-name\":\"*\","
			       "\"io.kubernetes.cri.sandbox-namespace\":\"Staging\","
			       "\"io.kubernetes.cri.container-name\":\"a/b\"}}", &m), 0);
	assert_int_equal(m.role, RUNTIME_ROLE_CONTAINER);
	assert_null(m.pod_name);
	assert_null(m.pod_namespace);
	assert_null(m.container_name);
	runtime_meta_done(&m);

	/* Not made by the CRI plugin. */
	assert_int_equal(parse(RUNTIME_CONTAINERD, "{\"ociVersion\":\"1.0.2\"}", &m), 0);
	assert_int_equal(m.role, RUNTIME_ROLE_NONE);
	assert_int_equal(parse(RUNTIME_CONTAINERD, "{\"annotations\":{}}", &m), 0);
	assert_int_equal(m.role, RUNTIME_ROLE_NONE);

	/* Malformed: strict JSON, the annotations a map of strings, a known type. */
	assert_int_equal(parse(RUNTIME_CONTAINERD, "", &m), -EBADMSG);
	assert_int_equal(parse(RUNTIME_CONTAINERD, "[]", &m), -EBADMSG);
	assert_int_equal(parse(RUNTIME_CONTAINERD, "{\"annotations\":[]}", &m), -EBADMSG);
	assert_int_equal(parse(RUNTIME_CONTAINERD, "{\"annotations\":{\"a\":1}}", &m), -EBADMSG);
	assert_int_equal(parse(RUNTIME_CONTAINERD,
			       "{\"annotations\":{\"io.kubernetes.cri.container-type\":\"pod\"}}",
			       &m), -EBADMSG);
	assert_int_equal(parse(RUNTIME_CONTAINERD,
			       "{\"annotations\":{"
			       "\"io.kubernetes.cri.sandbox-name\":\"a\","
			       "\"io.kubernetes.cri.sandbox-name\":\"b\"}}", &m), -EBADMSG);
	assert_int_equal(parse(RUNTIME_CONTAINERD, "{\"annotations\":{}} x", &m), -EBADMSG);
	assert_int_equal(parse(RUNTIME_CONTAINERD,
			       "{\"annotations\":{\"io.kubernetes.cri.sandbox-name\":\"a\\u0000\"}}",
			       &m), -EBADMSG);
	assert_int_equal(runtime_state_parse_config(RUNTIME_CONTAINERD, "{}\0", 3, &m), -EBADMSG);
}

static void test_config_crio(void **state)
{
	struct runtime_meta m = { 0 };

	/* As CRI-O's setupSandboxAnnotations() writes them (server/sandbox_run_linux.go). */
	assert_int_equal(parse(RUNTIME_CRIO,
			       "{\"annotations\":{"
			       "\"io.container.manager\":\"cri-o\","
			       "\"io.kubernetes.cri-o.ContainerType\":\"sandbox\","
			       "\"io.kubernetes.cri-o.KubeName\":\"db-0\","
			       "\"io.kubernetes.cri-o.Namespace\":\"prod\","
			       "\"io.kubernetes.cri-o.SandboxID\":\"" SB64 "\","
			       "\"io.kubernetes.cri-o.Labels\":\"{\\\"io.kubernetes.pod.name\\\":"
			       "\\\"other\\\"}\"}}", &m), 0);
	assert_int_equal(m.role, RUNTIME_ROLE_SANDBOX);
	assert_string_equal(m.pod_name, "db-0");
	assert_string_equal(m.pod_namespace, "prod");
	assert_string_equal(m.sandbox_id, SB64);
	runtime_meta_done(&m);

	/* A container (internal/factory/container/container.go): names in Labels. */
	assert_int_equal(parse(RUNTIME_CRIO,
			       "{\"annotations\":{"
			       "\"io.container.manager\":\"cri-o\","
			       "\"io.kubernetes.cri-o.ContainerType\":\"container\","
			       "\"io.kubernetes.cri-o.SandboxID\":\"" SB64 "\","
			       "\"io.kubernetes.cri-o.Labels\":\"{"
			       "\\\"io.kubernetes.container.name\\\":\\\"postgres\\\","
			       "\\\"io.kubernetes.pod.name\\\":\\\"db-0\\\","
			       "\\\"io.kubernetes.pod.namespace\\\":\\\"prod\\\"}\"}}", &m), 0);
	assert_int_equal(m.role, RUNTIME_ROLE_CONTAINER);
	assert_string_equal(m.container_name, "postgres");
	assert_string_equal(m.pod_name, "db-0");
	assert_string_equal(m.pod_namespace, "prod");
	runtime_meta_done(&m);

	/* Podman's containers share the storage: not CRI-O's. */
	assert_int_equal(parse(RUNTIME_CRIO,
			       "{\"annotations\":{\"io.container.manager\":\"libpod\","
			       "\"io.kubernetes.cri-o.ContainerType\":\"sandbox\"}}", &m), 0);
	assert_int_equal(m.role, RUNTIME_ROLE_NONE);
	assert_null(m.pod_name);

	/* Labels: strict JSON, strings only. */
	assert_int_equal(parse(RUNTIME_CRIO,
			       "{\"annotations\":{\"io.kubernetes.cri-o.ContainerType\":\"container\","
			       "\"io.kubernetes.cri-o.Labels\":\"{\\\"a\\\":1}\"}}", &m), -EBADMSG);
	assert_int_equal(parse(RUNTIME_CRIO,
			       "{\"annotations\":{\"io.kubernetes.cri-o.ContainerType\":\"container\","
			       "\"io.kubernetes.cri-o.Labels\":\"{\\\"a\\\":\\\"b\\\",\\\"a\\\":"
			       "\\\"c\\\"}\"}}", &m), -EBADMSG);
	assert_int_equal(parse(RUNTIME_CRIO,
			       "{\"annotations\":{\"io.kubernetes.cri-o.ContainerType\":\"container\","
			       "\"io.kubernetes.cri-o.Labels\":\"{\"}}", &m), -EBADMSG);
}

static bool names(const char *text, const char *id)
{
	return runtime_state_cgroup_names(text, strlen(text), id);
}

static void test_cgroup_names(void **state)
{
	/* ctr and the CRI plugin with cgroupfs: /NAMESPACE/ID, /kubepods/.../ID */
	assert_true(names("0::/k8s.io/sb1\n", "sb1"));
	assert_true(names("12:pids:/k8s.io/sb1\n0::/\n", "sb1"));
	assert_true(names("0::/kubepods/besteffort/pod1234/" ID64 "\n", ID64));
	/* the systemd driver: containerd and CRI-O scopes */
	assert_true(names("0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-"
			  "pod12.slice/cri-containerd-" ID64 ".scope\n", ID64));
	assert_true(names("0::/kubepods.slice/crio-" ID64 ".scope", ID64));
	assert_true(names("0::/kubepods/crio-" ID64, ID64));
	/* in a cgroup namespace */
	assert_true(names("0::/../../crio-" ID64 ".scope\n", ID64));

	assert_false(names("0::/k8s.io/sb10\n", "sb1"));
	assert_false(names("0::/k8s.io/xsb1\n", "sb1"));
	assert_false(names("0::/k8s.io/sb1.scope.x\n", "sb1"));
	assert_false(names("0::/crio-conmon-" ID64 ".scope\n", ID64)); /* conmon, not it */
	assert_false(names("0::/user.slice/user-1000.slice/session-1.scope\n", ID64));
	assert_false(names("sb1\n", "sb1"));           /* no path */
	assert_false(names("0:sb1\n", "sb1"));         /* no path */
	assert_false(names("0::/\n", ""));
	assert_false(names("", "sb1"));
}

/* --- files (root) ----------------------------------------------------------------------- */

static char tree[64];

static void put(const char *rel, const char *text, mode_t mode)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tree, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static void dir(const char *rel, mode_t mode)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", tree, rel);
	assert_int_equal(mkdir(path, mode), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static int setup_tree(void **state)
{
	if (geteuid() != 0)
		return 0;
	snprintf(tree, sizeof(tree), "/run/nsctl-test-rs.XXXXXX");
	assert_non_null(mkdtemp(tree));
	assert_int_equal(chmod(tree, 0755), 0);
	return 0;
}

static int teardown_tree(void **state)
{
	char cmd[128];

	if (tree[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tree);
		assert_int_equal(system(cmd), 0);
	}
	return 0;
}

static void test_files(void **state)
{
	_cleanup_close_ int root = -EBADF, d = -EBADF;
	_cleanup_free_ char *text = NULL;
	char path[256];
	size_t len;
	char big[100];

	if (geteuid() != 0)
		skip();
	dir("d", 0700);
	put("d/ok", "12\n", 0644);
	put("d/gw", "12", 0664);
	put("d/ow", "12", 0646);
	put("d/user", "12", 0644);
	snprintf(path, sizeof(path), "%s/d/user", tree);
	assert_int_equal(chown(path, 65534, 0), 0);
	snprintf(path, sizeof(path), "%s/d/link", tree);
	assert_int_equal(symlink("ok", path), 0);
	snprintf(path, sizeof(path), "%s/d/fifo", tree);
	assert_int_equal(mkfifo(path, 0600), 0);
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	put("d/big", big, 0644);
	dir("d/sub", 0711);
	dir("d/wsub", 0777);
	snprintf(path, sizeof(path), "%s/d/dlink", tree);
	assert_int_equal(symlink("sub", path), 0);

	assert_int_equal(runtime_state_open_root(tree, &root), 0);
	assert_int_equal(runtime_state_open_dir(root, "d", &d), 0);
	assert_int_equal(runtime_state_read_file(d, "ok", 32, &text, &len, NULL), 0);
	assert_int_equal(len, 3);
	assert_string_equal(text, "12\n");
	free(text);
	text = NULL;
	assert_int_equal(runtime_state_read_file(d, "gw", 32, &text, &len, NULL), -EPERM);
	assert_int_equal(runtime_state_read_file(d, "ow", 32, &text, &len, NULL), -EPERM);
	assert_int_equal(runtime_state_read_file(d, "user", 32, &text, &len, NULL), -EPERM);
	assert_int_equal(runtime_state_read_file(d, "link", 32, &text, &len, NULL), -ELOOP);
	assert_int_equal(runtime_state_read_file(d, "fifo", 32, &text, &len, NULL), -EINVAL);
	assert_int_equal(runtime_state_read_file(d, "sub", 32, &text, &len, NULL), -EINVAL);
	assert_int_equal(runtime_state_read_file(d, "big", 32, &text, &len, NULL), -EFBIG);
	assert_int_equal(runtime_state_read_file(d, "big", 99, &text, &len, NULL), 0);
	assert_int_equal(len, 99);
	assert_int_equal(runtime_state_read_file(d, "none", 32, &text, &len, NULL), -ENOENT);
	assert_int_equal(runtime_state_read_file(d, "../d/ok", 32, &text, &len, NULL), -EINVAL);
	assert_int_equal(runtime_state_read_file(d, "..", 32, &text, &len, NULL), -EINVAL);
	{
		_cleanup_close_ int s = -EBADF;

		assert_int_equal(runtime_state_open_dir(d, "sub", &s), 0);
		assert_int_equal(runtime_state_open_dir(d, "wsub", &s), -EPERM);
		assert_int_equal(runtime_state_open_dir(d, "dlink", &s), -ELOOP);
		assert_int_equal(runtime_state_open_dir(d, "ok", &s), -ENOTDIR);
	}
	/* The root path: every component checked, no links. */
	snprintf(path, sizeof(path), "%s/d/wsub", tree);
	{
		_cleanup_close_ int s = -EBADF;

		assert_int_equal(runtime_state_open_root(path, &s), -EPERM);
		snprintf(path, sizeof(path), "%s/d/dlink", tree);
		assert_int_equal(runtime_state_open_root(path, &s), -ELOOP);
		snprintf(path, sizeof(path), "%s/d/none", tree);
		assert_int_equal(runtime_state_open_root(path, &s), -ENOENT);
		assert_int_equal(runtime_state_open_root("relative", &s), -EINVAL);
		assert_int_equal(runtime_state_open_root("/tmp", &s), -EPERM); /* 1777 */
	}
}

/* A CRI-O tree as CRI-O lays it out, and a containerd one as the runc v2 shim does. */
static void test_scan(void **state)
{
	struct runtime_bundle *b = NULL;
	char *reason = NULL;
	char root[128], path[256];
	size_t n = 0;
	pid_t child;
	char pid[16];

	if (geteuid() != 0)
		skip();
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	snprintf(pid, sizeof(pid), "%d", (int)child);

	dir("crio", 0755);
	dir("crio/overlay-containers", 0700);
	dir("crio/overlay-containers/" SB64, 0700);
	dir("crio/overlay-containers/" SB64 "/userdata", 0700);
	put("crio/overlay-containers/" SB64 "/userdata/config.json",
	    "{\"annotations\":{\"io.container.manager\":\"cri-o\","
	    "\"io.kubernetes.cri-o.ContainerType\":\"sandbox\","
	    "\"io.kubernetes.cri-o.KubeName\":\"db-0\","
	    "\"io.kubernetes.cri-o.Namespace\":\"prod\"}}", 0600);
	/* Our child: alive, but its cgroup is not the container's. */
	put("crio/overlay-containers/" SB64 "/userdata/pidfile", pid, 0644);
	dir("crio/overlay-containers/" ID64, 0700);
	dir("crio/overlay-containers/" ID64 "/userdata", 0700);
	put("crio/overlay-containers/" ID64 "/userdata/config.json", "{}", 0600);
	dir("crio/overlay-containers/not-an-id!", 0700);

	snprintf(root, sizeof(root), "%s/crio", tree);
	assert_int_equal(runtime_state_scan(NULL, RUNTIME_CRIO, root, NULL, NULL, &b, &n, &reason), 0);
	assert_null(reason);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		assert_null(b[i].ns);
		assert_null(b[i].state); /* not pinned by the scan */
		assert_int_equal(runtime_bundle_pin(&b[i]), 0);
		assert_true(b[i].pidfd < 0);
		if (strcmp(b[i].id, SB64) == 0) {
			assert_int_equal(b[i].meta.role, RUNTIME_ROLE_SANDBOX);
			assert_string_equal(b[i].meta.pod_name, "db-0");
			assert_string_equal(b[i].state, "stale");
		} else {
			assert_string_equal(b[i].id, ID64);
			assert_int_equal(b[i].meta.role, RUNTIME_ROLE_NONE);
			assert_string_equal(b[i].state, "exited");
		}
	}
	runtime_bundles_free(b, n);
	/* An ID prefix. */
	assert_int_equal(runtime_state_scan(NULL, RUNTIME_CRIO, root, NULL, "fed", &b, &n, &reason), 0);
	assert_int_equal(n, 1);
	runtime_bundles_free(b, n);

	/* With a cache: the same answer, and a rewritten config.json is read again. */
	{
		struct runtime_cache *cache = NULL;

		assert_int_equal(runtime_cache_new(&cache), 0);
		for (int round = 0; round < 3; round++) {
			if (round == 2)
				put("crio/overlay-containers/" SB64 "/userdata/config.json",
				    "{\"annotations\":{\"io.container.manager\":\"cri-o\","
				    "\"io.kubernetes.cri-o.ContainerType\":\"sandbox\","
				    "\"io.kubernetes.cri-o.KubeName\":\"db-1\","
				    "\"io.kubernetes.cri-o.Namespace\":\"prod\"}}", 0600);
			assert_int_equal(runtime_state_scan(cache, RUNTIME_CRIO, root, NULL, SB64,
							    &b, &n, &reason), 0);
			assert_int_equal(n, 1);
			assert_int_equal(b[0].meta.role, RUNTIME_ROLE_SANDBOX);
			assert_string_equal(b[0].meta.pod_name, round < 2 ? "db-0" : "db-1");
			runtime_bundles_free(b, n);
		}
		/* The cache does not spare the checks of the files. */
		snprintf(path, sizeof(path),
			 "%s/crio/overlay-containers/" SB64 "/userdata/config.json", tree);
		assert_int_equal(chmod(path, 0666), 0);
		assert_int_equal(runtime_state_scan(cache, RUNTIME_CRIO, root, NULL, SB64, &b, &n,
						    &reason), -EPERM);
		free(reason);
		reason = NULL;
		assert_int_equal(chmod(path, 0600), 0);
		runtime_cache_free(cache);
	}

	/* Unsafe: the scan fails and says where. */
	snprintf(path, sizeof(path), "%s/crio/overlay-containers/" ID64 "/userdata", tree);
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(runtime_state_scan(NULL, RUNTIME_CRIO, root, NULL, NULL, &b, &n, &reason),
			 -EPERM);
	assert_non_null(reason);
	assert_non_null(strstr(reason, ID64 "/userdata: not owned by root"));
	free(reason);
	reason = NULL;
	assert_int_equal(chown(path, 0, 0), 0);
	put("crio/overlay-containers/" ID64 "/userdata/pidfile", "x", 0644);
	assert_int_equal(runtime_state_scan(NULL, RUNTIME_CRIO, root, NULL, NULL, &b, &n, &reason),
			 -EBADMSG);
	assert_non_null(strstr(reason, ID64 "/userdata/pidfile: malformed"));
	free(reason);
	reason = NULL;

	/* No state directory: the runtime is not there. */
	snprintf(path, sizeof(path), "%s/none", tree);
	assert_int_equal(runtime_state_scan(NULL, RUNTIME_CONTAINERD, path, NULL, NULL, &b, &n, &reason),
			 -EHOSTDOWN);
	/* containerd: namespaces, then tasks; a state directory without tasks has none. */
	dir("ctrd", 0711);
	snprintf(root, sizeof(root), "%s/ctrd", tree);
	assert_int_equal(runtime_state_scan(NULL, RUNTIME_CONTAINERD, root, NULL, NULL, &b, &n, &reason),
			 0);
	assert_int_equal(n, 0);
	dir("ctrd/io.containerd.runtime.v2.task", 0711);
	dir("ctrd/io.containerd.runtime.v2.task/k8s.io", 0711);
	dir("ctrd/io.containerd.runtime.v2.task/moby", 0711);
	dir("ctrd/io.containerd.runtime.v2.task/k8s.io/sb1", 0700);
	put("ctrd/io.containerd.runtime.v2.task/k8s.io/sb1/config.json",
	    "{\"annotations\":{\"io.kubernetes.cri.container-type\":\"sandbox\","
	    "\"io.kubernetes.cri.sandbox-name\":\"web\","
	    "\"io.kubernetes.cri.sandbox-namespace\":\"staging\"}}", 0644);
	put("ctrd/io.containerd.runtime.v2.task/k8s.io/sb1/init.pid", "999999999", 0644);
	dir("ctrd/io.containerd.runtime.v2.task/moby/c1", 0700);
	put("ctrd/io.containerd.runtime.v2.task/moby/c1/config.json", "{}", 0644);
	assert_int_equal(runtime_state_scan(NULL, RUNTIME_CONTAINERD, root, "k8s.io", NULL, &b, &n,
					    &reason), 0);
	assert_int_equal(n, 1);
	assert_string_equal(b[0].ns, "k8s.io");
	assert_string_equal(b[0].id, "sb1");
	assert_int_equal(b[0].pid_file, 999999999);
	assert_int_equal(runtime_bundle_pin(&b[0]), 0);
	assert_string_equal(b[0].state, "exited"); /* no such process */
	runtime_bundles_free(b, n);
	assert_int_equal(runtime_state_scan(NULL, RUNTIME_CONTAINERD, root, NULL, NULL, &b, &n, &reason),
			 0);
	assert_int_equal(n, 2);
	runtime_bundles_free(b, n);
	put("ctrd/io.containerd.runtime.v2.task/moby/c1/config.json", "{\"a\":1,\"a\":2}", 0644);
	assert_int_equal(runtime_state_scan(NULL, RUNTIME_CONTAINERD, root, NULL, NULL, &b, &n, &reason),
			 -EBADMSG);
	assert_non_null(strstr(reason, "/moby/c1/config.json: malformed"));
	free(reason);

	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
}

static void test_pin(void **state)
{
	struct timespec now, hour_ago;
	int pidfd = -EBADF;

	/* Our own process does not run in a cgroup named after a container. */
	/* Our own process does not run in a cgroup named after a container. */
	assert_int_equal(runtime_state_pin(getpid(), "sb1-not-ours", NULL, &pidfd), -ESTALE);
	assert_int_equal(runtime_state_pin(999999999, "sb1", NULL, &pidfd), -ESRCH);
	assert_int_equal(pidfd, -EBADF);

	/* Started before now, not an hour ago: a pid file written an hour ago is not ours. */
	assert_int_equal(clock_gettime(CLOCK_REALTIME, &now), 0);
	hour_ago = (struct timespec){ .tv_sec = now.tv_sec - 3600 };
	assert_int_equal(runtime_state_started_by(getpid(), &now), 0);
	assert_int_equal(runtime_state_started_by(getpid(), &hour_ago), -ESTALE);
	assert_int_equal(runtime_state_started_by(1, &now), 0);
	assert_int_equal(runtime_state_started_by(999999999, &now), -ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_parse_pid),
		cmocka_unit_test(test_config_containerd),
		cmocka_unit_test(test_config_crio),
		cmocka_unit_test(test_cgroup_names),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_pin),
	};

	return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
