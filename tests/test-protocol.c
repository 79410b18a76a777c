/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of protocol/: field tables (json-fields.c), Varlink envelopes, the request codecs and
 * the namespace helpers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"
#include "protocol/varlink.h"

/* Strict-parse a JSON text the test wrote; it must be valid. */
static struct json_object *J(const char *text)
{
	struct json_object *o = NULL;

	assert_int_equal(proto_json_parse(text, strlen(text), PROTO_DEPTH_MAX, &o), 0);
	return o;
}

/* The value of key "v" in a parsed {"v": ...}; the holder keeps it alive. */
static struct json_object *V(struct json_object *holder)
{
	struct json_object *v = NULL;

	assert_true(json_object_object_get_ex(holder, "v", &v));
	return v;
}

static void test_field_string(void **state)
{
	_cleanup_json_ struct json_object *ok = J("{\"v\":\"hi\"}");
	_cleanup_json_ struct json_object *empty = J("{\"v\":\"\"}");
	_cleanup_json_ struct json_object *num = J("{\"v\":1}");
	_cleanup_json_ struct json_object *arr = J("{\"v\":[\"x\"]}");
	_cleanup_json_ struct json_object *nul = json_object_new_string_len("a\0b", 3);
	_cleanup_free_ char *longest = malloc(4098);
	_cleanup_json_ struct json_object *j4096 = NULL, *j4097 = NULL;
	char *s = NULL;

	assert_non_null(longest);
	memset(longest, 'x', 4097);
	longest[4097] = '\0';
	j4097 = json_object_new_string(longest);
	j4096 = json_object_new_string_len(longest, 4096);

	assert_int_equal(proto_field_string(V(ok), &s), 0);
	assert_string_equal(s, "hi");
	/* A second value replaces the first (freed, as ASan would tell). */
	assert_int_equal(proto_field_string(j4096, &s), 0);
	assert_int_equal(strlen(s), 4096);
	/* Failures leave the field as it was. */
	assert_int_equal(proto_field_string(j4097, &s), -EINVAL);
	assert_int_equal(proto_field_string(V(empty), &s), -EINVAL);
	assert_int_equal(proto_field_string(V(num), &s), -EINVAL);
	assert_int_equal(proto_field_string(V(arr), &s), -EINVAL);
	assert_int_equal(proto_field_string(nul, &s), -EINVAL);
	assert_int_equal(proto_field_string(NULL, &s), -EINVAL);
	assert_int_equal(strlen(s), 4096);
	free(s);
}

static void test_field_scalars(void **state)
{
	_cleanup_json_ struct json_object *o =
		J("{\"t\":true,\"one\":1,\"s1\":\"1\",\"d1\":1.0,\"neg\":-1,\"big\":16,"
		  "\"zero\":0,\"max\":9223372036854775807,\"min\":-9223372036854775808,"
		  "\"n\":null,\"st\":\"true\"}");
	_cleanup_json_ struct json_object *u64 = json_object_new_uint64((uint64_t)INT64_MAX + 1);
	struct json_object *t, *one, *s1, *d1, *neg, *big, *zero, *max, *min, *st;
	int64_t i = 5;
	bool b = false;
	int fd = 7, sig = 3;

	assert_true(json_object_object_get_ex(o, "t", &t));
	assert_true(json_object_object_get_ex(o, "one", &one));
	assert_true(json_object_object_get_ex(o, "s1", &s1));
	assert_true(json_object_object_get_ex(o, "d1", &d1));
	assert_true(json_object_object_get_ex(o, "neg", &neg));
	assert_true(json_object_object_get_ex(o, "big", &big));
	assert_true(json_object_object_get_ex(o, "zero", &zero));
	assert_true(json_object_object_get_ex(o, "max", &max));
	assert_true(json_object_object_get_ex(o, "min", &min));
	assert_true(json_object_object_get_ex(o, "st", &st));

	assert_int_equal(proto_field_bool(t, &b), 0);
	assert_true(b);
	assert_int_equal(proto_field_bool(one, &b), -EINVAL);
	assert_int_equal(proto_field_bool(st, &b), -EINVAL);
	assert_int_equal(proto_field_bool(NULL, &b), -EINVAL);

	assert_int_equal(proto_field_int64(one, &i), 0);
	assert_int_equal(i, 1);
	assert_int_equal(proto_field_int64(max, &i), 0);
	assert_true(i == INT64_MAX);
	assert_int_equal(proto_field_int64(min, &i), 0);
	assert_true(i == INT64_MIN);
	i = 5;
	assert_int_equal(proto_field_int64(s1, &i), -EINVAL);   /* "1" is not 1 */
	assert_int_equal(proto_field_int64(d1, &i), -EINVAL);   /* 1.0 is not 1 */
	assert_int_equal(proto_field_int64(t, &i), -EINVAL);    /* true is not 1 */
	assert_int_equal(proto_field_int64(NULL, &i), -EINVAL); /* null is not 0 */
	assert_int_equal(proto_field_int64(u64, &i), -EINVAL);  /* not clamped to INT64_MAX */
	assert_int_equal(i, 5);

	assert_int_equal(proto_field_fd_index(zero, &fd), 0);
	assert_int_equal(fd, 0);
	assert_int_equal(proto_field_fd_index(one, &fd), 0);
	assert_int_equal(fd, 1);
	assert_int_equal(proto_field_fd_index(neg, &fd), -EINVAL);
	assert_int_equal(proto_field_fd_index(big, &fd), -EINVAL); /* PROTO_FDS_MAX */
	assert_int_equal(proto_field_fd_index(s1, &fd), -EINVAL);
	assert_int_equal(proto_field_fd_index(d1, &fd), -EINVAL);
	assert_int_equal(fd, 1);

	assert_int_equal(proto_field_signal(one, &sig), 0);
	assert_int_equal(sig, 1);
	assert_int_equal(proto_field_signal(zero, &sig), -EINVAL);
	assert_int_equal(proto_field_signal(neg, &sig), -EINVAL);
	assert_int_equal(proto_field_signal(max, &sig), -EINVAL);
	{
		_cleanup_json_ struct json_object *rtmax = json_object_new_int(SIGRTMAX);
		_cleanup_json_ struct json_object *over = json_object_new_int(SIGRTMAX + 1);

		assert_int_equal(proto_field_signal(rtmax, &sig), 0);
		assert_int_equal(sig, SIGRTMAX);
		assert_int_equal(proto_field_signal(over, &sig), -EINVAL);
		assert_int_equal(sig, SIGRTMAX);
	}
}

