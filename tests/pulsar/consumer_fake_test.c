/*
 * Consumer behaviour against a scripted fake broker: delivered frames, flow
 * control and lookup redirects. A
 * message whose checksum is wrong is dropped and reported with the
 * ChecksumMismatch validation error. A plain message and a batch (written
 * with broker entry metadata in front, as brokers send it to clients that
 * ask for it) arrive field by field. The batch is acknowledged as one entry
 * once both of its messages are. Permits return in one FLOW once half the
 * receiver queue has been received, and lookups follow redirects up to the
 * configured limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "fake_broker.h"
#include "pulsar/batch.h"
#include "pulsar/commands.h"
#include "pulsar/frame.h"
#include "pulsar/pulsar.h"

typedef struct {
    uint16_t port;
    int redirects_left; /* LOOKUP responses of type Redirect before Connect; -1: all of them */
    int lookups;
    bool retry_was_authoritative;
    int plain_messages; /* when above 0, the first FLOW gets this many plain messages */
    int flows;
    uint64_t flow_permits[8];
    bool subscribed;
    uint64_t consumer_id;
    int acks;
    uint64_t ack_entries[8];
    int64_t ack_validation[8];
} script_state;

static void answer_request(int fd, proto_bytes command, uint32_t type, uint32_t reply_type,
                           uint32_t request_field, script_state *state)
{
    proto_field request_id;
    assert_true(find_field(sub_message(command, type), request_field, &request_id));
    proto_buf body;
    proto_buf_init(&body);
    if (reply_type == CMD_LOOKUP_RESPONSE) {
        char url[64];
        bool redirect = state->redirects_left != 0;
        if (state->redirects_left > 0) {
            state->redirects_left--;
        }
        /* The redirect names this same broker, which the client reaches on its connection. */
        snprintf(url, sizeof url, "pulsar://127.0.0.1:%u", (unsigned)state->port);
        proto_put_string_field(&body, 1, url);
        proto_put_uint_field(&body, 3, redirect ? CMD_LOOKUP_REDIRECT : CMD_LOOKUP_CONNECT);
        proto_put_uint_field(&body, 4, request_id.varint);
        proto_put_uint_field(&body, 5, 1);
    } else {
        proto_put_uint_field(&body, 1, request_id.varint);
    }
    write_command(fd, reply_type, &body);
    proto_buf_free(&body);
}

/* Writes a MESSAGE frame for entry (ledger 5, entry_id) with metadata and payload. */
static void write_message(int fd, uint64_t consumer_id, uint64_t entry_id, const proto_buf *meta,
                          const void *payload, size_t payload_len, bool corrupt,
                          bool broker_entry_metadata)
{
    proto_buf command;
    proto_buf_init(&command);
    proto_put_uint_field(&command, 1, CMD_MESSAGE);
    size_t body = proto_begin_message(&command, CMD_MESSAGE);
    proto_put_uint_field(&command, 1, consumer_id);
    cmd_message_id id = {5, entry_id, -1, -1, 0};
    cmd_encode_message_id(&command, 2, &id);
    proto_end_message(&command, body);

    proto_buf covered;
    proto_buf_init(&covered);
    proto_put_u32be(&covered, (uint32_t)meta->len);
    proto_put_raw(&covered, meta->data, meta->len);
    proto_put_raw(&covered, payload, payload_len);
    uint32_t crc = frame_crc32c(0, covered.data, covered.len) ^ (corrupt ? 1u : 0u);

    proto_buf frame;
    proto_buf_init(&frame);
    proto_put_u32be(&frame, 0);
    proto_put_u32be(&frame, (uint32_t)command.len);
    proto_put_raw(&frame, command.data, command.len);
    if (broker_entry_metadata) {
        static const uint8_t entry_meta[] = {0x08, 0x7B};
        proto_put_u16be(&frame, FRAME_MAGIC_BROKER_ENTRY_METADATA);
        proto_put_u32be(&frame, sizeof entry_meta);
        proto_put_raw(&frame, entry_meta, sizeof entry_meta);
    }
    proto_put_u16be(&frame, FRAME_MAGIC_CHECKSUM);
    proto_put_u32be(&frame, crc);
    proto_put_raw(&frame, covered.data, covered.len);
    proto_patch_u32be(&frame, 0, (uint32_t)(frame.len - 4));
    write_frame(fd, &frame);
    proto_buf_free(&frame);
    proto_buf_free(&covered);
    proto_buf_free(&command);
}

