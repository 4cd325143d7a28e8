/*
 * Helpers of the router's integration tests (see route_it_util.h).
 */
#include "route_it_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* Routers started and not yet stopped, for route_it_kill_routers. */
#define MAX_ROUTERS 8
static pid_t running[MAX_ROUTERS];

static void admin_ok(route_it_env *env, const char *method, const char *path, const char *body)
{
    admin_response response;
    int rc = admin_http_request(env->fixture->admin, method, path, body, &response);
    if (rc != 0 || response.status < 200 || response.status > 299) {
        fprintf(stderr, "%s %s: status %ld: %s\n", method, path, response.status,
                response.error);
    }
    assert_int_equal(rc, 0);
    assert_true(response.status >= 200 && response.status <= 299);
    admin_response_clear(&response);
}

static char *replace_tenant(const char *text, const char *tenant)
{
    size_t count = 0;
    for (const char *p = strstr(text, "TENANT"); p != NULL; p = strstr(p + 6, "TENANT")) {
        count++;
    }
    size_t len = strlen(text) + count * strlen(tenant) + 1;
    char *out = malloc(len);
    assert_non_null(out);
    char *w = out;
    const char *p = text;
    const char *hit;
    while ((hit = strstr(p, "TENANT")) != NULL) {
        memcpy(w, p, (size_t)(hit - p));
        w += hit - p;
        strcpy(w, tenant);
        w += strlen(tenant);
        p = hit + 6;
    }
    strcpy(w, p);
    return out;
}

static void write_file(const char *path, const char *text)
{
    char tmp[400];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(rename(tmp, path), 0);
}

static void create_namespace(route_it_env *env, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "/admin/v2/namespaces/%s/%s", env->tenant, name);
    admin_ok(env, "PUT", path, NULL);
    snprintf(path, sizeof path, "/admin/v2/namespaces/%s/%s/deduplication", env->tenant, name);
    admin_ok(env, "POST", path, "true");
}

int route_it_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sin = {0};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    socklen_t len = sizeof sin;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
    close(fd);
    return ntohs(sin.sin_port);
}

void route_it_env_create(route_it_env *env, pulsar_fixture *fixture, const char *name,
                         const char *const *namespaces, size_t namespace_count, int partitions,
                         const char *config_yaml)
{
    memset(env, 0, sizeof *env);
    env->fixture = fixture;
    env->metrics_port = route_it_free_port();
    snprintf(env->tenant, sizeof env->tenant, "%s-%ld-%ld", name, (long)getpid(),
             (long)time(NULL));
    char path[256];
    snprintf(path, sizeof path, "/admin/v2/tenants/%s", env->tenant);
    admin_ok(env, "PUT", path, "{\"adminRoles\":[],\"allowedClusters\":[\"standalone\"]}");
    create_namespace(env, "ingest");
    for (size_t i = 0; i < namespace_count; i++) {
        create_namespace(env, namespaces[i]);
    }
    route_it_topic(env, "ingest", "device-messages", env->ingest_topic, sizeof env->ingest_topic);
    route_it_topic(env, "ingest", "quarantine", env->quarantine_topic,
                   sizeof env->quarantine_topic);
    if (partitions > 0) {
        char body[32];
        snprintf(path, sizeof path, "/admin/v2/persistent/%s/ingest/device-messages/partitions",
                 env->tenant);
        snprintf(body, sizeof body, "%d", partitions);
        admin_ok(env, "PUT", path, body);
    } else {
        snprintf(path, sizeof path, "/admin/v2/persistent/%s/ingest/device-messages",
                 env->tenant);
        admin_ok(env, "PUT", path, NULL);
    }
    /* Deduplication is switched on asynchronously by the broker; give it a moment. */
    sleep(1);

    snprintf(env->dir, sizeof env->dir, "/tmp/switchyard-route-it-XXXXXX");
    assert_non_null(mkdtemp(env->dir));
    snprintf(env->config_path, sizeof env->config_path, "%s/switchyard.yaml", env->dir);
    snprintf(env->registry_path, sizeof env->registry_path, "%s/devices.yaml", env->dir);

    char head[512];
    snprintf(head, sizeof head,
             "pulsar:\n"
             "  service_url: pulsar://127.0.0.1:1\n" /* SWITCHYARD_PULSAR_URL replaces it */
             "  cluster: standalone\n"
             "ingest:\n"
             "  namespace: TENANT/ingest\n"
             "  topic: device-messages\n"
             "  partitions: %d\n"
             "  quarantine_topic: quarantine\n",
             partitions);
    size_t len = strlen(head) + strlen(config_yaml) + 1;
    char *joined = malloc(len);
    assert_non_null(joined);
    snprintf(joined, len, "%s%s", head, config_yaml);
    char *text = replace_tenant(joined, env->tenant);
    write_file(env->config_path, text);
    free(text);
    free(joined);
}

void route_it_write_registry(route_it_env *env, const char *text)
{
    char *replaced = replace_tenant(text, env->tenant);
    write_file(env->registry_path, replaced);
    free(replaced);
}

void route_it_edit_config(route_it_env *env, const char *from, const char *to)
{
    FILE *f = fopen(env->config_path, "r");
    assert_non_null(f);
    char text[8192];
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[len] = '\0';
    char *hit = strstr(text, from);
    assert_non_null(hit);
    char edited[8192 + 256];
    snprintf(edited, sizeof edited, "%.*s%s%s", (int)(hit - text), text, to, hit + strlen(from));
    write_file(env->config_path, edited);
}