static void test_field_strv_object(void **state)
{
	_cleanup_json_ struct json_object *o =
		J("{\"ok\":[\"a\",\"\",\"c\"],\"empty\":[],\"num\":[\"a\",1],\"nul\":[\"a\",null],"
		  "\"str\":\"a\",\"obj\":{\"k\":1},\"arr\":[]}");
	_cleanup_json_ struct json_object *withnul = json_object_new_array();
	_cleanup_json_ struct json_object *many = json_object_new_array();
	struct json_object *v, *got = NULL;
	char **l = NULL;

	assert_true(json_object_object_get_ex(o, "ok", &v));
	assert_int_equal(proto_field_strv(v, &l), 0);
	assert_int_equal(strv_length(l), 3);
	assert_string_equal(l[0], "a");
	assert_string_equal(l[1], "");
	assert_string_equal(l[2], "c");
	assert_null(l[3]);

	assert_true(json_object_object_get_ex(o, "empty", &v));
	assert_int_equal(proto_field_strv(v, &l), 0); /* replaces, frees the old one */
	assert_int_equal(strv_length(l), 0);
	assert_non_null(l);

	/* Failures half way through free what they built and leave the field alone. */
	assert_true(json_object_object_get_ex(o, "num", &v));
	assert_int_equal(proto_field_strv(v, &l), -EINVAL);
	assert_true(json_object_object_get_ex(o, "nul", &v));
	assert_int_equal(proto_field_strv(v, &l), -EINVAL);
	assert_true(json_object_object_get_ex(o, "str", &v));
	assert_int_equal(proto_field_strv(v, &l), -EINVAL);
	assert_int_equal(json_object_array_add(withnul, json_object_new_string("ok")), 0);
	assert_int_equal(json_object_array_add(withnul, json_object_new_string_len("a\0b", 3)), 0);
	assert_int_equal(proto_field_strv(withnul, &l), -EINVAL);
	for (int i = 0; i < 4096; i++)
		assert_int_equal(json_object_array_add(many, json_object_new_string("x")), 0);
	assert_int_equal(proto_field_strv(many, &l), 0);
	assert_int_equal(strv_length(l), 4096);
	assert_int_equal(json_object_array_add(many, json_object_new_string("x")), 0);
	assert_int_equal(proto_field_strv(many, &l), -EINVAL);
	assert_int_equal(strv_length(l), 4096);
	strv_free(l);

	assert_true(json_object_object_get_ex(o, "obj", &v));
	assert_int_equal(proto_field_object(v, &got), 0);
	assert_ptr_equal(got, v);
	assert_true(json_object_object_get_ex(o, "arr", &v));
	assert_int_equal(proto_field_object(v, &got), -EINVAL);
	json_object_put(got); /* a new reference was taken */
}

struct sample {
	char *name;
	int64_t count;
	bool flag;
	char **list;
};

static const struct proto_field sample_table[] = {
	{ "name", proto_field_string, offsetof(struct sample, name), true },
	{ "count", proto_field_int64, offsetof(struct sample, count), false },
	{ "flag", proto_field_bool, offsetof(struct sample, flag), false },
	{ "list", proto_field_strv, offsetof(struct sample, list), false },
	{}
};

static void sample_done(struct sample *s)
{
	free(s->name);
	strv_free(s->list);
	*s = (struct sample){};
}

/* Dispatch text into a fresh sample; returns the result and the bad field. */
static int dispatch_text(const char *text, struct sample *s, const char **bad)
{
	_cleanup_json_ struct json_object *o = J(text);
	int r;

	*s = (struct sample){ .count = -1 };
	*bad = "unset";
	r = proto_dispatch(o, sample_table, s, bad);
	if (r < 0 && *bad && strcmp(*bad, "unset") != 0) {
		/* The key of an unknown field points into o: keep a stable copy for the test. */
		static char copy[64];

		snprintf(copy, sizeof(copy), "%s", *bad);
		*bad = copy;
	}
	return r;
}

