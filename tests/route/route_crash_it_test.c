/*
 * The router killed with SIGKILL at several points of a 100000-message
 * stream and started again: every message ends downstream exactly once,
 * because inputs are acknowledged only after their outputs are persisted
 * and replayed outputs carry the same producer names and sequence ids, so
 * the broker's deduplication drops them.
 *
 * Needs SWITCHYARD_TEST_PULSAR_URL and SWITCHYARD_TEST_ADMIN_URL; fails without them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "route_it_util.h"

#define MESSAGES 100000
/* Outputs seen downstream at which the router is killed. */
static const size_t kill_points[] = {15000, 45000, 75000};

static const char config_yaml[] = "environments:\n"
                                  "  - name: prod\n"
                                  "    namespace: TENANT/prod\n"
                                  "    topics: [{name: commands, partitions: 2}]\n"
                                  "  - name: dev\n"
                                  "    namespace: TENANT/dev\n"
                                  "    topics: [{name: commands, partitions: 0}]\n"
                                  "router:\n"
                                  "  subscription: switchyard-router\n"
                                  "  default_environment: prod\n"
                                  "  target_topic: commands\n"
                                  "  unknown_environment: dev\n";

enum { TARGET_PROD, TARGET_DEV, TARGET_QUARANTINE, TARGETS };

/* Where message n must go: every 101st has a malformed env, every 3rd claims dev. */
static int target_of(long n)
{
    if (n % 101 == 0) {
        return TARGET_QUARANTINE;
    }
    return n % 3 == 0 ? TARGET_DEV : TARGET_PROD;
}

typedef struct {
    pulsar_consumer *consumer;
    int target;
    atomic_bool *stop;
    atomic_size_t *total;
    /* Shared by the collectors, under lock. */
    pthread_mutex_t *lock;
    unsigned char *seen;
    size_t *duplicates;
    size_t *misrouted;
    size_t count;
} collector;

static void *collect(void *arg)
{
    collector *c = arg;
    while (!atomic_load(c->stop)) {
        pulsar_message *message = NULL;
        if (pulsar_consumer_receive(c->consumer, 100, &message) != PULSAR_OK) {
            continue;
        }
        long n = route_it_payload_number(message);
        pulsar_consumer_ack(c->consumer, &message->id);
        pthread_mutex_lock(c->lock);
        if (n < 0 || n >= MESSAGES || target_of(n) != c->target) {
            (*c->misrouted)++;
        } else if (c->seen[n]) {
            (*c->duplicates)++;
        } else {
            c->seen[n] = 1;
        }
        c->count++;
        pthread_mutex_unlock(c->lock);
        atomic_fetch_add(c->total, 1);
        pulsar_message_free(message);
    }
    return NULL;
}

typedef struct {
    route_it_env *env;
    send_counter *counter;
} producer_job;

static void produce_all(route_it_env *env, send_counter *counter)
{
    pulsar_producer_config config;
    pulsar_producer_config_init(&config);
    config.topic = env->ingest_topic;
    config.batching_enabled = true;
    config.max_pending_messages = 5000;
    pulsar_producer *producer = NULL;
    assert_int_equal(pulsar_producer_create(env->fixture->client, &config, &producer), PULSAR_OK);
    for (long n = 0; n < MESSAGES; n++) {
        char device[16];
        char payload[128];
        snprintf(device, sizeof device, "d%ld", n % 64);
        snprintf(payload, sizeof payload, "{\"device_id\":\"%s\",\"n\":%ld,\"command\":\"NOOP\"}",
                 device, n);
        pulsar_property props[2] = {{"device_id", device}, {"env", "dev"}};
        if (n % 101 == 0) {
            props[1].value = "bad/env";
        }
        pulsar_outgoing_message message;
        pulsar_outgoing_message_init(&message);
        message.payload = payload;
        message.payload_len = strlen(payload);
        /* Every 7th has no key: its partition of prod must still be the same after a restart. */
        message.key = n % 7 == 1 ? NULL : device;
        message.properties = props;
        message.property_count = target_of(n) == TARGET_PROD ? 1 : 2;
        pulsar_result rc;
        while ((rc = pulsar_producer_send_async(producer, &message, send_counter_callback,
                                                counter)) == PULSAR_ERR_QUEUE_FULL) {
            route_it_sleep_ms(1);
        }
        assert_int_equal(rc, PULSAR_OK);
    }
    assert_int_equal(pulsar_producer_flush(producer), PULSAR_OK);
    assert_int_equal(pulsar_producer_close(producer), PULSAR_OK);
}

/* Runs produce_all on its own thread, so that the router is killed while input still arrives. */
static void *produce_thread(void *arg)
{
    producer_job *job = arg;
    produce_all(job->env, job->counter);
    return NULL;
}

