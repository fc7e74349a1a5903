/*
 * ctl_deliveries.h: `connectorctl deliveries ...`, the operators' view of the outbox deliveries
 * (lib/delivery_admin.h). It reads the database settings from connectord's effective configuration
 * (<runtime dir>/config.json) or, with --config, from the configuration layers, and talks to
 * PostgreSQL directly (connectord itself never opens a database connection).
 *
 *   deliveries                          per consumer: pending, in flight, delivered, dead letters,
 *                                       oldest undelivered age, attempts, last error
 *   deliveries dead [CONSUMER]          dead letters, newest first (at most 100)
 *   deliveries event EVENT_ID           one event's deliveries and their attempt log
 *   deliveries replay (CONSUMER|--all) [EVENT_ID]   dead letters become due now
 * Exit codes: 0 done, 1 database error, 75 database unreachable, 78 usage or configuration error.
 */
#ifndef CONNECTOR_CTL_DELIVERIES_H
#define CONNECTOR_CTL_DELIVERIES_H

#include <stdbool.h>

/* argv[0] is "deliveries"; runtime_dir or config_file may be NULL (then the default runtime dir). */
int ctl_deliveries(const char *runtime_dir, const char *config_file, bool json, int argc, char **argv);

#endif
