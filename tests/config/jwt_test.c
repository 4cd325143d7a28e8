/*
 * Unit tests of HS256 token minting: the example of RFC 7515, appendix
 * A.1, and tokens in the form that Pulsar's token provider reads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/jwt.h"

/* The 64-byte key of RFC 7515, appendix A.1, decoded from its JWK. */
static const unsigned char rfc7515_key[64] = {
    0x03, 0x23, 0x35, 0x4b, 0x2b, 0x0f, 0xa5, 0xbc, 0x83, 0x7e, 0x06, 0x65, 0x77, 0x7b, 0xa6, 0x8f,
    0x5a, 0xb3, 0x28, 0xe6, 0xf0, 0x54, 0xc9, 0x28, 0xa9, 0x0f, 0x84, 0xb2, 0xd2, 0x50, 0x2e, 0xbf,
    0xd3, 0xfb, 0x5a, 0x92, 0xd2, 0x06, 0x47, 0xef, 0x96, 0x8a, 0xb4, 0xc3, 0x77, 0x62, 0x3d, 0x22,
    0x3d, 0x2e, 0x21, 0x72, 0x05, 0x2e, 0x4f, 0x08, 0xc0, 0xcd, 0x9a, 0xf5, 0x67, 0xd0, 0x80, 0xa3,
};

static void jwt_signs_rfc7515_example(void **state)
{
    (void)state;
    char *token = sy_jwt_sign_hs256(
        rfc7515_key, sizeof rfc7515_key, "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}",
        "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}");
    assert_non_null(token);
    assert_string_equal(token,
                        "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
                        "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNv"
                        "bS9pc19yb290Ijp0cnVlfQ."
                        "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    free(token);
}

static void counting_key(unsigned char key[32])
{
    for (unsigned i = 0; i < 32; i++) {
        key[i] = (unsigned char)i;
    }
}

static void jwt_mints_subject_token(void **state)
{
    (void)state;
    unsigned char key[32];
    counting_key(key);
    char *token = sy_jwt_mint(key, sizeof key, "alice", 0);
    assert_non_null(token);
    /* Expected value computed independently with Python's hmac and base64 modules. */
    assert_string_equal(token, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSJ9."
                               "lfXaIzINpl07cPEvzpqEwyp3eHyfv0amRrLq_-BFWvs");
    free(token);

    token = sy_jwt_mint(key, sizeof key, "backend-prod", 1800000000);
    assert_non_null(token);
    assert_string_equal(token, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
                               "eyJzdWIiOiJiYWNrZW5kLXByb2QiLCJleHAiOjE4MDAwMDAwMDB9."
                               "2bc39udtEmsaAc_Cu6OoIpfLBC5h84WjjSzpRLdIzZY");
    free(token);
}

static void jwt_rejects_short_key_and_empty_subject(void **state)
{
    (void)state;
    unsigned char key[32];
    counting_key(key);
    assert_null(sy_jwt_mint(key, 31, "alice", 0));
    assert_null(sy_jwt_mint(key, sizeof key, "", 0));
    assert_null(sy_jwt_mint(key, sizeof key, NULL, 0));
}

static void jwt_reads_key_file(void **state)
{
    (void)state;
    char path[] = "/tmp/switchyard-key-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unsigned char key[32];
    counting_key(key);
    assert_int_equal(write(fd, key, 16), 16);

    char error[256];
    unsigned char *read_key = NULL;
    size_t read_len = 0;
    assert_int_equal(sy_jwt_read_key(path, &read_key, &read_len, error, sizeof error), -1);
    char expected[512];
    snprintf(expected, sizeof expected,
             "the secret key file %s holds 16 bytes, but an HS256 key needs 32 to 4096: write 32 "
             "random bytes into it (head -c 32 /dev/urandom)",
             path);
    assert_string_equal(error, expected);

    assert_int_equal(write(fd, key + 16, 16), 16);
    close(fd);
    assert_int_equal(sy_jwt_read_key(path, &read_key, &read_len, error, sizeof error), 0);
    assert_int_equal(read_len, 32);
    assert_memory_equal(read_key, key, 32);
    free(read_key);
    unlink(path);

    assert_int_equal(sy_jwt_read_key(path, &read_key, &read_len, error, sizeof error), -1);
    snprintf(expected, sizeof expected,
             "cannot read the secret key file %s: No such file or directory", path);
    assert_string_equal(error, expected);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(jwt_signs_rfc7515_example),
        cmocka_unit_test(jwt_mints_subject_token),
        cmocka_unit_test(jwt_rejects_short_key_and_empty_subject),
        cmocka_unit_test(jwt_reads_key_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
