/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nsctld: parse arguments, build the manager, serve. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/un.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "daemon/policy/check-policy.h"
#include "daemon/manager.h"
#include "daemon/policy/policy.h"
#include "daemon/reload-client.h"
#include "daemon/targets/runtime-state.h"
#include "daemon/targets/target-backend.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

#define DEFAULT_POLICY SYSCONFDIR "/nsctl/policy"
#define sizeof_field(type, member) sizeof(((type *)NULL)->member)

static void help(void)
{
	printf("Usage: nsctld [OPTIONS]\n"
	       "       nsctld --check-policy [--json] [FILE]\n"
	       "       nsctld --reload [--listen PATH]\n"
	       "\n"
	       "Run commands in the namespaces of targets on behalf of unprivileged callers,\n"
	       "as the policy allows. Socket-activated by nsctld.socket, or --listen PATH.\n"
	       "\n"
	       "  -l, --listen PATH          listen on PATH instead of an activated socket\n"
	       "  -p, --policy FILE          policy file (default " DEFAULT_POLICY ")\n"
	       "      --check-policy [FILE]  check FILE (default: the --policy file) and what it\n"
	       "                             includes like the daemon would; exit 0 or 1\n"
	       "      --json                 with --check-policy: one JSON object on stdout\n"
	       "                             {policy, valid, rules | message, file, line, error}\n"
	       "      --reload               make the running nsctld (at --listen PATH, default\n"
	       "                             " NSCTL_DEFAULT_SOCKET ") read its policy again;\n"
	       "                             exit 0 when the new policy is in use, else 1\n"
	       "      --idle-timeout SEC     exit after SEC idle seconds when socket-activated\n"
	       "                             (default 60, 0: never)\n"
	       "      --kill-grace SEC       SIGHUP to SIGKILL for sessions whose client left\n"
	       "                             (default 5)\n"
	       "      --request-timeout SEC  time a connection has to send a complete call\n"
	       "                             (default 10)\n"
	       "      --max-sessions-per-user N  (default 64)\n"
	       "      --max-connections N        (default 512)\n"
	       "      --max-connections-per-user N  (default 64)\n"
	       "      --log auto|journal|stderr  where audit records go (default auto)\n"
	       "\n"
	       "Sessions (each one a cgroup, uid-U/session-N):\n"
	       "      --max-tasks-per-user N all of one user's sessions together (default 512,\n"
	       "                             0: no limit)\n"
	       "      --cgroup-root DIR      the cgroup v2 directory to make the sessions'\n"
	       "                             cgroups in (default: nsctld's delegated cgroup, or\n"
	       "                             a child nsctld-PID of its own cgroup)\n"
	       "\n"
	       "Targets:\n"
	       "      --backends LIST        the target kinds served, comma-separated, from\n"
	       "                             pid,netns,docker,podman,machine,unit,k8s,\n"
	       "                             containerd,crio (default all); bare names are\n"
	       "                             tried in that order (not k8s, containerd, crio)\n"
	       "      --docker-socket PATH   the Docker Engine API\n"
	       "                             (default " TARGET_DOCKER_SOCKET ")\n"
	       "      --podman-socket PATH   Podman's Docker-compatible API\n"
	       "                             (default " TARGET_PODMAN_SOCKET ")\n"
	       "      --containerd-state DIR containerd's state, for k8s: and containerd:\n"
	       "                             (default " RUNTIME_CONTAINERD_DEFAULT_STATE ")\n"
	       "      --crio-state DIR       CRI-O's storage run root, for k8s: and crio:\n"
	       "                             (default " RUNTIME_CRIO_DEFAULT_STATE ")\n"
	       "      --host-mount-ns PATH   a mount namespace (/proc/1/ns/mnt) that commands\n"
	       "                             join before the target's namespaces: the node's,\n"
	       "                             for an nsctld that runs in a pod\n"
	       "      --backend-timeout SEC  for one answer of a container engine or the bus\n"
	       "                             (default 2)\n"
	       "      --target-cache SEC     keep resolved container, machine and unit names for\n"
	       "                             SEC seconds while their process lives (default 5,\n"
	       "                             0: not at all)\n"
	       "\n"
	       "  -h, --help                 show this help\n"
	       "      --version              show the version\n"
	       "\n"
	       "SIGHUP reloads the policy too (the log says how it went); SIGTERM ends running\n"
	       "sessions and exits.\n");
}

