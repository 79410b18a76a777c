/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The listening socket: accepting connections within their limits. */
#pragma once

struct manager;

/* Watch m->listen_fd in the loop: each accepted socket becomes a connection (conn_new). */
int listener_start(struct manager *m);
/* Stop accepting (idempotent). */
void listener_stop(struct manager *m);
