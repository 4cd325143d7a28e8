/*
 * HS256 JSON Web Tokens (RFC 7519) for Pulsar's token authentication.
 *
 * A Pulsar broker configured with AuthenticationProviderToken and
 * tokenSecretKey accepts a JWT signed with HMAC-SHA256 under that secret
 * key, and takes the client's role from the "sub" claim. Switchyard mints
 * such tokens for its test brokers and for provisioning demos; production
 * tokens come from whatever issues them there.
 *
 * Ownership: every returned string is the caller's, released with free().
 * Thread safety: every function may be called from any thread.
 */
#ifndef SWITCHYARD_COMMON_JWT_H
#define SWITCHYARD_COMMON_JWT_H

#include <stddef.h>
#include <stdint.h>

/* Pulsar's token provider (JJWT) rejects HS256 keys shorter than 256 bits. */
#define SY_JWT_MIN_KEY_BYTES 32
#define SY_JWT_MAX_KEY_BYTES 4096

/*
 * Signs the given header and payload JSON texts as they are:
 * base64url(header) "." base64url(payload) "." base64url(HMAC-SHA256).
 * Returns the token, or NULL when memory runs out or HMAC fails.
 */
char *sy_jwt_sign_hs256(const unsigned char *key, size_t key_len, const char *header_json,
                        const char *payload_json);

/*
 * Mints a token with header {"alg":"HS256","typ":"JWT"} and payload
 * {"sub":subject}, plus "exp":expires_at (seconds since the epoch) when
 * expires_at is greater than 0. Returns NULL for an empty subject, a key
 * shorter than SY_JWT_MIN_KEY_BYTES, or when memory runs out.
 */
char *sy_jwt_mint(const unsigned char *key, size_t key_len, const char *subject,
                  int64_t expires_at);

/*
 * Reads a secret key file as raw bytes, as the broker's tokenSecretKey=file://
 * setting does. On success returns 0 and sets *key (free() it after wiping)
 * and *key_len. Returns -1 with a message in error when the file cannot be
 * read, or contains fewer than SY_JWT_MIN_KEY_BYTES or more than
 * SY_JWT_MAX_KEY_BYTES bytes.
 */
int sy_jwt_read_key(const char *path, unsigned char **key, size_t *key_len, char *error,
                    size_t error_size);

#endif