static void test_dispatch(void **state)
{
	struct sample s;
	const char *bad;

	assert_int_equal(
		dispatch_text("{\"name\":\"x\",\"count\":3,\"flag\":true,\"list\":[\"a\"]}", &s,
			      &bad),
		0);
	assert_string_equal(s.name, "x");
	assert_int_equal(s.count, 3);
	assert_true(s.flag);
	assert_string_equal(s.list[0], "a");
	assert_string_equal(bad, "unset"); /* untouched on success */
	sample_done(&s);

	/* A null for an optional field leaves it alone. */
	assert_int_equal(dispatch_text("{\"name\":\"x\",\"count\":null,\"list\":null}", &s, &bad),
			 0);
	assert_int_equal(s.count, -1);
	assert_null(s.list);
	sample_done(&s);

	static const struct {
		const char *text;
		const char *bad;
	} fails[] = {
		{ "{}", "name" },              /* missing required */
		{ "{\"name\":null}", "name" }, /* null for required */
		{ "{\"count\":1}", "name" },
		{ "{\"name\":\"x\",\"extra\":1}", "extra" }, /* unknown key */
		{ "{\"name\":\"x\",\"extra\":null}", "extra" },
		{ "{\"name\":\"x\",\"count\":\"1\"}", "count" }, /* "1" is not 1 */
		{ "{\"name\":\"x\",\"count\":1.0}", "count" },   /* 1.0 is not 1 */
		{ "{\"name\":\"x\",\"count\":true}", "count" },
		{ "{\"name\":\"x\",\"flag\":1}", "flag" },
		{ "{\"name\":\"x\",\"flag\":\"true\"}", "flag" },
		{ "{\"name\":1}", "name" },
		{ "{\"name\":\"\"}", "name" },
		{ "{\"name\":\"x\",\"list\":[\"a\",2]}", "list" },
		{ "{\"name\":\"x\",\"list\":\"a\"}", "list" },
		{ "{\"Name\":\"x\"}", "Name" }, /* keys are case-sensitive */
	};
	for (size_t i = 0; i < ELEMENTSOF(fails); i++) {
		assert_int_equal(dispatch_text(fails[i].text, &s, &bad), -EINVAL);
		assert_non_null(bad);
		assert_string_equal(bad, fails[i].bad);
		sample_done(&s); /* fields set before the failure are the caller's to free */
	}

	/* Not an object at all. */
	{
		_cleanup_json_ struct json_object *a = json_object_new_array();

		s = (struct sample){};
		assert_int_equal(proto_dispatch(a, sample_table, &s, NULL), -EINVAL);
		assert_int_equal(proto_dispatch(NULL, sample_table, &s, &bad), -EINVAL);
		assert_null(bad);
	}
}

static int call_decode_text(const char *text, struct proto_call *c, const char **bad)
{
	_cleanup_json_ struct json_object *o = J(text);

	*bad = NULL;
	return proto_call_decode(o, c, bad);
}

static void test_call_envelope(void **state)
{
	struct proto_call c = {};
	const char *bad;

	assert_int_equal(call_decode_text("{\"method\":\"io.nsctl.Run\",\"parameters\":{\"a\":1},"
					  "\"more\":true}",
					  &c, &bad),
			 0);
	assert_string_equal(c.method, "io.nsctl.Run");
	assert_true(c.more);
	assert_false(c.oneway);
	assert_int_equal(json_object_object_length(c.parameters), 1);
	proto_call_done(&c);
	assert_null(c.method);
	proto_call_done(&c);

	/* No parameters: an empty object, never NULL. */
	assert_int_equal(call_decode_text("{\"method\":\"org.varlink.service.GetInfo\","
					  "\"oneway\":true}",
					  &c, &bad),
			 0);
	assert_true(json_object_is_type(c.parameters, json_type_object));
	assert_int_equal(json_object_object_length(c.parameters), 0);
	assert_true(c.oneway);
	proto_call_done(&c);
	assert_int_equal(
		call_decode_text("{\"method\":\"io.nsctl.Run\",\"parameters\":null}", &c, &bad), 0);
	assert_non_null(c.parameters);
	proto_call_done(&c);

	static const char *const good_names[] = {
		"io.nsctl.Run", "org.varlink.service.GetInterfaceDescription",
		"a.b.C",        "io.1x.Do",
		"a-b.c--d.M2",  "com.example.V",
	};
	for (size_t i = 0; i < ELEMENTSOF(good_names); i++) {
		char text[256];

		snprintf(text, sizeof(text), "{\"method\":\"%s\"}", good_names[i]);
		assert_int_equal(call_decode_text(text, &c, &bad), 0);
		assert_string_equal(c.method, good_names[i]);
		proto_call_done(&c);
	}

	static const char *const bad_names[] = {
		"Run",
		"io.Run",
		"io.nsctl.run",
		"io.nsctl.",
		"io..nsctl.Run",
		".io.nsctl.Run",
		"io-.nsctl.Run",
		"-io.nsctl.Run",
		"1io.nsctl.Run",
		"io.nsctl.Ru-n",
		"io.ns_ctl.Run",
		"io.nsctl.R n",
		"io.nsctl.1Run",
		"io.nsctl.-",
		"io.-x.Run",
		"io.nsctl.Run.",
		"io.nsctl.R\xc3\xa9",
	};
	for (size_t i = 0; i < ELEMENTSOF(bad_names); i++) {
		char text[256];

		snprintf(text, sizeof(text), "{\"method\":\"%s\"}", bad_names[i]);
		c.method = (char *)"sentinel";
		assert_int_equal(call_decode_text(text, &c, &bad), -EINVAL);
		assert_string_equal(bad, "method");
		assert_string_equal(c.method, "sentinel"); /* *ret untouched on failure */
	}
	c = (struct proto_call){};

	static const struct {
		const char *text;
		const char *bad;
	} fails[] = {
		{ "{}", "method" },
		{ "{\"method\":null}", "method" },
		{ "{\"method\":1}", "method" },
		{ "{\"method\":\"io.nsctl.Run\",\"parameters\":[]}", "parameters" },
		{ "{\"method\":\"io.nsctl.Run\",\"parameters\":\"x\"}", "parameters" },
		{ "{\"method\":\"io.nsctl.Run\",\"more\":1}", "more" },
		{ "{\"method\":\"io.nsctl.Run\",\"more\":\"true\"}", "more" },
		{ "{\"method\":\"io.nsctl.Run\",\"oneway\":0}", "oneway" },
		{ "{\"method\":\"io.nsctl.Run\",\"more\":true,\"oneway\":true}", "oneway" },
		{ "{\"method\":\"io.nsctl.Run\",\"upgrade\":true}", "upgrade" },
		{ "{\"parameters\":{},\"method\":\"io.nsctl.Run\",\"Method\":1}", "Method" },
	};
	for (size_t i = 0; i < ELEMENTSOF(fails); i++) {
		_cleanup_json_ struct json_object *o = J(fails[i].text);

		bad = NULL;
		assert_int_equal(proto_call_decode(o, &c, &bad), -EINVAL);
		assert_non_null(bad);
		assert_string_equal(bad, fails[i].bad);
		assert_null(c.method);
	}
}

