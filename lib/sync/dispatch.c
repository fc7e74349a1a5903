/*
 * sync/dispatch.c: the external event type -> handler table (backbone-api.md §5). Every type the
 * Backbone emits at HEAD has an entry, plus MessageDelivered, which older Backbones emitted. A type
 * not in the table is reported back as failed with error.transport.unknown, as the transport does
 * for events without a processor (the Backbone then retries it up to 3 times).
 */
#include <string.h>

#include "sync/sync.h"

static const struct sync_dispatch_entry table[] = {
        {"MessageReceived", sync_handle_message_received},
        {"MessageDelivered", sync_handle_message_delivered},
        {"RelationshipStatusChanged", sync_handle_relationship_status_changed},
        {"RelationshipReactivationRequested", sync_handle_relationship_reactivation_requested},
        {"RelationshipReactivationCompleted", sync_handle_relationship_reactivation_completed},
        {"IdentityDeletionProcessStarted", sync_handle_identity_deletion_process},
        {"IdentityDeletionProcessStatusChanged", sync_handle_identity_deletion_process},
        {"PeerToBeDeleted", sync_handle_peer_to_be_deleted},
        {"PeerDeletionCancelled", sync_handle_peer_deletion_cancelled},
        {"PeerDeleted", sync_handle_peer_deleted},
        {"RelationshipTemplateAllocationsExhausted", sync_handle_template_allocations_exhausted},
        {"FileOwnershipLocked", sync_handle_file_ownership_locked},
        {"FileOwnershipClaimed", sync_handle_file_ownership_claimed},
        {"TokenLocked", sync_handle_token_locked},
        {"PeerFeatureFlagsChanged", sync_handle_peer_feature_flags_changed},
};

sync_event_handler sync_dispatch_lookup(const char *type)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i].type, type) == 0)
			return table[i].handler;
	return NULL;
}

const struct sync_dispatch_entry *sync_dispatch_table(int *count)
{
	*count = (int)(sizeof(table) / sizeof(table[0]));
	return table;
}
