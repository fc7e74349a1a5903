/*
 * crypto/reference_json.c: the JSON form of references and of SharedPasswordProtection (see
 * crypto/reference.h). Keys are written in ts-serval's sorted order.
 */
#include <sodium.h>
#include <string.h>

#include "crypto/jsonutil.h"
#include "crypto/reference.h"
#include "crypto/reference_check.h"

static const char *const CLASSES[] = {"Reference", "TokenReference", "RelationshipTemplateReference", "FileReference"};

enum ecrypto_err ecrypto_password_protection_read(const json_object *obj, const char *path, void *out,
                                                  struct ecrypto_why *why)
{
	struct ecrypto_password_protection *pp = out;
	const char *type;
	size_t len;
	int64_t loc = ECRYPTO_REF_NO_LOCATION;
	memset(pp, 0, sizeof(*pp));
	if (!json_object_is_type(obj, json_type_object))
		return ecrypto_fail(why, ECRYPTO_ERR_FIELD_TYPE, "%s: expected a JSON object", path);
	enum ecrypto_err err = ej_string(obj, path, "passwordType", &type, &len, why);
	if (!err && len >= sizeof(pp->type))
		err = ecrypto_fail(why, ECRYPTO_ERR_VALUE, "%s.passwordType: expected pw or pin4..pin16", path);
	if (!err)
		memcpy(pp->type, type, len + 1);
	if (!err)
		err = ej_bytes(obj, path, "salt", pp->salt, sizeof(pp->salt), why);
	if (!err && ej_field(obj, "passwordLocationIndicator"))
		err = ej_int(obj, path, "passwordLocationIndicator", 0, 99, &loc, why);
	pp->location_indicator = (int)loc;
	if (!err)
		err = ecrypto_password_protection_check(pp, why);
	return err;
}

enum ecrypto_err ecrypto_password_protection_from_json(const char *json, struct ecrypto_password_protection *out,
                                                       struct ecrypto_why *why)
{
	return ej_read_text(json, "SharedPasswordProtection", ecrypto_password_protection_read, out, why);
}

char *ecrypto_password_protection_to_json(const struct ecrypto_password_protection *pp)
{
	struct ej_out o;
	ej_begin(&o);
	if (pp->location_indicator != ECRYPTO_REF_NO_LOCATION)
		ej_key_int(&o, "passwordLocationIndicator", pp->location_indicator);
	ej_key_str(&o, "passwordType", pp->type);
	ej_key_b64(&o, "salt", pp->salt, sizeof(pp->salt));
	return ej_take(&o);
}

static enum ecrypto_err check_class(const json_object *obj, const char *path, struct ecrypto_why *why)
{
	json_object *t = ej_field(obj, "@type");
	if (!t)
		return ECRYPTO_OK;
	if (json_object_is_type(t, json_type_string))
		for (size_t i = 0; i < sizeof(CLASSES) / sizeof(CLASSES[0]); i++)
			if (strcmp(json_object_get_string(t), CLASSES[i]) == 0)
				return ECRYPTO_OK;
	return ecrypto_fail(why, ECRYPTO_ERR_TYPE_NAME, "%s.@type: expected a reference class", path);
}

struct read_ctx {
	enum ecrypto_ref_kind kind;
	struct ecrypto_reference *ref;
};

static enum ecrypto_err optional_strings(const json_object *obj, const char *path, struct ecrypto_reference *ref,
                                         struct ecrypto_why *why)
{
	const char *s;
	size_t len;
	enum ecrypto_err err = ECRYPTO_OK;
	if (ej_field(obj, "backboneBaseUrl")) {
		err = ej_string(obj, path, "backboneBaseUrl", &s, &len, why);
		if (!err && strlen(s) != len)
			err = ecrypto_fail(why, ECRYPTO_ERR_VALUE, "%s.backboneBaseUrl: NUL inside", path);
		if (!err)
			err = ecrypto_reference_set_base_url(ref, s, why);
	}
	if (!err && ej_field(obj, "forIdentityTruncated")) {
		err = ej_string(obj, path, "forIdentityTruncated", &s, &len, why);
		if (!err)
			err = ecrypto_ref_check_for_identity(s, len, why);
		if (!err)
			memcpy(ref->for_identity_truncated, s, len + 1);
	}
	return err;
}

static enum ecrypto_err reference_read(const json_object *obj, const char *path, void *out, struct ecrypto_why *why)
{
	struct read_ctx *ctx = out;
	struct ecrypto_reference *ref = ctx->ref;
	const char *id;
	size_t len;
	enum ecrypto_err err = json_object_is_type(obj, json_type_object)
	                               ? check_class(obj, path, why)
	                               : ecrypto_fail(why, ECRYPTO_ERR_FIELD_TYPE, "%s: expected a JSON object", path);
	if (!err)
		err = ej_string(obj, path, "id", &id, &len, why);
	if (!err)
		err = ecrypto_ref_check_id(id, len, ctx->kind, why);
	if (!err)
		memcpy(ref->id, id, ECRYPTO_REF_ID_LEN + 1);
	if (!err)
		err = ej_sub(obj, path, "key", ecrypto_secret_key_read, &ref->key, why);
	if (!err)
		err = optional_strings(obj, path, ref, why);
	ref->has_password = !err && ej_field(obj, "passwordProtection") != NULL;
	if (ref->has_password)
		err = ej_sub(obj, path, "passwordProtection", ecrypto_password_protection_read, &ref->password, why);
	return err;
}

enum ecrypto_err ecrypto_reference_from_json(const char *json, enum ecrypto_ref_kind kind,
                                             struct ecrypto_reference *out, struct ecrypto_why *why)
{
	struct read_ctx ctx = {kind, out};
	memset(out, 0, sizeof(*out));
	enum ecrypto_err err = ej_read_text(json, "reference", reference_read, &ctx, why);
	if (err)
		ecrypto_reference_free(out);
	return err;
}

enum ecrypto_err ecrypto_reference_to_json(const struct ecrypto_reference *ref, char **out, struct ecrypto_why *why)
{
	struct ej_out o;
	*out = NULL;
	enum ecrypto_err err = ecrypto_ref_check_id(ref->id, strnlen(ref->id, sizeof(ref->id)), ECRYPTO_REF_ANY, why);
	if (!err && ref->has_password)
		err = ecrypto_password_protection_check(&ref->password, why);
	if (err)
		return err;
	ej_begin(&o);
	if (ref->backbone_base_url)
		ej_key_str(&o, "backboneBaseUrl", ref->backbone_base_url);
	if (ref->for_identity_truncated[0])
		ej_key_str(&o, "forIdentityTruncated", ref->for_identity_truncated);
	ej_key_str(&o, "id", ref->id);
	ej_key_nested(&o, "key", ecrypto_secret_key_to_json(&ref->key, false));
	if (ref->has_password)
		ej_key_nested(&o, "passwordProtection", ecrypto_password_protection_to_json(&ref->password));
	*out = ej_take(&o);
	return *out ? ECRYPTO_OK : ecrypto_fail(why, ECRYPTO_ERR_NOMEM, "reference: out of memory");
}
