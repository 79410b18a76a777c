/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The io.nsctl interface description, compiled in from protocol/io.nsctl.varlink. */
#include "protocol/nsctl-protocol.h"

const char nsctl_interface_description[] =
#include "protocol/io.nsctl.varlink.inc"
	;
