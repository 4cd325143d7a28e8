/*
 * A fake Pulsar admin server for tests: serves fixed responses on a
 * loopback port, one request per connection, and records what it received.
 * It replaces the broker only where a real one cannot produce the case (a
 * failing metadata store, a chosen JSON body). Every feature is also tested
 * against a real broker.
 */
#ifndef SWITCHYARD_TESTS_FAKE_ADMIN_H
#define SWITCHYARD_TESTS_FAKE_ADMIN_H

#include <pthread.h>

#define FAKE_ADMIN_MAX_ROUTES 32

typedef struct {
    const char *request_line; /* for example "GET /admin/v2/tenants/t" */
    int status;
    const char *body; /* JSON text */
} fake_admin_route;

typedef struct {
    int listener;
    int port;
    pthread_t thread;
    volatile int stop;
    fake_admin_route routes[FAKE_ADMIN_MAX_ROUTES];
    int route_count;
    int default_status; /* for requests that match no route */
    const char *default_body;
    int requests;             /* read only after fake_admin_stop */
    char first_request[4096]; /* head of the first request, NUL-terminated */
} fake_admin;

/*
 * Starts serving on 127.0.0.1 (a free port, in server->port) with the routes
 * already in server, and sets SWITCHYARD_ADMIN_URL to its URL. Fails the
 * test on any error.
 */
void fake_admin_start(fake_admin *server);

/* Stops the server and unsets SWITCHYARD_ADMIN_URL. */
void fake_admin_stop(fake_admin *server);

/* Returns the server's URL in a static buffer. */
const char *fake_admin_url(const fake_admin *server);

#endif