void route_it_env_destroy(route_it_env *env)
{
    unlink(env->config_path);
    unlink(env->registry_path);
    rmdir(env->dir);
}

void route_it_topic(const route_it_env *env, const char *namespace_name, const char *topic,
                    char *out, size_t size)
{
    snprintf(out, size, "persistent://%s/%s/%s", env->tenant, namespace_name, topic);
}

pid_t route_it_start_router(const route_it_env *env, const char *const *extra_args)
{
    char port[16];
    snprintf(port, sizeof port, "%d", env->metrics_port);
    const char *args[32] = {SWITCHYARD_BIN, "route", "--config", env->config_path,
                            "--metrics-port", port};
    size_t count = 6;
    for (size_t i = 0; extra_args != NULL && extra_args[i] != NULL && count < 31; i++) {
        args[count++] = extra_args[i];
    }
    args[count] = NULL;
    setenv("SWITCHYARD_PULSAR_URL", getenv("SWITCHYARD_TEST_PULSAR_URL"), 1);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        execve(SWITCHYARD_BIN, (char *const *)args, environ);
        _exit(127);
    }
    for (size_t i = 0; i < MAX_ROUTERS; i++) {
        if (running[i] == 0) {
            running[i] = pid;
            break;
        }
    }
    return pid;
}

int route_it_kill_routers(void **state)
{
    (void)state;
    for (size_t i = 0; i < MAX_ROUTERS; i++) {
        if (running[i] != 0) {
            route_it_stop_router(running[i], SIGKILL);
        }
    }
    return 0;
}

int route_it_stop_router(pid_t pid, int signal_number)
{
    kill(pid, signal_number);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    for (size_t i = 0; i < MAX_ROUTERS; i++) {
        if (running[i] == pid) {
            running[i] = 0;
        }
    }
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    return -WTERMSIG(status);
}

/* Returns the body of GET /metrics, or NULL. */
static char *fetch_metrics(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return NULL;
    }
    struct sockaddr_in sin = {0};
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
        close(fd);
        return NULL;
    }
    static const char request[] = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, request, sizeof request - 1) != (ssize_t)(sizeof request - 1)) {
        close(fd);
        return NULL;
    }
    size_t capacity = 65536;
    char *text = malloc(capacity);
    size_t len = 0;
    ssize_t n;
    while (text != NULL && len + 1 < capacity &&
           (n = read(fd, text + len, capacity - 1 - len)) > 0) {
        len += (size_t)n;
    }
    close(fd);
    if (text != NULL) {
        text[len] = '\0';
    }
    return text;
}

double route_it_metric(const route_it_env *env, const char *sample)
{
    char *text = fetch_metrics(env->metrics_port);
    if (text == NULL) {
        return -1;
    }
    double value = -1;
    size_t len = strlen(sample);
    for (char *line = strstr(text, "\r\n\r\n"); line != NULL; line = strchr(line + 1, '\n')) {
        char *start = line + 1;
        if (strncmp(start, sample, len) == 0 && start[len] == ' ') {
            value = strtod(start + len + 1, NULL);
            break;
        }
    }
    free(text);
    return value;
}

double route_it_wait_metric(const route_it_env *env, const char *sample, double value,
                            int timeout_ms)
{
    double last = -1;
    for (int waited = 0; waited <= timeout_ms; waited += 100) {
        last = route_it_metric(env, sample);
        if (last >= value) {
            return last;
        }
        route_it_sleep_ms(100);
    }
    return last;
}

pulsar_consumer *route_it_subscribe(pulsar_fixture *fixture, const char *topic)
{
    pulsar_consumer_config config;
    pulsar_consumer_config_init(&config);
    config.topic = topic;
    config.subscription = "it";
    config.initial_position = PULSAR_POSITION_EARLIEST;
    config.receiver_queue_size = 2000;
    pulsar_consumer *consumer = NULL;
    pulsar_result rc = pulsar_consumer_subscribe(fixture->client, &config, &consumer);
    if (rc != PULSAR_OK) {
        fprintf(stderr, "subscribe to %s failed: %s\n", topic, pulsar_result_str(rc));
    }
    assert_int_equal(rc, PULSAR_OK);
    return consumer;
}

size_t route_it_collect(pulsar_consumer *consumer, pulsar_message **out, size_t max,
                        size_t count, int timeout_ms)
{
    size_t got = 0;
    while (got < count) {
        pulsar_message *message = NULL;
        if (pulsar_consumer_receive(consumer, timeout_ms, &message) != PULSAR_OK) {
            break;
        }
        assert_int_equal(pulsar_consumer_ack(consumer, &message->id), PULSAR_OK);
        if (got < max) {
            out[got] = message;
        } else {
            pulsar_message_free(message);
        }
        got++;
    }
    return got;
}

long route_it_payload_number(const pulsar_message *message)
{
    json_t *root = json_loadb((const char *)message->payload, message->payload_len, 0, NULL);
    long n = -1;
    if (root != NULL && json_is_integer(json_object_get(root, "n"))) {
        n = (long)json_integer_value(json_object_get(root, "n"));
    }
    json_decref(root);
    return n;
}

void route_it_sleep_ms(int ms)
{
    struct timespec delay = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&delay, &delay) != 0 && errno == EINTR) {
    }
}
