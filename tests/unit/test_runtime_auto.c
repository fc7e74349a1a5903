/*
 * test_runtime_auto.c: the decisions of the auto-accept / auto-decompose modules
 * (lib/runtime/auto_accept.c) on relationship DTOs: which events lead to an action and which not.
 */
#include <string.h>

#include "runtime/auto_accept.h"
#include "tap.h"

#define SELF "did:e:localhost:dids:00000000000000000000aa"
#define PEER "did:e:localhost:dids:00000000000000000000bb"

static bool decide(enum auto_kind kind, const char *ns, const char *json)
{
	json_object *dto = json_tokener_parse(json);
	const char *id = NULL;
	bool yes = auto_decide(kind, ns, dto, SELF, &id);
	if (yes && (!id || strcmp(id, "REL00000000000000001") != 0))
		yes = false;
	json_object_put(dto);
	return yes;
}

int main(void)
{
	const char *pending_in =
	        "{\"id\":\"REL00000000000000001\",\"status\":\"Pending\",\"auditLog\":[{\"createdBy\":\"" PEER
	        "\",\"reason\":\"Creation\",\"newStatus\":\"Pending\"}]}";
	const char *pending_out =
	        "{\"id\":\"REL00000000000000001\",\"status\":\"Pending\",\"auditLog\":[{\"createdBy\":\"" SELF
	        "\",\"reason\":\"Creation\",\"newStatus\":\"Pending\"}]}";
	const char *two_entries =
	        "{\"id\":\"REL00000000000000001\",\"status\":\"Pending\",\"auditLog\":[{\"createdBy\":\"" PEER
	        "\"},{\"createdBy\":\"" PEER "\"}]}";
	const char *proposed = "{\"id\":\"REL00000000000000001\",\"status\":\"DeletionProposed\",\"auditLog\":[]}";
	const char *active =
	        "{\"id\":\"REL00000000000000001\",\"status\":\"Active\",\"auditLog\":[{\"createdBy\":\"" PEER "\"}]}";

	is_int(auto_kind_of_module("autoAcceptPendingRelationships"), AUTO_ACCEPT, "module name: accept");
	is_int(auto_kind_of_module("autoAcceptRelationshipCreationChanges"), AUTO_ACCEPT, "seed name: accept");
	is_int(auto_kind_of_module("autoDecomposeDeletionProposedRelationships"), AUTO_DECOMPOSE, "decompose");
	is_int(auto_kind_of_module("webhooks"), AUTO_NONE, "another module: none");
	ok(decide(AUTO_ACCEPT, "transport.relationshipChanged", pending_in), "an incoming request is accepted");
	ok(!decide(AUTO_ACCEPT, "transport.relationshipChanged", pending_out), "an own request is left alone");
	ok(!decide(AUTO_ACCEPT, "transport.relationshipChanged", two_entries), "only with exactly one audit entry");
	ok(!decide(AUTO_ACCEPT, "transport.relationshipChanged", active), "not when already active");
	ok(!decide(AUTO_ACCEPT, "transport.peerToBeDeleted", pending_in), "only on relationshipChanged");
	ok(!decide(AUTO_ACCEPT, "transport.relationshipChanged", "{\"status\":\"Pending\"}"), "not without an id");
	ok(!decide(AUTO_ACCEPT, "transport.relationshipChanged", "null"), "not for null data");
	ok(decide(AUTO_DECOMPOSE, "transport.relationshipChanged", proposed), "DeletionProposed is decomposed");
	ok(!decide(AUTO_DECOMPOSE, "transport.relationshipChanged", active), "Active is not decomposed");
	ok(!decide(AUTO_DECOMPOSE, "transport.relationshipChanged", pending_in), "accepting is not decomposing");
	return tap_done();
}