/* Serialize, strict-parse back: what goes on the wire must pass our own parser. */
static struct json_object *wire(struct json_object *o)
{
	const char *text;

	assert_non_null(o);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	return J(text);
}

static void test_build_and_reply(void **state)
{
	struct proto_call c = {};
	struct proto_reply rep = {};
	const char *bad = NULL;
	struct json_object *params = json_object_new_object();

	assert_int_equal(proto_json_add(params, "k", json_object_new_int(3)), 0);
	{
		_cleanup_json_ struct json_object *call =
			proto_call_new(NSCTL_METHOD_RUN, params, true);
		_cleanup_json_ struct json_object *back = wire(call);

		assert_int_equal(proto_call_decode(back, &c, &bad), 0);
		assert_string_equal(c.method, NSCTL_METHOD_RUN);
		assert_true(c.more);
		assert_int_equal(json_object_object_length(c.parameters), 1);
		proto_call_done(&c);
	}
	{
		_cleanup_json_ struct json_object *call =
			proto_call_new(NSCTL_METHOD_KILL, NULL, false);
		_cleanup_json_ struct json_object *back = wire(call);
		struct json_object *v;

		assert_false(json_object_object_get_ex(back, "more", &v));
		assert_int_equal(proto_call_decode(back, &c, &bad), 0);
		assert_false(c.more);
		proto_call_done(&c);
	}
	{
		_cleanup_json_ struct json_object *reply = proto_reply_new(NULL, true);
		_cleanup_json_ struct json_object *back = wire(reply);

		assert_int_equal(proto_reply_decode(back, &rep, &bad), 0);
		assert_null(rep.error);
		assert_true(rep.continues);
		assert_int_equal(json_object_object_length(rep.parameters), 0);
		proto_reply_done(&rep);
	}
	{
		struct json_object *p = json_object_new_object();
		_cleanup_json_ struct json_object *err = NULL, *back = NULL;
		struct json_object *v;

		assert_int_equal(proto_json_add(p, "target", json_object_new_string("pid:1")), 0);
		err = proto_error_new(NSCTL_ERROR_TARGET_NOT_FOUND, p);
		back = wire(err);
		assert_int_equal(proto_reply_decode(back, &rep, &bad), 0);
		assert_string_equal(rep.error, NSCTL_ERROR_TARGET_NOT_FOUND);
		assert_false(rep.continues);
		assert_true(json_object_object_get_ex(rep.parameters, "target", &v));
		assert_string_equal(json_object_get_string(v), "pid:1");
		proto_reply_done(&rep);
		assert_null(rep.error);
	}

	/* An empty reply is a reply with no parameters. */
	{
		_cleanup_json_ struct json_object *o = J("{}");

		assert_int_equal(proto_reply_decode(o, &rep, &bad), 0);
		assert_non_null(rep.parameters);
		proto_reply_done(&rep);
	}

	static const struct {
		const char *text;
		const char *bad;
	} fails[] = {
		{ "{\"error\":\"NotAName\"}", "error" },
		{ "{\"error\":\"\"}", "error" },
		{ "{\"error\":1}", "error" },
		{ "{\"error\":\"io.nsctl.SystemError\",\"continues\":true}", "continues" },
		{ "{\"continues\":\"yes\"}", "continues" },
		{ "{\"parameters\":[]}", "parameters" },
		{ "{\"method\":\"io.nsctl.Run\"}", "method" },
	};
	for (size_t i = 0; i < ELEMENTSOF(fails); i++) {
		_cleanup_json_ struct json_object *o = J(fails[i].text);

		bad = NULL;
		assert_int_equal(proto_reply_decode(o, &rep, &bad), -EINVAL);
		assert_non_null(bad);
		assert_string_equal(bad, fails[i].bad);
		assert_null(rep.error);
		assert_null(rep.parameters);
	}
}

static const char run_full[] =
	"{\"target\":\"pid:42\",\"namespaces\":[\"net\",\"user\",\"mnt\"],"
	"\"argv\":[\"ss\",\"-tln\",\"\"],\"env\":[\"TERM=xterm\",\"LANG=\"],\"cwd\":\"/tmp\","
	"\"stdin\":0,\"stdout\":1,\"stderr\":15}";

