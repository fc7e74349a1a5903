/*
 * runtime/store.h: what tokens, templates and relationships share: password protection (salt,
 * Backbone hash, DTO form), reference DTOs {truncated, url}, and reading stored DTOs (one by id,
 * or a filtered list, see filter.h).
 */
#ifndef CONNECTOR_RUNTIME_STORE_H
#define CONNECTOR_RUNTIME_STORE_H

#include <stdbool.h>

#include <json-c/json.h>

#include "http_query.h"
#include "runtime/filter.h"
#include "runtime/runtime.h"

/* A password or PIN chosen by the owner (password NULL: none). location: 0..99 or -1. */
struct rt_password_input {
	const char *password;
	bool is_pin;
	int location;
};

/* Fresh salt, the reference's SharedPasswordProtection and the Backbone's password value. */
bool rt_password_prepare(const struct rt_password_input *in, struct ecrypto_password_protection *pp,
                         char param[ECRYPTO_PASSWORD_PARAM_SIZE], struct runtime_error *err);
/* The Backbone's password value for a password entered by a loader, with the reference's salt. */
bool rt_password_param(const char *password, const struct ecrypto_password_protection *pp,
                       char param[ECRYPTO_PASSWORD_PARAM_SIZE], struct runtime_error *err);
/* PasswordProtectionDTO {password, passwordIsPin?: true, passwordLocationIndicator?}. */
json_object *rt_password_dto(const char *password, const struct ecrypto_password_protection *pp);

/* {truncated, url} of ref (which needs its backbone_base_url). */
json_object *rt_reference_dto(const struct ecrypto_reference *ref, struct runtime_error *err);

/* The reference of a new own object (id, key, this Backbone, forIdentity, password); free it with
 * ecrypto_reference_free. */
bool rt_own_reference(struct runtime *rt, const char *id, const struct ecrypto_secret_key *key,
                      const char *for_identity, const struct ecrypto_password_protection *pp,
                      struct ecrypto_reference *ref, struct runtime_error *err);
/* A fresh local id: prefix + random characters up to 20. */
void rt_new_id(const char *prefix, char out[21]);

/* GET <collection>/<ref->id>[?password=] (collection e.g. "/api/v2/Tokens"); a password-protected
 * reference needs password (error.runtime.validation.noPasswordProvided). On failure r is cleared. */
bool rt_fetch_referenced(struct runtime *rt, const char *collection, const struct ecrypto_reference *ref,
                         const char *password, unsigned flags, struct backbone_response *r, struct runtime_error *err);

/* Percent-encodes s for a query value (malloc'd). */
char *rt_url_escape(const char *s);

/* The stored DTO of id in table, or error.runtime.recordNotFound "<entity> not found. ...". */
bool rt_get_dto(struct runtime *rt, const char *table, const char *id, const char *entity, json_object **out,
                struct runtime_error *err);
/*
 * The DTOs of table matching scope (SQL over dto with $1 = scope_param, or NULL for all) and the
 * query's filters (whitelist fields, skipped keys skip), oldest first.
 */
bool rt_list_dtos(struct runtime *rt, const char *table, const char *scope, const char *scope_param,
                  const struct filter_field *fields, const char *const *skip, const struct http_query *query,
                  json_object **out, struct runtime_error *err);

#endif
