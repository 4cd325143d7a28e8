/*
 * Internal to the GCS store: the HTTP exchange and the credential provider
 * shared by lake_store_gcs.c and lake_gcs_auth.c. Not for other modules.
 */
#ifndef SWITCHYARD_LAKE_GCS_INTERNAL_H
#define SWITCHYARD_LAKE_GCS_INTERNAL_H

#include <curl/curl.h>

#include "lake/lake_buf.h"
#include "lake/lake_gcs.h"

/* Maximum response body kept; a longer response is cut, never an error. */
#define LAKE__GCS_MAX_RESPONSE (64 * 1024)

/*
 * POSTs body to url with the given headers (a curl list, may be NULL) and
 * stores the status and up to LAKE__GCS_MAX_RESPONSE bytes of the response.
 * Returns LAKE_ERR_NETWORK when no HTTP response arrived.
 */
lake_err lake__gcs_post(CURL *curl, const char *url, struct curl_slist *headers,
                        const uint8_t *body, size_t len, long timeout_ms, long *status,
                        lake_buf *response, char *error, size_t error_size);

/* Writes at most max_len bytes of text as printable ASCII into out, for messages. */
void lake__gcs_printable(const uint8_t *text, size_t len, size_t max_len, char *out,
                         size_t out_size);

typedef struct lake__gcs_auth lake__gcs_auth;

/* Copies the credential settings; reads and checks a service-account key file. */
lake_err lake__gcs_auth_new(const lake_gcs_config *config, lake__gcs_auth **out, char *error,
                            size_t error_size);

/*
 * Writes "Authorization: Bearer <token>" into header, or an empty string
 * for LAKE_GCS_CREDENTIALS_NONE. May exchange a JWT over curl.
 */
lake_err lake__gcs_auth_header(lake__gcs_auth *auth, CURL *curl, long timeout_ms, char *header,
                               size_t header_size, char *error, size_t error_size);

/* Forgets a cached access token, after the service rejected it. */
void lake__gcs_auth_invalidate(lake__gcs_auth *auth);

void lake__gcs_auth_free(lake__gcs_auth *auth);

#endif
