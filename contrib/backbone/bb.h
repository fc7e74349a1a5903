/*
 * bb.h: shared declarations of connector-backbone-dev, the local development Backbone.
 * One process, one libevent loop, one PostgreSQL connection. Every request runs in one database
 * transaction: a handler fills in a result or an error, the dispatcher commits on success and rolls
 * back on error (unless the handler asked to keep a side effect such as a failed-attempt counter),
 * then sends the envelope. External events created in the transaction are pushed to SSE streams
 * only after the commit.
 */
#ifndef BB_H
#define BB_H

#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <json-c/json.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BB_MAX_CLIENTS 16
/* Room for the other parts and the multipart framing of a file upload beyond its content. */
#define BB_UPLOAD_FRAMING (2 * 1024 * 1024)
#define BB_MAX_PARAMS     20
#define BB_ADDR_MAX       96
#define BB_ID_LEN         20
#define BB_MAX_NOTIFY     32

struct bb_client {
	char *id;
	char *secret;
};

struct bb_config {
	char *listen_host;
	int port;
	char *database;
	char *schema;
	struct bb_client clients[BB_MAX_CLIENTS];
	int nclients;
	char *domain;
	size_t max_body;
	size_t max_file_size; /* largest `content` part of a file upload */
	int token_lifetime;
	int sse_keepalive;
	int max_recipients;
};

struct bb_sse_stream;

struct bb_server {
	struct event_base *base;
	struct evhttp *http;
	PGconn *db;
	struct bb_config cfg;
	struct bb_sse_stream *streams;
	struct event *keepalive_timer;
	struct event *sigint, *sigterm;
};

enum bb_auth { BB_ANON, BB_AUTH, BB_OPTIONAL };
enum bb_body { BB_BODY_NONE, BB_BODY_JSON, BB_BODY_FORM, BB_BODY_MULTIPART };

struct bb_req {
	struct bb_server *srv;
	struct evhttp_request *req;
	enum evhttp_cmd_type method;
	const char *args[4];
	int nargs;
	char *segbuf;
	struct evkeyvalq query;
	const unsigned char *body;
	size_t body_len;
	json_object *json;
	bool authed;
	char address[BB_ADDR_MAX];
	char device[BB_ID_LEN + 1];
	char client_id[64];
	int64_t now;
	int status;
	json_object *result;
	json_object *pagination;
	json_object *error;
	json_object *raw_json; /* sent as is (OAuth answers) */
	struct evbuffer *raw;
	const char *raw_type;
	bool keep_on_error;
	bool handled; /* the handler sent the reply itself (SSE) */
	char notify[BB_MAX_NOTIFY][BB_ADDR_MAX];
	int nnotify;
};

typedef void (*bb_handler)(struct bb_req *r);

struct bb_route {
	enum evhttp_cmd_type method;
	const char *pattern; /* "/api/v2/Tokens/{}" segments compared case-insensitively */
	enum bb_auth auth;
	enum bb_body body;
	bb_handler handler;
};

/* Route tables, one per controller, each ending with a zero entry. */
extern const struct bb_route bb_routes_auth[];
extern const struct bb_route bb_routes_devices[];
extern const struct bb_route bb_routes_sync[];
extern const struct bb_route bb_routes_datawallet[];
extern const struct bb_route bb_routes_tokens[];
extern const struct bb_route bb_routes_templates[];
extern const struct bb_route bb_routes_relationships[];
extern const struct bb_route bb_routes_messages[];
extern const struct bb_route bb_routes_files[];
extern const struct bb_route bb_routes_sse[];
extern const struct bb_route bb_routes_extras[];

/* bb_http.c: server set-up and request dispatch. */
int bb_http_start(struct bb_server *srv);

