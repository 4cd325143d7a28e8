/*
 * Helpers of the long-running subcommands: signal handling, the Pulsar
 * client built from the configuration, and writing JSON reports.
 *
 * Thread safety: cli_install_stop_signals and cli_stop_requested may be
 * called from any thread; the rest from the main thread.
 */
#ifndef SWITCHYARD_CLI_CLI_SUPPORT_H
#define SWITCHYARD_CLI_CLI_SUPPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/config.h"
#include "pulsar/pulsar.h"

/* Makes SIGINT and SIGTERM set the stop flag instead of ending the process. */
void cli_install_stop_signals(void);

/* Returns true once SIGINT or SIGTERM arrived. */
bool cli_stop_requested(void);

/*
 * Creates a Pulsar client for config->pulsar.service_url with the token that
 * sy_config_read_token finds (override_env first), logging the library's
 * events through sy_log under component. Returns 0, or -1 after logging why.
 */
int cli_open_client(const sy_config *config, const char *override_env, const char *component,
                    pulsar_client **client_out);

/*
 * Sets the minimum log level from a --log-level value. Returns 0, or prints
 * "switchyard COMMAND: invalid --log-level ..." and returns -1.
 */
int cli_set_log_level(const char *command, const char *text);

/* Returns the full topic name persistent://<namespace>/<topic> in a new string, or NULL. */
char *cli_topic_name(const char *namespace_name, const char *topic);

/* Returns CLOCK_MONOTONIC time in ms. */
int64_t cli_monotonic_ms(void);

/*
 * Writes text to path through a temporary file and a rename, so that a
 * reader never sees half a report. Returns 0, or -1 after logging why.
 */
int cli_write_file_atomically(const char *path, const char *text, const char *component);

#endif