static void push_messages(int fd, uint64_t consumer_id)
{
    pulsar_property prop = {"p", "v"};
    proto_buf meta;
    proto_buf_init(&meta);

    meta_out plain = {.producer_name = "java-producer",
                      .sequence_id = 7,
                      .publish_time_ms = 1764806400000u,
                      .properties = &prop,
                      .property_count = 1,
                      .partition_key = "k",
                      .num_messages_in_batch = -1,
                      .event_time_ms = 42};
    meta_encode(&meta, &plain);
    write_message(fd, consumer_id, 1, &meta, "bad", 3, true, false);
    write_message(fd, consumer_id, 2, &meta, "good-1", 6, false, false);

    proto_buf batch;
    proto_buf_init(&batch);
    batch_entry_out first = {&prop, 1, "d0", 100, false, 0};
    batch_entry_out second = {NULL, 0, "d1", 101, false, 0};
    batch_append(&batch, &first, "b0", 2);
    batch_append(&batch, &second, "b1", 2);
    proto_buf_reset(&meta);
    meta_out batched = {.producer_name = "java-producer",
                        .sequence_id = 8,
                        .publish_time_ms = 1764806400001u,
                        .num_messages_in_batch = 2};
    meta_encode(&meta, &batched);
    write_message(fd, consumer_id, 3, &meta, batch.data, batch.len, false, true);
    proto_buf_free(&batch);
    proto_buf_free(&meta);
}

static void push_plain(int fd, uint64_t consumer_id, int count)
{
    proto_buf meta;
    proto_buf_init(&meta);
    meta_out plain = {.producer_name = "p", .num_messages_in_batch = -1};
    meta_encode(&meta, &plain);
    for (int i = 0; i < count; i++) {
        write_message(fd, consumer_id, 10 + (uint64_t)i, &meta, "x", 1, false, false);
    }
    proto_buf_free(&meta);
}

/* Records each entry of an ACK command, because the client may gather several in one. */
static void record_ack(script_state *state, proto_bytes command)
{
    proto_bytes ack = sub_message(command, CMD_ACK);
    proto_field field;
    int64_t validation = find_field(ack, 4, &field) ? (int64_t)field.varint : -1;
    proto_cursor cursor;
    proto_cursor_init(&cursor, ack.data, ack.len);
    while (proto_next_field(&cursor, &field) == 1 && state->acks < 8) {
        if (field.number != 3) {
            continue;
        }
        proto_field entry;
        assert_true(find_field(field.bytes, 2, &entry));
        state->ack_entries[state->acks] = entry.varint;
        state->ack_validation[state->acks] = validation;
        state->acks++;
    }
}

static void script_consumer(int fd, void *arg)
{
    script_state *state = arg;
    uint8_t buf[8192];
    proto_bytes command;
    uint32_t type;

    while ((type = read_command(fd, buf, sizeof buf, &command)) != 0) {
        proto_field field;
        switch (type) {
        case CMD_CONNECT:
            write_connected(fd);
            break;
        case CMD_PARTITIONED_METADATA:
            answer_partitions(fd, command, 0);
            break;
        case CMD_LOOKUP:
            state->lookups++;
            if (state->lookups > 1) {
                state->retry_was_authoritative =
                    find_field(sub_message(command, CMD_LOOKUP), 3, &field) && field.varint == 1;
            }
            answer_request(fd, command, CMD_LOOKUP, CMD_LOOKUP_RESPONSE, 2, state);
            break;
        case CMD_SUBSCRIBE:
            assert_true(find_field(sub_message(command, CMD_SUBSCRIBE), 4, &field));
            state->consumer_id = field.varint;
            state->subscribed = true;
            answer_request(fd, command, CMD_SUBSCRIBE, CMD_SUCCESS, 5, state);
            break;
        case CMD_FLOW:
            assert_true(find_field(sub_message(command, CMD_FLOW), 2, &field));
            if (state->flows < 8) {
                state->flow_permits[state->flows] = field.varint;
            }
            if (state->flows++ > 0) {
                break;
            }
            if (state->plain_messages > 0) {
                push_plain(fd, state->consumer_id, state->plain_messages);
            } else {
                push_messages(fd, state->consumer_id);
            }
            break;
        case CMD_ACK:
            record_ack(state, command);
            break;
        case CMD_CLOSE_CONSUMER:
            answer_request(fd, command, CMD_CLOSE_CONSUMER, CMD_SUCCESS, 2, state);
            break;
        default:
            break;
        }
    }
}

