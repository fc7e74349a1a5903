/*
 * log_config.h: applies the configuration's logging keys to this process's logger (lib/log.h).
 *   logging.level   trace | debug | info | warn | error | fatal (default info)
 *   logging.format  human | json (default human): one line per event either way
 *   debug           true forces at least DEBUG, as the original's debug mode does
 * Every process calls it once its configuration is loaded (workers from worker_init, connectord at
 * start and after each reload), so all lines of one installation share level and format.
 */
#ifndef CONNECTOR_LOG_CONFIG_H
#define CONNECTOR_LOG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

/*
 * Sets level and format from config. Unknown values keep the defaults and make it return false with
 * a message naming the key in err (the configuration validator rejects them before this is reached).
 */
bool log_configure(json_object *config, char *err, size_t err_len);

#endif
