/* Helpers of the lake integration tests (lake_it_support.h). */
#include "lake_it_support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lake/lake_compress.h"

extern char **environ;

const char *it_require_env(const char *name)
{
    const char *value = getenv(name);
    if (value == NULL || value[0] == '\0') {
        fprintf(stderr,
                "%s is not set: run the integration tests through 'make test', which starts "
                "the broker and the GCS emulator and sets it\n",
                name);
        return NULL;
    }
    return value;
}

void it_make_temp_dir(const char *prefix, char *dir, size_t dir_size)
{
    snprintf(dir, dir_size, "/tmp/%s-XXXXXX", prefix);
    assert_non_null(mkdtemp(dir));
}

void it_remove_tree(const char *dir)
{
    char command[512];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    assert_int_equal(system(command), 0);
}

void it_write_file(const char *path, const char *text)
{
    FILE *file = fopen(path, "w");
    if (file == NULL) {
        fail_msg("cannot write %s: %s", path, strerror(errno));
    }
    assert_int_equal(fputs(text, file) >= 0, 1);
    assert_int_equal(fclose(file), 0);
}

pid_t it_spawn(const char *log_path, const char *const *argv)
{
    size_t count = 0;
    while (argv[count] != NULL) {
        count++;
    }
    char **child_argv = calloc(count + 2, sizeof *child_argv);
    assert_non_null(child_argv);
    child_argv[0] = (char *)SWITCHYARD_BIN;
    for (size_t i = 0; i < count; i++) {
        child_argv[i + 1] = (char *)argv[i];
    }

    int log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log_fd < 0) {
        fail_msg("cannot open %s: %s", log_path, strerror(errno));
    }
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(log_fd, STDOUT_FILENO);
        dup2(log_fd, STDERR_FILENO);
        close(log_fd);
        execve(SWITCHYARD_BIN, child_argv, environ);
        _exit(127);
    }
    close(log_fd);
    free(child_argv);
    return pid;
}

int it_wait(pid_t pid, int timeout_ms)
{
    int64_t deadline = it_now_ms() + timeout_ms;
    for (;;) {
        int status = 0;
        pid_t done = waitpid(pid, &status, WNOHANG);
        assert_true(done >= 0);
        if (done == pid) {
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        if (it_now_ms() >= deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            fail_msg("process %ld still ran after %d ms; killed it", (long)pid, timeout_ms);
        }
        it_sleep_ms(20);
    }
}

int it_stop(pid_t pid, int signal_number, int timeout_ms)
{
    assert_int_equal(kill(pid, signal_number), 0);
    return it_wait(pid, timeout_ms);
}

void it_print_log(const char *log_path)
{
    char command[512];
    snprintf(command, sizeof command, "tail -n 40 '%s' >&2", log_path);
    fprintf(stderr, "---- last lines of %s\n", log_path);
    if (system(command) != 0) {
        fprintf(stderr, "(cannot read %s)\n", log_path);
    }
}

void it_sleep_ms(int ms)
{
    struct timespec pause = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&pause, NULL);
}

int64_t it_now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static size_t collect(char *data, size_t size, size_t count, void *context)
{
    if (context == NULL) {
        return size * count;
    }
    return lake_buf_append(context, data, size * count) == LAKE_OK ? size * count : 0;
}

long it_http(const char *method, const char *url, const char *body, lake_buf *response)
{
    CURL *curl = curl_easy_init();
    assert_non_null(curl);
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    if (body != NULL) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    }
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, response);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK) {
        fail_msg("%s %s failed: %s", method, url, curl_easy_strerror(rc));
    }
    return status;
}

json_t *it_http_get_json(const char *url)
{
    lake_buf response = {0};
    long status = it_http("GET", url, NULL, &response);
    if (status != 200) {
        fail_msg("GET %s returned %ld: %.*s", url, status, (int)response.len,
                 response.data != NULL ? (const char *)response.data : "");
    }
    json_error_t error;
    json_t *value = json_loadb((const char *)response.data, response.len, 0, &error);
    lake_buf_clear(&response);
    if (value == NULL) {
        fail_msg("GET %s returned invalid JSON: %s", url, error.text);
    }
    return value;
}

