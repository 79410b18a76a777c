#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Build the libFuzzer harnesses with clang, from the sources directly (not through the
# libtool build, which uses the configured compiler), into OUTDIR (default build/fuzz).
#   CLANG   the compiler (default: clang)
# Exits 77 when there is no clang, 1 when a harness does not build.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/fuzz}
cc=${CLANG:-clang}

command -v "$cc" >/dev/null 2>&1 || { echo "fuzz/build.sh: $cc is not installed" >&2; exit 77; }
mkdir -p "$out"

# -O1 -g as libFuzzer recommends; every sanitizer error is fatal, so it is a crash.
# shellcheck disable=SC2054 # the commas belong to -fsanitize=
cflags=(-std=gnu11 -g -O1 -D_GNU_SOURCE -I"$top" -Wall -Wextra -Wno-unused-parameter
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
	-fno-omit-frame-pointer)
read -r -a jsonc_cflags <<<"$(pkg-config --cflags json-c)"
read -r -a jsonc_libs <<<"$(pkg-config --libs json-c)"

proto=(protocol/varlink-reader.c protocol/varlink-message.c protocol/json-strict.c
	protocol/json-fields.c protocol/namespaces.c protocol/requests.c protocol/sessions.c)

# The policy loader (daemon/policy/), without the rule files that need the daemon.
policy=(daemon/policy/load.c daemon/policy/lex.c daemon/policy/ids.c daemon/policy/parse.c
	daemon/policy/match.c)

build()
{
	local name=$1
	shift
	echo "  CC       fuzz/$name"
	(cd "$top" && "$cc" "${cflags[@]}" "${jsonc_cflags[@]}" -o "$out/$name" "$@" \
		"${jsonc_libs[@]}")
}

build fuzz-framing fuzz/fuzz-framing.c "${proto[@]}"
build fuzz-policy fuzz/fuzz-policy.c "${policy[@]}" protocol/namespaces.c protocol/duration.c -lcap
build fuzz-runtime-state fuzz/fuzz-runtime-state.c daemon/targets/runtime-state.c daemon/targets/runtime-cache.c \
	protocol/json-strict.c
