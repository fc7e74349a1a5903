/*
 * health_probe.c: database and HTTP reachability probes (see health_probe.h).
 */
#include "health_probe.h"

#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <libpq-fe.h>

bool health_probe_database(const char *connection, int timeout_s, char *why, size_t why_len)
{
	if (!connection || !*connection) {
		snprintf(why, why_len, "database.connectionString is not set");
		return false;
	}
	char timeout[16];
	snprintf(timeout, sizeof(timeout), "%d", timeout_s < 2 ? 2 : timeout_s);
	const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
	const char *values[] = {connection, timeout, "connector-health", NULL};
	PGconn *conn = PQconnectdbParams(keys, values, 1);
	bool healthy = conn && PQstatus(conn) == CONNECTION_OK;
	if (!healthy) {
		const char *message = conn ? PQerrorMessage(conn) : "out of memory";
		snprintf(why, why_len, "%.*s", (int)strcspn(message, "\n"), message);
	}
	PQfinish(conn);
	return healthy;
}

static size_t discard_body(char *data, size_t size, size_t count, void *arg)
{
	return size * count;
}

bool health_probe_http(const char *url, long timeout_ms, char *why, size_t why_len)
{
	CURL *curl = curl_easy_init();
	if (!curl) {
		snprintf(why, why_len, "curl_easy_init failed");
		return false;
	}
	char error[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard_body);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
	CURLcode rc = curl_easy_perform(curl);
	long status = 0;
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	if (rc != CURLE_OK) {
		snprintf(why, why_len, "GET %s: %s", url, *error ? error : curl_easy_strerror(rc));
		return false;
	}
	if (status < 200 || status > 299) {
		snprintf(why, why_len, "GET %s: status %ld", url, status);
		return false;
	}
	return true;
}