void it_gcs_create_bucket(const char *gcs_url, const char *bucket)
{
    char url[512];
    char body[160];
    snprintf(url, sizeof url, "%s/storage/v1/b?project=test", gcs_url);
    snprintf(body, sizeof body, "{\"name\":\"%s\"}", bucket);
    assert_int_equal(it_http("POST", url, body, NULL), 200);
}

json_t *it_gcs_list(const char *gcs_url, const char *bucket)
{
    json_t *names = json_array();
    char token[512] = "";
    do {
        char url[1024];
        snprintf(url, sizeof url, "%s/storage/v1/b/%s/o?maxResults=1000%s%s", gcs_url, bucket,
                 token[0] != '\0' ? "&pageToken=" : "", token);
        json_t *page = it_http_get_json(url);
        json_t *item;
        size_t index;
        json_array_foreach(json_object_get(page, "items"), index, item)
        {
            json_array_append(names, json_object_get(item, "name"));
        }
        const char *next = json_string_value(json_object_get(page, "nextPageToken"));
        snprintf(token, sizeof token, "%s", next != NULL ? next : "");
        json_decref(page);
    } while (token[0] != '\0');
    return names;
}

lake_buf it_gcs_download(const char *gcs_url, const char *bucket, const char *name)
{
    CURL *curl = curl_easy_init();
    char *escaped = curl_easy_escape(curl, name, 0);
    char url[1536];
    snprintf(url, sizeof url, "%s/storage/v1/b/%s/o/%s?alt=media", gcs_url, bucket, escaped);
    curl_free(escaped);
    curl_easy_cleanup(curl);
    lake_buf body = {0};
    long status = it_http("GET", url, NULL, &body);
    if (status != 200) {
        fail_msg("downloading %s from %s returned %ld", name, bucket, status);
    }
    return body;
}

static bool ends_with(const char *text, const char *suffix)
{
    size_t text_len = strlen(text);
    size_t suffix_len = strlen(suffix);
    return text_len >= suffix_len && strcmp(text + text_len - suffix_len, suffix) == 0;
}

json_t *it_parse_lake_file(const char *name, const lake_buf *bytes)
{
    lake_compression kind = LAKE_COMPRESSION_NONE;
    if (ends_with(name, ".gz")) {
        kind = LAKE_COMPRESSION_GZIP;
    } else if (ends_with(name, ".zst")) {
        kind = LAKE_COMPRESSION_ZSTD;
    }
    lake_buf plain = {0};
    if (lake_decompress(kind, bytes->data, bytes->len, 1 << 26, &plain) != LAKE_OK) {
        fail_msg("%s does not decompress", name);
    }

    json_t *lines = json_array();
    size_t start = 0;
    for (size_t i = 0; i < plain.len; i++) {
        if (plain.data[i] != '\n') {
            continue;
        }
        json_error_t error;
        json_t *line = json_loadb((const char *)plain.data + start, i - start, 0, &error);
        if (line == NULL) {
            fail_msg("%s: line at byte %zu is not JSON: %s", name, start, error.text);
        }
        json_array_append_new(lines, line);
        start = i + 1;
    }
    if (start != plain.len) {
        fail_msg("%s does not end with a newline", name);
    }
    lake_buf_clear(&plain);
    return lines;
}

void it_format_utc_ms(int64_t ms, char text[32])
{
    time_t seconds = (time_t)(ms / 1000);
    struct tm parts;
    gmtime_r(&seconds, &parts);
    char whole[24];
    strftime(whole, sizeof whole, "%Y-%m-%dT%H:%M:%S", &parts);
    snprintf(text, 32, "%s.%03dZ", whole, (int)(ms % 1000));
}
