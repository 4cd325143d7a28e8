#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/log.h"

static void log_level_parses_each_name(void **state)
{
    (void)state;
    sy_log_level level = SY_LOG_ERROR;

    assert_true(sy_log_level_parse("debug", &level));
    assert_int_equal(level, SY_LOG_DEBUG);
    assert_true(sy_log_level_parse("INFO", &level));
    assert_int_equal(level, SY_LOG_INFO);
    assert_true(sy_log_level_parse("Warn", &level));
    assert_int_equal(level, SY_LOG_WARN);
    assert_true(sy_log_level_parse("warning", &level));
    assert_int_equal(level, SY_LOG_WARN);
    assert_true(sy_log_level_parse("error", &level));
    assert_int_equal(level, SY_LOG_ERROR);
}

static void log_level_rejects_unknown_name(void **state)
{
    (void)state;
    sy_log_level level = SY_LOG_INFO;

    assert_false(sy_log_level_parse("verbose", &level));
    assert_false(sy_log_level_parse("", &level));
    assert_int_equal(level, SY_LOG_INFO);
}

static void log_level_names_are_fixed(void **state)
{
    (void)state;
    assert_string_equal(sy_log_level_name(SY_LOG_DEBUG), "DEBUG");
    assert_string_equal(sy_log_level_name(SY_LOG_INFO), "INFO");
    assert_string_equal(sy_log_level_name(SY_LOG_WARN), "WARN");
    assert_string_equal(sy_log_level_name(SY_LOG_ERROR), "ERROR");
}

static void log_minimum_level_round_trips(void **state)
{
    (void)state;
    sy_log_set_level(SY_LOG_WARN);
    assert_int_equal(sy_log_get_level(), SY_LOG_WARN);
    sy_log_set_level(SY_LOG_INFO);
    assert_int_equal(sy_log_get_level(), SY_LOG_INFO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(log_level_parses_each_name),
        cmocka_unit_test(log_level_rejects_unknown_name),
        cmocka_unit_test(log_level_names_are_fixed),
        cmocka_unit_test(log_minimum_level_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
