/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.varlink.service: GetInfo and GetInterfaceDescription. */
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

void method_get_info(struct conn *c, const struct proto_call *call, struct proto_message *msg)
{
	static const struct proto_field none[] = { { 0 } };
	struct json_object *p, *ifaces;
	const char *bad = NULL;

	if (proto_dispatch(call->parameters, none, NULL, &bad) < 0) {
		conn_error_invalid(c, bad);
		return;
	}
	p = json_object_new_object();
	ifaces = json_object_new_array();
	json_object_array_add(ifaces, json_object_new_string("org.varlink.service"));
	json_object_array_add(ifaces, json_object_new_string(NSCTL_INTERFACE));
	json_object_object_add(p, "vendor", json_object_new_string("nsctl"));
	json_object_object_add(p, "product", json_object_new_string("nsctld"));
	json_object_object_add(p, "version", json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(p, "url", json_object_new_string(""));
	json_object_object_add(p, "interfaces", ifaces);
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
		p = json_object_new_object();
		json_object_object_add(p, "interface", json_object_new_string(name));
		conn_error(c, VARLINK_ERROR_INTERFACE_NOT_FOUND, p);
		return;
	}
	p = json_object_new_object();
	json_object_object_add(p, "description", json_object_new_string(text));
	conn_reply(c, p, false, NULL, 0);
}