/* bb_reply.c: results and errors. */
void bb_ok(struct bb_req *r, int status, json_object *result);
void bb_paged(struct bb_req *r, json_object *array);
void bb_no_content(struct bb_req *r);
void bb_fail(struct bb_req *r, int status, const char *code, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
void bb_not_found(struct bb_req *r, const char *record);
void bb_invalid(struct bb_req *r, const char *field, const char *reason);
void bb_unexpected(struct bb_req *r, const char *what);
void bb_send(struct bb_req *r);
json_object *bb_error_object(const char *code, const char *message);

/* bb_db.c: parameters, queries, transactions, schema. */
struct bb_params {
	int n;
	const char *v[BB_MAX_PARAMS];
	int len[BB_MAX_PARAMS];
	int fmt[BB_MAX_PARAMS];
	char num[BB_MAX_PARAMS][24];
};
void bb_p_text(struct bb_params *p, const char *s);
void bb_p_i64(struct bb_params *p, int64_t v);
void bb_p_bytes(struct bb_params *p, const unsigned char *data, size_t len);
void bb_p_bool(struct bb_params *p, bool v);
/* Runs sql; on failure sets a 500 error on r and returns NULL. Caller PQclear()s. */
PGresult *bb_q(struct bb_req *r, const char *sql, const struct bb_params *p);
/* Runs a command; false (500 set) on failure. */
bool bb_exec(struct bb_req *r, const char *sql, const struct bb_params *p);
const char *bb_col(PGresult *res, int row, int col); /* NULL for SQL NULL */
int64_t bb_col_i64(PGresult *res, int row, int col);
bool bb_col_bool(PGresult *res, int row, int col);
json_object *bb_col_json_str(PGresult *res, int row, int col);  /* string or null */
json_object *bb_col_json_date(PGresult *res, int row, int col); /* ms column -> ISO or null */
bool bb_db_connect(struct bb_server *srv);
bool bb_db_simple(PGconn *db, const char *sql);
/* SQL expression: a bytea column as base64url without padding. */
#define BB_B64U(col) "translate(encode(" col ",'base64'),E'+/=\\n','-_')"

/* bb_json.c: request field access (names matched case-insensitively), encodings, ids, dates. */
json_object *bb_field(json_object *obj, const char *name);
bool bb_get_str(struct bb_req *r, json_object *obj, const char *name, bool required, const char **out);
bool bb_get_int(struct bb_req *r, json_object *obj, const char *name, bool required, int64_t *out, bool *present);
bool bb_get_bool(struct bb_req *r, json_object *obj, const char *name, bool *out);
bool bb_get_date(struct bb_req *r, json_object *obj, const char *name, bool required, int64_t *out, bool *present);
/* Decodes base64url or standard base64 (padding optional); out is malloc'ed. */
bool bb_b64_decode(const char *text, unsigned char **out, size_t *len);
bool bb_get_bytes(struct bb_req *r, json_object *obj, const char *name, bool required, size_t min, size_t max,
                  unsigned char **out, size_t *len);
char *bb_b64url(const unsigned char *data, size_t len); /* malloc'ed */
void bb_new_id(const char *prefix, char out[BB_ID_LEN + 1]);
bool bb_id_valid(const char *id, const char *prefix);
/* Checks a path id argument: 400 invalidId when malformed. */
bool bb_arg_id(struct bb_req *r, int index, const char *prefix, const char **out);
json_object *bb_jdate(int64_t ms);
json_object *bb_jstr(const char *s);                      /* null for NULL */
const char *bb_query(struct bb_req *r, const char *name); /* case-insensitive */
bool bb_paging(struct bb_req *r, int64_t *page, int64_t *size);
/* GET ...?ids=A&ids=B: validates each id, collects item(r, id) (NULL = not visible, skipped), pages. */
void bb_list_ids(struct bb_req *r, const char *prefix, json_object *(*item)(struct bb_req *r, const char *id));

/* bb_crypto.c (on lib/crypto): identity key parsing, challenge signature, address derivation, passwords. */
bool bb_parse_signature_public_key(const char *b64, unsigned char pub[32], char *why, size_t why_len);
bool bb_verify(const unsigned char pub[32], const char *signature_b64, const char *msg, size_t len);
bool bb_derive_address(const unsigned char pub[32], const char *domain, char out[BB_ADDR_MAX]);
bool bb_address_valid(const char *address);
bool bb_domain_valid(const char *domain);
bool bb_password_hash(const char *password, char out[128]);
bool bb_password_check(const char *hash, const char *password);
void bb_sha256_hex(const char *text, char out[65]);

/* bb_auth.c: shared with the devices controller. */
bool bb_check_signed_challenge(struct bb_req *r, json_object *signed_challenge, const unsigned char pub[32]);
bool bb_create_device(struct bb_req *r, const char *address, const char *password, const char *by_device, bool backup,
                      const char *language, char id[BB_ID_LEN + 1], char username[BB_ID_LEN + 1]);

/* bb_sync.c: external events. payload is consumed. */
bool bb_event_add(struct bb_req *r, const char *owner, const char *type, json_object *payload, const char *context,
                  bool blocked);
/* Releases blocked events of a relationship (and pushes), or deletes them. */
bool bb_events_unblock(struct bb_req *r, const char *relationship_id);
bool bb_events_delete_blocked(struct bb_req *r, const char *relationship_id);
void bb_notify(struct bb_req *r, const char *owner);

/* bb_sse.c */
void bb_sse_push(struct bb_server *srv, const char *address, const char *event);
void bb_sse_start(struct bb_server *srv);
void bb_sse_close_all(struct bb_server *srv);

#endif
