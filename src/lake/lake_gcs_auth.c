/*
 * Credentials for the GCS store (lake_gcs.h lists the sources).
 *
 * A service account's access token comes from the OAuth 2.0 JWT bearer
 * grant (RFC 7523): POST grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer
 * and assertion=<JWT> to the token URI. The JSON response contains
 * access_token and expires_in. The token is reused until a minute before it expires, or
 * until the storage API rejects it.
 */
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lake/lake_gcs_internal.h"

#define MAX_TOKEN_BYTES   8192
#define DEFAULT_TOKEN_URI "https://oauth2.googleapis.com/token"

struct lake__gcs_auth {
    lake_gcs_credentials source;
    char *token_env;
    char *token_file;
    char *client_email;
    char *key_id;
    char *private_key_pem;
    char *token_uri;
    char token[MAX_TOKEN_BYTES + 1];
    int64_t token_expires_at; /* seconds since 1970, 0 when no token is cached */
};

bool lake_gcs_credentials_parse(const char *name, lake_gcs_credentials *out)
{
    static const struct {
        const char *name;
        lake_gcs_credentials source;
    } names[] = {
        {"none", LAKE_GCS_CREDENTIALS_NONE},
        {"token_env", LAKE_GCS_CREDENTIALS_TOKEN_ENV},
        {"token_file", LAKE_GCS_CREDENTIALS_TOKEN_FILE},
        {"service_account", LAKE_GCS_CREDENTIALS_SERVICE_ACCOUNT},
        {"metadata", LAKE_GCS_CREDENTIALS_METADATA},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(names[i].name, name) == 0) {
            *out = names[i].source;
            return true;
        }
    }
    return false;
}

static char *copy_or_null(const char *text)
{
    return text == NULL ? NULL : strdup(text);
}

__attribute__((format(printf, 3, 4))) static lake_err
credentials_error(char *error, size_t error_size, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(error, error_size, format, args);
    va_end(args);
    return LAKE_ERR_CREDENTIALS;
}

/* Base64url without padding (RFC 7515, section 2). */
static lake_err append_base64url(lake_buf *out, const uint8_t *bytes, size_t len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (size_t i = 0; i < len; i += 3) {
        uint32_t group = (uint32_t)bytes[i] << 16;
        size_t have = len - i >= 3 ? 3 : len - i;
        if (have > 1) {
            group |= (uint32_t)bytes[i + 1] << 8;
        }
        if (have > 2) {
            group |= bytes[i + 2];
        }
        char quad[4] = {alphabet[group >> 18], alphabet[group >> 12 & 0x3F],
                        alphabet[group >> 6 & 0x3F], alphabet[group & 0x3F]};
        lake_err rc = lake_buf_append(out, quad, have + 1);
        if (rc != LAKE_OK) {
            return rc;
        }
    }
    return LAKE_OK;
}

