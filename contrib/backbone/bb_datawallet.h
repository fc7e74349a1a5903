/*
 * bb_datawallet.h: the datawallet (version and modification log), shared by the sync runs and
 * the /Datawallet controller.
 */
#ifndef BB_DATAWALLET_H
#define BB_DATAWALLET_H

#include "bb.h"

/* Reads the x-supported-datawallet-version header (required, 1..65535). */
bool bb_supported_datawallet_version(struct bb_req *r, int64_t *out);
/* The caller's datawallet version, -1 when it has none. */
bool bb_datawallet_version(struct bb_req *r, int64_t *out);
/* Creates the datawallet or raises its version. */
bool bb_datawallet_upgrade(struct bb_req *r, int64_t version);
/* Appends push items (array or NULL); *out gets [{id, index, createdAt}], *new_index the last index. */
bool bb_datawallet_push(struct bb_req *r, json_object *items, json_object **out, int64_t *new_index);
bool bb_sync_run_active(struct bb_req *r, bool *active);

#endif