static void test_run_request(void **state)
{
	_cleanup_json_ struct json_object *o = J(run_full);
	struct run_request req = {}, again = {};
	const char *bad = NULL;

	assert_int_equal(run_request_from_json(o, &req, &bad), 0);
	assert_string_equal(req.target, "pid:42");
	assert_int_equal(req.ns_mask, NS_BIT(NS_NET) | NS_BIT(NS_USER) | NS_BIT(NS_MNT));
	assert_int_equal(strv_length(req.argv), 3);
	assert_string_equal(req.argv[1], "-tln");
	assert_string_equal(req.argv[2], "");
	assert_int_equal(strv_length(req.env), 2);
	assert_string_equal(req.cwd, "/tmp");
	assert_int_equal(req.stdin_fd, 0);
	assert_int_equal(req.stdout_fd, 1);
	assert_int_equal(req.stderr_fd, 15);

	/* to_json then from_json gives the same request. */
	{
		_cleanup_json_ struct json_object *enc = run_request_to_json(&req);
		_cleanup_json_ struct json_object *back = wire(enc);

		assert_int_equal(run_request_from_json(back, &again, &bad), 0);
	}
	assert_string_equal(again.target, req.target);
	assert_int_equal(again.ns_mask, req.ns_mask);
	assert_int_equal(strv_length(again.argv), strv_length(req.argv));
	for (size_t i = 0; req.argv[i]; i++)
		assert_string_equal(again.argv[i], req.argv[i]);
	for (size_t i = 0; req.env[i]; i++)
		assert_string_equal(again.env[i], req.env[i]);
	assert_string_equal(again.cwd, req.cwd);
	assert_int_equal(again.stdin_fd, 0);
	assert_int_equal(again.stdout_fd, 1);
	assert_int_equal(again.stderr_fd, 15);
	run_request_done(&again);
	run_request_done(&req);
	assert_null(req.target);
	run_request_done(&req);

	/* Optional parts absent: omitted on the wire too. */
	{
		_cleanup_json_ struct json_object *min =
			J("{\"target\":\"netns:blue\",\"namespaces\":[\"net\"],\"argv\":[\"ip\"],"
			  "\"env\":null,\"stdin\":0,\"stdout\":0,\"stderr\":0}");
		_cleanup_json_ struct json_object *enc = NULL;
		struct json_object *v;

		assert_int_equal(run_request_from_json(min, &req, &bad), 0);
		assert_null(req.env);
		assert_null(req.cwd);
		enc = run_request_to_json(&req);
		assert_non_null(enc);
		assert_false(json_object_object_get_ex(enc, "env", &v));
		assert_false(json_object_object_get_ex(enc, "cwd", &v));
		run_request_done(&req);
	}
}

/* The JSON object text base with key replaced by value (or removed when value is NULL). */
static struct json_object *json_with(const char *base, const char *key, const char *value)
{
	struct json_object *o = J(base);

	json_object_object_del(o, key);
	if (value) {
		_cleanup_json_ struct json_object *holder = NULL;
		char text[65536];

		assert_true(strlen(value) < sizeof(text) - 16);
		snprintf(text, sizeof(text), "{\"v\":%s}", value);
		holder = J(text);
		/* A JSON null is a NULL value, which proto_json_add() takes as a failed alloc. */
		assert_int_equal(json_object_object_add(o, key, json_object_get(V(holder))), 0);
	}
	return o;
}

/* run_full with key replaced by value (or removed when value is NULL). */
static struct json_object *run_with(const char *key, const char *value)
{
	return json_with(run_full, key, value);
}

static char *json_array_of(size_t n, const char *element)
{
	size_t cap = n * (strlen(element) + 1) + 3, len = 0;
	char *s = malloc(cap);

	assert_non_null(s);
	s[len++] = '[';
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(s + len, "%s%s", i ? "," : "", element);
	s[len++] = ']';
	s[len] = '\0';
	return s;
}

