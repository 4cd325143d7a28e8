/*
 * Topic lists of a namespace as the admin API returns them: each
 * partitioned topic once, its partitions left out, other topics kept,
 * system topics dropped, and malformed responses rejected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "lake/lake_topics.h"

static lake_err parse(const char *topics, const char *partitioned, lake_topic_list *list,
                      char *error, size_t error_size)
{
    return lake_topic_list_from_json(topics, strlen(topics), partitioned, strlen(partitioned), list,
                                     error, error_size);
}

static void topics_partitioned_once(void **state)
{
    (void)state;
    const char *topics = "[\"persistent://t/ns/plain\","
                         "\"persistent://t/ns/parts-partition-0\","
                         "\"persistent://t/ns/parts-partition-1\","
                         "\"persistent://t/ns/__change_events\","
                         "\"persistent://t/ns/other-partition-3\"]";
    const char *partitioned = "[\"persistent://t/ns/parts\",\"persistent://t/ns/empty\"]";
    lake_topic_list list;
    char error[256] = "";
    assert_int_equal(parse(topics, partitioned, &list, error, sizeof error), LAKE_OK);

    /* other-partition-3 is an ordinary topic: no partitioned topic "other" exists. */
    assert_int_equal(list.count, 4);
    assert_string_equal(list.names[0], "persistent://t/ns/empty");
    assert_string_equal(list.names[1], "persistent://t/ns/other-partition-3");
    assert_string_equal(list.names[2], "persistent://t/ns/parts");
    assert_string_equal(list.names[3], "persistent://t/ns/plain");
    assert_true(lake_topic_list_contains(&list, "persistent://t/ns/parts"));
    assert_false(lake_topic_list_contains(&list, "persistent://t/ns/parts-partition-0"));
    lake_topic_list_free(&list);
    assert_int_equal(list.count, 0);
    assert_null(list.names);
}

static void topics_suffix_needs_digits(void **state)
{
    (void)state;
    const char *topics = "[\"persistent://t/ns/a-partition-\","
                         "\"persistent://t/ns/a-partition-1x\","
                         "\"persistent://t/ns/a-partition-12\"]";
    lake_topic_list list;
    char error[256] = "";
    assert_int_equal(parse(topics, "[\"persistent://t/ns/a\"]", &list, error, sizeof error),
                     LAKE_OK);
    assert_int_equal(list.count, 3);
    assert_string_equal(list.names[0], "persistent://t/ns/a");
    assert_string_equal(list.names[1], "persistent://t/ns/a-partition-");
    assert_string_equal(list.names[2], "persistent://t/ns/a-partition-1x");
    lake_topic_list_free(&list);
}

static void topics_empty_namespace(void **state)
{
    (void)state;
    lake_topic_list list;
    char error[256] = "";
    assert_int_equal(parse("[]", "[]", &list, error, sizeof error), LAKE_OK);
    assert_int_equal(list.count, 0);
    lake_topic_list_free(&list);
}

static void topics_reject_malformed(void **state)
{
    (void)state;
    lake_topic_list list = {NULL, 0};
    char error[256] = "";
    assert_int_equal(parse("{\"a\":1}", "[]", &list, error, sizeof error), LAKE_ERR_INVALID);
    assert_string_equal(error,
                        "the admin API's list of topics is not a JSON array: another JSON value");
    assert_int_equal(parse("[]", "[\"persistent://t/ns/a\", 7]", &list, error, sizeof error),
                     LAKE_ERR_INVALID);
    assert_string_equal(error, "the admin API's list of partitioned topics has a non-string "
                               "item at index 1");
    assert_int_equal(parse("[", "[]", &list, error, sizeof error), LAKE_ERR_INVALID);
    assert_int_equal(strncmp(error, "the admin API's list of topics is not a JSON array: ", 52), 0);
    assert_null(list.names);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(topics_partitioned_once),
        cmocka_unit_test(topics_suffix_needs_digits),
        cmocka_unit_test(topics_empty_namespace),
        cmocka_unit_test(topics_reject_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
