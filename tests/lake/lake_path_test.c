/*
 * Path templates and time zones: every placeholder renders, names that
 * would escape the store's prefix are rejected, and zone conversion agrees
 * with the C library's localtime_r for real IANA zones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lake/lake_path.h"

/* 2026-12-04T13:05:01.123Z */
#define WINTER_MS 1796389501123
/* 2026-07-01T22:30:00.000Z */
#define SUMMER_MS 1782945000000

static lake_tz *load_zone(const char *name)
{
    char error[256] = "";
    lake_tz *tz = NULL;
    if (lake_tz_load(name, &tz, error, sizeof error) != LAKE_OK) {
        fail_msg("loading %s: %s", name, error);
    }
    return tz;
}

static lake_path_template *parse_template(const char *text)
{
    char error[256] = "";
    lake_path_template *path_template = NULL;
    if (lake_path_template_parse(text, &path_template, error, sizeof error) != LAKE_OK) {
        fail_msg("parsing %s: %s", text, error);
    }
    return path_template;
}

static lake_err render(const char *template_text, const char *env, const char *topic,
                       const char *zone, int64_t time_ms, lake_message_id id, char *name)
{
    char error[256] = "";
    lake_topic_name topic_name;
    assert_int_equal(lake_topic_name_parse(topic, &topic_name, error, sizeof error), LAKE_OK);
    lake_tz *tz = load_zone(zone);
    lake_path_template *path_template = parse_template(template_text);
    lake_path_values values = {env, &topic_name, tz, time_ms, id, ".jsonl.gz"};
    lake_err rc = lake_path_render(path_template, &values, name, error, sizeof error);
    lake_path_template_free(path_template);
    lake_tz_free(tz);
    return rc;
}

static void path_default_layout_exact(void **state)
{
    (void)state;
    char name[LAKE_OBJECT_NAME_MAX];
    assert_int_equal(render("{env}/{tenant}/{namespace}/{topic}/{yyyy}/{mm}/{dd}/{hh}", "prod",
                            "persistent://iot-system/prod/commands", "UTC", WINTER_MS,
                            (lake_message_id){1234, 56, -1, -1}, name),
                     LAKE_OK);
    assert_string_equal(name, "prod/iot-system/prod/commands/2026/12/04/13/1234-56.jsonl.gz");
}

static void path_every_placeholder(void **state)
{
    (void)state;
    char name[LAKE_OBJECT_NAME_MAX];
    assert_int_equal(render("lake/e={env}/t={tenant}/n={namespace}/{topic}/p{partition}/"
                            "{yyyy}-{mm}-{dd}T{hh}",
                            "dev-alice", "persistent://iot-system/dev-alice/replies-partition-12",
                            "UTC", SUMMER_MS, (lake_message_id){9, 8, 12, 0}, name),
                     LAKE_OK);
    assert_string_equal(name, "lake/e=dev-alice/t=iot-system/n=dev-alice/replies/p12/"
                              "2026-07-01T22/9-8-p12-b0.jsonl.gz");

    assert_int_equal(render("{topic}/{partition}", "prod",
                            "non-persistent://iot-system/prod/commands", "UTC", SUMMER_MS,
                            (lake_message_id){1, 2, -1, 5}, name),
                     LAKE_OK);
    assert_string_equal(name, "commands/none/1-2-b5.jsonl.gz");

    assert_int_equal(render("", "prod", "persistent://t/n/x", "UTC", SUMMER_MS,
                            (lake_message_id){3, 4, -1, -1}, name),
                     LAKE_OK);
    assert_string_equal(name, "3-4.jsonl.gz");
}