static void test_run_request_rejects(void **state)
{
	_cleanup_free_ char *argv_max = json_array_of(RUN_ARGV_MAX, "\"a\"");
	_cleanup_free_ char *argv_over = json_array_of(RUN_ARGV_MAX + 1, "\"a\"");
	_cleanup_free_ char *env_max = json_array_of(RUN_ENV_MAX, "\"A=b\"");
	_cleanup_free_ char *env_over = json_array_of(RUN_ENV_MAX + 1, "\"A=b\"");
	const struct {
		const char *key, *value, *bad;
	} cases[] = {
		{ "target", NULL, "target" },
		{ "target", "\"\"", "target" },
		{ "target", "42", "target" },
		{ "target", "null", "target" },
		{ "namespaces", NULL, "namespaces" },
		{ "namespaces", "[]", "namespaces" },
		{ "namespaces", "[\"net\",\"net\"]", "namespaces" },
		{ "namespaces", "[\"net\",\"bogus\"]", "namespaces" },
		{ "namespaces", "[\"NET\"]", "namespaces" },
		{ "namespaces", "\"net\"", "namespaces" },
		{ "namespaces", "[1]", "namespaces" },
		{ "namespaces",
		  "[\"user\",\"cgroup\",\"ipc\",\"uts\",\"net\",\"pid\",\"mnt\",\"time\","
		  "\"net\"]",
		  "namespaces" },
		{ "argv", NULL, "argv" },
		{ "argv", "[]", "argv" },
		{ "argv", "[\"\"]", "argv" },
		{ "argv", "[\"\",\"x\"]", "argv" },
		{ "argv", "[\"ls\",1]", "argv" },
		{ "argv", "\"ls\"", "argv" },
		{ "argv", argv_over, "argv" },
		{ "env", "[\"TERM\"]", "env" },
		{ "env", "[\"=x\"]", "env" },
		{ "env", "[1]", "env" },
		{ "env", "{}", "env" },
		{ "env", env_over, "env" },
		{ "cwd", "\"relative\"", "cwd" },
		{ "cwd", "\"\"", "cwd" },
		{ "cwd", "[\"/\"]", "cwd" },
		{ "stdin", NULL, "stdin" },
		{ "stdin", "\"0\"", "stdin" },
		{ "stdin", "0.0", "stdin" },
		{ "stdin", "null", "stdin" },
		{ "stdout", "-1", "stdout" },
		{ "stderr", "16", "stderr" },
		{ "tty", "1", "tty" },
		{ "tty", "\"true\"", "tty" },
		{ "tty", "true", "stdin" },      /* a terminal is the stdio: none may be named */
		{ "window", "{\"rows\":24,\"columns\":80}", "window" }, /* only with tty */
		{ "terminal", "0", "terminal" }, /* a reply field, not a parameter */
	};
	struct run_request req = { .target = (char *)"sentinel" };
	const char *bad;

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_json_ struct json_object *o = run_with(cases[i].key, cases[i].value);

		bad = NULL;
		assert_int_equal(run_request_from_json(o, &req, &bad), -EINVAL);
		if (!bad || strcmp(bad, cases[i].bad) != 0)
			print_error("case %zu (%s): bad field %s\n", i, cases[i].key, bad);
		assert_non_null(bad);
		assert_string_equal(bad, cases[i].bad);
		assert_string_equal(req.target, "sentinel");
	}

	/* The limits themselves are accepted. */
	{
		_cleanup_json_ struct json_object *a = run_with("argv", argv_max);
		_cleanup_json_ struct json_object *e = run_with("env", env_max);
		_cleanup_json_ struct json_object *c = run_with("cwd", "\"/\"");
		_cleanup_json_ struct json_object *n =
			run_with("namespaces", "[\"user\",\"cgroup\",\"ipc\",\"uts\",\"net\","
					       "\"pid\",\"mnt\",\"time\"]");

		assert_int_equal(run_request_from_json(a, &req, &bad), 0);
		assert_int_equal(strv_length(req.argv), RUN_ARGV_MAX);
		run_request_done(&req);
		assert_int_equal(run_request_from_json(e, &req, &bad), 0);
		assert_int_equal(strv_length(req.env), RUN_ENV_MAX);
		run_request_done(&req);
		assert_int_equal(run_request_from_json(c, &req, &bad), 0);
		run_request_done(&req);
		assert_int_equal(run_request_from_json(n, &req, &bad), 0);
		assert_int_equal(req.ns_mask, NS_MASK_ALL);
		run_request_done(&req);
	}
}

static const char run_tty[] =
	"{\"target\":\"pid:42\",\"namespaces\":[\"mnt\",\"pid\"],\"tty\":true,"
	"\"window\":{\"rows\":24,\"columns\":80}}";

static void test_run_request_tty(void **state)
{
	_cleanup_json_ struct json_object *o = J(run_tty);
	struct run_request req = {}, again = {};
	const char *bad = NULL;

	/* A terminal session: no stdio indexes, and no argv (the user's shell). */
	assert_int_equal(run_request_from_json(o, &req, &bad), 0);
	assert_true(req.tty);
	assert_null(req.argv);
	assert_int_equal(req.window.rows, 24);
	assert_int_equal(req.window.columns, 80);
	assert_int_equal(req.stdin_fd, -1);
	assert_int_equal(req.stdout_fd, -1);
	assert_int_equal(req.stderr_fd, -1);
	{
		_cleanup_json_ struct json_object *enc = run_request_to_json(&req);
		_cleanup_json_ struct json_object *back = wire(enc);
		struct json_object *v;

		assert_false(json_object_object_get_ex(enc, "argv", &v));
		assert_false(json_object_object_get_ex(enc, "stdin", &v));
		assert_int_equal(run_request_from_json(back, &again, &bad), 0);
	}
	assert_true(again.tty);
	assert_null(again.argv);
	assert_int_equal(again.window.rows, 24);
	assert_int_equal(again.window.columns, 80);
	assert_int_equal(again.stdin_fd, -1);
	run_request_done(&again);
	run_request_done(&req);

	/* Without tty nothing of it goes on the wire. */
	{
		_cleanup_json_ struct json_object *plain = J(run_full);
		_cleanup_json_ struct json_object *enc = NULL;
		struct json_object *v;

		assert_int_equal(run_request_from_json(plain, &req, &bad), 0);
		assert_false(req.tty);
		assert_int_equal(req.window.rows, 0);
		enc = run_request_to_json(&req);
		assert_non_null(enc);
		assert_false(json_object_object_get_ex(enc, "tty", &v));
		assert_false(json_object_object_get_ex(enc, "window", &v));
		run_request_done(&req);
	}
}

