/*
 * connector-publisher: one message-broker publisher (issue 6). connectord starts one per entry of
 * modules.messageBrokerPublisher.brokers (module messageBrokerPublisher, --index n: brokers[n-1],
 * outbox consumer "broker:<n>:<type>") and one for each enabled deprecated module (amqpPublisher,
 * PubSubPublisher: consumer named like the module), so a slow or broken broker delays no other.
 *
 * The worker is a thin loop around lib/: the delivery core (lib/delivery.h) claims this consumer's
 * due outbox deliveries; they are queued, published in batches by the broker client
 * (lib/broker_client.h), and each is settled only from the broker's acknowledgement (OK), refusal
 * (dead letter) or a transient error (retry schedule).
 * While the broker is unreachable there is no delivery loop at all: nothing is claimed, so events
 * wait in PostgreSQL, their attempts uncounted; the worker reconnects with capped exponential
 * backoff plus 0-25 % jitter and starts a new loop once connected. When a connection breaks during
 * a batch, acknowledged messages are settled and the loop is freed, which hands every other claim
 * back to the queue (due at once, attempt not counted): they are published again after reconnecting.
 * Exit codes (ipc/worker.h): 78 for a configuration error (the original's message is logged),
 * 0 on SIGTERM.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "broker_client.h"
#include "db.h"
#include "db_settings.h"
#include "delivery.h"
#include "lib/config.h"
#include "log.h"
#include "timeutil.h"
#include "worker.h"

#define BATCH 64

struct queued {
	struct delivery_job *job;
	struct broker_message msg;
	char *body;
};

struct publisher {
	struct worker_context ctx;
	struct db_settings settings;
	struct db *db;
	struct broker *broker;
	char consumer_id[160];
	struct event_base *base;
	struct delivery_loop *loop;
	struct event *reconnect_timer, *flush_event;
	int failures;
	struct queued *queue;
	int queued, capacity;
	uint64_t acked, retried, dead;
};

static void schedule_reconnect(struct publisher *p);

static void heartbeat_tick(void *arg)
{
	(void)arg;
	worker_heartbeat();
}

static bool stop_wanted(void *arg)
{
	(void)arg;
	return worker_stop_requested();
}

static void on_send(struct delivery_job *job, const struct delivery_event *ev, void *arg)
{
	struct publisher *p = arg;
	size_t len = 0;
	char *body = broker_body_from_data(ev->data_json, &len);
	if (!body) {
		delivery_job_done(job, DELIVERY_DEAD, -1, 0, "event data is not valid JSON");
		return;
	}
	if (p->queued == p->capacity) {
		p->capacity = p->capacity ? p->capacity * 2 : 256;
		p->queue = realloc(p->queue, (size_t)p->capacity * sizeof(*p->queue));
		if (!p->queue)
			fatalx(1, "out of memory");
	}
	p->queue[p->queued++] =
	        (struct queued){job, {ev->event_id, ev->namespace, body, len, ev->correlation_id}, body};
	event_active(p->flush_event, EV_WRITE, 0);
}

static void drop_queue(struct publisher *p, int from)
{
	for (int i = from; i < p->queued; i++)
		free(p->queue[i].body);
	p->queued = 0;
}

static void settle(struct publisher *p, struct queued *q, enum broker_outcome outcome, const char *error)
{
	struct delivery_job *job = q->job; /* q may move if settling ever queues more work */
	free(q->body);
	q->body = NULL;
	if (outcome == BROKER_ACKED) {
		p->acked++;
		delivery_job_done(job, DELIVERY_OK, -1, 0, NULL);
	} else if (outcome == BROKER_REJECTED) {
		p->dead++;
		delivery_job_done(job, DELIVERY_DEAD, -1, 0, error ? error : "rejected by the broker");
	} else {
		p->retried++;
		delivery_job_done(job, DELIVERY_RETRY, -1, 0, error ? error : "not acknowledged");
	}
}

/* The connection broke: keep what was acknowledged, hand every other claim back, reconnect. */
static void connection_lost(struct publisher *p, int done, const char *error)
{
	log_warn("Publisher", "%s: %s; reconnecting", broker_describe(p->broker), error ? error : "connection lost");
	worker_notify_status("reconnecting to %s", broker_describe(p->broker));
	drop_queue(p, done);
	delivery_loop_free(p->loop);
	p->loop = NULL;
	broker_disconnect(p->broker);
	p->failures = 0;
	schedule_reconnect(p);
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct publisher *p = arg;
	int done = 0;
	while (p->loop && done < p->queued) {
		int n = p->queued - done < BATCH ? p->queued - done : BATCH;
		struct broker_message msgs[BATCH];
		enum broker_outcome out[BATCH];
		char *error = NULL;
		for (int i = 0; i < n; i++)
			msgs[i] = p->queue[done + i].msg;
		bool alive = broker_publish(p->broker, msgs, n, out, &error);
		for (int i = 0; i < n; i++)
			if (alive || out[i] == BROKER_ACKED)
				settle(p, &p->queue[done + i], out[i], error);
		if (!alive) {
			connection_lost(p, done, error);
			free(error);
			return;
		}
		free(error);
		done += n;
	}
	p->queued = 0;
}

static bool start_loop(struct publisher *p)
{
	const char *ids[] = {p->consumer_id};
	struct db_retry retry = {.floor_ms = 100,
	                         .cap_ms = 10000,
	                         .tick_ms = 200,
	                         .tick = heartbeat_tick,
	                         .should_stop = stop_wanted,
	                         .arg = p};
	struct delivery_options o = {.consumer_ids = ids,
	                             .consumer_count = 1,
	                             .batch_size = BATCH,
	                             .max_in_flight = 4 * BATCH,
	                             .retry = &retry,
	                             .send = on_send,
	                             .arg = p};
	p->loop = delivery_loop_new(p->base, p->db, &o);
	if (p->loop && delivery_loop_start(p->loop))
		return true;
	delivery_loop_free(p->loop);
	p->loop = NULL;
	return false;
}

