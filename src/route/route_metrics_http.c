/*
 * A minimal HTTP/1.1 server for the metrics endpoint: one thread, one
 * request per connection, served and then closed. Scrapers open a connection
 * every few seconds, so serving one client at a time is enough, and a
 * client that sends nothing is dropped after REQUEST_TIMEOUT_MS so that it
 * cannot hold the endpoint.
 */
#include "route/route_metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define REQUEST_TIMEOUT_MS 2000
#define MAX_REQUEST_BYTES 4096

struct route_metrics_server {
    route_metrics *metrics;
    int listen_fd;
    int wake_pipe[2]; /* a byte on [1] stops the thread */
    pthread_t thread;
};

static void write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return;
        }
        data += n;
        len -= (size_t)n;
    }
}

static void respond(int fd, const char *status, const char *content_type, const char *body,
                    size_t body_len)
{
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n",
                     status, content_type, body_len);
    if (n > 0 && (size_t)n < sizeof head) {
        write_all(fd, head, (size_t)n);
        write_all(fd, body, body_len);
    }
}

/* Reads until the end of the request head; returns its length, or 0 on timeout or error. */
static size_t read_request(int fd, char *buffer, size_t size)
{
    size_t len = 0;
    while (len + 1 < size) {
        struct pollfd pfd = {fd, POLLIN, 0};
        if (poll(&pfd, 1, REQUEST_TIMEOUT_MS) <= 0) {
            return 0;
        }
        ssize_t n = recv(fd, buffer + len, size - 1 - len, 0);
        if (n <= 0) {
            return 0;
        }
        len += (size_t)n;
        buffer[len] = '\0';
        if (strstr(buffer, "\r\n\r\n") != NULL || strstr(buffer, "\n\n") != NULL) {
            return len;
        }
    }
    return 0;
}

static void serve_one(route_metrics_server *server, int fd)
{
    char request[MAX_REQUEST_BYTES];
    if (read_request(fd, request, sizeof request) == 0) {
        return;
    }
    static const char text_plain[] = "text/plain; charset=utf-8";
    bool is_get = strncmp(request, "GET ", 4) == 0;
    bool is_head = strncmp(request, "HEAD ", 5) == 0;
    if (!is_get && !is_head) {
        static const char body[] = "only GET is allowed\n";
        respond(fd, "405 Method Not Allowed", text_plain, body, sizeof body - 1);
        return;
    }
    const char *path = request + (is_get ? 4 : 5);
    size_t path_len = strcspn(path, " ?\r\n");
    if (path_len != strlen("/metrics") || strncmp(path, "/metrics", path_len) != 0) {
        static const char body[] = "not found: use /metrics\n";
        respond(fd, "404 Not Found", text_plain, body, sizeof body - 1);
        return;
    }

    size_t len = 0;
    char *text = route_metrics_render(server->metrics, &len);
    if (text == NULL) {
        static const char body[] = "out of memory\n";
        respond(fd, "500 Internal Server Error", text_plain, body, sizeof body - 1);
        return;
    }
    respond(fd, "200 OK", "text/plain; version=0.0.4; charset=utf-8", is_head ? "" : text,
            is_head ? 0 : len);
    free(text);
}

static void *serve(void *arg)
{
    route_metrics_server *server = arg;
    for (;;) {
        struct pollfd fds[2] = {{server->listen_fd, POLLIN, 0}, {server->wake_pipe[0], POLLIN, 0}};
        int n = poll(fds, 2, -1);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 || fds[1].revents != 0) {
            return NULL;
        }
        int fd = accept(server->listen_fd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        serve_one(server, fd);
        close(fd);
    }
}

route_metrics_server *route_metrics_server_start(route_metrics *metrics, const char *address,
                                                 int port, char *error, size_t error_size)
{
    struct sockaddr_in sin = {0};
    sin.sin_family = AF_INET;
    if (port < 1 || port > 65535) {
        snprintf(error, error_size, "invalid metrics port %d: use 1 to 65535, or 0 for none",
                 port);
        return NULL;
    }
    sin.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, address, &sin.sin_addr) != 1) {
        snprintf(error, error_size, "invalid metrics address '%s': use an IPv4 address such as "
                                    "127.0.0.1", address);
        return NULL;
    }

    route_metrics_server *server = calloc(1, sizeof *server);
    if (server == NULL) {
        snprintf(error, error_size, "out of memory");
        return NULL;
    }
    server->metrics = metrics;
    server->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (server->listen_fd < 0) {
        snprintf(error, error_size, "cannot create the metrics socket: %s", strerror(errno));
        goto free_server;
    }
    int one = 1;
    setsockopt(server->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(server->listen_fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
        listen(server->listen_fd, 16) != 0) {
        snprintf(error, error_size, "cannot listen on %s:%d for metrics: %s: choose another "
                                    "--metrics-port", address, port, strerror(errno));
        goto close_socket;
    }
    if (pipe(server->wake_pipe) != 0) {
        snprintf(error, error_size, "cannot create a pipe: %s", strerror(errno));
        goto close_socket;
    }
    if (pthread_create(&server->thread, NULL, serve, server) != 0) {
        snprintf(error, error_size, "cannot start the metrics thread");
        goto close_pipe;
    }
    return server;

close_pipe:
    close(server->wake_pipe[0]);
    close(server->wake_pipe[1]);
close_socket:
    close(server->listen_fd);
free_server:
    free(server);
    return NULL;
}

void route_metrics_server_stop(route_metrics_server *server)
{
    if (server == NULL) {
        return;
    }
    char byte = 0;
    ssize_t written;
    do {
        written = write(server->wake_pipe[1], &byte, 1);
    } while (written < 0 && errno == EINTR);
    pthread_join(server->thread, NULL);
    close(server->wake_pipe[0]);
    close(server->wake_pipe[1]);
    close(server->listen_fd);
    free(server);
}