static void test_run_request_tty_rejects(void **state)
{
	const struct {
		const char *key, *value, *bad;
	} bad_cases[] = {
		{ "window", "{\"rows\":0,\"columns\":80}", "window" },
		{ "window", "{\"rows\":24,\"columns\":65536}", "window" },
		{ "window", "{\"rows\":-1,\"columns\":80}", "window" },
		{ "window", "{\"rows\":\"24\",\"columns\":80}", "window" },
		{ "window", "{\"rows\":24.0,\"columns\":80}", "window" },
		{ "window", "{\"rows\":24}", "window" },
		{ "window", "{\"columns\":80}", "window" },
		{ "window", "{\"rows\":24,\"columns\":80,\"x\":1}", "window" },
		{ "window", "{}", "window" },
		{ "window", "[24,80]", "window" },
		{ "window", "\"24x80\"", "window" },
		{ "stdin", "0", "stdin" },
		{ "stdout", "1", "stdout" },
		{ "stderr", "2", "stderr" },
		{ "argv", "[]", "argv" },
		{ "tty", "false", "argv" }, /* then argv and stdio are required again */
	};
	const struct {
		const char *key, *value;
	} good_cases[] = {
		{ "window", "{\"rows\":1,\"columns\":1}" },
		{ "window", "{\"columns\":65535,\"rows\":65535}" },
		{ "window", "null" },
		{ "window", NULL },
		{ "argv", "[\"top\",\"-b\"]" },
		{ "stdin", "null" },
	};
	struct run_request req = { .target = (char *)"sentinel" };
	const char *bad;

	for (size_t i = 0; i < ELEMENTSOF(bad_cases); i++) {
		_cleanup_json_ struct json_object *o = json_with(run_tty, bad_cases[i].key, bad_cases[i].value);

		bad = NULL;
		assert_int_equal(run_request_from_json(o, &req, &bad), -EINVAL);
		if (!bad || strcmp(bad, bad_cases[i].bad) != 0)
			print_error("case %zu (%s): bad field %s\n", i, bad_cases[i].key, bad);
		assert_non_null(bad);
		assert_string_equal(bad, bad_cases[i].bad);
		assert_string_equal(req.target, "sentinel");
	}
	for (size_t i = 0; i < ELEMENTSOF(good_cases); i++) {
		_cleanup_json_ struct json_object *o =
			json_with(run_tty, good_cases[i].key, good_cases[i].value);
		struct run_request r = {};
		int ret;

		bad = NULL;
		ret = run_request_from_json(o, &r, &bad);
		if (ret != 0)
			print_error("case %zu (%s): bad field %s\n", i, good_cases[i].key, bad);
		assert_int_equal(ret, 0);
		assert_true(r.tty);
		run_request_done(&r);
	}
	/* The limits: 65535 x 65535 arrives as such. */
	{
		_cleanup_json_ struct json_object *o =
			json_with(run_tty, "window", "{\"rows\":65535,\"columns\":65535}");

		assert_int_equal(run_request_from_json(o, &req, &bad), 0);
		assert_int_equal(req.window.rows, 65535);
		assert_int_equal(req.window.columns, 65535);
		run_request_done(&req);
	}
}

static void test_kill_request(void **state)
{
	struct kill_request k = { .session = 77, .signal = SIGTERM }, back = {};
	const char *bad = NULL;

	{
		_cleanup_json_ struct json_object *enc = kill_request_to_json(&k);
		_cleanup_json_ struct json_object *w = wire(enc);

		assert_int_equal(kill_request_from_json(w, &back, &bad), 0);
	}
	assert_int_equal(back.session, 77);
	assert_int_equal(back.signal, SIGTERM);

	static const struct {
		const char *text, *bad;
	} fails[] = {
		{ "{\"signal\":15}", "session" },
		{ "{\"session\":1}", "signal" },
		{ "{\"session\":\"1\",\"signal\":15}", "session" },
		{ "{\"session\":1.0,\"signal\":15}", "session" },
		{ "{\"session\":1,\"signal\":0}", "signal" },
		{ "{\"session\":1,\"signal\":\"TERM\"}", "signal" },
		{ "{\"session\":1,\"signal\":100000}", "signal" },
		{ "{\"session\":1,\"signal\":15,\"pid\":3}", "pid" },
	};
	for (size_t i = 0; i < ELEMENTSOF(fails); i++) {
		_cleanup_json_ struct json_object *o = J(fails[i].text);

		back = (struct kill_request){ .session = -5 };
		bad = NULL;
		assert_int_equal(kill_request_from_json(o, &back, &bad), -EINVAL);
		assert_non_null(bad);
		assert_string_equal(bad, fails[i].bad);
		assert_int_equal(back.session, -5);
	}
}

/* CheckAccess: Run's parameters without the fds; the fds are unknown keys there. */
static void test_check_request(void **state)
{
	_cleanup_json_ struct json_object *o =
		J("{\"target\":\"netns:blue\",\"namespaces\":[\"net\",\"uts\"],"
		  "\"argv\":[\"ip\",\"-br\",\"a\"],\"env\":[\"TERM=xterm\"],\"cwd\":\"/srv\"}");
	struct check_request req = {}, back = {};
	const char *bad = NULL;

	assert_int_equal(check_request_from_json(o, &req, &bad), 0);
	assert_string_equal(req.target, "netns:blue");
	assert_int_equal(req.ns_mask, NS_BIT(NS_NET) | NS_BIT(NS_UTS));
	assert_int_equal(strv_length(req.argv), 3);
	assert_string_equal(req.env[0], "TERM=xterm");
	assert_string_equal(req.cwd, "/srv");
	{
		_cleanup_json_ struct json_object *enc = check_request_to_json(&req);
		_cleanup_json_ struct json_object *w = wire(enc);
		struct json_object *v;

		assert_false(json_object_object_get_ex(enc, "stdin", &v));
		assert_int_equal(check_request_from_json(w, &back, &bad), 0);
	}
	assert_string_equal(back.target, req.target);
	assert_int_equal(back.ns_mask, req.ns_mask);
	assert_string_equal(back.argv[2], "a");
	assert_string_equal(back.cwd, "/srv");
	check_request_done(&back);
	check_request_done(&req);
	assert_null(req.target);

	static const struct {
		const char *text, *bad;
	} fails[] = {
		{ "{\"namespaces\":[\"net\"],\"argv\":[\"ip\"]}", "target" },
		{ "{\"target\":\"x\",\"argv\":[\"ip\"]}", "namespaces" },
		{ "{\"target\":\"x\",\"namespaces\":[\"net\"]}", "argv" },
		{ "{\"target\":\"x\",\"namespaces\":[],\"argv\":[\"ip\"]}", "namespaces" },
		{ "{\"target\":\"x\",\"namespaces\":[\"net\"],\"argv\":[\"\"]}", "argv" },
		{ "{\"target\":\"x\",\"namespaces\":[\"net\"],\"argv\":[\"ip\"],\"env\":[\"A\"]}",
		  "env" },
		{ "{\"target\":\"x\",\"namespaces\":[\"net\"],\"argv\":[\"ip\"],\"cwd\":\"rel\"}",
		  "cwd" },
		{ "{\"target\":\"x\",\"namespaces\":[\"net\"],\"argv\":[\"ip\"],\"stdin\":0}",
		  "stdin" },
	};
	for (size_t i = 0; i < ELEMENTSOF(fails); i++) {
		_cleanup_json_ struct json_object *f = J(fails[i].text);

		back = (struct check_request){ .target = (char *)"sentinel" };
		bad = NULL;
		assert_int_equal(check_request_from_json(f, &back, &bad), -EINVAL);
		assert_non_null(bad);
		assert_string_equal(bad, fails[i].bad);
		assert_string_equal(back.target, "sentinel");
	}
}

