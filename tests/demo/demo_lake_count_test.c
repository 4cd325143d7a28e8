#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>
#include <zstd.h>

#include "demo/demo_lake_count.h"

static char root[64];

static const char lines[] = "{\"key\":\"22449\",\"payload\":\"a\"}\n"
                            "{\"key\":\"22449\",\"payload\":\"b\"}\n"
                            "{\"key\":\"15092\",\"payload\":\"c\"}\n";

static void write_bytes(const char *relative, const void *bytes, size_t len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", root, relative);
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(bytes, 1, len, file), len);
    fclose(file);
}

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/lake-count-XXXXXX");
    if (mkdtemp(root) == NULL) {
        return -1;
    }
    char path[256];
    snprintf(path, sizeof path, "%s/prod", root);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/prod/2019", root);
    mkdir(path, 0700);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", root);
    return system(command) == 0 ? 0 : -1;
}

static void lake_count_reads_every_format(void **state)
{
    (void)state;
    write_bytes("prod/a.jsonl", lines, strlen(lines));

    char gz_path[256];
    snprintf(gz_path, sizeof gz_path, "%s/prod/2019/b.jsonl.gz", root);
    gzFile gz = gzopen(gz_path, "wb");
    assert_non_null(gz);
    assert_int_equal(gzwrite(gz, lines, (unsigned)strlen(lines)), (int)strlen(lines));
    gzclose(gz);

    char compressed[1024];
    size_t size = ZSTD_compress(compressed, sizeof compressed, lines, strlen(lines), 3);
    assert_false(ZSTD_isError(size));
    write_bytes("prod/2019/c.jsonl.zst", compressed, size);

    /* Neither a temporary file nor another kind of file counts. */
    write_bytes("prod/.d.jsonl.tmp", lines, strlen(lines));
    write_bytes("prod/notes.txt", lines, strlen(lines));

    demo_lake_count count = {.per_device = json_object()};
    char error[256];
    assert_int_equal(demo_lake_count_directory(root, &count, error, sizeof error), 0);
    assert_int_equal(count.files, 3);
    assert_int_equal(count.records, 9);
    assert_int_equal(count.unreadable, 0);
    assert_int_equal(json_integer_value(json_object_get(count.per_device, "22449")), 6);
    assert_int_equal(json_integer_value(json_object_get(count.per_device, "15092")), 3);
    assert_int_equal(json_object_size(count.per_device), 2);
    json_decref(count.per_device);
}

static void lake_count_flags_truncated_zstd(void **state)
{
    (void)state;
    char compressed[1024];
    size_t size = ZSTD_compress(compressed, sizeof compressed, lines, strlen(lines), 3);
    assert_false(ZSTD_isError(size));
    write_bytes("prod/cut.jsonl.zst", compressed, size - 4);

    demo_lake_count count = {.per_device = json_object()};
    char error[256];
    assert_int_equal(demo_lake_count_directory(root, &count, error, sizeof error), 0);
    assert_int_equal(count.files, 1);
    assert_int_equal(count.unreadable, 1);
    json_decref(count.per_device);
}

static void lake_count_missing_directory_is_empty(void **state)
{
    (void)state;
    demo_lake_count count = {.per_device = json_object()};
    char error[256];
    assert_int_equal(demo_lake_count_directory("/nonexistent/lake", &count, error, sizeof error), 0);
    assert_int_equal(count.files, 0);
    assert_int_equal(count.records, 0);
    json_decref(count.per_device);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(lake_count_reads_every_format, setup, teardown),
        cmocka_unit_test_setup_teardown(lake_count_flags_truncated_zstd, setup, teardown),
        cmocka_unit_test_setup_teardown(lake_count_missing_directory_is_empty, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
