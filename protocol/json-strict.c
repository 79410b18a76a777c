/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Strict JSON: validate RFC 8259 text (depth, duplicate keys, NUL, UTF-8, ranges), then parse. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "protocol/cleanup.h"
#include "protocol/varlink.h"

/*
 * json-c accepts duplicate keys (the last one wins), clamps integers that do not fit in
 * int64 and offers no hook to see either, so the text is first checked by the scanner
 * below and only then handed to json_tokener. Error classes:
 *   -EBADMSG   syntax: not RFC 8259, top level not an object, bytes after the value
 *   -ELOOP     objects/arrays nested deeper than max_depth ({} is depth 1)
 *   -ENOTUNIQ  a key repeated within one object (compared after decoding escapes)
 *   -EILSEQ    NUL (\u0000), a lone or misordered surrogate, or invalid UTF-8
 *   -ERANGE    an integer outside int64, or a number that overflows a double; json-c would
 *              otherwise clamp it silently, so it is refused rather than read as a lie
 */

/* One decoded key of an object being scanned: a span in the key arena. */
struct key_ref {
	size_t off, len;
};

struct scanner {
	const char *p, *end;
	unsigned depth, max_depth;
	char *arena; /* decoded keys of the objects open on the stack */
	size_t arena_len, arena_cap;
	struct key_ref *keys;
	size_t n_keys, cap_keys;
};

static int scan_value(struct scanner *s);

static void skip_ws(struct scanner *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int arena_append(struct scanner *s, const void *data, size_t n)
{
	if (s->arena_cap - s->arena_len < n) {
		size_t cap = s->arena_cap ? s->arena_cap : 256;
		char *a;

		while (cap - s->arena_len < n)
			cap *= 2;
		a = realloc(s->arena, cap);
		if (!a)
			return -ENOMEM;
		s->arena = a;
		s->arena_cap = cap;
	}
	memcpy(s->arena + s->arena_len, data, n);
	s->arena_len += n;
	return 0;
}

static int key_push(struct scanner *s, size_t off, size_t len)
{
	if (s->n_keys == s->cap_keys) {
		size_t cap = s->cap_keys ? s->cap_keys * 2 : 16;
		struct key_ref *k = reallocarray(s->keys, cap, sizeof(*k));

		if (!k)
			return -ENOMEM;
		s->keys = k;
		s->cap_keys = cap;
	}
	s->keys[s->n_keys++] = (struct key_ref){ .off = off, .len = len };
	return 0;
}

static int key_cmp(const void *a, const void *b, void *arena)
{
	const struct key_ref *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;

	if (n > 0) { /* with only empty keys there is no arena at all */
		int r = memcmp((const char *)arena + x->off, (const char *)arena + y->off, n);

		if (r != 0)
			return r;
	}
	return x->len < y->len ? -1 : x->len > y->len;
}

static int hex4(const char *p, uint32_t *ret)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -EBADMSG;
	}
	*ret = v;
	return 0;
}

/* Length of the valid UTF-8 sequence at p (Unicode Table 3-7), or 0 if invalid. */
static size_t utf8_valid(const unsigned char *p, size_t avail)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n;

	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		n = 2;
	else if (p[0] >= 0xE0 && p[0] <= 0xEF)
		n = 3;
	else if (p[0] >= 0xF0 && p[0] <= 0xF4)
		n = 4;
	else
		return 0;
	if (avail < n)
		return 0;

	if (p[0] == 0xE0)
		lo = 0xA0; /* overlong */
	else if (p[0] == 0xED)
		hi = 0x9F; /* UTF-16 surrogates */
	else if (p[0] == 0xF0)
		lo = 0x90; /* overlong */
	else if (p[0] == 0xF4)
		hi = 0x8F; /* above U+10FFFF */
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	return n;
}

static size_t utf8_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* The \u escape at s->p (after the backslash and 'u'), surrogate pairs joined. */
static int scan_unicode_escape(struct scanner *s, uint32_t *ret)
{
	uint32_t cp, lo;
	int r;

	if (s->end - s->p < 4)
		return -EBADMSG;
	r = hex4(s->p, &cp);
	if (r < 0)
		return r;
	s->p += 4;

	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return -EILSEQ; /* a low surrogate with no high one before it */
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u')
			return -EILSEQ;
		r = hex4(s->p + 2, &lo);
		if (r < 0)
			return r;
		if (lo < 0xDC00 || lo > 0xDFFF)
			return -EILSEQ;
		s->p += 6;
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
	}
	if (cp == 0)
		return -EILSEQ;
	*ret = cp;
	return 0;
}

