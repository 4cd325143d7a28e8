/*
 * The batch tracker table: lookups by (partition, ledger, entry) across
 * growth, removal of one tracker, of a cumulative range, and of all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pulsar/tracker.h"

/* 5000 entries across two ledgers and two partitions: the table grows many times. */
#define ENTRIES 5000

static void add_entries(tracker_table *table)
{
    for (uint64_t e = 0; e < ENTRIES; e++) {
        int32_t partition = (int32_t)(e % 2);
        uint64_t ledger = e < ENTRIES / 2 ? 7 : 8;
        batch_tracker *t = tracker_add(table, partition, ledger, e, (uint32_t)(e % 9) + 1);
        assert_non_null(t);
        assert_int_equal(t->remaining, (uint32_t)(e % 9) + 1);
    }
    assert_int_equal(table->count, ENTRIES);
}

static void finds_every_entry_after_growth(void **state)
{
    (void)state;
    tracker_table table = {0};
    assert_null(tracker_find(&table, 0, 7, 0));
    add_entries(&table);
    assert_true(table.bucket_count >= ENTRIES);

    for (uint64_t e = 0; e < ENTRIES; e++) {
        int32_t partition = (int32_t)(e % 2);
        uint64_t ledger = e < ENTRIES / 2 ? 7 : 8;
        batch_tracker *t = tracker_find(&table, partition, ledger, e);
        assert_non_null(t);
        assert_int_equal(t->entry_id, e);
        assert_int_equal(t->size, (uint32_t)(e % 9) + 1);
        /* The same entry id under another partition or ledger is another entry. */
        assert_null(tracker_find(&table, partition ^ 1, ledger, e));
        assert_null(tracker_find(&table, partition, ledger == 7 ? 8 : 7, e));
    }
    tracker_clear(&table);
    assert_int_equal(table.count, 0);
    assert_null(tracker_find(&table, 0, 7, 0));
}

static void removes_one_tracker(void **state)
{
    (void)state;
    tracker_table table = {0};
    add_entries(&table);

    tracker_remove(&table, tracker_find(&table, 1, 7, 1001));
    assert_int_equal(table.count, ENTRIES - 1);
    assert_null(tracker_find(&table, 1, 7, 1001));
    assert_non_null(tracker_find(&table, 0, 7, 1000));
    assert_non_null(tracker_find(&table, 1, 7, 1003));
    tracker_clear(&table);
}

static void removes_through_a_position_of_one_partition(void **state)
{
    (void)state;
    tracker_table table = {0};
    add_entries(&table);

    /* Partition 0 has the even entries: 1250 in ledger 7, 1250 in ledger 8. Up to
     * entry 3000 of ledger 8 that is all of ledger 7 and entries 2500..3000 of ledger 8. */
    tracker_remove_through(&table, 0, 8, 3000);
    assert_int_equal(table.count, ENTRIES - 1250 - 251);
    assert_null(tracker_find(&table, 0, 7, 0));
    assert_null(tracker_find(&table, 0, 8, 3000));
    assert_non_null(tracker_find(&table, 0, 8, 3002));
    assert_non_null(tracker_find(&table, 1, 7, 1));
    assert_non_null(tracker_find(&table, 1, 8, 2999));
    tracker_clear(&table);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finds_every_entry_after_growth),
        cmocka_unit_test(removes_one_tracker),
        cmocka_unit_test(removes_through_a_position_of_one_partition),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
