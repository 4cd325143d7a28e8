/*
 * The router's metrics: exact Prometheus text, and the HTTP endpoint
 * (GET /metrics, 404 elsewhere, 405 for other methods, a port in use).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "route/route_metrics.h"

/* The metrics server's port in this run, free when the test started. */
static int test_port;

static bool has_line(const char *text, const char *line)
{
    size_t len = strlen(line);
    for (const char *p = text; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 : p) {
        if (strncmp(p, line, len) == 0 && (p[len] == '\n' || p[len] == '\0')) {
            return true;
        }
    }
    return false;
}

static void metrics_render_counts_exactly(void **state)
{
    (void)state;
    route_metrics *m = route_metrics_new();
    assert_non_null(m);
    for (int i = 0; i < 3; i++) {
        route_metrics_message_in(m);
    }
    route_metrics_routed(m, "prod");
    route_metrics_routed(m, "dev-alice");
    route_metrics_routed(m, "prod");
    route_metrics_quarantined(m, ROUTE_REASON_UNKNOWN_ENV);
    route_metrics_send_done(m, false, false, 0.003);
    route_metrics_send_done(m, false, true, 0.0004);
    route_metrics_send_done(m, true, false, 0.0);
    route_metrics_reload(m, true);
    route_metrics_reload(m, false);
    route_metrics_reload(m, false);
    route_metrics_set_inflight(m, 7);
    route_metrics_sequence_overflow(m);

    size_t len = 0;
    char *text = route_metrics_render(m, &len);
    assert_non_null(text);
    assert_int_equal(len, strlen(text));
    static const char *const lines[] = {
        "# TYPE switchyard_router_messages_in_total counter",
        "switchyard_router_messages_in_total 3",
        "switchyard_router_routed_total{environment=\"prod\"} 2",
        "switchyard_router_routed_total{environment=\"dev-alice\"} 1",
        "switchyard_router_quarantined_total{reason=\"unknown_env\"} 1",
        "switchyard_router_quarantined_total{reason=\"invalid_env\"} 0",
        "switchyard_router_sends_total{result=\"ok\"} 1",
        "switchyard_router_sends_total{result=\"duplicate\"} 1",
        "switchyard_router_sends_total{result=\"failed\"} 1",
        "# TYPE switchyard_router_send_latency_seconds histogram",
        "switchyard_router_send_latency_seconds_bucket{le=\"0.0005\"} 1",
        "switchyard_router_send_latency_seconds_bucket{le=\"0.0025\"} 1",
        "switchyard_router_send_latency_seconds_bucket{le=\"0.005\"} 2",
        "switchyard_router_send_latency_seconds_bucket{le=\"+Inf\"} 2",
        "switchyard_router_send_latency_seconds_sum 0.003400",
        "switchyard_router_send_latency_seconds_count 2",
        "switchyard_router_reloads_total{result=\"ok\"} 1",
        "switchyard_router_reloads_total{result=\"failed\"} 2",
        "switchyard_router_inflight 7",
        "switchyard_router_sequence_overflows_total 1",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        if (!has_line(text, lines[i])) {
            fprintf(stderr, "missing line: %s\nin:\n%s", lines[i], text);
        }
        assert_true(has_line(text, lines[i]));
    }
    assert_false(has_line(text, "switchyard_router_routed_total{environment=\"other\"} 0"));
    free(text);
    route_metrics_free(m);
}

static void metrics_bound_environment_labels(void **state)
{
    (void)state;
    route_metrics *m = route_metrics_new();
    char name[16];
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "env-%d", i);
        route_metrics_routed(m, name);
    }
    size_t len = 0;
    char *text = route_metrics_render(m, &len);
    assert_true(has_line(text, "switchyard_router_routed_total{environment=\"env-255\"} 1"));
    assert_false(has_line(text, "switchyard_router_routed_total{environment=\"env-256\"} 1"));
    assert_true(has_line(text, "switchyard_router_routed_total{environment=\"other\"} 44"));
    free(text);
    route_metrics_free(m);
}

/* Returns a port on 127.0.0.1 that is free now. */
static int free_port(void)
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

/* Sends request to the test port and returns the whole response (caller frees). */
static char *http(const char *request)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sin = {0};
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)test_port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    assert_int_equal(write(fd, request, strlen(request)), (ssize_t)strlen(request));
    char *response = calloc(1, 65536);
    size_t len = 0;
    ssize_t n;
    while ((n = read(fd, response + len, 65535 - len)) > 0) {
        len += (size_t)n;
    }
    close(fd);
    return response;
}

static void metrics_server_answers_get(void **state)
{
    (void)state;
    route_metrics *m = route_metrics_new();
    route_metrics_message_in(m);
    char error[256];
    test_port = free_port();
    route_metrics_server *server =
        route_metrics_server_start(m, "127.0.0.1", test_port, error, sizeof error);
    assert_non_null(server);

    char *response = http("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_memory_equal(response, "HTTP/1.1 200 OK\r\n", 17);
    assert_non_null(strstr(response, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
    assert_non_null(strstr(response, "\nswitchyard_router_messages_in_total 1\n"));
    free(response);

    response = http("GET /other HTTP/1.1\r\n\r\n");
    assert_memory_equal(response, "HTTP/1.1 404 Not Found\r\n", 24);
    free(response);
    response = http("POST /metrics HTTP/1.1\r\n\r\n");
    assert_memory_equal(response, "HTTP/1.1 405 Method Not Allowed\r\n", 33);
    free(response);

    route_metrics *other = route_metrics_new();
    assert_null(route_metrics_server_start(other, "127.0.0.1", test_port, error, sizeof error));
    char expected[64];
    snprintf(expected, sizeof expected, "cannot listen on 127.0.0.1:%d for metrics", test_port);
    assert_non_null(strstr(error, expected));
    assert_null(route_metrics_server_start(other, "localhost", test_port, error, sizeof error));
    assert_string_equal(error, "invalid metrics address 'localhost': use an IPv4 address such "
                               "as 127.0.0.1");
    route_metrics_free(other);

    route_metrics_server_stop(server);
    route_metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(metrics_render_counts_exactly),
        cmocka_unit_test(metrics_bound_environment_labels),
        cmocka_unit_test(metrics_server_answers_get),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
