/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PolicyInvalid mode: nsctld without a usable policy serves, but refuses every call. */
#pragma once

#include <stdbool.h>

struct conn;

/*
 * Whether a call to method is refused because no policy is loaded (the file was missing
 * or broken when nsctld started, and no reload has fixed it since). When it is, the
 * io.nsctl.PolicyInvalid reply has been sent. GetInfo, GetInterfaceDescription and
 * Reload (which decides for itself: root only) always pass.
 */
bool policy_gate_refuses(struct conn *c, const char *method);