/* A mount namespace file (/proc/1/ns/mnt), pinned open; -EMEDIUMTYPE for anything else. */
static int open_mount_ns(const char *path, int *ret_fd)
{
	_cleanup_close_ int fd = -EBADF;
	int type;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type < 0)
		return errno == ENOTTY ? -EMEDIUMTYPE : -errno;
	if (type != CLONE_NEWNS)
		return -EMEDIUMTYPE;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int parse_unsigned(const char *s, unsigned max, unsigned *ret)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

/* Received fds must never land on 0..2, and the soft fd limit may be raised to the hard. */
static void prepare_process(void)
{
	struct rlimit rl;

	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
			_exit(1);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv)
{
	enum {
		ARG_CHECK_POLICY = 0x100, ARG_IDLE, ARG_GRACE, ARG_REQ_TIMEOUT, ARG_MAX_SESS,
		ARG_MAX_CONN, ARG_MAX_CONN_UID, ARG_LOG, ARG_VERSION, ARG_RELOAD, ARG_BACKENDS,
		ARG_DOCKER_SOCKET, ARG_PODMAN_SOCKET, ARG_BACKEND_TIMEOUT, ARG_TARGET_CACHE,
		ARG_MAX_TASKS, ARG_CGROUP_ROOT,
		ARG_CONTAINERD_STATE, ARG_CRIO_STATE, ARG_HOST_MOUNT_NS,
		ARG_JSON,
	};
	static const struct option options[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "policy", required_argument, NULL, 'p' },
		{ "check-policy", no_argument, NULL, ARG_CHECK_POLICY },
		{ "idle-timeout", required_argument, NULL, ARG_IDLE },
		{ "kill-grace", required_argument, NULL, ARG_GRACE },
		{ "request-timeout", required_argument, NULL, ARG_REQ_TIMEOUT },
		{ "max-sessions-per-user", required_argument, NULL, ARG_MAX_SESS },
		{ "max-connections", required_argument, NULL, ARG_MAX_CONN },
		{ "max-connections-per-user", required_argument, NULL, ARG_MAX_CONN_UID },
		{ "log", required_argument, NULL, ARG_LOG },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, ARG_VERSION },
		{ "reload", no_argument, NULL, ARG_RELOAD },
		{ "backends", required_argument, NULL, ARG_BACKENDS },
		{ "docker-socket", required_argument, NULL, ARG_DOCKER_SOCKET },
		{ "podman-socket", required_argument, NULL, ARG_PODMAN_SOCKET },
		{ "backend-timeout", required_argument, NULL, ARG_BACKEND_TIMEOUT },
		{ "target-cache", required_argument, NULL, ARG_TARGET_CACHE },
		{ "max-tasks-per-user", required_argument, NULL, ARG_MAX_TASKS },
		{ "cgroup-root", required_argument, NULL, ARG_CGROUP_ROOT },
		{ "containerd-state", required_argument, NULL, ARG_CONTAINERD_STATE },
		{ "crio-state", required_argument, NULL, ARG_CRIO_STATE },
		{ "host-mount-ns", required_argument, NULL, ARG_HOST_MOUNT_NS },
		{ "json", no_argument, NULL, ARG_JSON },
		{ 0 },
	};
	struct manager_settings settings;
	struct manager *m = NULL;
	_cleanup_free_ char *error = NULL;
	unsigned *uval, secs;
	char **spath;
	bool reload = false, check = false, json = false;
	int c, r, status;

	manager_settings_init(&settings);
	while ((c = getopt_long(argc, argv, "l:p:h", options, NULL)) >= 0) {
		switch (c) {
		case 'l':
			free(settings.listen_path);
			settings.listen_path = strdup(optarg);
			break;
		case 'p':
			free(settings.policy_path);
			settings.policy_path = strdup(optarg);
			break;
		case ARG_CHECK_POLICY:
			check = true;
			break;
		case ARG_JSON:
			json = true;
			break;
		case ARG_IDLE:
		case ARG_GRACE:
		case ARG_REQ_TIMEOUT:
		case ARG_MAX_SESS:
		case ARG_MAX_CONN:
		case ARG_MAX_CONN_UID:
			uval = c == ARG_IDLE ? &settings.idle_timeout_sec
			     : c == ARG_GRACE ? &settings.kill_grace_sec
			     : c == ARG_REQ_TIMEOUT ? &settings.request_timeout_sec
			     : c == ARG_MAX_SESS ? &settings.max_sessions_per_uid
			     : c == ARG_MAX_CONN ? &settings.max_connections
			     : &settings.max_connections_per_uid;
			if (parse_unsigned(optarg, 1000000, uval) < 0) {
				fprintf(stderr, "nsctld: --%s: not a number from 0 to 1000000: '%s'\n",
					options[c - ARG_CHECK_POLICY + 2].name, optarg);
				manager_settings_done(&settings);
				return 1;
			}
			break;
		case ARG_LOG:
			r = audit_sink_from_string(optarg);
			if (r < 0) {
				fprintf(stderr, "nsctld: --log: expected auto, journal or stderr\n");
				manager_settings_done(&settings);
				return 1;
			}
			settings.log = (enum audit_sink)r;
			break;
		case ARG_BACKENDS:
			if (target_kinds_from_string(optarg, &settings.backends) < 0) {
				fprintf(stderr, "nsctld: --backends: expected a comma-separated "
					"list of pid, netns, docker, podman, machine, unit, "
					"k8s, containerd, crio: "
					"'%s'\n", optarg);
				manager_settings_done(&settings);
				return 1;
			}
			break;
		case ARG_DOCKER_SOCKET:
		case ARG_PODMAN_SOCKET:
			if (optarg[0] != '/' || strlen(optarg) >= sizeof_field(struct sockaddr_un,
									       sun_path)) {
				fprintf(stderr, "nsctld: --%s: expected an absolute path of "
					"at most %zu bytes: '%s'\n",
					c == ARG_DOCKER_SOCKET ? "docker-socket" : "podman-socket",
					sizeof_field(struct sockaddr_un, sun_path) - 1, optarg);
				manager_settings_done(&settings);
				return 1;
			}
			spath = c == ARG_DOCKER_SOCKET ? &settings.docker_socket
						       : &settings.podman_socket;
			free(*spath);
			*spath = strdup(optarg);
			if (!*spath) {
				manager_settings_done(&settings);
				return 1;
			}
			break;
		case ARG_CONTAINERD_STATE:
		case ARG_CRIO_STATE:
			if (optarg[0] != '/' || strlen(optarg) >= PATH_MAX) {
				fprintf(stderr, "nsctld: --%s: expected an absolute path: '%s'\n",
					c == ARG_CRIO_STATE ? "crio-state" : "containerd-state",
					optarg);
				manager_settings_done(&settings);
				return 1;
			}
			spath = c == ARG_CRIO_STATE ? &settings.crio_state
						    : &settings.containerd_state;
			free(*spath);
			*spath = strdup(optarg);
			if (!*spath) {
				manager_settings_done(&settings);
				return 1;
			}
			break;
		case ARG_HOST_MOUNT_NS:
			settings.host_mntns_fd = safe_close(settings.host_mntns_fd);
			r = open_mount_ns(optarg, &settings.host_mntns_fd);
			if (r < 0) {
				fprintf(stderr, "nsctld: --host-mount-ns: %s: %s\n", optarg,
					r == -EMEDIUMTYPE ? "not a mount namespace" : strerror(-r));
				manager_settings_done(&settings);
				return 1;
			}
			break;
		case ARG_BACKEND_TIMEOUT:
			if (parse_unsigned(optarg, 3600, &secs) < 0 || secs == 0) {
				fprintf(stderr, "nsctld: --backend-timeout: not a number from 1 to "
					"3600: '%s'\n", optarg);
				manager_settings_done(&settings);
				return 1;
			}
			settings.backend_timeout_ms = secs * 1000;
			break;
		case ARG_TARGET_CACHE:
			if (parse_unsigned(optarg, 3600, &settings.target_cache_sec) < 0) {
				fprintf(stderr, "nsctld: --target-cache: not a number from 0 to "
					"3600: '%s'\n", optarg);
				manager_settings_done(&settings);
				return 1;
			}
			break;
		case ARG_MAX_TASKS:
			if (parse_unsigned(optarg, 4194304, &settings.max_tasks_per_uid) < 0) {
				fprintf(stderr, "nsctld: --max-tasks-per-user: not a number from 0 "
					"to 4194304: '%s'\n", optarg);
				manager_settings_done(&settings);
				return 1;
			}
			break;
		case ARG_CGROUP_ROOT:
			if (optarg[0] != '/') {
				fprintf(stderr, "nsctld: --cgroup-root: expected an absolute path: "
					"'%s'\n", optarg);
				manager_settings_done(&settings);
				return 1;
			}
			free(settings.cgroup_root);
			settings.cgroup_root = strdup(optarg);
			if (!settings.cgroup_root) {
				manager_settings_done(&settings);
				return 1;
			}
			break;
		case 'h':
			help();
			manager_settings_done(&settings);
			return 0;
		case ARG_VERSION:
			printf("nsctld %s\n", PACKAGE_VERSION);
			manager_settings_done(&settings);
			return 0;
		case ARG_RELOAD:
			reload = true;
			break;
		default:
			manager_settings_done(&settings);
			return 1;
		}
	}
	if (json && !check) {
		fprintf(stderr, "nsctld: --json goes with --check-policy\n");
		manager_settings_done(&settings);
		return 1;
	}
	if (check && optind + 1 >= argc) {
		/* nsctld --check-policy [--json] [FILE]: FILE, else --policy, else the default. */
		status = check_policy_run(optind < argc ? argv[optind]
				 : settings.policy_path ? settings.policy_path : DEFAULT_POLICY, json);
		manager_settings_done(&settings);
		return status;
	}
	if (optind < argc) {
		fprintf(stderr, "nsctld: unexpected argument '%s'\n", argv[optind]);
		manager_settings_done(&settings);
		return 1;
	}
	if (reload) {
		status = reload_client(settings.listen_path ? settings.listen_path
							    : NSCTL_DEFAULT_SOCKET);
		manager_settings_done(&settings);
		return status;
	}
	if (!settings.policy_path)
		settings.policy_path = strdup(DEFAULT_POLICY);
	if (!settings.policy_path) {
		manager_settings_done(&settings);
		return 1;
	}

	prepare_process();
	audit_init(settings.log);
	r = manager_new(&settings, &m);
	if (r < 0) {
		fprintf(stderr, "nsctld: %s\n", strerror(-r));
		manager_settings_done(&settings);
		return 1;
	}
	r = manager_load_policy(m, &error);
	if (r < 0)
		/* Serve anyway, refusing every call with a reason (daemon/policy/policy-gate.c). */
		fprintf(stderr, "nsctld: %s; every call is refused with " NSCTL_ERROR_POLICY_INVALID
			" until a good policy is loaded (fix it, then systemctl reload nsctld)\n",
			error ? error : strerror(-r));
	free(error);
	error = NULL;
	r = manager_setup_cgroups(m, &error);
	if (r < 0) {
		fprintf(stderr, "nsctld: cannot set up the session cgroups: %s\n",
			error ? error : strerror(-r));
		manager_free(m);
		return 1;
	}
	r = manager_listen(m);
	if (r == -EBADF) {
		fprintf(stderr, "nsctld: expected exactly one socket from the service manager, or --listen PATH\n");
		manager_free(m);
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, "nsctld: cannot listen: %s\n", strerror(-r));
		manager_free(m);
		return 1;
	}
	r = manager_run(m);
	status = r < 0 ? 1 : m->exit_status;
	if (r < 0)
		fprintf(stderr, "nsctld: %s\n", strerror(-r));
	manager_free(m);
	return status;
}
