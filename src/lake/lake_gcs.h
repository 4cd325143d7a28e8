/*
 * The Google Cloud Storage store, through the JSON API's media upload:
 *   POST {endpoint}/upload/storage/v1/b/{bucket}/o?uploadType=media&name={name}
 * with the file as the body. Only a 200 response whose object name and size
 * match confirms the upload and lets the sink acknowledge the file's messages.
 * Uploading the same name again replaces the object, so retries are safe.
 *
 * Credentials come only from the source the configuration names:
 *   none             no Authorization header (for emulators such as fake-gcs-server)
 *   token_env        a static OAuth access token in an environment variable,
 *                    read again before every upload so that a rotated token is used
 *   token_file       the same from a file (its first line)
 *   service_account  a service-account JSON key file: an RS256-signed JWT is
 *                    exchanged at the key's token_uri (or the configured one)
 *                    for an access token, kept until a minute before it expires
 *   metadata         the GCE metadata server: not implemented, rejected by
 *                    lake_store_gcs_new. No other source ever contacts it.
 *
 * Ownership: the store copies every string of the configuration.
 * Thread safety: one thread at a time per store (it owns one curl handle).
 * The caller must have called curl_global_init before creating a store
 * while no other thread runs, as libcurl requires.
 */
#ifndef SWITCHYARD_LAKE_GCS_H
#define SWITCHYARD_LAKE_GCS_H

#include <stddef.h>
#include <stdint.h>

#include "lake/lake_store.h"

typedef enum {
    LAKE_GCS_CREDENTIALS_NONE,
    LAKE_GCS_CREDENTIALS_TOKEN_ENV,
    LAKE_GCS_CREDENTIALS_TOKEN_FILE,
    LAKE_GCS_CREDENTIALS_SERVICE_ACCOUNT,
    LAKE_GCS_CREDENTIALS_METADATA,
} lake_gcs_credentials;

/* The API's own endpoint, used when endpoint is NULL. */
#define LAKE_GCS_DEFAULT_ENDPOINT "https://storage.googleapis.com"

/* The OAuth scope requested for a service account. */
#define LAKE_GCS_SCOPE "https://www.googleapis.com/auth/devstorage.read_write"

typedef struct {
    const char *endpoint; /* http:// or https:// base URL; NULL for the default */
    const char *bucket;
    lake_gcs_credentials credentials;
    const char *token_env;  /* variable name, for token_env */
    const char *token_file; /* path, for token_file */
    const char *key_file;   /* path, for service_account */
    const char *token_uri;  /* overrides the key file's token_uri; NULL to keep it */
    long timeout_ms;        /* whole request, 0 for 60000 */
} lake_gcs_config;

/* Parses "none", "token_env", "token_file", "service_account" or "metadata". */
bool lake_gcs_credentials_parse(const char *name, lake_gcs_credentials *out);

/*
 * Creates the store. Checks the bucket name (3 to 222 characters of a-z,
 * 0-9, '-', '_', '.', starting and ending with a letter or digit), the
 * endpoint's scheme, and that the credential source's setting is present.
 * A service-account key file is read and its key parsed here. Makes no
 * request. Returns LAKE_ERR_INVALID, LAKE_ERR_CREDENTIALS or LAKE_ERR_NOMEM.
 */
lake_err lake_store_gcs_new(const lake_gcs_config *config, lake_store **out, char *error,
                            size_t error_size);

/*
 * Signs the JWT that a service account exchanges for an access token:
 * header {"alg":"RS256","typ":"JWT","kid":key_id}, claims iss, scope, aud
 * (token_uri), iat (now) and exp (now + 3600). private_key_pem is the
 * key file's "private_key". On success *jwt is a new string the caller
 * frees. Returns LAKE_ERR_CREDENTIALS when the key cannot sign.
 */
lake_err lake_gcs_sign_jwt(const char *client_email, const char *key_id,
                           const char *private_key_pem, const char *token_uri, int64_t now,
                           char **jwt, char *error, size_t error_size);

#endif