/* A string at s->p (on the opening quote); with key, its decoded bytes go to the arena. */
static int scan_string(struct scanner *s, bool key)
{
	size_t start = s->arena_len;
	int r;

	s->p++;
	for (;;) {
		unsigned char c;

		if (s->p >= s->end)
			return -EBADMSG;
		c = (unsigned char)*s->p;

		if (c == '"') {
			s->p++;
			break;
		}
		if (c < 0x20)
			return -EBADMSG; /* raw control characters must be escaped */

		if (c == '\\') {
			char out[4];
			size_t n = 1;

			if (s->end - s->p < 2)
				return -EBADMSG;
			c = (unsigned char)s->p[1];
			s->p += 2;
			switch (c) {
			case '"':
			case '\\':
			case '/':
				out[0] = (char)c;
				break;
			case 'b':
				out[0] = '\b';
				break;
			case 'f':
				out[0] = '\f';
				break;
			case 'n':
				out[0] = '\n';
				break;
			case 'r':
				out[0] = '\r';
				break;
			case 't':
				out[0] = '\t';
				break;
			case 'u': {
				uint32_t cp;

				r = scan_unicode_escape(s, &cp);
				if (r < 0)
					return r;
				n = utf8_encode(cp, out);
				break;
			}
			default:
				return -EBADMSG;
			}
			if (key) {
				r = arena_append(s, out, n);
				if (r < 0)
					return r;
			}
			continue;
		}

		if (c >= 0x80) {
			size_t n = utf8_valid((const unsigned char *)s->p, (size_t)(s->end - s->p));

			if (n == 0)
				return -EILSEQ;
			if (key) {
				r = arena_append(s, s->p, n);
				if (r < 0)
					return r;
			}
			s->p += n;
			continue;
		}

		if (key) {
			r = arena_append(s, s->p, 1);
			if (r < 0)
				return r;
		}
		s->p++;
	}

	if (key)
		return key_push(s, start, s->arena_len - start);
	return 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A number; integers must fit in int64 and the rest must be finite as doubles. */
static int scan_number(struct scanner *s)
{
	const char *start = s->p;
	bool neg = false, integer = true;
	uint64_t v = 0, limit;

	if (*s->p == '-') {
		neg = true;
		s->p++;
	}
	if (s->p >= s->end || !is_digit(*s->p))
		return -EBADMSG;

	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (*s->p == '0')
		s->p++; /* no leading zeros: a digit after this 0 fails in the caller */
	else {
		bool overflow = false;

		for (; s->p < s->end && is_digit(*s->p); s->p++) {
			unsigned d = (unsigned)(*s->p - '0');

			if (v > (limit - d) / 10)
				overflow = true;
			else
				v = v * 10 + d;
		}
		if (overflow)
			v = limit + 1; /* only looked at when this stays an integer */
	}

	if (s->p < s->end && *s->p == '.') {
		integer = false;
		s->p++;
		if (s->p >= s->end || !is_digit(*s->p))
			return -EBADMSG;
		while (s->p < s->end && is_digit(*s->p))
			s->p++;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		integer = false;
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (s->p >= s->end || !is_digit(*s->p))
			return -EBADMSG;
		while (s->p < s->end && is_digit(*s->p))
			s->p++;
	}

	if (integer)
		return v > limit ? -ERANGE : 0;

	/* The text is not NUL-terminated at the number, so strtod() gets a copy. */
	_cleanup_free_ char *copy = strndup(start, (size_t)(s->p - start));
	if (!copy)
		return -ENOMEM;
	if (isinf(strtod(copy, NULL)))
		return -ERANGE;
	return 0;
}

static int scan_literal(struct scanner *s, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return -EBADMSG;
	s->p += n;
	return 0;
}

static int scan_object(struct scanner *s)
{
	size_t keys_base = s->n_keys, arena_base = s->arena_len;
	int r;

	if (++s->depth > s->max_depth)
		return -ELOOP;
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		s->depth--;
		return 0;
	}

	for (;;) {
		skip_ws(s);
		if (s->p >= s->end || *s->p != '"')
			return -EBADMSG;
		r = scan_string(s, true);
		if (r < 0)
			return r;
		skip_ws(s);
		if (s->p >= s->end || *s->p != ':')
			return -EBADMSG;
		s->p++;
		skip_ws(s);
		r = scan_value(s);
		if (r < 0)
			return r;
		skip_ws(s);
		if (s->p >= s->end)
			return -EBADMSG;
		if (*s->p == '}')
			break;
		if (*s->p != ',')
			return -EBADMSG;
		s->p++;
	}
	s->p++;

	/* Sorting makes the duplicate check O(n log n) however many keys one object has. */
	if (s->n_keys - keys_base > 1) {
		struct key_ref *k = s->keys + keys_base;
		size_t n = s->n_keys - keys_base;

		qsort_r(k, n, sizeof(*k), key_cmp, s->arena);
		for (size_t i = 1; i < n; i++)
			if (key_cmp(&k[i - 1], &k[i], s->arena) == 0)
				return -ENOTUNIQ;
	}
	s->n_keys = keys_base;
	s->arena_len = arena_base;
	s->depth--;
	return 0;
}

