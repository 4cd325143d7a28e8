/*
 * A small client for Pulsar's admin REST API (v2), over libcurl.
 *
 * Every call is synchronous and returns the HTTP status with the response
 * body, so that callers can report the status, the resource and the
 * broker's reason for every failure. The broker's reason is the "reason"
 * field of its JSON error body when there is one.
 *
 * Thread safety: one admin_http client per thread; different clients may be
 * used from different threads at once once curl_global_init has run (the
 * first admin_http_new call does it, so make that call before starting
 * threads).
 */
#ifndef SWITCHYARD_ADMIN_ADMIN_HTTP_H
#define SWITCHYARD_ADMIN_ADMIN_HTTP_H

#include <stddef.h>

typedef struct admin_http admin_http;

/* Result of one request. The caller owns body and releases it with admin_response_clear. */
typedef struct {
    long status;            /* HTTP status, or 0 when no response arrived */
    char *body;             /* response body, NUL-terminated; NULL if empty */
    size_t body_len;        /* bytes in body, without the NUL */
    char error[256];        /* transport error (when status is 0) or the broker's reason */
} admin_response;

/*
 * Creates a client for base_url (for example "http://127.0.0.1:8080").
 * token, if not NULL, is sent as "Authorization: Bearer <token>"; the client
 * keeps its own copy. timeout_ms bounds each request (0 picks 30000).
 * Returns NULL if base_url is empty or memory runs out.
 */
admin_http *admin_http_new(const char *base_url, const char *token, long timeout_ms);

/* Releases the client. NULL is allowed. */
void admin_http_free(admin_http *client);

/*
 * Sends method ("GET", "PUT", "POST", "DELETE") to base_url + path, with
 * json_body as an application/json body when it is not NULL.
 * Returns 0 when a response arrived (whatever its status) and fills *response;
 * returns -1 when none did (connection refused, timeout), with the reason in
 * response->error and response->status 0. On a status of 400 or more,
 * response->error holds the broker's reason, or the body's first line.
 */
int admin_http_request(admin_http *client, const char *method, const char *path,
                       const char *json_body, admin_response *response);

/* Releases the body of a response and zeroes it. */
void admin_response_clear(admin_response *response);

#endif