static lake_err append_json_base64url(lake_buf *out, json_t *value)
{
    char *text = json_dumps(value, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(value);
    if (text == NULL) {
        return LAKE_ERR_NOMEM;
    }
    lake_err rc = append_base64url(out, (const uint8_t *)text, strlen(text));
    free(text);
    return rc;
}

static lake_err sign_rs256(const char *private_key_pem, const lake_buf *input, lake_buf *out,
                           char *error, size_t error_size)
{
    lake_err rc = LAKE_ERR_CREDENTIALS;
    BIO *bio = BIO_new_mem_buf(private_key_pem, -1);
    EVP_PKEY *key = bio != NULL ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    unsigned char *signature = NULL;
    size_t signature_len = 0;

    if (key == NULL || EVP_PKEY_base_id(key) != EVP_PKEY_RSA) {
        snprintf(error, error_size, "the service-account private_key is not a PEM RSA key");
        goto cleanup;
    }
    if (context == NULL || EVP_DigestSignInit(context, NULL, EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestSign(context, NULL, &signature_len, input->data, input->len) != 1 ||
        (signature = malloc(signature_len)) == NULL ||
        EVP_DigestSign(context, signature, &signature_len, input->data, input->len) != 1) {
        snprintf(error, error_size, "signing the service-account JWT with OpenSSL failed");
        goto cleanup;
    }
    rc = append_base64url(out, signature, signature_len);

cleanup:
    free(signature);
    EVP_MD_CTX_free(context);
    EVP_PKEY_free(key);
    BIO_free(bio);
    return rc;
}

lake_err lake_gcs_sign_jwt(const char *client_email, const char *key_id,
                           const char *private_key_pem, const char *token_uri, int64_t now,
                           char **jwt, char *error, size_t error_size)
{
    json_t *header = json_pack("{s:s, s:s}", "alg", "RS256", "typ", "JWT");
    if (header != NULL && key_id != NULL && key_id[0] != '\0') {
        json_object_set_new(header, "kid", json_string(key_id));
    }
    json_t *claims =
        json_pack("{s:s, s:s, s:s, s:I, s:I}", "iss", client_email, "scope", LAKE_GCS_SCOPE, "aud",
                  token_uri, "iat", (json_int_t)now, "exp", (json_int_t)(now + 3600));
    if (header == NULL || claims == NULL) {
        json_decref(header);
        json_decref(claims);
        return LAKE_ERR_NOMEM;
    }

    lake_buf text = {0};
    lake_err rc = append_json_base64url(&text, header);
    if (rc == LAKE_OK) {
        rc = lake_buf_append(&text, ".", 1);
    }
    if (rc == LAKE_OK) {
        rc = append_json_base64url(&text, claims);
    } else {
        json_decref(claims);
    }
    lake_buf signing_input = {0};
    if (rc == LAKE_OK) {
        rc = lake_buf_append(&signing_input, text.data, text.len);
    }
    if (rc == LAKE_OK) {
        rc = lake_buf_append(&text, ".", 1);
    }
    if (rc == LAKE_OK) {
        rc = sign_rs256(private_key_pem, &signing_input, &text, error, error_size);
    }
    if (rc == LAKE_OK) {
        rc = lake_buf_append(&text, "", 1);
    }
    lake_buf_clear(&signing_input);
    if (rc != LAKE_OK) {
        lake_buf_clear(&text);
        return rc;
    }
    *jwt = (char *)text.data;
    return LAKE_OK;
}

/* Reads string member key of object, or NULL when absent or not a string. */
static const char *member_text(json_t *object, const char *key)
{
    return json_string_value(json_object_get(object, key));
}

static lake_err load_key_file(lake__gcs_auth *auth, const char *path, const char *token_uri,
                              char *error, size_t error_size)
{
    json_error_t json_error;
    json_t *key = json_load_file(path, 0, &json_error);
    if (key == NULL) {
        snprintf(error, error_size, "cannot read service-account key file %s: %s", path,
                 json_error.text);
        return LAKE_ERR_CREDENTIALS;
    }
    lake_err rc = LAKE_OK;
    const char *type = member_text(key, "type");
    const char *email = member_text(key, "client_email");
    const char *pem = member_text(key, "private_key");
    if (type == NULL || strcmp(type, "service_account") != 0 || email == NULL || pem == NULL) {
        rc = credentials_error(error, error_size,
                               "%s is not a service-account key file: it needs \"type\": "
                               "\"service_account\", \"client_email\" and \"private_key\"",
                               path);
    } else {
        const char *uri = token_uri != NULL ? token_uri : member_text(key, "token_uri");
        auth->client_email = strdup(email);
        auth->private_key_pem = strdup(pem);
        auth->key_id = copy_or_null(member_text(key, "private_key_id"));
        auth->token_uri = strdup(uri != NULL ? uri : DEFAULT_TOKEN_URI);
        if (auth->client_email == NULL || auth->private_key_pem == NULL ||
            auth->token_uri == NULL) {
            rc = LAKE_ERR_NOMEM;
        }
    }
    json_decref(key);
    if (rc != LAKE_OK) {
        return rc;
    }

    /* Sign once now, so that a bad key fails at start-up instead of at the first upload. */
    char *jwt = NULL;
    rc = lake_gcs_sign_jwt(auth->client_email, auth->key_id, auth->private_key_pem, auth->token_uri,
                           0, &jwt, error, error_size);
    free(jwt);
    return rc;
}

lake_err lake__gcs_auth_new(const lake_gcs_config *config, lake__gcs_auth **out, char *error,
                            size_t error_size)
{
    lake__gcs_auth *auth = calloc(1, sizeof *auth);
    if (auth == NULL) {
        return LAKE_ERR_NOMEM;
    }
    auth->source = config->credentials;
    lake_err rc = LAKE_OK;
    switch (config->credentials) {
    case LAKE_GCS_CREDENTIALS_NONE:
        break;
    case LAKE_GCS_CREDENTIALS_TOKEN_ENV:
        if (config->token_env == NULL || config->token_env[0] == '\0') {
            rc = credentials_error(error, error_size, "%s",
                                   "credentials token_env needs the name of a variable");
        } else if ((auth->token_env = strdup(config->token_env)) == NULL) {
            rc = LAKE_ERR_NOMEM;
        }
        break;
    case LAKE_GCS_CREDENTIALS_TOKEN_FILE:
        if (config->token_file == NULL || config->token_file[0] == '\0') {
            rc = credentials_error(error, error_size, "%s",
                                   "credentials token_file needs the path of a file");
        } else if ((auth->token_file = strdup(config->token_file)) == NULL) {
            rc = LAKE_ERR_NOMEM;
        }
        break;
    case LAKE_GCS_CREDENTIALS_SERVICE_ACCOUNT:
        if (config->key_file == NULL || config->key_file[0] == '\0') {
            rc = credentials_error(error, error_size, "%s",
                                   "credentials service_account needs key_file");
        } else {
            rc = load_key_file(auth, config->key_file, config->token_uri, error, error_size);
        }
        break;
    case LAKE_GCS_CREDENTIALS_METADATA:
        /* NOTE: the metadata-server source is reserved in the configuration but not built. */
        rc = credentials_error(error, error_size, "%s",
                               "credentials source 'metadata' is not implemented yet: use "
                               "token_env, token_file or service_account");
        break;
    default:
        rc = credentials_error(error, error_size, "%s", "unknown credentials source");
        break;
    }
    if (rc != LAKE_OK) {
        lake__gcs_auth_free(auth);
        return rc;
    }
    *out = auth;
    return LAKE_OK;
}

/* Copies a token, rejecting characters that could break or forge an HTTP header. */
static lake_err set_token(lake__gcs_auth *auth, const char *text, size_t len, const char *origin,
                          char *error, size_t error_size)
{
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' ')) {
        len--;
    }
    if (len == 0 || len > MAX_TOKEN_BYTES) {
        return credentials_error(error, error_size,
                                 "the access token from %s is empty or "
                                 "longer than 8192 bytes",
                                 origin);
    }
    for (size_t i = 0; i < len; i++) {
        if (text[i] < 0x21 || text[i] > 0x7E) {
            return credentials_error(error, error_size,
                                     "the access token from %s contains a space or control "
                                     "character",
                                     origin);
        }
    }
    memcpy(auth->token, text, len);
    auth->token[len] = '\0';
    return LAKE_OK;
}

