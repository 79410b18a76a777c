/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nsctld --reload: ask the running daemon to read its policy again, and say how it went. */
#pragma once

/*
 * Call io.nsctl.Reload on the daemon at socket_path (only root may) and report the
 * outcome on stdout, or the error (with the policy's file:line) on stderr. Returns the
 * exit status: 0 when the new policy is in use, 1 otherwise.
 */
int reload_client(const char *socket_path);
