/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nsctld: parse arguments, build the manager, serve. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
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
#include "protocol/util.h"

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


/*
 * The command line: what nsctld is asked to do, and the settings it does it with. Each
 * option is one row of options[] below: its name, its parser and what it sets.
 */
struct args {
	struct manager_settings settings;
	bool check_policy;                 /* --check-policy [FILE] */
	const char *check_file;            /* its FILE, or NULL */
	bool json;                         /* --json, with --check-policy */
	bool reload;                       /* --reload */
	bool done;                         /* --help or --version said all there is to say */
};

static void args_done(struct args *a)
{
	manager_settings_done(&a->settings);
}

struct option_spec;

/* Parsers set what their row names from the argument: 0, or -errno after saying why. */
typedef int (*option_parser)(const struct option_spec *o, const char *arg, struct args *a);

struct option_spec {
	const char *name;
	char short_name;                   /* 0: long only */
	int has_arg;                       /* no_argument, required_argument */
	option_parser parse;
	size_t field;                      /* offsetof(struct args, ...): the setting */
	unsigned min, max;                 /* a number's range; a path's length limit (0: none) */
};

#define FIELD(a, o, type) ((type *)((char *)(a) + (o)->field))

static int parse_flag(const struct option_spec *o, const char *arg, struct args *a)
{
	*FIELD(a, o, bool) = true;
	return 0;
}