static lake_err read_token_file(lake__gcs_auth *auth, char *error, size_t error_size)
{
    FILE *file = fopen(auth->token_file, "r");
    if (file == NULL) {
        return credentials_error(error, error_size, "cannot open token file %s", auth->token_file);
    }
    char line[MAX_TOKEN_BYTES + 2];
    bool got = fgets(line, sizeof line, file) != NULL;
    fclose(file);
    if (!got) {
        return credentials_error(error, error_size, "token file %s is empty", auth->token_file);
    }
    return set_token(auth, line, strlen(line), auth->token_file, error, error_size);
}

static lake_err exchange_jwt(lake__gcs_auth *auth, CURL *curl, long timeout_ms, char *error,
                             size_t error_size)
{
    int64_t now = (int64_t)time(NULL);
    char *jwt = NULL;
    lake_err rc = lake_gcs_sign_jwt(auth->client_email, auth->key_id, auth->private_key_pem,
                                    auth->token_uri, now, &jwt, error, error_size);
    if (rc != LAKE_OK) {
        return rc;
    }
    lake_buf body = {0};
    rc = lake_buf_append_str(&body, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3A"
                                    "jwt-bearer&assertion=");
    if (rc == LAKE_OK) {
        rc = lake_buf_append_str(&body, jwt); /* base64url needs no form escaping */
    }
    free(jwt);

    struct curl_slist *headers =
        curl_slist_append(NULL, "Content-Type: application/x-www-form-urlencoded");
    long status = 0;
    lake_buf response = {0};
    if (rc == LAKE_OK) {
        rc = lake__gcs_post(curl, auth->token_uri, headers, body.data, body.len, timeout_ms,
                            &status, &response, error, error_size);
    }
    curl_slist_free_all(headers);
    lake_buf_clear(&body);
    if (rc != LAKE_OK) {
        lake_buf_clear(&response);
        return rc;
    }

    json_t *answer = json_loadb((const char *)response.data, response.len, 0, NULL);
    const char *token = member_text(answer, "access_token");
    json_int_t expires_in = json_integer_value(json_object_get(answer, "expires_in"));
    if (status != 200 || token == NULL) {
        char snippet[256];
        lake__gcs_printable(response.data, response.len, 200, snippet, sizeof snippet);
        snprintf(error, error_size, "token exchange at %s for %s failed with status %ld: %s",
                 auth->token_uri, auth->client_email, status, snippet);
        rc = status >= 500 || status == 429 ? LAKE_ERR_HTTP_STATUS : LAKE_ERR_CREDENTIALS;
    } else {
        rc = set_token(auth, token, strlen(token), auth->token_uri, error, error_size);
        /* Renew a minute early, so that no upload starts with a token about to expire. */
        auth->token_expires_at = now + (expires_in > 120 ? expires_in : 120) - 60;
    }
    json_decref(answer);
    lake_buf_clear(&response);
    return rc;
}