static void path_time_zones_shift_hours(void **state)
{
    (void)state;
    char name[LAKE_OBJECT_NAME_MAX];
    static const struct {
        const char *zone;
        int64_t time_ms;
        const char *expected;
    } cases[] = {
        {"Europe/Berlin", WINTER_MS, "2026/12/04/14/1-1.jsonl.gz"},    /* CET, +1 */
        {"Europe/Berlin", SUMMER_MS, "2026/07/02/00/1-1.jsonl.gz"},    /* CEST, +2 */
        {"America/New_York", WINTER_MS, "2026/12/04/08/1-1.jsonl.gz"}, /* EST, -5 */
        {"America/New_York", SUMMER_MS, "2026/07/01/18/1-1.jsonl.gz"}, /* EDT, -4 */
        {"Australia/Sydney", WINTER_MS, "2026/12/05/00/1-1.jsonl.gz"}, /* AEDT, +11 */
        {"Australia/Sydney", SUMMER_MS, "2026/07/02/08/1-1.jsonl.gz"}, /* AEST, +10 */
        {"Asia/Kolkata", WINTER_MS, "2026/12/04/18/1-1.jsonl.gz"},     /* +5:30 */
        {"UTC", SUMMER_MS, "2026/07/01/22/1-1.jsonl.gz"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(render("{yyyy}/{mm}/{dd}/{hh}", "prod", "persistent://t/n/x",
                                cases[i].zone, cases[i].time_ms, (lake_message_id){1, 1, -1, -1},
                                name),
                         LAKE_OK);
        if (strcmp(name, cases[i].expected) != 0) {
            fail_msg("%s: got %s, expected %s", cases[i].zone, name, cases[i].expected);
        }
    }
}

/* Compares lake_tz_civil with localtime_r at many instants, including around transitions. */
static void compare_with_libc(const char *zone)
{
    lake_tz *tz = load_zone(zone);
    char tz_variable[128];
    snprintf(tz_variable, sizeof tz_variable, ":%s", zone);
    /* The test is single-threaded, so setting TZ here races with nothing. */
    setenv("TZ", tz_variable, 1);
    tzset();

    /* 1900 to 2100, in steps that land on every hour of the day over time. */
    for (int64_t t = -2208988800; t < 4102444800; t += 3600 * 24 * 7 + 1799) {
        time_t instant = (time_t)t;
        struct tm expected;
        assert_non_null(localtime_r(&instant, &expected));
        lake_civil_time civil;
        lake_tz_civil(tz, t, &civil);
        if (civil.year != expected.tm_year + 1900 || civil.month != expected.tm_mon + 1 ||
            civil.day != expected.tm_mday || civil.hour != expected.tm_hour ||
            civil.minute != expected.tm_min || civil.second != expected.tm_sec) {
            fail_msg("%s at %lld: got %lld-%02d-%02d %02d:%02d:%02d, libc %d-%02d-%02d "
                     "%02d:%02d:%02d",
                     zone, (long long)t, (long long)civil.year, civil.month, civil.day, civil.hour,
                     civil.minute, civil.second, expected.tm_year + 1900, expected.tm_mon + 1,
                     expected.tm_mday, expected.tm_hour, expected.tm_min, expected.tm_sec);
        }
    }
    unsetenv("TZ");
    tzset();
    lake_tz_free(tz);
}

static void tz_matches_libc_for_real_zones(void **state)
{
    (void)state;
    static const char *const zones[] = {
        "Europe/Berlin",     "America/New_York", "Australia/Sydney", "Asia/Kolkata",
        "America/Sao_Paulo", "Pacific/Chatham",  "Europe/Dublin",    "Africa/Casablanca",
        "America/St_Johns",  "Asia/Tokyo",       "Etc/GMT+5",
    };
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        compare_with_libc(zones[i]);
    }
}

static void put_be32(uint8_t *p, uint32_t value)
{
    p[0] = (uint8_t)(value >> 24);
    p[1] = (uint8_t)(value >> 16);
    p[2] = (uint8_t)(value >> 8);
    p[3] = (uint8_t)value;
}

/* Builds a version 2 TZif file with no transitions and rule as its footer. */
static size_t make_rule_only_tzif(const char *rule, int32_t std_offset, uint8_t *out)
{
    size_t len = 0;
    for (int block = 0; block < 2; block++) {
        memset(out + len, 0, 44);
        memcpy(out + len, "TZif2", 5);
        put_be32(out + len + 36, 1); /* one type */
        put_be32(out + len + 40, 4); /* four bytes of abbreviations */
        len += 44;
        put_be32(out + len, (uint32_t)std_offset);
        out[len + 4] = 0;
        out[len + 5] = 0;
        memcpy(out + len + 6, "STD", 4);
        len += 10;
    }
    out[len++] = '\n';
    memcpy(out + len, rule, strlen(rule));
    len += strlen(rule);
    out[len++] = '\n';
    return len;
}

