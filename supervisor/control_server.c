/*
 * control_server.c: the control socket (nng REP on ipc://<runtimeDir>/control.ipc) served from the
 * supervisor's event loop: nng's receive fd wakes libevent, requests are read and answered without
 * blocking. Also builds the status and health documents (protocol in doc/connectord.md).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/transport/ipc/ipc.h>

#include "log.h"
#include "supervisor.h"
#include "timeutil.h"

static nng_socket control_socket = NNG_SOCKET_INITIALIZER;
static struct event *control_event;

static const char *const phase_names[] = {"starting", "migrating", "running", "stopping"};

static json_object *iso_or_null(int64_t epoch_ms)
{
	char text[40];
	return epoch_ms > 0 ? json_object_new_string(time_iso_from_ms(epoch_ms, text, sizeof(text))) : NULL;
}

static json_object *last_exit_json(const struct worker *w)
{
	if (!w->has_exit)
		return NULL;
	json_object *exit = json_object_new_object();
	if (WIFSIGNALED(w->last_status)) {
		const char *name = sigabbrev_np(WTERMSIG(w->last_status));
		json_object_object_add(exit, "signal", json_object_new_string(name ? name : "?"));
	} else {
		json_object_object_add(exit, "code", json_object_new_int(WEXITSTATUS(w->last_status)));
	}
	return exit;
}

static json_object *worker_json(const struct worker *w)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "index", json_object_new_int(w->index));
	json_object_object_add(o, "pid", w->pid > 0 ? json_object_new_int(w->pid) : NULL);
	json_object_object_add(o, "state", json_object_new_string(worker_state_name(w->state)));
	json_object_object_add(o, "readySince", iso_or_null(w->ready_since_wall));
	json_object_object_add(o, "restarts", json_object_new_int(w->spawns > 1 ? w->spawns - 1 : 0));
	json_object_object_add(o, "lastExit", last_exit_json(w));
	json_object_object_add(o, "status", json_object_new_string(w->status_text));
	json_object_object_add(o, "message", json_object_new_string(w->message));
	return o;
}

static const char *module_message(const struct module *m)
{
	if (m->enabled && !m->available)
		return m->message;
	if (m->enabled && m->wanted == 0)
		return "no instance configured";
	for (int i = 0; i < m->worker_count; i++)
		if (m->workers[i]->state == WS_FAILED && m->workers[i]->message[0])
			return m->workers[i]->message;
	return "";
}

static json_object *module_json(const struct module *m)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(m->name));
	json_object_object_add(o, "role", json_object_new_string(m->role));
	json_object_object_add(o, "enabled", json_object_new_boolean(m->enabled));
	json_object_object_add(o, "state", json_object_new_string(module_state_name(m)));
	json_object_object_add(o, "message", json_object_new_string(module_message(m)));
	json_object *workers = json_object_new_array();
	for (int i = 0; i < m->worker_count; i++)
		if (!m->workers[i]->retired)
			json_object_array_add(workers, worker_json(m->workers[i]));
	json_object_object_add(o, "workers", workers);
	return o;
}

json_object *status_build(void)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "pid", json_object_new_int(getpid()));
	json_object_object_add(o, "state", json_object_new_string(phase_names[sv->phase]));
	json_object_object_add(o, "startedAt", iso_or_null(sv->started_wall));
	json_object_object_add(o, "configGeneration", json_object_new_int(sv->generation));
	json_object *listen = json_object_new_array();
	for (int i = 0; i < sv->listen_count; i++)
		json_object_array_add(listen, json_object_new_string(sv->listen_names[i]));
	json_object_object_add(o, "listen", listen);
	json_object *modules = json_object_new_array();
	for (int i = 0; i < sv->module_count; i++)
		json_object_array_add(modules, module_json(&sv->modules[i]));
	json_object_object_add(o, "modules", modules);
	return o;
}

/* Healthy iff running and every enabled module with a binary has all its workers ready. */
json_object *health_build(void)
{
	bool healthy = sv->phase == PHASE_RUNNING;
	json_object *states = json_object_new_object();
	for (int i = 0; i < sv->module_count; i++) {
		const struct module *m = &sv->modules[i];
		const char *state = module_state_name(m);
		json_object_object_add(states, m->name, json_object_new_string(state));
		if (m->enabled && m->available && strcmp(state, "running") != 0)
			healthy = false;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "healthy", json_object_new_boolean(healthy));
	json_object_object_add(o, "modules", states);
	return o;
}

static json_object *error_reply(const char *fmt, const char *arg)
{
	char text[512];
	snprintf(text, sizeof(text), fmt, arg);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(false));
	json_object_object_add(o, "error", json_object_new_string(text));
	return o;
}

static json_object *ok_reply(void)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(true));
	return o;
}

