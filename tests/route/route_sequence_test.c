/*
 * Sequence ids from input positions, text message ids and producer names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "route/route_sequence.h"

static pulsar_message_id position(uint64_t ledger, uint64_t entry, int32_t batch_index)
{
    return (pulsar_message_id){ledger, entry, 3, batch_index, batch_index < 0 ? 0 : 10};
}

static void sequence_packs_ledger_entry_batch(void **state)
{
    (void)state;
    int64_t id = -1;
    pulsar_message_id p = position(7, 5, 2);
    assert_true(route_sequence_from_id(&p, &id));
    assert_int_equal(id, (INT64_C(7) << 40) | (INT64_C(5) << 16) | 2);
}

static void sequence_unbatched_uses_index_zero(void **state)
{
    (void)state;
    int64_t id = -1;
    pulsar_message_id p = position(1, 0, -1);
    assert_true(route_sequence_from_id(&p, &id));
    assert_int_equal(id, INT64_C(1) << 40);
}

static void sequence_follows_position_order(void **state)
{
    (void)state;
    pulsar_message_id order[] = {position(9, 0, -1), position(9, 0, 1), position(9, 1, 0),
                                 position(9, 16777215, 65535), position(10, 0, 0)};
    int64_t previous = -1;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        int64_t id;
        assert_true(route_sequence_from_id(&order[i], &id));
        assert_true(id > previous);
        previous = id;
    }
}

static void sequence_rejects_fields_too_large(void **state)
{
    (void)state;
    int64_t id = 42;
    pulsar_message_id ledger = position(UINT64_C(1) << 23, 0, 0);
    pulsar_message_id entry = position(1, UINT64_C(1) << 24, 0);
    pulsar_message_id batch = position(1, 1, 65536);
    assert_false(route_sequence_from_id(&ledger, &id));
    assert_false(route_sequence_from_id(&entry, &id));
    assert_false(route_sequence_from_id(&batch, &id));
    assert_int_equal(id, 42);

    pulsar_message_id largest = position((UINT64_C(1) << 23) - 1, (UINT64_C(1) << 24) - 1, 65535);
    assert_true(route_sequence_from_id(&largest, &id));
    assert_int_equal(id, INT64_MAX);
}

static void message_id_formats_all_fields(void **state)
{
    (void)state;
    char text[ROUTE_MESSAGE_ID_TEXT_BYTES + 1];
    pulsar_message_id id = {123, 45, -1, -1, 0};
    assert_true(route_message_id_format(&id, text, sizeof text));
    assert_string_equal(text, "123:45:-1:-1");

    pulsar_message_id widest = {UINT64_MAX, UINT64_MAX, INT32_MIN, INT32_MIN, 0};
    assert_true(route_message_id_format(&widest, text, sizeof text));
    assert_string_equal(text, "18446744073709551615:18446744073709551615:-2147483648:-2147483648");

    char small[8];
    assert_false(route_message_id_format(&id, small, sizeof small));
}

static void producer_name_is_stable(void **state)
{
    (void)state;
    char name[ROUTE_PRODUCER_NAME_BYTES + 1];
    assert_true(route_producer_name("switchyard-router", NULL, 2,
                                    "persistent://iot-system/prod/commands", name, sizeof name));
    assert_string_equal(name, "switchyard-router-2-commands");
    assert_true(route_producer_name("switchyard-router", NULL, -1,
                                    "persistent://iot-system/ingest/quarantine", name,
                                    sizeof name));
    assert_string_equal(name, "switchyard-router-0-quarantine");
    assert_true(route_producer_name("sub", "router-b", 0, "persistent://t/n/commands", name,
                                    sizeof name));
    assert_string_equal(name, "sub-router-b-0-commands");

    char small[10];
    assert_false(route_producer_name("switchyard-router", NULL, 0, "persistent://t/n/x", small,
                                     sizeof small));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sequence_packs_ledger_entry_batch),
        cmocka_unit_test(sequence_unbatched_uses_index_zero),
        cmocka_unit_test(sequence_follows_position_order),
        cmocka_unit_test(sequence_rejects_fields_too_large),
        cmocka_unit_test(message_id_formats_all_fields),
        cmocka_unit_test(producer_name_is_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