/* Waits until total reaches value or nothing arrives for idle_ms; returns the total. */
static size_t wait_total(atomic_size_t *total, size_t value, int idle_ms)
{
    size_t last = atomic_load(total);
    int idle = 0;
    while (last < value && idle < idle_ms) {
        route_it_sleep_ms(50);
        size_t now = atomic_load(total);
        idle = now == last ? idle + 50 : 0;
        last = now;
    }
    return last;
}

static void router_survives_sigkill_exactly_once(void **state)
{
    static const char *const namespaces[] = {"prod", "dev"};
    route_it_env env;
    route_it_env_create(&env, *state, "rt-crash", namespaces, 2, 4, config_yaml);
    char path[256];
    snprintf(path, sizeof path, "/admin/v2/persistent/%s/prod/commands/partitions", env.tenant);
    pulsar_test_admin(env.fixture, "PUT", path, "2", 204);

    char topics[TARGETS][256];
    route_it_topic(&env, "prod", "commands", topics[TARGET_PROD], sizeof topics[0]);
    route_it_topic(&env, "dev", "commands", topics[TARGET_DEV], sizeof topics[0]);
    snprintf(topics[TARGET_QUARANTINE], sizeof topics[0], "%s", env.quarantine_topic);

    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    unsigned char *seen = calloc(MESSAGES, 1);
    assert_non_null(seen);
    size_t duplicates = 0;
    size_t misrouted = 0;
    atomic_bool stop = false;
    atomic_size_t total = 0;
    collector collectors[TARGETS];
    pthread_t threads[TARGETS];
    for (int t = 0; t < TARGETS; t++) {
        collectors[t] = (collector){route_it_subscribe(env.fixture, topics[t]), t, &stop, &total,
                                    &lock, seen, &duplicates, &misrouted, 0};
        assert_int_equal(pthread_create(&threads[t], NULL, collect, &collectors[t]), 0);
    }

    time_t started = time(NULL);
    pid_t router = route_it_start_router(&env, NULL);
    send_counter counter;
    send_counter_init(&counter);
    producer_job job = {&env, &counter};
    pthread_t producer;
    assert_int_equal(pthread_create(&producer, NULL, produce_thread, &job), 0);

    /* Duplicates that the broker dropped, as the killed routers counted them. */
    double dropped = 0;
    for (size_t k = 0; k < sizeof kill_points / sizeof kill_points[0]; k++) {
        size_t reached = wait_total(&total, kill_points[k], 30000);
        assert_true(reached >= kill_points[k]);
        assert_true(reached < MESSAGES);
        double counted =
            route_it_metric(&env, "switchyard_router_sends_total{result=\"duplicate\"}");
        dropped += counted > 0 ? counted : 0;
        assert_int_equal(route_it_stop_router(router, SIGKILL), -SIGKILL);
        fprintf(stderr, "killed the router at %zu outputs\n", reached);
        router = route_it_start_router(&env, NULL);
    }
    pthread_join(producer, NULL);
    assert_int_equal(send_counter_wait(&counter, MESSAGES, 60000), MESSAGES);
    assert_int_equal(counter.failed, 0);

    size_t reached = wait_total(&total, MESSAGES, 30000);
    /* Anything duplicated would arrive after the last original: wait a little longer. */
    sleep(3);
    double counted = route_it_metric(&env, "switchyard_router_sends_total{result=\"duplicate\"}");
    dropped += counted > 0 ? counted : 0;
    assert_int_equal(route_it_stop_router(router, SIGTERM), 0);
    atomic_store(&stop, true);
    for (int t = 0; t < TARGETS; t++) {
        pthread_join(threads[t], NULL);
        pulsar_consumer_close(collectors[t].consumer);
    }
    fprintf(stderr,
            "%zu outputs in %ld s: prod %zu, dev %zu, quarantine %zu, duplicates %zu, "
            "replays dropped by the broker %.0f\n",
            reached, (long)(time(NULL) - started), collectors[TARGET_PROD].count,
            collectors[TARGET_DEV].count, collectors[TARGET_QUARANTINE].count, duplicates,
            dropped);

    size_t expected[TARGETS] = {0};
    for (long n = 0; n < MESSAGES; n++) {
        expected[target_of(n)]++;
    }
    /* The kills left persisted outputs unacknowledged, so the restarted routers sent replays. */
    assert_true(dropped > 0);
    assert_int_equal(misrouted, 0);
    assert_int_equal(duplicates, 0);
    for (int t = 0; t < TARGETS; t++) {
        assert_int_equal(collectors[t].count, expected[t]);
    }
    size_t missing = 0;
    for (long n = 0; n < MESSAGES; n++) {
        missing += seen[n] ? 0 : 1;
    }
    assert_int_equal(missing, 0);
    free(seen);
    route_it_env_destroy(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(router_survives_sigkill_exactly_once, route_it_kill_routers),
    };
    return cmocka_run_group_tests(tests, pulsar_fixture_setup, pulsar_fixture_teardown);
}
