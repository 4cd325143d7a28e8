#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fake_admin.h"

static const fake_admin_route *find_route(const fake_admin *server, const char *request)
{
    for (int i = 0; i < server->route_count; i++) {
        const char *line = server->routes[i].request_line;
        size_t len = strlen(line);
        if (strncmp(request, line, len) == 0 && request[len] == ' ') {
            return &server->routes[i];
        }
    }
    return NULL;
}

static void answer(int fd, int status, const char *body)
{
    char head[256];
    int head_len = snprintf(head, sizeof head,
                            "HTTP/1.1 %d Fake\r\nContent-Type: application/json\r\n"
                            "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                            status, strlen(body));
    ssize_t written = write(fd, head, (size_t)head_len);
    written = write(fd, body, strlen(body));
    (void)written;
}

static void *serve(void *arg)
{
    fake_admin *server = arg;
    while (!server->stop) {
        struct pollfd pfd = {.fd = server->listener, .events = POLLIN};
        if (poll(&pfd, 1, 50) <= 0) {
            continue;
        }
        int fd = accept(server->listener, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        char request[4096];
        size_t used = 0;
        while (used < sizeof request - 1) {
            ssize_t n = read(fd, request + used, sizeof request - 1 - used);
            if (n <= 0) {
                break;
            }
            used += (size_t)n;
            request[used] = '\0';
            if (strstr(request, "\r\n\r\n") != NULL) {
                break;
            }
        }
        request[used] = '\0';
        if (server->requests++ == 0) {
            memcpy(server->first_request, request, used + 1);
        }
        const fake_admin_route *route = find_route(server, request);
        if (route != NULL) {
            answer(fd, route->status, route->body);
        } else {
            answer(fd, server->default_status ? server->default_status : 404,
                   server->default_body ? server->default_body : "{\"reason\":\"no route\"}");
        }
        close(fd);
    }
    return NULL;
}

void fake_admin_start(fake_admin *server)
{
    server->stop = 0;
    server->requests = 0;
    server->first_request[0] = '\0';
    server->listener = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(server->listener >= 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = 0};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(server->listener, (struct sockaddr *)&address, sizeof address), 0);
    assert_int_equal(listen(server->listener, 8), 0);
    socklen_t length = sizeof address;
    assert_int_equal(getsockname(server->listener, (struct sockaddr *)&address, &length), 0);
    server->port = ntohs(address.sin_port);
    assert_int_equal(pthread_create(&server->thread, NULL, serve, server), 0);
    setenv("SWITCHYARD_ADMIN_URL", fake_admin_url(server), 1);
}

void fake_admin_stop(fake_admin *server)
{
    server->stop = 1;
    pthread_join(server->thread, NULL);
    close(server->listener);
    unsetenv("SWITCHYARD_ADMIN_URL");
}

const char *fake_admin_url(const fake_admin *server)
{
    static char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", server->port);
    return url;
}