/* ListRules and Reload: {} or no parameters, nothing else. */
static void test_empty_request(void **state)
{
	_cleanup_json_ struct json_object *empty = J("{}");
	_cleanup_json_ struct json_object *extra = J("{\"uid\":0}");
	const char *bad = NULL;

	assert_int_equal(empty_request_from_json(empty, &bad), 0);
	assert_int_equal(empty_request_from_json(extra, &bad), -EINVAL);
	assert_string_equal(bad, "uid");
}

static void test_namespaces(void **state)
{
	static const char *const order[] = {
		"user", "cgroup", "ipc", "uts", "net", "pid", "mnt", "time",
	};
	char buf[128];

	assert_int_equal(ELEMENTSOF(order), _NS_COUNT);
	for (int t = 0; t < _NS_COUNT; t++) {
		char path[64];

		assert_string_equal(ns_table[t].name, order[t]);
		assert_int_equal(ns_from_name(order[t]), t);
		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_table[t].proc_name);
		assert_int_equal(access(path, F_OK), 0);
		assert_int_equal(ns_mask_to_clone_flags(NS_BIT(t)), ns_table[t].clone_flag);
	}
	assert_int_equal(ns_from_name("bogus"), -EINVAL);
	assert_int_equal(ns_from_name(""), -EINVAL);
	assert_int_equal(ns_from_name("Net"), -EINVAL);
	assert_int_equal(ns_from_name("mount"), -EINVAL);
	assert_int_equal(ns_from_name(NULL), -EINVAL);

	assert_int_equal(ns_mask_to_clone_flags(NS_BIT(NS_NET) | NS_BIT(NS_MNT)),
			 CLONE_NEWNET | CLONE_NEWNS);
	assert_int_equal(ns_mask_to_clone_flags(0), 0);
	assert_int_equal(ns_mask_to_clone_flags(NS_MASK_ALL),
			 CLONE_NEWUSER | CLONE_NEWCGROUP | CLONE_NEWIPC | CLONE_NEWUTS |
				 CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWTIME);
	assert_int_equal(ns_mask_to_clone_flags(1u << 31), 0); /* unknown bits are ignored */

	assert_string_equal(ns_mask_to_string(NS_BIT(NS_NET) | NS_BIT(NS_USER), buf, sizeof(buf)),
			    "user,net");
	assert_string_equal(ns_mask_to_string(0, buf, sizeof(buf)), "");
	assert_string_equal(ns_mask_to_string(NS_MASK_ALL, buf, sizeof(buf)),
			    "user,cgroup,ipc,uts,net,pid,mnt,time");
	/* Truncation keeps whole names and a terminator. */
	assert_ptr_equal(ns_mask_to_string(NS_BIT(NS_USER) | NS_BIT(NS_NET), buf, 8), buf);
	assert_string_equal(buf, "user");
	assert_string_equal(ns_mask_to_string(NS_BIT(NS_USER), buf, 3), "");
	assert_ptr_equal(ns_mask_to_string(NS_BIT(NS_USER), buf, 0), buf);
}

/* The checked builders: a NULL value is a failed allocation, and nothing leaks. */
static void test_json_builders(void **state)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	_cleanup_json_ struct json_object *one = NULL;

	assert_non_null(o);
	assert_int_equal(proto_json_add(o, "n", json_object_new_int(7)), 0);
	assert_int_equal(proto_json_add(o, "null", NULL), -ENOMEM);
	assert_int_equal(json_object_object_length(o), 1);
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
			    "{\"n\":7}");

	one = proto_json_object_of("limit", json_object_new_string("sessions-per-user"));
	assert_non_null(one);
	assert_string_equal(json_object_to_json_string_ext(one, JSON_C_TO_STRING_PLAIN),
			    "{\"limit\":\"sessions-per-user\"}");
	assert_null(proto_json_object_of("limit", NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_string),
		cmocka_unit_test(test_field_scalars),
		cmocka_unit_test(test_field_strv_object),
		cmocka_unit_test(test_dispatch),
		cmocka_unit_test(test_call_envelope),
		cmocka_unit_test(test_build_and_reply),
		cmocka_unit_test(test_run_request),
		cmocka_unit_test(test_run_request_rejects),
		cmocka_unit_test(test_run_request_tty),
		cmocka_unit_test(test_run_request_tty_rejects),
		cmocka_unit_test(test_kill_request),
		cmocka_unit_test(test_check_request),
		cmocka_unit_test(test_empty_request),
		cmocka_unit_test(test_namespaces),
		cmocka_unit_test(test_json_builders),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
