/*
 * Helpers of the router's integration tests: a tenant of their own with
 * deduplication on, a configuration file written for it, the router run as
 * a child process (the built switchyard binary, SWITCHYARD_BIN), and
 * collection of what reaches each output topic.
 */
#ifndef SWITCHYARD_TESTS_ROUTE_IT_UTIL_H
#define SWITCHYARD_TESTS_ROUTE_IT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../pulsar/pulsar_test_util.h"

/*
 * Returns a TCP port on 127.0.0.1 that is free now, for a router's metrics
 * server, so that parallel runs of these tests do not collide on fixed ports.
 */
int route_it_free_port(void);

/* A test run's tenant and files. */
typedef struct {
    pulsar_fixture *fixture;
    char tenant[64];
    char dir[256];            /* temporary directory of the configuration and registry */
    char config_path[320];
    char registry_path[320];
    char ingest_topic[256];
    char quarantine_topic[256];
    int metrics_port;
} route_it_env;

/*
 * Creates tenant "<name>-<pid>-<time>" with namespaces ingest and each of
 * namespaces (deduplication on in every one), the ingest topic with
 * partitions (0 = non-partitioned), and a temporary directory. Writes the
 * configuration: config_yaml is the text after the pulsar and ingest
 * sections, with every "TENANT" replaced by the tenant. Picks a free
 * metrics port. Asserts on failure.
 */
void route_it_env_create(route_it_env *env, pulsar_fixture *fixture, const char *name,
                         const char *const *namespaces, size_t namespace_count, int partitions,
                         const char *config_yaml);

/* Writes the registry file (text with "TENANT" replaced) in place, atomically by rename. */
void route_it_write_registry(route_it_env *env, const char *text);

/* Replaces the first occurrence of from with to in the configuration file. */
void route_it_edit_config(route_it_env *env, const char *from, const char *to);

/* Removes the temporary files. */
void route_it_env_destroy(route_it_env *env);

/* Writes "persistent://<tenant>/<namespace>/<topic>" into out. */
void route_it_topic(const route_it_env *env, const char *namespace_name, const char *topic,
                    char *out, size_t size);

/* Starts `switchyard route --config ... --metrics-port ...` plus extra_args (NULL-ended). */
pid_t route_it_start_router(const route_it_env *env, const char *const *extra_args);

/* Sends signal_number to the router and waits for it; returns its exit status, or -signal. */
int route_it_stop_router(pid_t pid, int signal_number);

/*
 * cmocka teardown: kills (SIGKILL) and reaps every router that a failed test
 * left running. Routers also die with the test program (PR_SET_PDEATHSIG).
 */
int route_it_kill_routers(void **state);

/*
 * Fetches http://127.0.0.1:<metrics_port>/metrics and returns the value of
 * the sample named line (for example "switchyard_router_reloads_total{result=\"ok\"}"),
 * or -1 when it cannot be fetched or is absent.
 */
double route_it_metric(const route_it_env *env, const char *sample);

/* Waits up to timeout_ms until route_it_metric(sample) >= value; returns the last value. */
double route_it_wait_metric(const route_it_env *env, const char *sample, double value,
                            int timeout_ms);

/* Subscribes to topic from the earliest message with subscription "it". */
pulsar_consumer *route_it_subscribe(pulsar_fixture *fixture, const char *topic);

/*
 * Receives until count messages arrived or timeout_ms of silence; stores
 * each (caller frees with pulsar_message_free) in out (capacity max) and
 * acknowledges it. Returns how many arrived.
 */
size_t route_it_collect(pulsar_consumer *consumer, pulsar_message **out, size_t max,
                        size_t count, int timeout_ms);

/* Sleeps for ms milliseconds. */
void route_it_sleep_ms(int ms);

/* Returns the integer member "n" of a JSON payload, or -1. */
long route_it_payload_number(const pulsar_message *message);

#endif
