#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "common/yaml_doc.h"

static sy_yaml_doc *load(const char *text, char *error, size_t error_size)
{
    return sy_yaml_load_string(text, strlen(text), "test.yaml", error, error_size);
}

static void yaml_loads_nested_values_with_lines(void **state)
{
    (void)state;
    char error[256];
    sy_yaml_doc *doc = load("tenant: iot-system\n"
                            "environments:\n"
                            "  - name: prod\n"
                            "    partitions: 4\n"
                            "  - name: \"dev\"\n"
                            "    dedup: yes\n",
                            error, sizeof error);
    assert_non_null(doc);
    const sy_yaml_node *root = doc->root;
    assert_int_equal(root->kind, SY_YAML_MAPPING);
    assert_int_equal(root->count, 2);
    assert_string_equal(sy_yaml_get(root, "tenant")->value, "iot-system");
    assert_int_equal(sy_yaml_key_line(root, "environments"), 2);

    const sy_yaml_node *envs = sy_yaml_get(root, "environments");
    assert_int_equal(envs->kind, SY_YAML_SEQUENCE);
    assert_int_equal(envs->count, 2);
    assert_int_equal(envs->items[1]->line, 5);

    int64_t partitions = 0;
    assert_true(sy_yaml_int64(sy_yaml_get(envs->items[0], "partitions"), &partitions));
    assert_int_equal(partitions, 4);

    const sy_yaml_node *dev_name = sy_yaml_get(envs->items[1], "name");
    assert_string_equal(dev_name->value, "dev");
    assert_true(dev_name->quoted);
    bool dedup = false;
    assert_true(sy_yaml_bool(sy_yaml_get(envs->items[1], "dedup"), &dedup));
    assert_true(dedup);
    sy_yaml_free(doc);
}

static void yaml_rejects_duplicate_key_with_line(void **state)
{
    (void)state;
    char error[256];
    sy_yaml_doc *doc = load("a: 1\nb: 2\na: 3\n", error, sizeof error);
    assert_null(doc);
    assert_string_equal(error, "test.yaml:3:1: duplicate key 'a': remove one of them");
}

static void yaml_rejects_alias(void **state)
{
    (void)state;
    char error[256];
    sy_yaml_doc *doc = load("a: &x 1\nb: *x\n", error, sizeof error);
    assert_null(doc);
    assert_string_equal(error, "test.yaml:2:4: aliases (*name) are not supported: write the value out");
}

static void yaml_reports_syntax_error_position(void **state)
{
    (void)state;
    char error[256];
    sy_yaml_doc *doc = load("a: [1, 2\nb: 3\n", error, sizeof error);
    assert_null(doc);
    assert_non_null(strstr(error, "test.yaml:"));
    assert_non_null(strstr(error, "invalid YAML: "));
}

static void yaml_names_tab_indentation(void **state)
{
    (void)state;
    char error[256];
    sy_yaml_doc *doc = load("pulsar:\n\tcluster: standalone\n", error, sizeof error);
    assert_null(doc);
    assert_string_equal(error, "test.yaml:2:1: invalid YAML: found character that cannot start "
                               "any token: a tab cannot indent YAML, use spaces");
}

static void yaml_typed_scalars_reject_wrong_text(void **state)
{
    (void)state;
    char error[256];
    sy_yaml_doc *doc = load("n: 12x\nq: \"7\"\nb: maybe\nbig: 99999999999999999999\n", error,
                            sizeof error);
    assert_non_null(doc);
    int64_t number = -5;
    bool flag = false;
    assert_false(sy_yaml_int64(sy_yaml_get(doc->root, "n"), &number));
    assert_false(sy_yaml_int64(sy_yaml_get(doc->root, "q"), &number));
    assert_false(sy_yaml_int64(sy_yaml_get(doc->root, "big"), &number));
    assert_false(sy_yaml_bool(sy_yaml_get(doc->root, "b"), &flag));
    assert_int_equal(number, -5);
    sy_yaml_free(doc);
}

static void yaml_unknown_key_is_found(void **state)
{
    (void)state;
    char error[256];
    sy_yaml_doc *doc = load("name: prod\ntopci: x\n", error, sizeof error);
    assert_non_null(doc);
    static const char *const allowed[] = {"name", "topic", NULL};
    assert_string_equal(sy_yaml_unknown_key(doc->root, allowed), "topci");
    sy_yaml_free(doc);
}

static void yaml_empty_file_has_no_root(void **state)
{
    (void)state;
    char error[256];
    sy_yaml_doc *doc = load("", error, sizeof error);
    assert_non_null(doc);
    assert_null(doc->root);
    sy_yaml_free(doc);
}

static void yaml_missing_file_names_path(void **state)
{
    (void)state;
    char error[256];
    assert_null(sy_yaml_load("/nonexistent/switchyard.yaml", error, sizeof error));
    assert_string_equal(error, "/nonexistent/switchyard.yaml: cannot open: No such file or directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(yaml_loads_nested_values_with_lines),
        cmocka_unit_test(yaml_rejects_duplicate_key_with_line),
        cmocka_unit_test(yaml_rejects_alias),
        cmocka_unit_test(yaml_reports_syntax_error_position),
        cmocka_unit_test(yaml_names_tab_indentation),
        cmocka_unit_test(yaml_typed_scalars_reject_wrong_text),
        cmocka_unit_test(yaml_unknown_key_is_found),
        cmocka_unit_test(yaml_empty_file_has_no_root),
        cmocka_unit_test(yaml_missing_file_names_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
