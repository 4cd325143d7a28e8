/*
 * The GCS store's upload (lake_gcs.h describes the protocol and credentials).
 *
 * Only status 200 with a JSON body whose "name" is the object name and whose
 * "size" is the byte count sent confirms an upload. Anything else is a
 * failure that the sink retries. A 401 drops a cached service-account
 * token, so the retry signs a new one.
 */
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lake/lake_gcs_internal.h"

typedef struct {
    lake_store base;
    CURL *curl;
    char *endpoint;
    char *bucket;
    long timeout_ms;
    lake__gcs_auth *auth;
} gcs_store;

void lake__gcs_printable(const uint8_t *text, size_t len, size_t max_len, char *out,
                         size_t out_size)
{
    size_t written = 0;
    for (size_t i = 0; i < len && i < max_len && written + 1 < out_size; i++) {
        out[written++] = text[i] >= 0x20 && text[i] < 0x7F ? (char)text[i] : '.';
    }
    out[written] = '\0';
}

static size_t collect_response(char *data, size_t size, size_t count, void *context)
{
    lake_buf *response = context;
    size_t len = size * count;
    size_t room = LAKE__GCS_MAX_RESPONSE - response->len;
    /* Keep the head of an oversized response and discard the rest without failing. */
    if (lake_buf_append(response, data, len < room ? len : room) != LAKE_OK) {
        return 0;
    }
    return len;
}

lake_err lake__gcs_post(CURL *curl, const char *url, struct curl_slist *headers,
                        const uint8_t *body, size_t len, long timeout_ms, long *status,
                        lake_buf *response, char *error, size_t error_size)
{
    static const uint8_t empty[1] = {0};
    char curl_error[CURL_ERROR_SIZE] = "";

    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body != NULL ? body : empty);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_response);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, response);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 10000 ? timeout_ms : 10000L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
    /* Uploads go where configured and nowhere else: no redirects, no other schemes. */
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");

    CURLcode rc = curl_easy_perform(curl);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, NULL);
    if (rc != CURLE_OK) {
        /* The URL carries no secret (tokens travel in headers), so it may be shown. */
        snprintf(error, error_size, "POST %s failed: %s", url,
                 curl_error[0] != '\0' ? curl_error : curl_easy_strerror(rc));
        return LAKE_ERR_NETWORK;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
    return LAKE_OK;
}

/* Checks that the service's response describes the object that was sent. */
static lake_err check_answer(const lake_buf *response, const char *name, size_t len, char *error,
                             size_t error_size)
{
    json_t *answer = json_loadb((const char *)response->data, response->len, 0, NULL);
    const char *answered_name = json_string_value(json_object_get(answer, "name"));
    const char *answered_size = json_string_value(json_object_get(answer, "size"));
    char expected_size[32];
    snprintf(expected_size, sizeof expected_size, "%zu", len);

    lake_err rc = LAKE_OK;
    if (answered_name == NULL || strcmp(answered_name, name) != 0 || answered_size == NULL ||
        strcmp(answered_size, expected_size) != 0) {
        char snippet[256];
        lake__gcs_printable(response->data, response->len, 200, snippet, sizeof snippet);
        snprintf(error, error_size,
                 "upload of %s (%zu bytes) got a response for another object or size: %s", name,
                 len, snippet);
        rc = LAKE_ERR_HTTP_STATUS;
    }
    json_decref(answer);
    return rc;
}

