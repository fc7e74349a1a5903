/*
 * bb_devices.c: /api/v2/Devices: register another device with a challenge signed by the identity
 * key (one backup device at most), Devices/Self (read, language, password change), delete a device
 * that never logged in, push notification registration (accepted and remembered, never used).
 */
#include "bb.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEV_ERR "error.platform.validation.device."

static bool identity_key(struct bb_req *r, unsigned char pub[32])
{
	struct bb_params p = {0};
	bb_p_text(&p, r->address);
	PGresult *res = bb_q(r, "SELECT public_key FROM identities WHERE address = $1", &p);
	if (!res)
		return false;
	size_t len = 0;
	unsigned char *key =
	        PQntuples(res) ? PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 0), &len) : NULL;
	PQclear(res);
	bool ok = key && len == 32;
	if (ok)
		memcpy(pub, key, 32);
	else
		bb_unexpected(r, "identity key missing");
	PQfreemem(key);
	return ok;
}

static bool backup_allowed(struct bb_req *r, bool backup)
{
	if (!backup)
		return true;
	struct bb_params p = {0};
	bb_p_text(&p, r->address);
	PGresult *res = bb_q(r, "SELECT count(*) FROM devices WHERE address = $1 AND is_backup", &p);
	if (!res)
		return false;
	bool ok = bb_col_i64(res, 0, 0) == 0;
	PQclear(res);
	if (!ok)
		bb_fail(r, 400, DEV_ERR "onlyOneBackupDeviceCanExist", "Only one backup device can exist.");
	return ok;
}

static void device_register(struct bb_req *r)
{
	const char *password, *language;
	bool backup = false;
	unsigned char pub[32];
	char id[BB_ID_LEN + 1], username[BB_ID_LEN + 1];
	if (!bb_get_str(r, r->json, "devicePassword", true, &password) ||
	    !bb_get_str(r, r->json, "communicationLanguage", false, &language) ||
	    !bb_get_bool(r, r->json, "isBackupDevice", &backup) || !identity_key(r, pub) ||
	    !bb_check_signed_challenge(r, bb_field(r->json, "signedChallenge"), pub) || !backup_allowed(r, backup) ||
	    !bb_create_device(r, r->address, password, r->device, backup, language, id, username))
		return;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "username", json_object_new_string(username));
	json_object_object_add(o, "createdAt", bb_jdate(r->now));
	json_object_object_add(o, "createdByDevice", json_object_new_string(r->device));
	json_object_object_add(o, "isBackupDevice", json_object_new_boolean(backup));
	bb_ok(r, 201, o);
}

static void device_self(struct bb_req *r)
{
	struct bb_params p = {0};
	bb_p_text(&p, r->device);
	PGresult *res = bb_q(r,
	                     "SELECT id, username, created_at, created_by_device, last_login, language, is_backup "
	                     "FROM devices WHERE id = $1",
	                     &p);
	if (!res || PQntuples(res) != 1) {
		if (res)
			bb_not_found(r, "Device");
		PQclear(res);
		return;
	}
	json_object *o = json_object_new_object(), *login = NULL;
	json_object_object_add(o, "id", bb_col_json_str(res, 0, 0));
	json_object_object_add(o, "username", bb_col_json_str(res, 0, 1));
	json_object_object_add(o, "createdAt", bb_col_json_date(res, 0, 2));
	json_object_object_add(o, "createdByDevice", bb_col_json_str(res, 0, 3));
	if (bb_col(res, 0, 4)) {
		login = json_object_new_object();
		json_object_object_add(login, "time", bb_col_json_date(res, 0, 4));
	}
	json_object_object_add(o, "lastLogin", login);
	json_object_object_add(o, "communicationLanguage", bb_col_json_str(res, 0, 5));
	json_object_object_add(o, "isBackupDevice", json_object_new_boolean(bb_col_bool(res, 0, 6)));
	PQclear(res);
	bb_ok(r, 200, o);
}

static void device_update(struct bb_req *r)
{
	const char *language;
	if (!bb_get_str(r, r->json, "communicationLanguage", true, &language))
		return;
	if (strlen(language) != 2) {
		bb_invalid(r, "communicationLanguage", "must be a two-letter ISO 639-1 code");
		return;
	}
	struct bb_params p = {0};
	bb_p_text(&p, r->device);
	bb_p_text(&p, language);
	if (bb_exec(r, "UPDATE devices SET language = $2 WHERE id = $1", &p))
		bb_no_content(r);
}

