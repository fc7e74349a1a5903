/*
 * test_backbone_errors.c: the client's envelope and error mapping (backbone-api.md §1.4), retries,
 * timeouts and additional headers, against a small canned HTTP server run in a child process
 * (real sockets; no Backbone or database needed). Paths select the answer:
 *   /status/N[/body]  status N, with an error body {"error":{"code":"error.platform.test"}} if /body
 *   /noresult         200 {"x":1}            /empty  204
 *   /flaky            503 twice, then 200    /hits   200 {"result": <requests to /flaky so far>}
 *   /slow             answers after 3 s      /echo   200 {"result": "<value of header X-Extra>"}
 * A request in absolute form (http://host/path, as sent to a proxy) is answered like its path.
 */
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "backbone/client.h"
#include "tap.h"

static int flaky_hits;

static void answer(int fd, int status, const char *body)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
	                 "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
	                 "Connection: close\r\n\r\n",
	                 status, strlen(body));
	if (write(fd, head, (size_t)n) < 0 || write(fd, body, strlen(body)) < 0)
		return;
}

static void serve_one(int fd)
{
	char req[8192];
	ssize_t n = read(fd, req, sizeof(req) - 1);
	req[n > 0 ? n : 0] = '\0';
	char target[256] = "", *path = target;
	sscanf(req, "%*s %255s", target);
	if (strncmp(target, "http://", 7) == 0) /* absolute form: the request came as to a proxy */
		path = strchr(target + 7, '/') ? strchr(target + 7, '/') : target;
	int status;
	char body[512];
	if (sscanf(path, "/status/%d", &status) == 1)
		answer(fd, status,
		       strstr(path, "/body") ? "{\"error\":{\"code\":\"error.platform.test\",\"message\":\"m\"}}" : "");
	else if (strcmp(path, "/noresult") == 0)
		answer(fd, 200, "{\"x\":1}");
	else if (strcmp(path, "/empty") == 0)
		answer(fd, 204, "");
	else if (strcmp(path, "/flaky") == 0) {
		flaky_hits++;
		answer(fd, flaky_hits <= 2 ? 503 : 200, flaky_hits <= 2 ? "" : "{\"result\":\"ok\"}");
	} else if (strcmp(path, "/hits") == 0) {
		snprintf(body, sizeof(body), "{\"result\":%d}", flaky_hits);
		answer(fd, 200, body);
	} else if (strcmp(path, "/slow") == 0) {
		sleep(3);
		answer(fd, 200, "{\"result\":1}");
	} else if (strcmp(path, "/echo") == 0) {
		const char *h = strstr(req, "X-Extra: ");
		snprintf(body, sizeof(body), "{\"result\":\"%.*s\"}", h ? (int)strcspn(h + 9, "\r\n") : 0,
		         h ? h + 9 : "");
		answer(fd, 200, body);
	} else
		answer(fd, 404, "");
}

static pid_t start_server(int *port)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(s, 16) != 0 ||
	    getsockname(s, (struct sockaddr *)&a, &len) != 0)
		return -1;
	*port = ntohs(a.sin_port);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGPIPE, SIG_IGN); /* clients that timed out have gone */
		for (;;) {
			int fd = accept(s, NULL, NULL);
			if (fd >= 0) {
				serve_one(fd);
				close(fd);
			}
		}
	}
	close(s);
	return pid;
}

static struct backbone_client *client_for(const char *url, long timeout_ms)
{
	char err[256];
	json_object *headers = json_object_new_object();
	json_object_object_add(headers, "X-Extra", json_object_new_string("from-config"));
	struct backbone_options o = {.base_url = url,
	                             .client_id = "test",
	                             .client_secret = "test",
	                             .timeout_ms = timeout_ms,
	                             .additional_headers = headers,
	                             .retry_floor_ms = 10};
	struct backbone_client *c = backbone_client_new(&o, err, sizeof(err));
	json_object_put(headers);
	return c;
}

static struct backbone_client *client_at(int port, long timeout_ms)
{
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	return client_for(url, timeout_ms);
}