static lake_err gcs_put(lake_store *store, const char *name, const uint8_t *bytes, size_t len,
                        const char *content_type, char *error, size_t error_size)
{
    gcs_store *gcs = (gcs_store *)store;
    char authorization[8300];
    lake_err rc = lake__gcs_auth_header(gcs->auth, gcs->curl, gcs->timeout_ms, authorization,
                                        sizeof authorization, error, error_size);
    if (rc != LAKE_OK) {
        return rc;
    }

    char *escaped = curl_easy_escape(gcs->curl, name, 0);
    size_t url_size =
        strlen(gcs->endpoint) + strlen(gcs->bucket) + (escaped ? strlen(escaped) : 0) + 96;
    char *url = malloc(url_size);
    if (escaped == NULL || url == NULL) {
        curl_free(escaped);
        free(url);
        OPENSSL_cleanse(authorization, sizeof authorization);
        return LAKE_ERR_NOMEM;
    }
    snprintf(url, url_size, "%s/upload/storage/v1/b/%s/o?uploadType=media&name=%s", gcs->endpoint,
             gcs->bucket, escaped);
    curl_free(escaped);

    char type_header[128];
    snprintf(type_header, sizeof type_header, "Content-Type: %s",
             content_type != NULL ? content_type : "application/octet-stream");
    struct curl_slist *headers = curl_slist_append(NULL, type_header);
    if (headers != NULL && authorization[0] != '\0') {
        struct curl_slist *more = curl_slist_append(headers, authorization);
        headers = more != NULL ? more : headers;
    }
    /* An empty Expect header stops curl from waiting for "100 Continue" on large bodies. */
    if (headers != NULL) {
        struct curl_slist *more = curl_slist_append(headers, "Expect:");
        headers = more != NULL ? more : headers;
    }

    long status = 0;
    lake_buf response = {0};
    rc = lake__gcs_post(gcs->curl, url, headers, bytes, len, gcs->timeout_ms, &status, &response,
                        error, error_size);
    curl_slist_free_all(headers);
    OPENSSL_cleanse(authorization, sizeof authorization);
    if (rc == LAKE_OK && status == 200) {
        rc = check_answer(&response, name, len, error, error_size);
    } else if (rc == LAKE_OK) {
        char snippet[256];
        lake__gcs_printable(response.data, response.len, 200, snippet, sizeof snippet);
        snprintf(error, error_size, "POST %s answered status %ld: %s", url, status, snippet);
        rc = status == 401 || status == 403 ? LAKE_ERR_CREDENTIALS : LAKE_ERR_HTTP_STATUS;
        if (status == 401) {
            lake__gcs_auth_invalidate(gcs->auth);
        }
    }
    lake_buf_clear(&response);
    free(url);
    return rc;
}

static void gcs_free(lake_store *store)
{
    gcs_store *gcs = (gcs_store *)store;
    curl_easy_cleanup(gcs->curl);
    lake__gcs_auth_free(gcs->auth);
    free(gcs->endpoint);
    free(gcs->bucket);
    free(gcs);
}

static const lake_store_ops gcs_ops = {"gcs", gcs_put, gcs_free};

static bool bucket_name_valid(const char *bucket)
{
    size_t len = strlen(bucket);
    if (len < 3 || len > 222) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = bucket[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && ((i == 0 || i == len - 1) || (c != '-' && c != '_' && c != '.'))) {
            return false;
        }
    }
    return true;
}

lake_err lake_store_gcs_new(const lake_gcs_config *config, lake_store **out, char *error,
                            size_t error_size)
{
    if (config->bucket == NULL || !bucket_name_valid(config->bucket)) {
        snprintf(error, error_size,
                 "invalid GCS bucket name '%s': use 3 to 222 characters of a-z, 0-9, '-', '_' "
                 "and '.', starting and ending with a letter or digit",
                 config->bucket == NULL ? "" : config->bucket);
        return LAKE_ERR_INVALID;
    }
    const char *endpoint = config->endpoint != NULL ? config->endpoint : LAKE_GCS_DEFAULT_ENDPOINT;
    if (strncmp(endpoint, "http://", 7) != 0 && strncmp(endpoint, "https://", 8) != 0) {
        snprintf(error, error_size,
                 "invalid GCS endpoint '%s': it must start with http:// or https://", endpoint);
        return LAKE_ERR_INVALID;
    }

    gcs_store *gcs = calloc(1, sizeof *gcs);
    if (gcs == NULL) {
        return LAKE_ERR_NOMEM;
    }
    gcs->base.ops = &gcs_ops;
    gcs->timeout_ms = config->timeout_ms > 0 ? config->timeout_ms : 60000;
    gcs->endpoint = strdup(endpoint);
    gcs->bucket = strdup(config->bucket);
    gcs->curl = curl_easy_init();
    lake_err rc = LAKE_OK;
    if (gcs->endpoint == NULL || gcs->bucket == NULL || gcs->curl == NULL) {
        rc = LAKE_ERR_NOMEM;
    } else {
        /* A trailing '/' would double up when the upload path is appended. */
        size_t len = strlen(gcs->endpoint);
        while (len > 0 && gcs->endpoint[len - 1] == '/') {
            gcs->endpoint[--len] = '\0';
        }
        rc = lake__gcs_auth_new(config, &gcs->auth, error, error_size);
    }
    if (rc != LAKE_OK) {
        gcs_free(&gcs->base);
        return rc;
    }
    *out = &gcs->base;
    return LAKE_OK;
}