static void device_password(struct bb_req *r)
{
	const char *old_pw, *new_pw;
	char hash[128];
	if (!bb_get_str(r, r->json, "oldPassword", true, &old_pw) ||
	    !bb_get_str(r, r->json, "newPassword", true, &new_pw))
		return;
	struct bb_params p = {0};
	bb_p_text(&p, r->device);
	PGresult *res = bb_q(r, "SELECT password_hash FROM devices WHERE id = $1", &p);
	if (!res)
		return;
	bool ok = PQntuples(res) == 1 && bb_password_check(PQgetvalue(res, 0, 0), old_pw);
	PQclear(res);
	if (!ok || strlen(new_pw) > 200 || !bb_password_hash(new_pw, hash)) {
		bb_fail(r, 400, DEV_ERR "changePasswordFailed",
		        "Changing the password failed: the old password is wrong.");
		return;
	}
	bb_p_text(&p, hash);
	if (bb_exec(r, "UPDATE devices SET password_hash = $2 WHERE id = $1", &p))
		bb_no_content(r);
}

static void device_delete(struct bb_req *r)
{
	const char *id;
	if (!bb_arg_id(r, 0, "DVC", &id))
		return;
	struct bb_params p = {0};
	bb_p_text(&p, id);
	bb_p_text(&p, r->address);
	PGresult *res = bb_q(r, "SELECT last_login IS NULL FROM devices WHERE id = $1 AND address = $2", &p);
	if (!res)
		return;
	int n = PQntuples(res);
	bool deletable = n == 1 && bb_col_bool(res, 0, 0);
	PQclear(res);
	if (n != 1)
		bb_not_found(r, "Device");
	else if (!deletable)
		bb_fail(r, 400, DEV_ERR "deviceCannotBeDeleted",
		        "A device that has already been onboarded cannot be deleted.");
	else if (bb_exec(r, "DELETE FROM devices WHERE id = $1 AND address = $2", &p))
		bb_no_content(r);
}

static bool platform_valid(const char *platform)
{
	static const char *const ok[] = {"fcm", "apns", "dummy", "sse"};
	for (int i = 0; i < 4; i++)
		if (strcmp(platform, ok[i]) == 0)
			return true;
	return false;
}

static void push_register(struct bb_req *r)
{
	const char *platform, *handle, *app;
	if (!bb_get_str(r, r->json, "platform", true, &platform) || !bb_get_str(r, r->json, "handle", true, &handle) ||
	    !bb_get_str(r, r->json, "appId", true, &app))
		return;
	if (!platform_valid(platform) || strlen(handle) < 10 || strlen(handle) > 500) {
		bb_invalid(r, platform_valid(platform) ? "handle" : "platform",
		           "platform must be fcm, apns, dummy or sse and handle 10 to 500 characters long");
		return;
	}
	char id[BB_ID_LEN + 1];
	bb_new_id("DPI", id);
	struct bb_params p = {0};
	bb_p_text(&p, r->device);
	bb_p_text(&p, id);
	if (!bb_exec(r, "UPDATE devices SET push_identifier = $2 WHERE id = $1", &p))
		return;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "devicePushIdentifier", json_object_new_string(id));
	bb_ok(r, 200, o);
}

static void push_unregister(struct bb_req *r)
{
	struct bb_params p = {0};
	bb_p_text(&p, r->device);
	if (bb_exec(r, "UPDATE devices SET push_identifier = NULL WHERE id = $1", &p))
		bb_no_content(r);
}

const struct bb_route bb_routes_devices[] = {
        {EVHTTP_REQ_POST, "/api/v2/Devices", BB_AUTH, BB_BODY_JSON, device_register},
        {EVHTTP_REQ_GET, "/api/v2/Devices/Self", BB_AUTH, BB_BODY_NONE, device_self},
        {EVHTTP_REQ_PUT, "/api/v2/Devices/Self", BB_AUTH, BB_BODY_JSON, device_update},
        {EVHTTP_REQ_PUT, "/api/v2/Devices/Self/Password", BB_AUTH, BB_BODY_JSON, device_password},
        {EVHTTP_REQ_PUT, "/api/v2/Devices/Self/PushNotifications", BB_AUTH, BB_BODY_JSON, push_register},
        {EVHTTP_REQ_DELETE, "/api/v2/Devices/Self/PushNotifications", BB_AUTH, BB_BODY_NONE, push_unregister},
        {EVHTTP_REQ_DELETE, "/api/v2/Devices/{}", BB_AUTH, BB_BODY_NONE, device_delete},
        {0},
};
