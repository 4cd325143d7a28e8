/*
 * HS256 token signing with OpenSSL's HMAC. The base64url encoding is the
 * unpadded URL-safe alphabet of RFC 4648, section 5, as RFC 7515 requires.
 */
#include "common/jwt.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char base64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Writes the base64url form of data at out and returns the number of characters written. */
static size_t base64url_encode(const unsigned char *data, size_t len, char *out)
{
    size_t written = 0;
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t group = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];
        out[written++] = base64url_alphabet[(group >> 18) & 63];
        out[written++] = base64url_alphabet[(group >> 12) & 63];
        out[written++] = base64url_alphabet[(group >> 6) & 63];
        out[written++] = base64url_alphabet[group & 63];
    }
    if (len - i == 1) {
        uint32_t group = (uint32_t)data[i] << 16;
        out[written++] = base64url_alphabet[(group >> 18) & 63];
        out[written++] = base64url_alphabet[(group >> 12) & 63];
    } else if (len - i == 2) {
        uint32_t group = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8;
        out[written++] = base64url_alphabet[(group >> 18) & 63];
        out[written++] = base64url_alphabet[(group >> 12) & 63];
        out[written++] = base64url_alphabet[(group >> 6) & 63];
    }
    return written;
}

static size_t base64url_length(size_t len)
{
    return len / 3 * 4 + (len % 3 == 0 ? 0 : len % 3 + 1);
}

char *sy_jwt_sign_hs256(const unsigned char *key, size_t key_len, const char *header_json,
                        const char *payload_json)
{
    size_t header_len = strlen(header_json);
    size_t payload_len = strlen(payload_json);
    size_t signing_len = base64url_length(header_len) + 1 + base64url_length(payload_len);
    size_t total = signing_len + 1 + base64url_length(32) + 1;
    char *token = malloc(total);
    if (token == NULL || key_len > (size_t)INT32_MAX) {
        free(token);
        return NULL;
    }

    size_t at = base64url_encode((const unsigned char *)header_json, header_len, token);
    token[at++] = '.';
    at += base64url_encode((const unsigned char *)payload_json, payload_len, token + at);

    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    if (HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)token, at, mac, &mac_len) ==
            NULL ||
        mac_len != 32) {
        free(token);
        return NULL;
    }
    token[at++] = '.';
    at += base64url_encode(mac, mac_len, token + at);
    token[at] = '\0';
    return token;
}

char *sy_jwt_mint(const unsigned char *key, size_t key_len, const char *subject, int64_t expires_at)
{
    if (subject == NULL || subject[0] == '\0' || key_len < SY_JWT_MIN_KEY_BYTES) {
        return NULL;
    }
    json_t *payload = json_object();
    if (payload == NULL || json_object_set_new(payload, "sub", json_string(subject)) != 0 ||
        (expires_at > 0 &&
         json_object_set_new(payload, "exp", json_integer((json_int_t)expires_at)) != 0)) {
        json_decref(payload);
        return NULL;
    }
    char *payload_json = json_dumps(payload, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(payload);
    if (payload_json == NULL) {
        return NULL;
    }
    char *token =
        sy_jwt_sign_hs256(key, key_len, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload_json);
    free(payload_json);
    return token;
}

int sy_jwt_read_key(const char *path, unsigned char **key, size_t *key_len, char *error,
                    size_t error_size)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        snprintf(error, error_size, "cannot read the secret key file %s: %s", path,
                 strerror(errno));
        return -1;
    }
    unsigned char *buffer = malloc(SY_JWT_MAX_KEY_BYTES + 1);
    size_t len = buffer != NULL ? fread(buffer, 1, SY_JWT_MAX_KEY_BYTES + 1, file) : 0;
    fclose(file);
    if (buffer == NULL) {
        snprintf(error, error_size, "out of memory reading the secret key file %s", path);
        return -1;
    }
    if (len < SY_JWT_MIN_KEY_BYTES || len > SY_JWT_MAX_KEY_BYTES) {
        memset(buffer, 0, len);
        free(buffer);
        snprintf(error, error_size,
                 "the secret key file %s holds %s%zu bytes, but an HS256 key needs %d to %d: "
                 "write 32 random bytes into it (head -c 32 /dev/urandom)",
                 path, len > SY_JWT_MAX_KEY_BYTES ? "more than " : "",
                 len > SY_JWT_MAX_KEY_BYTES ? (size_t)SY_JWT_MAX_KEY_BYTES : len,
                 SY_JWT_MIN_KEY_BYTES, SY_JWT_MAX_KEY_BYTES);
        return -1;
    }
    *key = buffer;
    *key_len = len;
    return 0;
}