static void try_connect(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct publisher *p = arg;
	char *error = NULL;
	if (!broker_connect(p->broker, &error)) {
		p->failures++;
		log_warn("Publisher", "%s (attempt %d)", error ? error : "cannot connect", p->failures);
		worker_notify_status("waiting for %s: %s", broker_describe(p->broker), error ? error : "");
		free(error);
		schedule_reconnect(p);
		return;
	}
	log_info("Publisher", "connected to %s as consumer %s", broker_describe(p->broker), p->consumer_id);
	p->failures = 0;
	if (!start_loop(p)) {
		if (worker_stop_requested()) {
			event_base_loopbreak(p->base);
			return;
		}
		log_warn("Publisher", "cannot start the delivery loop: %s", db_error(p->db));
		broker_disconnect(p->broker);
		schedule_reconnect(p);
		return;
	}
	worker_notify_status("publishing to %s", broker_describe(p->broker));
}

static void schedule_reconnect(struct publisher *p)
{
	int floor_ms, cap_ms;
	broker_backoff_bounds(p->broker, &floor_ms, &cap_ms);
	int64_t delay = floor_ms;
	for (int i = 1; i < p->failures && delay < cap_ms; i++)
		delay *= 2;
	if (delay > cap_ms)
		delay = cap_ms;
	delay += (int64_t)((double)delay * 0.25 * ((double)rand() / ((double)RAND_MAX + 1.0)));
	if (p->failures == 0)
		delay = 0; /* a connection that broke while in use: try once at once */
	struct timeval tv = {delay / 1000, (delay % 1000) * 1000};
	evtimer_add(p->reconnect_timer, &tv);
}

static struct broker *broker_from_config(struct publisher *p, char **error)
{
	const char *module = p->ctx.module ? p->ctx.module : "messageBrokerPublisher";
	char path[96];
	if (strcmp(module, "amqpPublisher") == 0 || strcmp(module, "PubSubPublisher") == 0) {
		log_warn(module,
		         "%s is deprecated and will be removed in the future. Please use "
		         "MessageBrokerPublisherModule instead.",
		         strcmp(module, "amqpPublisher") == 0 ? "AMQPPublisherModule" : "PubSubPublisherModule");
		snprintf(p->consumer_id, sizeof(p->consumer_id), "%s", module);
		snprintf(path, sizeof(path), "modules.%s", module);
		return broker_new_module(module, config_get(p->ctx.config, path), error);
	}
	json_object *brokers = config_get(p->ctx.config, "modules.messageBrokerPublisher.brokers");
	int n = json_object_is_type(brokers, json_type_array) ? (int)json_object_array_length(brokers) : 0;
	if (n == 0) {
		*error = strdup("At least one broker must be configured");
		return NULL;
	}
	if (p->ctx.index < 1 || p->ctx.index > n) {
		if (asprintf(error,
		             "modules.messageBrokerPublisher.brokers: worker index %d, but %d broker(s) configured",
		             p->ctx.index, n) < 0)
			*error = NULL;
		return NULL;
	}
	json_object *entry = json_object_array_get_idx(brokers, (size_t)p->ctx.index - 1), *type = NULL, *conf = NULL;
	json_object_object_get_ex(entry, "type", &type);
	json_object_object_get_ex(entry, "configuration", &conf);
	const char *t = json_object_is_type(type, json_type_string) ? json_object_get_string(type) : "unknown";
	snprintf(p->consumer_id, sizeof(p->consumer_id), "broker:%d:%s", p->ctx.index, t);
	snprintf(path, sizeof(path), "modules.messageBrokerPublisher.brokers[%d].configuration", p->ctx.index - 1);
	return broker_new(t, conf, path, error);
}

static void setup(struct publisher *p)
{
	char *error = NULL;
	p->broker = broker_from_config(p, &error);
	if (!p->broker)
		fatalx(EXIT_CONFIG, "%s", error);
	if (!db_settings_read(p->ctx.config, &p->settings, &error))
		fatalx(EXIT_CONFIG, "%s", error);
	p->db = db_new(p->settings.connection_string, p->settings.db_name, "connector-publisher", &error);
	if (!p->db)
		fatalx(EXIT_CONFIG, "%s", error);
	p->base = event_base_new();
	if (!p->base)
		fatalx(1, "event_base_new failed");
	worker_attach_event_base(&p->ctx, p->base);
	p->reconnect_timer = evtimer_new(p->base, try_connect, p);
	p->flush_event = event_new(p->base, -1, 0, on_flush, p);
	srand((unsigned)time_wall_ms() ^ (unsigned)p->ctx.index);
}

int main(int argc, char **argv)
{
	static struct publisher p;
	worker_init(&p.ctx, argc, argv, "publisher");
	setup(&p);
	log_info("Publisher", "%s: consumer %s", broker_describe(p.broker), p.consumer_id);
	try_connect(-1, 0, &p);
	worker_notify_ready();
	event_base_dispatch(p.base);
	log_info("Publisher", "stopping: %llu acknowledged, %llu retried, %llu dead-lettered",
	         (unsigned long long)p.acked, (unsigned long long)p.retried, (unsigned long long)p.dead);
	drop_queue(&p, 0);
	delivery_loop_free(p.loop);
	free(p.queue);
	event_free(p.reconnect_timer);
	event_free(p.flush_event);
	broker_free(p.broker);
	db_free(p.db);
	event_base_free(p.base);
	worker_cleanup(&p.ctx);
	return EXIT_STOPPED;
}