static int scan_array(struct scanner *s)
{
	int r;

	if (++s->depth > s->max_depth)
		return -ELOOP;
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == ']') {
		s->p++;
		s->depth--;
		return 0;
	}

	for (;;) {
		skip_ws(s);
		r = scan_value(s);
		if (r < 0)
			return r;
		skip_ws(s);
		if (s->p >= s->end)
			return -EBADMSG;
		if (*s->p == ']')
			break;
		if (*s->p != ',')
			return -EBADMSG;
		s->p++;
	}
	s->p++;
	s->depth--;
	return 0;
}

static int scan_value(struct scanner *s)
{
	if (s->p >= s->end)
		return -EBADMSG;

	switch (*s->p) {
	case '{':
		return scan_object(s);
	case '[':
		return scan_array(s);
	case '"':
		return scan_string(s, false);
	case 't':
		return scan_literal(s, "true");
	case 'f':
		return scan_literal(s, "false");
	case 'n':
		return scan_literal(s, "null");
	default:
		if (*s->p == '-' || is_digit(*s->p))
			return scan_number(s);
		return -EBADMSG;
	}
}

/* Validate text; on success *ret_value_len is where the top-level object ends. */
static int json_validate(const char *text, size_t len, unsigned max_depth, size_t *ret_value_len)
{
	struct scanner s = {
		.p = text,
		.end = text + len,
		.max_depth = max_depth,
	};
	size_t value_len;
	int r;

	skip_ws(&s);
	if (s.p >= s.end || *s.p != '{') {
		r = -EBADMSG;
		goto out;
	}
	r = scan_object(&s);
	if (r < 0)
		goto out;
	value_len = (size_t)(s.p - text);
	skip_ws(&s);
	if (s.p != s.end) {
		r = -EBADMSG;
		goto out;
	}
	*ret_value_len = value_len;
out:
	free(s.arena);
	free(s.keys);
	return r;
}

/* json-c on text the scanner accepted (value_len bytes of it); tok comes back reset. */
static int json_tokener_take(struct json_tokener *tok, const char *text, size_t value_len,
			     struct json_object **ret)
{
	_cleanup_json_ struct json_object *o = NULL;
	int r = 0;

	o = json_tokener_parse_ex(tok, text, (int)value_len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    (size_t)json_tokener_get_parse_end(tok) != value_len)
		r = -EBADMSG;
	json_tokener_reset(tok);
	if (r < 0)
		return r;
	if (!json_object_is_type(o, json_type_object))
		return -EBADMSG;

	*ret = TAKE_PTR(o);
	return 0;
}

/* json-c counts its depth differently; the scanner has enforced ours before it runs. */
static struct json_tokener *json_tokener_strict_new(unsigned max_depth)
{
	struct json_tokener *tok = json_tokener_new_ex((int)max_depth + 2);

	if (tok)
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	return tok;
}

/* The checks shared by both entry points; *ret_value_len as json_validate. */
static int json_precheck(const char *text, size_t len, unsigned max_depth,
			 size_t *ret_value_len)
{
	if (len > INT_MAX)
		return -EMSGSIZE; /* json_tokener takes an int length */
	return json_validate(text, len, max_depth, ret_value_len);
}

int proto_json_parse(const char *text, size_t len, unsigned max_depth, struct json_object **ret)
{
	struct json_tokener *tok;
	size_t value_len;
	int r;

	if (!text || !ret)
		return -EINVAL;
	if (max_depth > PROTO_DEPTH_MAX)
		max_depth = PROTO_DEPTH_MAX;

	r = json_precheck(text, len, max_depth, &value_len);
	if (r < 0)
		return r;
	tok = json_tokener_strict_new(PROTO_DEPTH_MAX);
	if (!tok)
		return -ENOMEM;
	r = json_tokener_take(tok, text, value_len, ret);
	json_tokener_free(tok);
	return r;
}

int proto_reader_parse(struct proto_reader *r, const struct proto_message *m,
		       struct json_object **ret)
{
	size_t value_len;
	int k;

	if (!r || !m || !m->data || !ret)
		return -EINVAL;

	k = json_precheck(m->data, m->len, r->limits.max_depth, &value_len);
	if (k < 0)
		return k;
	if (!r->tok) {
		r->tok = json_tokener_strict_new(r->limits.max_depth);
		if (!r->tok)
			return -ENOMEM;
	}
	return json_tokener_take(r->tok, m->data, value_len, ret);
}