static void tz_footer_rules_match_libc(void **state)
{
    (void)state;
    static const struct {
        const char *rule;
        int32_t std_offset;
    } cases[] = {
        {"<+03>-3<+04>,J60/2,J300/25", 10800},
        {"<-04>4<-03>,M9.1.6/24,M4.1.6/24", -14400},
        {"NZST-12NZDT,M9.5.0,M4.1.0/3", 43200},
        {"EST5EDT,M3.2.0,M11.1.0", -18000},
        {"<+0330>-3:30<+0430>,59/0,243/23:59:59", 12600},
        {"XST-1XDT-2:30,M3.5.0/-1,M10.5.0/3", 3600},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t bytes[256];
        size_t len = make_rule_only_tzif(cases[i].rule, cases[i].std_offset, bytes);
        char error[256] = "";
        lake_tz *tz = NULL;
        if (lake_tz_parse(bytes, len, &tz, error, sizeof error) != LAKE_OK) {
            fail_msg("rule %s: %s", cases[i].rule, error);
        }
        /* The test is single-threaded, so setting TZ here races with nothing. */
        setenv("TZ", cases[i].rule, 1);
        tzset();
        for (int64_t t = 1577836800; t < 1893456000; t += 3600 * 5 + 1) {
            time_t instant = (time_t)t;
            struct tm expected;
            assert_non_null(localtime_r(&instant, &expected));
            /* struct tm has no offset field in strict C17, so derive it from the civil time. */
            int64_t local = lake_days_from_civil(expected.tm_year + 1900, expected.tm_mon + 1,
                                                 expected.tm_mday) *
                                86400 +
                            expected.tm_hour * 3600 + expected.tm_min * 60 + expected.tm_sec;
            if (lake_tz_offset(tz, t) != local - t) {
                fail_msg("rule %s at %lld: offset %d, libc %lld", cases[i].rule, (long long)t,
                         lake_tz_offset(tz, t), (long long)(local - t));
            }
        }
        lake_tz_free(tz);
    }
    unsetenv("TZ");
    tzset();
}

static void tz_malformed_footers_rejected(void **state)
{
    (void)state;
    static const char *const rules[] = {
        "CET-1CEST",
        "CE-1",
        "CET-25",
        "CET-1CEST,M13.1.0,M10.5.0",
        "CET-1CEST,M3.6.0,M10.5.0",
        "CET-1CEST,M3.5.7,M10.5.0",
        "CET-1CEST,J0,J365",
        "CET-1CEST,M3.5.0/168,M10.5.0",
        "<+03-3",
        "CET-1CEST,M3.5.0,M10.5.0x",
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        uint8_t bytes[256];
        size_t len = make_rule_only_tzif(rules[i], 3600, bytes);
        char error[256] = "";
        lake_tz *tz = NULL;
        if (lake_tz_parse(bytes, len, &tz, error, sizeof error) != LAKE_ERR_TIME_ZONE) {
            fail_msg("footer '%s' was not rejected", rules[i]);
        }
        assert_non_null(strstr(error, "POSIX TZ rule"));
    }
}

static void tz_offsets_at_dst_changes(void **state)
{
    (void)state;
    lake_tz *tz = load_zone("Europe/Berlin");
    /* 2030-03-31T01:00:00Z: CET ends, beyond the file's transition table. */
    assert_int_equal(lake_tz_offset(tz, 1901149200 - 1), 3600);
    assert_int_equal(lake_tz_offset(tz, 1901149200), 7200);
    /* 2030-10-27T01:00:00Z: CEST ends. */
    assert_int_equal(lake_tz_offset(tz, 1919293200 - 1), 7200);
    assert_int_equal(lake_tz_offset(tz, 1919293200), 3600);
    assert_string_equal(lake_tz_name(tz), "Europe/Berlin");
    lake_tz_free(tz);
}