static void consumer_drops_corrupt_and_splits_batch(void **state)
{
    (void)state;
    fake_broker broker;
    script_state script = {0};
    fake_broker_start(&broker, script_consumer, &script);
    script.port = broker.port;

    char url[64];
    snprintf(url, sizeof url, "pulsar://127.0.0.1:%u", (unsigned)broker.port);
    pulsar_client_config config;
    pulsar_client_config_init(&config);
    config.service_url = url;
    config.operation_timeout_ms = 5000;
    pulsar_client *client = NULL;
    assert_int_equal(pulsar_client_create(&config, &client), PULSAR_OK);
    pulsar_consumer_config consumer_config;
    pulsar_consumer_config_init(&consumer_config);
    consumer_config.topic = "t";
    consumer_config.subscription = "s";
    pulsar_consumer *consumer = NULL;
    assert_int_equal(pulsar_consumer_subscribe(client, &consumer_config, &consumer), PULSAR_OK);

    pulsar_message *message = NULL;
    assert_int_equal(pulsar_consumer_receive(consumer, 5000, &message), PULSAR_OK);
    assert_int_equal(message->payload_len, 6);
    assert_memory_equal(message->payload, "good-1", 6);
    assert_string_equal(message->key, "k");
    assert_string_equal(pulsar_message_property(message, "p"), "v");
    assert_int_equal(message->event_time_ms, 42);
    assert_int_equal(message->sequence_id, 7);
    assert_string_equal(message->producer_name, "java-producer");
    assert_string_equal(message->topic, "persistent://public/default/t");
    assert_int_equal(message->id.ledger_id, 5);
    assert_int_equal(message->id.entry_id, 2);
    assert_int_equal(message->id.batch_index, -1);
    assert_int_equal(pulsar_consumer_ack(consumer, &message->id), PULSAR_OK);
    pulsar_message_free(message);

    for (int i = 0; i < 2; i++) {
        char payload[3] = {'b', (char)('0' + i), 0};
        char key[3] = {'d', (char)('0' + i), 0};
        assert_int_equal(pulsar_consumer_receive(consumer, 5000, &message), PULSAR_OK);
        assert_int_equal(message->payload_len, 2);
        assert_memory_equal(message->payload, payload, 2);
        assert_string_equal(message->key, key);
        assert_int_equal(message->event_time_ms, 100 + i);
        assert_int_equal(message->property_count, i == 0 ? 1 : 0);
        assert_int_equal(message->sequence_id, 8 + i);
        assert_int_equal(message->id.entry_id, 3);
        assert_int_equal(message->id.batch_index, i);
        assert_int_equal(message->id.batch_size, 2);
        assert_int_equal(pulsar_consumer_ack(consumer, &message->id), PULSAR_OK);
        /* A second ack of the same batch message must not count twice. */
        assert_int_equal(pulsar_consumer_ack(consumer, &message->id), PULSAR_OK);
        pulsar_message_free(message);
    }
    assert_int_equal(pulsar_consumer_receive(consumer, 200, &message), PULSAR_ERR_TIMEOUT);
    assert_int_equal(pulsar_consumer_dropped_count(consumer), 1);
    assert_int_equal(pulsar_consumer_close(consumer), PULSAR_OK);
    pulsar_client_close(client);
    fake_broker_stop(&broker);

    /* Entry 1 rejected as corrupt, entry 2 acknowledged, the batch entry once (2 and 3 may
     * share an ACK command). */
    assert_int_equal(script.acks, 3);
    assert_int_equal(script.ack_entries[0], 1);
    assert_int_equal(script.ack_validation[0], CMD_VALIDATION_CHECKSUM);
    assert_int_equal(script.ack_entries[1], 2);
    assert_int_equal(script.ack_validation[1], -1);
    assert_int_equal(script.ack_entries[2], 3);
    assert_int_equal(script.ack_validation[2], -1);
}