lake_err lake__gcs_auth_header(lake__gcs_auth *auth, CURL *curl, long timeout_ms, char *header,
                               size_t header_size, char *error, size_t error_size)
{
    lake_err rc = LAKE_OK;
    switch (auth->source) {
    case LAKE_GCS_CREDENTIALS_NONE:
        header[0] = '\0';
        return LAKE_OK;
    case LAKE_GCS_CREDENTIALS_TOKEN_ENV: {
        const char *value = getenv(auth->token_env);
        if (value == NULL) {
            return credentials_error(error, error_size,
                                     "environment variable %s (credentials token_env) is not set",
                                     auth->token_env);
        }
        rc = set_token(auth, value, strlen(value), auth->token_env, error, error_size);
        break;
    }
    case LAKE_GCS_CREDENTIALS_TOKEN_FILE:
        rc = read_token_file(auth, error, error_size);
        break;
    case LAKE_GCS_CREDENTIALS_SERVICE_ACCOUNT:
        if (auth->token_expires_at <= (int64_t)time(NULL)) {
            rc = exchange_jwt(auth, curl, timeout_ms, error, error_size);
        }
        break;
    default:
        return credentials_error(error, error_size, "%s", "credentials source is not usable");
    }
    if (rc == LAKE_OK) {
        snprintf(header, header_size, "Authorization: Bearer %s", auth->token);
    }
    return rc;
}

void lake__gcs_auth_invalidate(lake__gcs_auth *auth)
{
    auth->token_expires_at = 0;
}

void lake__gcs_auth_free(lake__gcs_auth *auth)
{
    if (auth == NULL) {
        return;
    }
    free(auth->token_env);
    free(auth->token_file);
    free(auth->client_email);
    free(auth->key_id);
    if (auth->private_key_pem != NULL) {
        OPENSSL_cleanse(auth->private_key_pem, strlen(auth->private_key_pem));
    }
    free(auth->private_key_pem);
    free(auth->token_uri);
    OPENSSL_cleanse(auth->token, sizeof auth->token);
    free(auth);
}