static void tz_bad_names_rejected(void **state)
{
    (void)state;
    static const char *const names[] = {
        "",
        "../etc/passwd",
        "/etc/localtime",
        "Europe/../../etc/passwd",
        "Europe//Berlin",
        "Europe/Berlin/",
        "Europe/Ber lin",
        "Europe/./Berlin",
        "Europe\\Berlin",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char error[256] = "";
        lake_tz *tz = NULL;
        if (lake_tz_load(names[i], &tz, error, sizeof error) != LAKE_ERR_INVALID) {
            fail_msg("zone name '%s' was not rejected", names[i]);
        }
        assert_null(tz);
        assert_non_null(strstr(error, "invalid time zone name"));
    }
}

static void tz_unknown_zone_and_bad_file(void **state)
{
    (void)state;
    char error[256] = "";
    lake_tz *tz = NULL;
    assert_int_equal(lake_tz_load("Mars/Olympus_Mons", &tz, error, sizeof error),
                     LAKE_ERR_TIME_ZONE);
    assert_non_null(strstr(error, "Mars/Olympus_Mons"));

    /* A directory is not a zone file. */
    assert_int_equal(lake_tz_load("Europe", &tz, error, sizeof error), LAKE_ERR_TIME_ZONE);

    static const uint8_t not_tzif[] = "TZjf2\0\0\0";
    assert_int_equal(lake_tz_parse(not_tzif, sizeof not_tzif, &tz, error, sizeof error),
                     LAKE_ERR_TIME_ZONE);
    assert_null(tz);
}

static void template_rejects_escapes(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        lake_err expected;
    } cases[] = {
        {"../{env}", LAKE_ERR_UNSAFE_NAME},    {"/{env}", LAKE_ERR_UNSAFE_NAME},
        {"{env}/", LAKE_ERR_UNSAFE_NAME},      {"a//{env}", LAKE_ERR_UNSAFE_NAME},
        {"a/./{env}", LAKE_ERR_UNSAFE_NAME},   {"a/../{env}", LAKE_ERR_UNSAFE_NAME},
        {"a b/{env}", LAKE_ERR_UNSAFE_NAME},   {"a\n/{env}", LAKE_ERR_UNSAFE_NAME},
        {"a\\b", LAKE_ERR_UNSAFE_NAME},        {"{env", LAKE_ERR_INVALID},
        {"{environment}/x", LAKE_ERR_INVALID}, {"{}", LAKE_ERR_INVALID},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char error[256] = "";
        lake_path_template *path_template = NULL;
        lake_err rc = lake_path_template_parse(cases[i].text, &path_template, error, sizeof error);
        if (rc != cases[i].expected) {
            fail_msg("template '%s': got %s, expected %s", cases[i].text, lake_err_str(rc),
                     lake_err_str(cases[i].expected));
        }
        assert_null(path_template);
        assert_true(error[0] != '\0');
    }
}

static void topic_names_that_escape_rejected(void **state)
{
    (void)state;
    static const struct {
        const char *topic;
        lake_err expected;
    } cases[] = {
        {"persistent://iot-system/prod/..", LAKE_ERR_UNSAFE_NAME},
        {"persistent://../prod/x", LAKE_ERR_UNSAFE_NAME},
        {"persistent://iot-system/./x", LAKE_ERR_UNSAFE_NAME},
        {"persistent://iot-system/prod/a/b", LAKE_ERR_UNSAFE_NAME},
        {"persistent://iot-system//x", LAKE_ERR_UNSAFE_NAME},
        {"persistent://iot-system/prod/", LAKE_ERR_UNSAFE_NAME},
        {"persistent://iot-system/prod/x\x01", LAKE_ERR_UNSAFE_NAME},
        {"persistent://iot-system/prod/-partition-3", LAKE_ERR_UNSAFE_NAME},
        {"iot-system/prod/x", LAKE_ERR_INVALID},
        {"persistent://iot-system/x", LAKE_ERR_INVALID},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char error[256] = "";
        lake_topic_name name;
        lake_err rc = lake_topic_name_parse(cases[i].topic, &name, error, sizeof error);
        if (rc != cases[i].expected) {
            fail_msg("topic '%s': got %s, expected %s", cases[i].topic, lake_err_str(rc),
                     lake_err_str(cases[i].expected));
        }
    }

    char error[256] = "";
    lake_topic_name name;
    assert_int_equal(
        lake_topic_name_parse("persistent://t/n/x-partition-", &name, error, sizeof error),
        LAKE_OK);
    assert_string_equal(name.topic, "x-partition-");
    assert_int_equal(name.partition, -1);
    assert_int_equal(
        lake_topic_name_parse("persistent://t/n/x-partition-7", &name, error, sizeof error),
        LAKE_OK);
    assert_string_equal(name.tenant, "t");
    assert_string_equal(name.namespace_name, "n");
    assert_string_equal(name.topic, "x");
    assert_int_equal(name.partition, 7);
}

