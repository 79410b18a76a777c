/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nsctl: "did you mean": the known word closest to a mistyped one. */
#include <stdlib.h>
#include <string.h>

#include "client/client.h"

#define WORD_MAX 64

/* Optimal string alignment distance (edits, and swaps of two neighbours), both < WORD_MAX. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[WORD_MAX + 1][WORD_MAX + 1];

	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1], v = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

const char *client_suggest(const char *word, const char *const *candidates, size_t n)
{
	size_t len = strlen(word), best = SIZE_MAX, limit;
	const char *found = NULL;
	bool tie = false;

	if (len == 0 || len >= WORD_MAX)
		return NULL;
	/* One typo in a short word, two in a longer one: more would suggest anything. */
	limit = len <= 4 ? 1 : 2;
	for (size_t i = 0; i < n; i++) {
		size_t d;

		if (strlen(candidates[i]) >= WORD_MAX)
			continue;
		d = distance(word, candidates[i]);
		/* A word cut short ("pol") is as good as one typo. */
		if (d > 1 && strncmp(candidates[i], word, len) == 0)
			d = 1;
		if (d < best) {
			best = d;
			found = candidates[i];
			tie = false;
		} else if (d == best) {
			tie = true;
		}
	}
	return found && best <= limit && !tie ? found : NULL;
}