static json_object *restart_module(json_object *request)
{
	json_object *name = NULL;
	if (!json_object_object_get_ex(request, "module", &name) || !json_object_is_type(name, json_type_string))
		return error_reply("module: expected the name of a module%s", "");
	struct module *m = module_by_name(json_object_get_string(name));
	if (!m)
		return error_reply("module: unknown module \"%s\"", json_object_get_string(name));
	if (!m->enabled)
		return error_reply("module: %s is not enabled", m->name);
	if (sv->phase != PHASE_RUNNING)
		return error_reply("connectord is %s: no restart now",
		                   sv->phase == PHASE_STOPPING ? "stopping" : "starting");
	log_info("Supervisor", "restart of %s requested", m->name);
	modules_restart_rolling(m);
	return ok_reply();
}

static json_object *reload(void)
{
	char *report = sv_reload();
	if (!report) {
		json_object *o = ok_reply();
		json_object_object_add(o, "configGeneration", json_object_new_int(sv->generation));
		return o;
	}
	json_object *o = error_reply("%s", report);
	free(report);
	return o;
}

static json_object *dispatch_request(const char *text, size_t len)
{
	json_tokener *tok = json_tokener_new();
	json_object *request = json_tokener_parse_ex(tok, text, (int)len);
	bool complete = json_tokener_get_error(tok) == json_tokener_success;
	for (size_t i = complete ? json_tokener_get_parse_end(tok) : len; i < len; i++)
		complete = complete && (text[i] == '\0' || isspace((unsigned char)text[i]));
	json_tokener_free(tok);
	json_object *command = NULL, *reply;
	if (!complete || !json_object_is_type(request, json_type_object) ||
	    !json_object_object_get_ex(request, "command", &command) || !json_object_is_type(command, json_type_string))
		reply = error_reply("command: expected a JSON object with a string \"command\"%s", "");
	else if (strcmp(json_object_get_string(command), "status") == 0)
		reply = status_build();
	else if (strcmp(json_object_get_string(command), "health") == 0)
		reply = health_build();
	else if (strcmp(json_object_get_string(command), "restart") == 0)
		reply = restart_module(request);
	else if (strcmp(json_object_get_string(command), "reload") == 0)
		reply = reload();
	else if (strcmp(json_object_get_string(command), "stop") == 0) {
		sv_begin_shutdown(0);
		reply = ok_reply();
	} else
		reply = error_reply("command: unknown command \"%s\" (status, health, restart, reload, stop)",
		                    json_object_get_string(command));
	json_object_put(request);
	return reply;
}

static void answer(nng_msg *request)
{
	json_object *reply = dispatch_request(nng_msg_body(request), nng_msg_len(request));
	const char *text = json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN);
	nng_msg_clear(request);
	int rv = nng_msg_append(request, text, strlen(text));
	json_object_put(reply);
	if (rv == 0)
		rv = nng_sendmsg(control_socket, request, NNG_FLAG_NONBLOCK);
	if (rv != 0) {
		log_warn("Supervisor", "control reply not sent: %s", nng_strerror(rv));
		nng_msg_free(request);
	}
}

static void on_control_readable(evutil_socket_t fd, short what, void *arg)
{
	for (int i = 0; i < 16; i++) {
		nng_msg *request = NULL;
		int rv = nng_recvmsg(control_socket, &request, NNG_FLAG_NONBLOCK);
		if (rv != 0)
			return;
		answer(request);
	}
}

bool control_server_start(const char *url, char *error, size_t error_len)
{
	int rv, fd = -1;
	if ((rv = nng_rep0_open(&control_socket)) != 0 ||
	    (rv = nng_setopt_size(control_socket, NNG_OPT_RECVMAXSZ, 65536)) != 0) {
		snprintf(error, error_len, "control socket: %s", nng_strerror(rv));
		return false;
	}
	nng_listener listener;
	if ((rv = nng_listener_create(&listener, control_socket, url)) != 0 ||
	    (rv = nng_listener_setopt_int(listener, NNG_OPT_IPC_PERMISSIONS, 0600)) != 0 ||
	    (rv = nng_listener_start(listener, 0)) != 0 ||
	    (rv = nng_getopt_int(control_socket, NNG_OPT_RECVFD, &fd)) != 0) {
		snprintf(error, error_len, "control socket %s: %s", url, nng_strerror(rv));
		return false;
	}
	control_event = event_new(sv->base, fd, EV_READ | EV_PERSIST, on_control_readable, NULL);
	if (!control_event || event_add(control_event, NULL) < 0)
		fatalx(1, "cannot watch the control socket");
	return true;
}

void control_server_stop(void)
{
	if (control_event) {
		event_free(control_event);
		control_event = NULL;
	}
	if (nng_socket_id(control_socket) > 0)
		nng_close(control_socket);
	control_socket = (nng_socket)NNG_SOCKET_INITIALIZER;
}