static void env_values_that_escape_rejected(void **state)
{
    (void)state;
    static const char *const envs[] = {"prod/../x", "..", ".", "", "prod/commands", "a\tb"};
    for (size_t i = 0; i < sizeof envs / sizeof envs[0]; i++) {
        char name[LAKE_OBJECT_NAME_MAX];
        lake_err rc = render("{env}/{topic}", envs[i], "persistent://t/n/x", "UTC", WINTER_MS,
                             (lake_message_id){1, 1, -1, -1}, name);
        if (rc != LAKE_ERR_UNSAFE_NAME) {
            fail_msg("env '%s' rendered as %s", envs[i], name);
        }
    }

    /* Literal dots next to a placeholder must not form "..". */
    char name[LAKE_OBJECT_NAME_MAX];
    assert_int_equal(render(".{env}", ".", "persistent://t/n/x", "UTC", WINTER_MS,
                            (lake_message_id){1, 1, -1, -1}, name),
                     LAKE_ERR_UNSAFE_NAME);
}

static void time_bucket_follows_template(void **state)
{
    (void)state;
    lake_tz *utc = load_zone("UTC");
    lake_path_template *hourly = parse_template("{yyyy}/{mm}/{dd}/{hh}");
    lake_path_template *daily = parse_template("{yyyy}/{mm}/{dd}");
    lake_path_template *none = parse_template("{env}/{topic}");

    int64_t hour_start = 1796389200000; /* 2026-12-04T13:00:00Z */
    assert_int_equal(lake_path_time_bucket(hourly, utc, hour_start), 2026120413);
    assert_int_equal(lake_path_time_bucket(hourly, utc, hour_start + 3599999), 2026120413);
    assert_int_equal(lake_path_time_bucket(hourly, utc, hour_start + 3600000), 2026120414);
    assert_int_equal(lake_path_time_bucket(daily, utc, hour_start + 3600000), 2026120400);
    assert_int_equal(lake_path_time_bucket(none, utc, hour_start), 0);

    lake_path_template_free(hourly);
    lake_path_template_free(daily);
    lake_path_template_free(none);
    lake_tz_free(utc);
}

static void civil_days_round_trip(void **state)
{
    (void)state;
    for (int64_t days = -800000; days < 800000; days += 13) {
        int64_t year;
        int month;
        int day;
        lake_civil_from_days(days, &year, &month, &day);
        assert_int_equal(lake_days_from_civil(year, month, day), days);
    }
    assert_int_equal(lake_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(lake_days_from_civil(2000, 3, 1), 11017);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(path_default_layout_exact),
        cmocka_unit_test(path_every_placeholder),
        cmocka_unit_test(path_time_zones_shift_hours),
        cmocka_unit_test(tz_matches_libc_for_real_zones),
        cmocka_unit_test(tz_offsets_at_dst_changes),
        cmocka_unit_test(tz_footer_rules_match_libc),
        cmocka_unit_test(tz_malformed_footers_rejected),
        cmocka_unit_test(tz_bad_names_rejected),
        cmocka_unit_test(tz_unknown_zone_and_bad_file),
        cmocka_unit_test(template_rejects_escapes),
        cmocka_unit_test(topic_names_that_escape_rejected),
        cmocka_unit_test(env_values_that_escape_rejected),
        cmocka_unit_test(time_bucket_follows_template),
        cmocka_unit_test(civil_days_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
