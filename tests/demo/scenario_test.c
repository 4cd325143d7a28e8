#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "demo/scenario.h"

static demo_scenario *load(const char *text, char *error, size_t error_size)
{
    return demo_scenario_load_string(text, strlen(text), "scenario.yaml", error, error_size);
}

static void scenario_applies_default_and_entries(void **state)
{
    (void)state;
    char error[256];
    demo_scenario *scenario = load("default: {env: prod, app_version: 1}\n"
                                   "ping_every: 5\n"
                                   "devices:\n"
                                   "  - {id: \"22449\", env: dev, app_version: 2}\n"
                                   "  - {id: \"15092\", env: test}\n"
                                   "  - {id: \"5331\", omit_env: true}\n",
                                   error, sizeof error);
    assert_non_null(scenario);
    assert_int_equal(scenario->ping_every, 5);
    assert_int_equal(scenario->device_count, 3);

    const demo_device_setting *dev = demo_scenario_device(scenario, "22449");
    assert_string_equal(dev->env, "dev");
    assert_int_equal(dev->app_version, 2);
    assert_false(dev->omit_env);

    const demo_device_setting *test = demo_scenario_device(scenario, "15092");
    assert_string_equal(test->env, "test");
    assert_int_equal(test->app_version, 1);

    assert_true(demo_scenario_device(scenario, "5331")->omit_env);

    const demo_device_setting *other = demo_scenario_device(scenario, "99999");
    assert_ptr_equal(other, &scenario->fallback);
    assert_string_equal(other->env, "prod");
    assert_int_equal(other->app_version, 1);
    demo_scenario_free(scenario);
}

static void scenario_rejects_mistakes_with_line(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *error;
    } cases[] = {
        {"devices:\n  - {id: \"1\", app_version: 3}\n",
         "scenario.yaml:2: app_version must be 1 or 2"},
        {"devices:\n  - {id: \"1\"}\n  - {id: \"1\", env: dev}\n",
         "scenario.yaml:3: device '1' is listed twice"},
        {"devices:\n  - {id: \"1\", enviroment: dev}\n", "scenario.yaml:2: unknown key 'enviroment'"},
        {"defaults: {env: prod}\n",
         "scenario.yaml:1: unknown key 'defaults': expected default, ping_every or devices"},
        {"ping_every: -1\n", "scenario.yaml:1: ping_every must be a number from 0 (never) to 1000000"},
        {"devices:\n  - {env: dev}\n", "scenario.yaml:2: a device needs an id"},
        {"default: {env: \"\"}\n", "scenario.yaml:1: env must be text of 1 to 48 bytes"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char error[256];
        assert_null(load(cases[i].text, error, sizeof error));
        assert_string_equal(error, cases[i].error);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scenario_applies_default_and_entries),
        cmocka_unit_test(scenario_rejects_mistakes_with_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
