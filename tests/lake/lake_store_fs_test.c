/*
 * The local directory store: exact bytes under the exact name, directories
 * created, an overwrite replaces the object, no temporary file is left, and
 * names that would leave the root are rejected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lake/lake_store.h"

typedef struct {
    char root[256];
    lake_store *store;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->root, sizeof f->root, "/tmp/lake-store-fs-test-XXXXXX");
    assert_non_null(mkdtemp(f->root));
    char error[256] = "";
    assert_int_equal(lake_store_fs_new(f->root, &f->store, error, sizeof error), LAKE_OK);
    *state = f;
    return 0;
}

static void remove_tree(const char *path)
{
    DIR *dir = opendir(path);
    if (dir == NULL) {
        unlink(path);
        return;
    }
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) {
            continue;
        }
        char child[1024];
        snprintf(child, sizeof child, "%s/%s", path, entry->d_name);
        remove_tree(child);
    }
    closedir(dir);
    rmdir(path);
}

static int teardown(void **state)
{
    fixture *f = *state;
    lake_store_free(f->store);
    remove_tree(f->root);
    free(f);
    return 0;
}

/* Reads root/name whole; returns its length, or -1 when it does not exist. */
static long read_object(const fixture *f, const char *name, char *out, size_t out_size)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", f->root, name);
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        return -1;
    }
    size_t got = fread(out, 1, out_size, file);
    fclose(file);
    return (long)got;
}

static size_t count_entries(const char *path)
{
    DIR *dir = opendir(path);
    assert_non_null(dir);
    size_t count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        count += entry->d_name[0] != '.';
        /* A hidden entry here would be a leftover temporary file. */
        if (entry->d_name[0] == '.' && strcmp(entry->d_name, ".") != 0 &&
            strcmp(entry->d_name, "..") != 0) {
            fail_msg("leftover entry %s in %s", entry->d_name, path);
        }
    }
    closedir(dir);
    return count;
}

static void fs_put_writes_exact_bytes(void **state)
{
    fixture *f = *state;
    const uint8_t bytes[] = {'{', '}', '\n', 0x00, 0xFF};
    char error[256] = "";
    const char *name = "prod/iot-system/prod/commands/2026/12/04/13/1234-56.jsonl";

    assert_int_equal(lake_store_put(f->store, name, bytes, sizeof bytes, NULL, error, sizeof error),
                     LAKE_OK);
    char got[64];
    assert_int_equal(read_object(f, name, got, sizeof got), sizeof bytes);
    assert_memory_equal(got, bytes, sizeof bytes);

    char dir[512];
    snprintf(dir, sizeof dir, "%s/prod/iot-system/prod/commands/2026/12/04/13", f->root);
    assert_int_equal(count_entries(dir), 1);
    struct stat st;
    snprintf(dir, sizeof dir, "%s/%s", f->root, name);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
}

static void fs_put_overwrites_same_name(void **state)
{
    fixture *f = *state;
    char error[256] = "";
    assert_int_equal(lake_store_put(f->store, "a/b.jsonl", (const uint8_t *)"first-long", 10, NULL,
                                    error, sizeof error),
                     LAKE_OK);
    assert_int_equal(
        lake_store_put(f->store, "a/b.jsonl", (const uint8_t *)"2nd", 3, NULL, error, sizeof error),
        LAKE_OK);
    char got[64];
    assert_int_equal(read_object(f, "a/b.jsonl", got, sizeof got), 3);
    assert_memory_equal(got, "2nd", 3);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/a", f->root);
    assert_int_equal(count_entries(dir), 1);
}

static void fs_put_empty_object(void **state)
{
    fixture *f = *state;
    char error[256] = "";
    assert_int_equal(lake_store_put(f->store, "empty.jsonl", NULL, 0, NULL, error, sizeof error),
                     LAKE_OK);
    char got[8];
    assert_int_equal(read_object(f, "empty.jsonl", got, sizeof got), 0);
}

static void fs_put_rejects_escaping_names(void **state)
{
    fixture *f = *state;
    static const char *const names[] = {"../x", "/etc/x", "a/../../x", ""};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char error[256] = "";
        assert_int_equal(
            lake_store_put(f->store, names[i], (const uint8_t *)"x", 1, NULL, error, sizeof error),
            LAKE_ERR_UNSAFE_NAME);
    }
    assert_int_equal(count_entries(f->root), 0);
}

static void fs_put_fails_when_path_is_a_file(void **state)
{
    fixture *f = *state;
    char error[256] = "";
    assert_int_equal(
        lake_store_put(f->store, "blocker", (const uint8_t *)"x", 1, NULL, error, sizeof error),
        LAKE_OK);
    assert_int_equal(lake_store_put(f->store, "blocker/child.jsonl", (const uint8_t *)"x", 1, NULL,
                                    error, sizeof error),
                     LAKE_ERR_IO);
    assert_non_null(strstr(error, "blocker"));
}

static void fs_new_rejects_missing_root(void **state)
{
    (void)state;
    char error[256] = "";
    lake_store *store = NULL;
    assert_int_equal(lake_store_fs_new("/nonexistent/lake-root", &store, error, sizeof error),
                     LAKE_ERR_IO);
    assert_null(store);
    assert_non_null(strstr(error, "/nonexistent/lake-root"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(fs_put_writes_exact_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(fs_put_overwrites_same_name, setup, teardown),
        cmocka_unit_test_setup_teardown(fs_put_empty_object, setup, teardown),
        cmocka_unit_test_setup_teardown(fs_put_rejects_escaping_names, setup, teardown),
        cmocka_unit_test_setup_teardown(fs_put_fails_when_path_is_a_file, setup, teardown),
        cmocka_unit_test_setup_teardown(fs_new_rejects_missing_root, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
