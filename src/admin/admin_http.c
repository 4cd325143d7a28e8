#include "admin/admin_http.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Error bodies are short; a larger response is still read whole up to this cap. */
#define ADMIN_MAX_RESPONSE_BYTES (64u * 1024u * 1024u)

struct admin_http {
    CURL *curl;
    char *base_url;
    char *auth_header;
    long timeout_ms;
};

static pthread_once_t curl_init_once = PTHREAD_ONCE_INIT;

static void init_curl(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

admin_http *admin_http_new(const char *base_url, const char *token, long timeout_ms)
{
    if (base_url == NULL || base_url[0] == '\0') {
        return NULL;
    }
    pthread_once(&curl_init_once, init_curl);

    admin_http *client = calloc(1, sizeof *client);
    if (client == NULL) {
        return NULL;
    }
    client->curl = curl_easy_init();
    client->base_url = strdup(base_url);
    if (client->curl == NULL || client->base_url == NULL) {
        goto fail;
    }

    /* A trailing slash would double the one that every path starts with. */
    size_t len = strlen(client->base_url);
    while (len > 0 && client->base_url[len - 1] == '/') {
        client->base_url[--len] = '\0';
    }

    if (token != NULL && token[0] != '\0') {
        size_t size = strlen("Authorization: Bearer ") + strlen(token) + 1;
        client->auth_header = malloc(size);
        if (client->auth_header == NULL) {
            goto fail;
        }
        snprintf(client->auth_header, size, "Authorization: Bearer %s", token);
    }
    client->timeout_ms = timeout_ms > 0 ? timeout_ms : 30000;
    return client;

fail:
    admin_http_free(client);
    return NULL;
}

void admin_http_free(admin_http *client)
{
    if (client == NULL) {
        return;
    }
    if (client->curl != NULL) {
        curl_easy_cleanup(client->curl);
    }
    free(client->base_url);
    if (client->auth_header != NULL) {
        /* The header carries a secret; do not leave it in freed memory. */
        memset(client->auth_header, 0, strlen(client->auth_header));
        free(client->auth_header);
    }
    free(client);
}

typedef struct {
    char *data;
    size_t len;
    size_t cap;
    int overflow;
} response_buffer;

static size_t collect_body(char *chunk, size_t size, size_t count, void *userdata)
{
    response_buffer *buffer = userdata;
    size_t n = size * count;
    if (buffer->len + n + 1 > ADMIN_MAX_RESPONSE_BYTES) {
        buffer->overflow = 1;
        return 0;
    }
    if (buffer->len + n + 1 > buffer->cap) {
        size_t cap = buffer->cap ? buffer->cap : 1024;
        while (cap < buffer->len + n + 1) {
            cap *= 2;
        }
        char *grown = realloc(buffer->data, cap);
        if (grown == NULL) {
            return 0;
        }
        buffer->data = grown;
        buffer->cap = cap;
    }
    memcpy(buffer->data + buffer->len, chunk, n);
    buffer->len += n;
    buffer->data[buffer->len] = '\0';
    return n;
}

/* Fills response->error from the broker's {"reason": "..."} body, else its first line. */
static void extract_reason(admin_response *response)
{
    response->error[0] = '\0';
    if (response->body == NULL) {
        snprintf(response->error, sizeof response->error, "HTTP %ld with an empty body",
                 response->status);
        return;
    }
    json_t *root = json_loadb(response->body, response->body_len, 0, NULL);
    const char *reason = root != NULL ? json_string_value(json_object_get(root, "reason")) : NULL;
    if (reason != NULL) {
        snprintf(response->error, sizeof response->error, "%s", reason);
    } else {
        size_t line = strcspn(response->body, "\r\n");
        if (line >= sizeof response->error) {
            line = sizeof response->error - 1;
        }
        memcpy(response->error, response->body, line);
        response->error[line] = '\0';
    }
    json_decref(root);
}

int admin_http_request(admin_http *client, const char *method, const char *path,
                       const char *json_body, admin_response *response)
{
    memset(response, 0, sizeof *response);

    size_t url_size = strlen(client->base_url) + strlen(path) + 1;
    char *url = malloc(url_size);
    if (url == NULL) {
        snprintf(response->error, sizeof response->error, "out of memory");
        return -1;
    }
    snprintf(url, url_size, "%s%s", client->base_url, path);

    struct curl_slist *headers = NULL;
    headers = curl_slist_append(headers, "Accept: application/json");
    /* The broker rejects a PUT or POST without a JSON content type (415), even with no body. */
    int sends_body = json_body != NULL || strcmp(method, "PUT") == 0 || strcmp(method, "POST") == 0;
    if (sends_body) {
        headers = curl_slist_append(headers, "Content-Type: application/json");
    }
    if (client->auth_header != NULL) {
        headers = curl_slist_append(headers, client->auth_header);
    }

    response_buffer buffer = {0};
    CURL *curl = client->curl;
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, client->timeout_ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &buffer);
    /* The admin API answers at the URL it is asked; a redirect would resend the token elsewhere. */
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    if (json_body != NULL) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json_body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(json_body));
    } else if (strcmp(method, "PUT") == 0 || strcmp(method, "POST") == 0) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, 0L);
    }

    CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    free(url);

    if (rc != CURLE_OK) {
        snprintf(response->error, sizeof response->error, "%s %s%s: %s", method,
                 client->base_url, path,
                 buffer.overflow ? "response larger than 64 MiB" : curl_easy_strerror(rc));
        free(buffer.data);
        return -1;
    }

    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response->status);
    response->body = buffer.data;
    response->body_len = buffer.len;
    if (response->status >= 400) {
        extract_reason(response);
    }
    return 0;
}

void admin_response_clear(admin_response *response)
{
    free(response->body);
    memset(response, 0, sizeof *response);
}