static void expect(struct backbone_client *c, const char *path, enum backbone_status status, const char *code,
                   const char *name)
{
	struct backbone_response r;
	backbone_call(c, "GET", path, NULL, 0, &r);
	ok(r.status == status && strcmp(r.code, code) == 0, "%s: %s", name, r.code[0] ? r.code : "ok");
	backbone_response_clear(&r);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int port = 0;
	pid_t server = start_server(&port);
	if (!ok(server > 0, "canned server started"))
		return tap_done();
	struct backbone_client *c = client_at(port, 1000);
	expect(c, "/status/404", BACKBONE_ERR_REQUEST, "error.transport.request.notFound", "404 without body");
	expect(c, "/status/404/body", BACKBONE_ERR_REQUEST, "error.platform.test", "404 with an error body");
	expect(c, "/status/400", BACKBONE_ERR_REQUEST, "error.transport.request.badRequest", "400 without body");
	expect(c, "/status/409", BACKBONE_ERR_REQUEST, "error.transport.request.badRequest", "409 without body");
	expect(c, "/status/401", BACKBONE_ERR_REQUEST, "error.platform.unauthorized", "401");
	expect(c, "/status/403/body", BACKBONE_ERR_REQUEST, "error.platform.forbidden", "403 (body code not kept)");
	expect(c, "/status/429/body", BACKBONE_ERR_REQUEST, "error.platform.unexpected", "429 loses its code");
	expect(c, "/status/500/body", BACKBONE_ERR_REQUEST, "error.platform.test", "500 keeps the Backbone's code");
	expect(c, "/status/502", BACKBONE_ERR_REQUEST, "error.platform.unexpected", "502");
	expect(c, "/noresult", BACKBONE_ERR_PROTOCOL, "error.transport.request.resultUndefined", "200 without result");
	expect(c, "/empty", BACKBONE_OK, "", "204 without body");

	struct backbone_response r;
	backbone_call(c, "PUT", "/flaky", NULL, 0, &r);
	is_int(r.http_status, 503, "an unsafe call is not retried");
	backbone_response_clear(&r);
	backbone_call(c, "GET", "/flaky", NULL, BACKBONE_SAFE, &r);
	ok(r.status == BACKBONE_OK, "a safe call is retried after 503 and succeeds");
	backbone_response_clear(&r);
	backbone_call(c, "GET", "/hits", NULL, 0, &r);
	is_int(json_object_get_int(r.result), 3, "three requests: one unsafe, then two for the retried call");
	backbone_response_clear(&r);
	backbone_call(c, "GET", "/echo", NULL, 0, &r);
	is_str(json_object_get_string(r.result), "from-config", "platformAdditionalHeaders are sent");
	backbone_response_clear(&r);
	struct backbone_response login;
	ok(backbone_login(c, &login) == BACKBONE_ERR_AUTH, "no device credentials: no login attempt");
	backbone_response_clear(&login);
	/* last: the canned server is busy for 3 s afterwards */
	expect(c, "/slow", BACKBONE_ERR_TRANSPORT, "error.platform.unexpected", "platformTimeout ends a slow call");
	backbone_client_free(c);

	c = client_at(1, 1000); /* nothing listens on port 1 */
	expect(c, "/x", BACKBONE_ERR_TRANSPORT, "error.platform.unexpected", "connection refused");
	backbone_client_set_device(c, "USR", "pw");
	ok(backbone_login(c, &login) == BACKBONE_ERR_TRANSPORT &&
	           strcmp(login.code, "error.transport.request.noAuthPossible") == 0,
	   "login without an answer: noAuthPossible");
	backbone_response_clear(&login);
	backbone_client_free(c);

	/* http_proxy (read by libcurl): a Backbone under a name that does not resolve, via the proxy */
	char proxy[64];
	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", port);
	sleep(3); /* the canned server is still answering /slow */
	setenv("http_proxy", proxy, 1);
	c = client_for("http://backbone.invalid", 2000);
	backbone_call(c, "GET", "/echo", NULL, 0, &r);
	is_str(json_object_get_string(r.result), "from-config", "http_proxy is honoured");
	if (r.status != BACKBONE_OK)
		diag("%s", r.message);
	backbone_response_clear(&r);
	backbone_client_free(c);
	unsetenv("http_proxy");
	kill(server, SIGKILL);
	waitpid(server, NULL, 0);
	curl_global_cleanup();
	return tap_done();
}
