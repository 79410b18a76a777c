/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.varlink.service: GetInfo and GetInterfaceDescription. */
#include <errno.h>
#include <string.h>

#include "daemon/conn.h"
#include "daemon/dispatch.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

static const char varlink_service_description[] =
	"# The Varlink Service Interface is provided by every varlink service.\n"
	"interface org.varlink.service\n"
	"\n"
	"method GetInfo() -> (\n"
	"  vendor: string,\n"
	"  product: string,\n"
	"  version: string,\n"
	"  url: string,\n"
	"  interfaces: []string\n"
	")\n"
	"\n"
	"method GetInterfaceDescription(interface: string) -> (description: string)\n"
	"\n"
	"error InterfaceNotFound (interface: string)\n"
	"error MethodNotFound (method: string)\n"
	"error MethodNotImplemented (method: string)\n"
	"error InvalidParameter (parameter: string)\n"
	"error PermissionDenied ()\n"
	"error ExpectedMore ()\n";

/* GetInfo's answer; NULL when out of memory. */
static struct json_object *info_new(void)
{
	static char *const interfaces[] = {
		(char *)"org.varlink.service", (char *)NSCTL_INTERFACE, NULL
	};
	_cleanup_json_ struct json_object *p = json_object_new_object();

	if (!p || proto_json_add(p, "vendor", json_object_new_string("nsctl")) < 0 ||
	    proto_json_add(p, "product", json_object_new_string("nsctld")) < 0 ||
	    proto_json_add(p, "version", json_object_new_string(PACKAGE_VERSION)) < 0 ||
	    proto_json_add(p, "url", json_object_new_string("")) < 0 ||
	    proto_json_add(p, "interfaces", strv_to_json(interfaces)) < 0)
		return NULL;
	return TAKE_PTR(p);
}

void method_get_info(struct conn *c, const struct proto_call *call, struct proto_message *msg)
{
	static const struct proto_field none[] = { { 0 } };
	struct json_object *p;
	const char *bad = NULL;

	if (proto_dispatch(call->parameters, none, NULL, &bad) < 0) {
		conn_error_invalid(c, bad);
		return;
	}
	p = info_new();
	if (!p) {
		method_error_system(c, "get-info", -ENOMEM);
		return;
	}
	conn_reply(c, p, false, NULL, 0);
}

void method_get_interface_description(struct conn *c, const struct proto_call *call,
				      struct proto_message *msg)
{
	static const struct proto_field fields[] = {
		{ "interface", proto_field_string, 0, true },
		{ 0 },
	};
	_cleanup_free_ char *name = NULL;
	const char *bad = NULL, *text;
	struct json_object *p;

	if (proto_dispatch(call->parameters, fields, &name, &bad) < 0) {
		conn_error_invalid(c, bad);
		return;
	}
	if (strcmp(name, NSCTL_INTERFACE) == 0) {
		text = nsctl_interface_description;
	} else if (strcmp(name, "org.varlink.service") == 0) {
		text = varlink_service_description;
	} else {
		method_error_interface(c, name, strlen(name));
		return;
	}
	p = proto_json_object_of("description", json_object_new_string(text));
	if (!p) {
		method_error_system(c, "get-interface-description", -ENOMEM);
		return;
	}
	conn_reply(c, p, false, NULL, 0);
}
