/*
 * delivery_webhook_wire.c: what a webhook request looks like (delivery_webhook.h): the URL template,
 * the original's body bytes, the Standard Webhooks signature, EventEmitter2 trigger matching and its
 * translation to an outbox subscription, and Retry-After. Pure functions.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "delivery_webhook.h"
#include "log.h"

char *webhook_url_for(const char *url_template, const char *namespace)
{
	const char *at = strstr(url_template, "{{trigger}}");
	char *url = NULL;
	int n = at ? asprintf(&url, "%.*s%s%s", (int)(at - url_template), url_template, namespace, at + 11)
	           : asprintf(&url, "%s", url_template);
	if (n < 0)
		fatal(1, "asprintf");
	return url;
}

/* Appends JSON text without insignificant whitespace (stored jsonb text has ": " and ", "). */
static size_t append_compact(char *out, const char *json)
{
	size_t n = 0;
	bool in_string = false, escaped = false;
	for (const char *p = json; *p; p++) {
		char c = *p;
		if (in_string) {
			if (escaped)
				escaped = false;
			else if (c == '\\')
				escaped = true;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
			continue;
		}
		out[n++] = c;
	}
	return n;
}

/* A namespace as JSON.stringify writes a string (namespaces are plain ASCII identifiers). */
static size_t append_json_string(char *out, const char *s)
{
	size_t n = 0;
	out[n++] = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			out[n++] = '\\';
			out[n++] = (char)*p;
		} else if (*p < 0x20) {
			n += (size_t)sprintf(out + n, "\\u%04x", *p);
		} else {
			out[n++] = (char)*p;
		}
	}
	out[n++] = '"';
	return n;
}

char *webhook_body(const char *data_json, const char *namespace, size_t *len)
{
	bool has_data = data_json && strcmp(data_json, "null") != 0;
	size_t cap = (has_data ? strlen(data_json) : 0) + 6 * strlen(namespace) + 32;
	char *body = malloc(cap);
	if (!body)
		fatal(1, "malloc");
	size_t n = 0;
	body[n++] = '{';
	if (has_data) {
		memcpy(body + n, "\"data\":", 7);
		n += 7;
		n += append_compact(body + n, data_json);
		body[n++] = ',';
	}
	memcpy(body + n, "\"trigger\":", 10);
	n += 10;
	n += append_json_string(body + n, namespace);
	body[n++] = '}';
	body[n] = '\0';
	*len = n;
	return body;
}

void webhook_sign(const unsigned char *key, size_t key_len, const char *msg_id, int64_t timestamp, const char *body,
                  size_t body_len, char out[WEBHOOK_SIGNATURE_LEN])
{
	char prefix[96];
	int plen = snprintf(prefix, sizeof(prefix), "%s.%lld.", msg_id, (long long)timestamp);
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, key, key_len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)prefix, (unsigned long long)plen);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, body_len);
	crypto_auth_hmacsha256_final(&st, mac);
	memcpy(out, "v1,", 3);
	sodium_bin2base64(out + 3, WEBHOOK_SIGNATURE_LEN - 3, mac, sizeof(mac), sodium_base64_VARIANT_ORIGINAL);
}

bool webhook_secret_decode(const char *text, unsigned char **key, size_t *key_len)
{
	if (strncmp(text, "whsec_", 6) == 0)
		text += 6;
	unsigned char buf[64];
	size_t n = 0;
	if (!*text ||
	    sodium_base642bin(buf, sizeof(buf), text, strlen(text), NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) !=
	            0 ||
	    n == 0)
		return false;
	*key = malloc(n);
	if (!*key)
		fatal(1, "malloc");
	memcpy(*key, buf, n);
	*key_len = n;
	return true;
}

/* ---- EventEmitter2 patterns ---- */

/* Length of the segment starting at s (up to '.' or the end). */
static size_t segment_len(const char *s)
{
	const char *dot = strchr(s, '.');
	return dot ? (size_t)(dot - s) : strlen(s);
}

static bool is_segment(const char *s, size_t len, const char *what)
{
	return len == strlen(what) && strncmp(s, what, len) == 0;
}

/* p and n point at the start of a segment, or are NULL past the last one. */
static bool match_from(const char *p, const char *n)
{
	if (!p)
		return n == NULL;
	size_t plen = segment_len(p);
	const char *pnext = p[plen] ? p + plen + 1 : NULL;
	if (is_segment(p, plen, "**")) {
		for (const char *k = n;; k = k[segment_len(k)] ? k + segment_len(k) + 1 : NULL) {
			if (match_from(pnext, k))
				return true;
			if (!k)
				return false;
		}
	}
	if (!n)
		return false;
	size_t nlen = segment_len(n);
	const char *nnext = n[nlen] ? n + nlen + 1 : NULL;
	if (!is_segment(p, plen, "*") && (plen != nlen || strncmp(p, n, plen) != 0))
		return false;
	return match_from(pnext, nnext);
}

bool webhook_trigger_matches(const char *pattern, const char *namespace)
{
	return match_from(pattern, namespace);
}

char *webhook_trigger_subscription(const char *pattern)
{
	if (strcmp(pattern, "**") == 0)
		return strdup("*");
	if (!strchr(pattern, '*'))
		return strdup(pattern);
	size_t cap = 8 * strlen(pattern) + 16, n = 0;
	char *re = malloc(cap);
	if (!re)
		fatal(1, "malloc");
	n += (size_t)sprintf(re, "~^");
	for (const char *p = pattern; p;) {
		size_t len = segment_len(p);
		if (is_segment(p, len, "**")) {
			n += (size_t)sprintf(re + n, "(\\.[^.]*)*");
		} else if (is_segment(p, len, "*")) {
			n += (size_t)sprintf(re + n, "\\.[^.]*");
		} else {
			n += (size_t)sprintf(re + n, "\\.");
			for (size_t i = 0; i < len; i++) {
				if (!isalnum((unsigned char)p[i]) && p[i] != '_')
					re[n++] = '\\';
				re[n++] = p[i];
			}
		}
		p = p[len] ? p + len + 1 : NULL;
	}
	re[n++] = '$';
	re[n] = '\0';
	return re;
}

int64_t webhook_parse_retry_after(const char *value, int64_t now_epoch_ms)
{
	if (!value)
		return -1;
	while (*value == ' ')
		value++;
	if (!*value)
		return -1;
	char *end = NULL;
	long long seconds = strtoll(value, &end, 10);
	if (end != value && (*end == '\0' || *end == ' ' || *end == '\r'))
		return seconds < 0 ? -1 : (seconds > 86400 * 30 ? 86400LL * 30 * 1000 : seconds * 1000);
	time_t when = curl_getdate(value, NULL);
	if (when < 0)
		return -1;
	int64_t delta = (int64_t)when * 1000 - now_epoch_ms;
	return delta < 0 ? 0 : delta;
}
