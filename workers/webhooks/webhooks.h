/*
 * webhooks.h: internals of connector-webhooks (one file per role):
 *   main.c    process set-up: configuration, database, event base, delivery loop, STATUS lines
 *   sender.c  one HTTP POST per delivery with libcurl multi on the event base (connection reuse,
 *             per-request timeout), outcome classification (2xx ok; network error, timeout, 408,
 *             429, 5xx retry with Retry-After; 410 and other statuses dead letter)
 *   oauth.c   OAuth2 client-credentials tokens per target, cached until expires_in - 10 s
 */
#ifndef CONNECTOR_WEBHOOKS_H
#define CONNECTOR_WEBHOOKS_H

#include <stdbool.h>
#include <stdint.h>

#include "delivery.h"
#include "delivery_webhook.h"

struct event_base;
struct sender;

struct sender *sender_new(struct event_base *base, const struct webhook_config *cfg);
/* The delivery_send_fn of the loop; arg is the struct sender. */
void sender_send(struct delivery_job *job, const struct delivery_event *ev, void *arg);
/* Aborts transfers still running (their jobs are left to delivery_loop_free) and frees. */
void sender_free(struct sender *s);
int sender_active(const struct sender *s);

/*
 * The "Authorization: Bearer <token>" value for an OAuth2 target (malloc'd), fetching a token when
 * none is cached or it expires within 10 s. NULL with *error (malloc'd) when the token endpoint fails.
 * Blocking, bounded by timeout_ms.
 */
char *oauth_authorization(const struct webhook_target *target, int64_t timeout_ms, bool skip_tls, char **error);
void oauth_cache_clear(void);

#endif
