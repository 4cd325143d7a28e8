/*
 * Allocation failure injection: every allocation of the encoders, the
 * codecs, message building and client creation is made to fail in turn, and
 * each must report the failure and leak nothing (the sanitizer build's leak
 * check runs at exit).
 *
 * malloc, calloc and realloc are wrapped at link time (-Wl,--wrap), which
 * reaches the calls made from this program and from libswitchyard.a.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "pulsar/batch.h"
#include "pulsar/commands.h"
#include "pulsar/compress.h"
#include "pulsar/consumer_internal.h"
#include "pulsar/frame.h"
#include "pulsar/pulsar.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *pointer, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t count, size_t size);
void *__wrap_realloc(void *pointer, size_t size);

/* Allocations left before the next one fails; negative: never fail. Atomic because the
 * client's I/O thread allocates too. */
static _Atomic long allocations_left = -1;
static _Atomic long allocations_seen;

static bool should_fail(void)
{
    atomic_fetch_add(&allocations_seen, 1);
    long left = atomic_load(&allocations_left);
    while (left >= 0) {
        if (atomic_compare_exchange_weak(&allocations_left, &left, left - 1)) {
            return left == 0;
        }
    }
    return false;
}

void *__wrap_malloc(size_t size)
{
    return should_fail() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t count, size_t size)
{
    return should_fail() ? NULL : __real_calloc(count, size);
}

void *__wrap_realloc(void *pointer, size_t size)
{
    return should_fail() ? NULL : __real_realloc(pointer, size);
}

/* Encodes a SEND frame with a 4 KiB payload; returns whether the buffer is intact. */
static bool encode_send(void)
{
    static uint8_t payload[4096];
    pulsar_property props[] = {{"env", "prod"}, {"device_id", "d-1"}};
    meta_out meta = {.producer_name = "p",
                     .properties = props,
                     .property_count = 2,
                     .partition_key = "d-1",
                     .num_messages_in_batch = -1};
    proto_buf metadata;
    proto_buf frame;
    proto_buf_init(&metadata);
    proto_buf_init(&frame);
    meta_encode(&metadata, &meta);
    size_t start = frame_begin(&frame);
    cmd_encode_send(&frame, 1, 2, 2, 1);
    frame_end_payload(&frame, start, metadata.data, metadata.len, payload, sizeof payload);
    bool ok = proto_buf_ok(&metadata) && proto_buf_ok(&frame);
    proto_buf_free(&metadata);
    proto_buf_free(&frame);
    return ok;
}

static pulsar_result compress_round_trip(void)
{
    static uint8_t data[8192];
    proto_buf packed;
    proto_buf_init(&packed);
    pulsar_result rc = compress_payload(PULSAR_COMPRESSION_ZSTD, data, sizeof data, &packed);
    uint8_t *unpacked = NULL;
    if (rc == PULSAR_OK) {
        rc = decompress_payload(PULSAR_COMPRESSION_ZSTD, packed.data, packed.len, sizeof data,
                                1u << 20, &unpacked);
    }
    free(unpacked);
    proto_buf_free(&packed);
    return rc;
}

static bool build_message(void)
{
    static const uint8_t metadata[] = {0x22, 0x06, 0x0A, 0x01, 0x6B, 0x12, 0x01, 0x76};
    message_parts parts = {.topic = "persistent://public/default/t",
                           .id = {1, 2, -1, -1, 0},
                           .producer_name = {(const uint8_t *)"p", 1},
                           .has_key = true,
                           .key = {(const uint8_t *)"k", 1},
                           .properties_raw = {metadata, sizeof metadata},
                           .properties_field = 4,
                           .payload = {(const uint8_t *)"hello", 5}};
    pulsar_message *message = consumer_build_message(&parts);
    if (message == NULL) {
        return false;
    }
    assert_string_equal(pulsar_message_property(message, "k"), "v");
    pulsar_message_free(message);
    return true;
}

static pulsar_result create_client(void)
{
    pulsar_client_config config;
    pulsar_client_config_init(&config);
    config.service_url = "pulsar://127.0.0.1:1";
    config.auth_token = "token";
    pulsar_client *client = NULL;
    pulsar_result rc = pulsar_client_create(&config, &client);
    if (rc == PULSAR_OK) {
        pulsar_client_close(client);
    } else {
        assert_null(client);
    }
    return rc;
}

/* Counts the allocations of one successful run, then fails each of them in turn. When
 * must_fail is false a run may still succeed, because the allocation was one that the code
 * retries later (the I/O thread's poll set). */
static void fail_each_allocation(bool (*run)(void), bool must_fail)
{
    allocations_left = -1;
    allocations_seen = 0;
    assert_true(run());
    long total = allocations_seen;
    assert_true(total > 0);
    for (long i = 0; i < total; i++) {
        allocations_left = i;
        bool ok = run();
        allocations_left = -1;
        if (must_fail) {
            assert_false(ok);
        }
    }
}

static bool send_ok(void)
{
    return encode_send();
}

static bool compress_ok(void)
{
    pulsar_result rc = compress_round_trip();
    if (rc != PULSAR_OK) {
        assert_int_equal(rc, PULSAR_ERR_NO_MEMORY);
    }
    return rc == PULSAR_OK;
}

static bool message_ok(void)
{
    return build_message();
}

static bool client_ok(void)
{
    pulsar_result rc = create_client();
    if (rc != PULSAR_OK) {
        assert_int_equal(rc, PULSAR_ERR_NO_MEMORY);
    }
    return rc == PULSAR_OK;
}

static void send_encoder_survives_failures(void **state)
{
    (void)state;
    fail_each_allocation(send_ok, true);
}

static void codecs_survive_failures(void **state)
{
    (void)state;
    fail_each_allocation(compress_ok, true);
}

static void message_build_survives_failures(void **state)
{
    (void)state;
    fail_each_allocation(message_ok, true);
}

static void client_create_survives_failures(void **state)
{
    (void)state;
    fail_each_allocation(client_ok, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(send_encoder_survives_failures),
        cmocka_unit_test(codecs_survive_failures),
        cmocka_unit_test(message_build_survives_failures),
        cmocka_unit_test(client_create_survives_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