static void permits_return_at_half_queue(void **state)
{
    (void)state;
    fake_broker broker;
    script_state script = {.plain_messages = 4};
    fake_broker_start(&broker, script_consumer, &script);
    script.port = broker.port;
    char url[64];
    snprintf(url, sizeof url, "pulsar://127.0.0.1:%u", (unsigned)broker.port);
    pulsar_client_config config;
    pulsar_client_config_init(&config);
    config.service_url = url;
    pulsar_client *client = NULL;
    assert_int_equal(pulsar_client_create(&config, &client), PULSAR_OK);
    pulsar_consumer_config consumer_config;
    pulsar_consumer_config_init(&consumer_config);
    consumer_config.topic = "t";
    consumer_config.subscription = "s";
    consumer_config.receiver_queue_size = 4;
    pulsar_consumer *consumer = NULL;
    assert_int_equal(pulsar_consumer_subscribe(client, &consumer_config, &consumer), PULSAR_OK);

    /* Two received messages are half the queue: their permits go back in one FLOW. The
     * third stays below the threshold. */
    for (int i = 0; i < 3; i++) {
        pulsar_message *message = NULL;
        assert_int_equal(pulsar_consumer_receive(consumer, 5000, &message), PULSAR_OK);
        pulsar_message_free(message);
    }
    /* The consumer's close travels behind any FLOW on the same connection. */
    assert_int_equal(pulsar_consumer_close(consumer), PULSAR_OK);
    pulsar_client_close(client);
    fake_broker_stop(&broker);
    assert_int_equal(script.flows, 2);
    assert_int_equal(script.flow_permits[0], 4);
    assert_int_equal(script.flow_permits[1], 2);
}

static pulsar_result subscribe_through(script_state *script, uint32_t max_redirects)
{
    fake_broker broker;
    fake_broker_start(&broker, script_consumer, script);
    script->port = broker.port;
    char url[64];
    snprintf(url, sizeof url, "pulsar://127.0.0.1:%u", (unsigned)broker.port);
    pulsar_client_config config;
    pulsar_client_config_init(&config);
    config.service_url = url;
    config.operation_timeout_ms = 5000;
    config.max_lookup_redirects = max_redirects;
    pulsar_client *client = NULL;
    assert_int_equal(pulsar_client_create(&config, &client), PULSAR_OK);
    pulsar_consumer_config consumer_config;
    pulsar_consumer_config_init(&consumer_config);
    consumer_config.topic = "t";
    consumer_config.subscription = "s";
    pulsar_consumer *consumer = NULL;
    pulsar_result rc = pulsar_consumer_subscribe(client, &consumer_config, &consumer);
    pulsar_consumer_close(consumer);
    pulsar_client_close(client);
    fake_broker_stop(&broker);
    return rc;
}

static void lookup_follows_redirect_authoritatively(void **state)
{
    (void)state;
    script_state script = {.redirects_left = 2};
    assert_int_equal(subscribe_through(&script, 20), PULSAR_OK);
    assert_int_equal(script.lookups, 3);
    assert_true(script.retry_was_authoritative);
    assert_true(script.subscribed);
}

static void endless_redirects_fail_lookup(void **state)
{
    (void)state;
    script_state script = {.redirects_left = -1};
    assert_int_equal(subscribe_through(&script, 3), PULSAR_ERR_LOOKUP);
    /* The first lookup plus three redirects followed, then the client gives up. */
    assert_int_equal(script.lookups, 4);
    assert_false(script.subscribed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(consumer_drops_corrupt_and_splits_batch),
        cmocka_unit_test(permits_return_at_half_queue),
        cmocka_unit_test(lookup_follows_redirect_authoritatively),
        cmocka_unit_test(endless_redirects_fail_lookup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