static int set_string(char **field, const char *arg)
{
	char *copy = strdup(arg);

	if (!copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

static int parse_string(const struct option_spec *o, const char *arg, struct args *a)
{
	return set_string(FIELD(a, o, char *), arg);
}

/* Decimal digits only (no sign, no blank), from o->min to o->max. */
static int parse_number(const struct option_spec *o, const char *arg, unsigned *ret)
{
	char *end;
	unsigned long v;

	if (*arg && *arg != '-' && *arg != '+' && *arg != ' ') {
		errno = 0;
		v = strtoul(arg, &end, 10);
		if (!errno && !*end && v >= o->min && v <= o->max) {
			*ret = (unsigned)v;
			return 0;
		}
	}
	fprintf(stderr, "nsctld: --%s: not a number from %u to %u: '%s'\n", o->name, o->min,
		o->max, arg);
	return -EINVAL;
}

static int parse_count(const struct option_spec *o, const char *arg, struct args *a)
{
	return parse_number(o, arg, FIELD(a, o, unsigned));
}

static int parse_seconds_as_ms(const struct option_spec *o, const char *arg, struct args *a)
{
	unsigned secs;
	int r;

	r = parse_number(o, arg, &secs);
	if (r < 0)
		return r;
	*FIELD(a, o, unsigned) = secs * 1000;
	return 0;
}

static int parse_log(const struct option_spec *o, const char *arg, struct args *a)
{
	int r = audit_sink_from_string(arg);

	if (r < 0) {
		fprintf(stderr, "nsctld: --log: expected auto, journal or stderr\n");
		return r;
	}
	a->settings.log = (enum audit_sink)r;
	return 0;
}

static int parse_backends(const struct option_spec *o, const char *arg, struct args *a)
{
	int r = target_kinds_from_string(arg, &a->settings.backends);

	if (r < 0)
		fprintf(stderr, "nsctld: --backends: expected a comma-separated list of pid, netns, "
			"docker, podman, machine, unit, k8s, containerd, crio: '%s'\n", arg);
	return r;
}

/* An absolute path that fits a unix socket address. */
static int parse_socket_path(const struct option_spec *o, const char *arg, struct args *a)
{
	const size_t max = sizeof_field(struct sockaddr_un, sun_path) - 1;

	if (arg[0] != '/' || strlen(arg) > max) {
		fprintf(stderr, "nsctld: --%s: expected an absolute path of at most %zu bytes: "
			"'%s'\n", o->name, max, arg);
		return -EINVAL;
	}
	return set_string(FIELD(a, o, char *), arg);
}

/* An absolute path, shorter than o->max bytes unless that is 0. */
static int parse_absolute_path(const struct option_spec *o, const char *arg, struct args *a)
{
	if (arg[0] != '/' || (o->max && strlen(arg) >= o->max)) {
		fprintf(stderr, "nsctld: --%s: expected an absolute path: '%s'\n", o->name, arg);
		return -EINVAL;
	}
	return set_string(FIELD(a, o, char *), arg);
}

static int parse_mount_ns(const struct option_spec *o, const char *arg, struct args *a)
{
	int r;

	a->settings.host_mntns_fd = safe_close(a->settings.host_mntns_fd);
	r = open_mount_ns(arg, &a->settings.host_mntns_fd);
	if (r < 0)
		fprintf(stderr, "nsctld: --host-mount-ns: %s: %s\n", arg,
			r == -EMEDIUMTYPE ? "not a mount namespace" : strerror(-r));
	return r;
}

static int print_help(const struct option_spec *o, const char *arg, struct args *a)
{
	help();
	a->done = true;
	return 0;
}

static int print_version(const struct option_spec *o, const char *arg, struct args *a)
{
	printf("nsctld %s\n", PACKAGE_VERSION);
	a->done = true;
	return 0;
}

#define ARG(f) .field = offsetof(struct args, f)
#define SETTING(f) ARG(settings.f)
#define OPTION(n, c, has, fn, ...) \
	{ .name = (n), .short_name = (c), .has_arg = (has), .parse = (fn), __VA_ARGS__ }
#define FLAG(n, f) OPTION(n, 0, no_argument, parse_flag, ARG(f))
#define WITH_ARG(n, fn, ...) OPTION(n, 0, required_argument, fn, __VA_ARGS__)
#define COUNT(n, f, hi) WITH_ARG(n, parse_count, SETTING(f), .max = (hi))

/* In the order of the past: getopt_long() lists ambiguous abbreviations in this order. */
static const struct option_spec options[] = {
	OPTION("listen", 'l', required_argument, parse_string, SETTING(listen_path)),
	OPTION("policy", 'p', required_argument, parse_string, SETTING(policy_path)),
	FLAG("check-policy", check_policy),
	COUNT("idle-timeout", idle_timeout_sec, 1000000),
	COUNT("kill-grace", kill_grace_sec, 1000000),
	COUNT("request-timeout", request_timeout_sec, 1000000),
	COUNT("max-sessions-per-user", max_sessions_per_uid, 1000000),
	COUNT("max-connections", max_connections, 1000000),
	COUNT("max-connections-per-user", max_connections_per_uid, 1000000),
	WITH_ARG("log", parse_log),
	OPTION("help", 'h', no_argument, print_help),
	OPTION("version", 0, no_argument, print_version),
	FLAG("reload", reload),
	WITH_ARG("backends", parse_backends),
	WITH_ARG("docker-socket", parse_socket_path, SETTING(docker_socket)),
	WITH_ARG("podman-socket", parse_socket_path, SETTING(podman_socket)),
	WITH_ARG("backend-timeout", parse_seconds_as_ms, SETTING(backend_timeout_ms), .min = 1,
		 .max = 3600),
	COUNT("target-cache", target_cache_sec, 3600),
	COUNT("max-tasks-per-user", max_tasks_per_uid, 4194304),
	WITH_ARG("cgroup-root", parse_absolute_path, SETTING(cgroup_root)),
	WITH_ARG("containerd-state", parse_absolute_path, SETTING(containerd_state),
		 .max = PATH_MAX),
	WITH_ARG("crio-state", parse_absolute_path, SETTING(crio_state), .max = PATH_MAX),
	WITH_ARG("host-mount-ns", parse_mount_ns),
	FLAG("json", json),
};

#define LONG_ONLY 0x100 /* getopt_long() returns LONG_ONLY + row for options without a letter */

static const struct option_spec *option_of(int c)
{
	if (c >= LONG_ONLY && c < LONG_ONLY + (int)ELEMENTSOF(options))
		return &options[c - LONG_ONLY];
	for (size_t i = 0; i < ELEMENTSOF(options); i++)
		if (options[i].short_name && options[i].short_name == c)
			return &options[i];
	return NULL; /* '?': getopt_long() said what is wrong */
}

/* Fill *a from the command line: 0, or -errno after saying what is wrong. */
static int parse_args(int argc, char **argv, struct args *a)
{
	struct option longopts[ELEMENTSOF(options) + 1] = {};
	char shortopts[2 * ELEMENTSOF(options) + 1] = "", *s = shortopts;
	const struct option_spec *o;
	int c, r;

	for (size_t i = 0; i < ELEMENTSOF(options); i++) {
		o = &options[i];
		longopts[i] = (struct option){ o->name, o->has_arg, NULL,
					       o->short_name ? o->short_name : LONG_ONLY + (int)i };
		if (o->short_name) {
			*s++ = o->short_name;
			if (o->has_arg == required_argument)
				*s++ = ':';
		}
	}
	while (!a->done && (c = getopt_long(argc, argv, shortopts, longopts, NULL)) >= 0) {
		o = option_of(c);
		if (!o)
			return -EINVAL;
		r = o->parse(o, optarg, a);
		if (r < 0)
			return r;
	}
	if (a->done)
		return 0;
	if (a->json && !a->check_policy) {
		fprintf(stderr, "nsctld: --json goes with --check-policy\n");
		return -EINVAL;
	}
	/* nsctld --check-policy [--json] [FILE] */
	if (a->check_policy && optind + 1 >= argc) {
		a->check_file = optind < argc ? argv[optind] : NULL;
		return 0;
	}
	if (optind < argc) {
		fprintf(stderr, "nsctld: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

/* Policy, cgroups, listening socket: -errno after saying why nsctld cannot serve. */
static int start(struct manager *m)
{
	_cleanup_free_ char *error = NULL;
	int r;

	r = manager_load_policy(m, &error);
	if (r < 0)
		/* Serve anyway, refusing every call with a reason (daemon/policy/policy-gate.c). */
		fprintf(stderr, "nsctld: %s; every call is refused with " NSCTL_ERROR_POLICY_INVALID
			" until a good policy is loaded (fix it, then systemctl reload nsctld)\n",
			error ? error : strerror(-r));
	error = mfree(error);
	r = manager_setup_cgroups(m, &error);
	if (r < 0) {
		fprintf(stderr, "nsctld: cannot set up the session cgroups: %s\n",
			error ? error : strerror(-r));
		return r;
	}
	r = manager_listen(m);
	if (r == -EBADF)
		fprintf(stderr, "nsctld: expected exactly one socket from the service manager, "
			"or --listen PATH\n");
	else if (r < 0)
		fprintf(stderr, "nsctld: cannot listen: %s\n", strerror(-r));
	return r;
}

static void manager_freep(struct manager **m)
{
	manager_free(*m);
}

/* The daemon: takes *settings, serves until stopped; returns the exit status. */
static int serve(struct manager_settings *settings)
{
	_cleanup_(manager_freep) struct manager *m = NULL;
	int r;

	if (!settings->policy_path && set_string(&settings->policy_path, DEFAULT_POLICY) < 0)
		return 1;
	prepare_process();
	audit_init(settings->log);
	r = manager_new(settings, &m);
	if (r < 0) {
		fprintf(stderr, "nsctld: %s\n", strerror(-r));
		return 1;
	}
	if (start(m) < 0)
		return 1;
	r = manager_run(m);
	if (r < 0) {
		fprintf(stderr, "nsctld: %s\n", strerror(-r));
		return 1;
	}
	return m->exit_status;
}

int main(int argc, char **argv)
{
	_cleanup_(args_done) struct args a = {};

	manager_settings_init(&a.settings);
	if (parse_args(argc, argv, &a) < 0)
		return 1;
	if (a.done)
		return 0;
	if (a.check_policy)
		return check_policy_run(a.check_file ? a.check_file
				 : a.settings.policy_path ? a.settings.policy_path : DEFAULT_POLICY,
				 a.json);
	if (a.reload)
		return reload_client(a.settings.listen_path ? a.settings.listen_path
							: NSCTL_DEFAULT_SOCKET);
	return serve(&a.settings);
}
