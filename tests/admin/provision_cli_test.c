/*
 * The switchyard program's provision and token subcommands, run as a user
 * runs them: exit statuses, exact messages, and that a configuration error
 * sends nothing. A small fake admin server on a loopback port stands in for
 * the broker where a request must fail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fake_admin.h"

#ifndef SWITCHYARD_PROGRAM
#error "SWITCHYARD_PROGRAM must name the switchyard program (set by tests/admin/CMakeLists.txt)"
#endif

extern char **environ;

/* ---- running the program ------------------------------------------------ */

typedef struct {
    int status; /* exit status */
    char out[8192];
    char err[8192];
} run_result;

static void read_file(const char *path, char *out, size_t out_size)
{
    FILE *file = fopen(path, "r");
    assert_non_null(file);
    size_t n = fread(out, 1, out_size - 1, file);
    out[n] = '\0';
    fclose(file);
    unlink(path);
}

static void run(char *const argv[], run_result *result)
{
    char out_path[] = "/tmp/switchyard-cli-out-XXXXXX";
    char err_path[] = "/tmp/switchyard-cli-err-XXXXXX";
    int out_fd = mkstemp(out_path);
    int err_fd = mkstemp(err_path);
    assert_true(out_fd >= 0 && err_fd >= 0);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
    pid_t pid;
    assert_int_equal(posix_spawn(&pid, SWITCHYARD_PROGRAM, &actions, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    close(out_fd);
    close(err_fd);

    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    result->status = WEXITSTATUS(status);
    read_file(out_path, result->out, sizeof result->out);
    read_file(err_path, result->err, sizeof result->err);
}

static void write_text(char *path_template, const char *text)
{
    int fd = mkstemp(path_template);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static const char valid_config[] =
    "pulsar: {cluster: standalone, token_env: SWITCHYARD_CLI_TEST_TOKEN}\n"
    "tenants: [{name: iot-system}]\n"
    "ingest: {namespace: iot-system/ingest, topic: device-messages}\n"
    "environments:\n"
    "  - {name: prod, namespace: iot-system/prod, topics: [{name: commands}]}\n"
    "roles: {router: switchyard-router}\n";

/* A broker whose every answer is an internal error, as when its metadata store is down. */
static void start_failing_server(fake_admin *server)
{
    memset(server, 0, sizeof *server);
    server->default_status = 500;
    server->default_body = "{\"reason\":\"metadata store unavailable\"}";
    fake_admin_start(server);
}

static int clear_environment(void **state)
{
    (void)state;
    unsetenv("SWITCHYARD_ADMIN_TOKEN");
    unsetenv("SWITCHYARD_ADMIN_URL");
    unsetenv("SWITCHYARD_CLI_TEST_TOKEN");
    return 0;
}

/* ---- tests -------------------------------------------------------------- */

static void cli_config_error_sends_nothing(void **state)
{
    (void)state;
    char path[] = "/tmp/switchyard-cli-config-XXXXXX";
    write_text(path, "pulsar: {cluster: standalone}\n"
                     "tenants: [{name: iot-system, admin_role: [x]}]\n");
    fake_admin server;
    start_failing_server(&server);
    char *argv[] = {"switchyard", "provision", "--config", path, NULL};
    run_result result;
    run(argv, &result);
    fake_admin_stop(&server);

    char expected[512];
    snprintf(expected, sizeof expected,
             "switchyard provision: %s:2: unknown key 'admin_role' in tenants[0]: use one of "
             "name, admin_roles, allowed_clusters\n",
             path);
    assert_int_equal(result.status, 2);
    assert_string_equal(result.err, expected);
    assert_string_equal(result.out, "");
    assert_int_equal(server.requests, 0);
    unlink(path);
}

static void cli_missing_token_sends_nothing(void **state)
{
    (void)state;
    char path[] = "/tmp/switchyard-cli-config-XXXXXX";
    write_text(path, valid_config);
    fake_admin server;
    start_failing_server(&server);
    char *argv[] = {"switchyard", "provision", "--config", path, "--dry-run", NULL};
    run_result result;
    run(argv, &result);
    fake_admin_stop(&server);

    assert_int_equal(result.status, 2);
    assert_string_equal(result.err, "switchyard provision: the token variable "
                                    "SWITCHYARD_CLI_TEST_TOKEN is not set or empty: export it "
                                    "with the token\n");
    assert_int_equal(server.requests, 0);
    unlink(path);
}

static void cli_reports_broker_error(void **state)
{
    (void)state;
    char path[] = "/tmp/switchyard-cli-config-XXXXXX";
    write_text(path, valid_config);
    setenv("SWITCHYARD_ADMIN_TOKEN", "admin-token-for-test", 1);
    fake_admin server;
    start_failing_server(&server);
    char *argv[] = {"switchyard", "provision", "--config", path, NULL};
    run_result result;
    run(argv, &result);
    fake_admin_stop(&server);
    unsetenv("SWITCHYARD_ADMIN_TOKEN");

    assert_int_equal(result.status, 1);
    assert_string_equal(result.err, "switchyard provision: reading the cluster state failed: "
                                    "GET /admin/v2/tenants/iot-system: HTTP 500: metadata store "
                                    "unavailable\n");
    assert_string_equal(result.out, "");
    assert_int_equal(server.requests, 1);
    assert_non_null(strstr(server.first_request, "GET /admin/v2/tenants/iot-system HTTP/1.1\r\n"));
    assert_non_null(
        strstr(server.first_request, "\r\nAuthorization: Bearer admin-token-for-test\r\n"));
    unlink(path);
}

static void cli_requires_config_option(void **state)
{
    (void)state;
    char *argv[] = {"switchyard", "provision", "--dry-run", NULL};
    run_result result;
    run(argv, &result);
    assert_int_equal(result.status, 2);
    assert_string_equal(result.err, "switchyard provision: --config FILE is required; run "
                                    "'switchyard provision --help'\n");

    char *unknown[] = {"switchyard", "provision", "--config", "x.yaml", "--force", NULL};
    run(unknown, &result);
    assert_int_equal(result.status, 2);
    assert_string_equal(result.err, "switchyard provision: unknown option or missing value "
                                    "'--force'; run 'switchyard provision --help'\n");
}

static void cli_token_prints_subject_token(void **state)
{
    (void)state;
    char path[] = "/tmp/switchyard-cli-key-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unsigned char key[32];
    for (unsigned i = 0; i < sizeof key; i++) {
        key[i] = (unsigned char)i;
    }
    assert_int_equal(write(fd, key, sizeof key), (ssize_t)sizeof key);
    close(fd);

    char *argv[] = {"switchyard", "token", "--secret-file", path, "--subject", "alice", NULL};
    run_result result;
    run(argv, &result);
    assert_int_equal(result.status, 0);
    /* The same token as in the jwt unit test, computed independently with Python. */
    assert_string_equal(result.out, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSJ9."
                                    "lfXaIzINpl07cPEvzpqEwyp3eHyfv0amRrLq_-BFWvs\n");
    assert_string_equal(result.err, "");

    char *bad_role[] = {"switchyard", "token", "--secret-file", path, "--subject", "a/b", NULL};
    run(bad_role, &result);
    assert_int_equal(result.status, 2);
    assert_string_equal(result.err, "switchyard token: invalid role 'a/b': use 1 to 128 "
                                    "characters of A-Z, a-z, 0-9, '.', '_', '@' and '-'\n");
    assert_string_equal(result.out, "");
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(cli_config_error_sends_nothing, clear_environment),
        cmocka_unit_test_setup(cli_missing_token_sends_nothing, clear_environment),
        cmocka_unit_test_setup(cli_reports_broker_error, clear_environment),
        cmocka_unit_test_setup(cli_requires_config_option, clear_environment),
        cmocka_unit_test_setup(cli_token_prints_subject_token, clear_environment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
