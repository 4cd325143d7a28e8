/*
 * GCS credentials without Google. The service-account JWT is checked byte
 * for byte and verified with the public key. The token exchange and the
 * uploads run against a small HTTP server in this process, which serves
 * both the OAuth token endpoint and the upload endpoint and records every
 * request it receives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lake/lake_buf.h"
#include "lake/lake_gcs.h"

#define MAX_REQUESTS 16

typedef struct {
    char path[512];
    char authorization[512];
    char body[4096];
} seen_request;

typedef struct {
    int listener;
    int port;
    pthread_t thread;
    pthread_mutex_t lock;
    size_t request_count;
    seen_request requests[MAX_REQUESTS];
    unsigned tokens_issued;
    long upload_status;     /* status for uploads, 200 unless a test changes it */
    bool upload_wrong_size; /* respond to uploads with a size one byte off */
    bool stop;
} fake_server;

typedef struct {
    EVP_PKEY *key;
    char *private_pem;
    char key_path[64];
    char token_uri[128];
    char endpoint[64];
    fake_server server;
} fixture;

/* ---- the fake server ---- */

static void send_text(int fd, long status, const char *body)
{
    char head[256];
    int len = snprintf(head, sizeof head,
                       "HTTP/1.1 %ld X\r\nContent-Type: application/json\r\n"
                       "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                       status, strlen(body));
    ssize_t ignored = write(fd, head, (size_t)len);
    ignored = write(fd, body, strlen(body));
    (void)ignored;
}

/* Reads one request; returns false when the peer closed first. */
static bool read_request(int fd, seen_request *request, char *name, size_t name_size)
{
    char buffer[8192];
    size_t len = 0;
    char *end = NULL;
    while (end == NULL && len < sizeof buffer - 1) {
        ssize_t got = read(fd, buffer + len, sizeof buffer - 1 - len);
        if (got <= 0) {
            return false;
        }
        len += (size_t)got;
        buffer[len] = '\0';
        end = strstr(buffer, "\r\n\r\n");
    }
    if (end == NULL) {
        return false;
    }
    sscanf(buffer, "POST %511s", request->path);
    const char *auth = strstr(buffer, "\r\nAuthorization: ");
    if (auth != NULL && auth < end) {
        sscanf(auth + 2, "Authorization: %511[^\r]", request->authorization);
    }
    size_t content_length = 0;
    const char *length_header = strstr(buffer, "\r\nContent-Length: ");
    if (length_header != NULL) {
        content_length = strtoul(length_header + 18, NULL, 10);
    }
    size_t have = len - (size_t)(end + 4 - buffer);
    size_t keep = have < sizeof request->body - 1 ? have : sizeof request->body - 1;
    memcpy(request->body, end + 4, keep);
    while (have < content_length) {
        char chunk[4096];
        ssize_t got = read(fd, chunk, sizeof chunk);
        if (got <= 0) {
            return false;
        }
        size_t room = sizeof request->body - 1 - keep;
        size_t copy = (size_t)got < room ? (size_t)got : room;
        memcpy(request->body + keep, chunk, copy);
        keep += copy;
        have += (size_t)got;
    }
    request->body[keep] = '\0';

    /* The object name is the last query parameter, percent-encoded. */
    const char *query_name = strstr(request->path, "&name=");
    name[0] = '\0';
    if (query_name != NULL) {
        CURL *curl = curl_easy_init();
        int out_len = 0;
        char *decoded = curl_easy_unescape(curl, query_name + 6, 0, &out_len);
        snprintf(name, name_size, "%s", decoded);
        curl_free(decoded);
        curl_easy_cleanup(curl);
    }
    (void)content_length;
    return true;
}

static void *serve(void *context)
{
    fake_server *server = context;
    for (;;) {
        int fd = accept(server->listener, NULL, NULL);
        if (fd < 0) {
            return NULL;
        }
        seen_request request;
        memset(&request, 0, sizeof request);
        char name[512];
        bool got = read_request(fd, &request, name, sizeof name);

        pthread_mutex_lock(&server->lock);
        if (server->stop || !got) {
            bool stop = server->stop;
            pthread_mutex_unlock(&server->lock);
            close(fd);
            if (stop) {
                return NULL;
            }
            continue;
        }
        if (server->request_count < MAX_REQUESTS) {
            server->requests[server->request_count++] = request;
        }
        char body[1024];
        long status = 200;
        if (strcmp(request.path, "/token") == 0) {
            snprintf(body, sizeof body,
                     "{\"access_token\":\"tok-%u\",\"expires_in\":3600,\"token_type\":\"Bearer\"}",
                     ++server->tokens_issued);
        } else {
            status = server->upload_status;
            size_t size = strlen(request.body) + (server->upload_wrong_size ? 1 : 0);
            snprintf(body, sizeof body,
                     "{\"kind\":\"storage#object\",\"name\":\"%s\",\"size\":\"%zu\"}", name, size);
            if (status != 200) {
                snprintf(body, sizeof body, "{\"error\":{\"code\":%ld}}", status);
            }
        }
        pthread_mutex_unlock(&server->lock);
        send_text(fd, status, body);
        close(fd);
    }
}

static void start_server(fake_server *server)
{
    server->listener = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(server->listener >= 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = 0};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(server->listener, (struct sockaddr *)&address, sizeof address), 0);
    assert_int_equal(listen(server->listener, 8), 0);
    socklen_t len = sizeof address;
    assert_int_equal(getsockname(server->listener, (struct sockaddr *)&address, &len), 0);
    server->port = ntohs(address.sin_port);
    server->upload_status = 200;
    pthread_mutex_init(&server->lock, NULL);
    assert_int_equal(pthread_create(&server->thread, NULL, serve, server), 0);
}

static void stop_server(fake_server *server)
{
    pthread_mutex_lock(&server->lock);
    server->stop = true;
    pthread_mutex_unlock(&server->lock);
    /* A last connection wakes accept(), so the thread notices stop. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)server->port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connect(fd, (struct sockaddr *)&address, sizeof address);
    close(fd);
    pthread_join(server->thread, NULL);
    close(server->listener);
    pthread_mutex_destroy(&server->lock);
}

/* ---- fixtures ---- */

static void write_key_file(fixture *f, const char *type, const char *pem)
{
    json_t *key =
        json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", type, "project_id", "demo", "private_key_id",
                  "key-1", "private_key", pem, "client_email", "sink@demo.iam.gserviceaccount.com");
    assert_int_equal(json_dump_file(key, f->key_path, 0), 0);
    json_decref(key);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->key = EVP_RSA_gen(2048);
    assert_non_null(f->key);
    BIO *bio = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PrivateKey(bio, f->key, NULL, NULL, 0, NULL, NULL), 1);
    char *data = NULL;
    long len = BIO_get_mem_data(bio, &data);
    f->private_pem = strndup(data, (size_t)len);
    BIO_free(bio);

    snprintf(f->key_path, sizeof f->key_path, "/tmp/lake-gcs-auth-test-%ld.json", (long)getpid());
    write_key_file(f, "service_account", f->private_pem);
    start_server(&f->server);
    snprintf(f->token_uri, sizeof f->token_uri, "http://127.0.0.1:%d/token", f->server.port);
    snprintf(f->endpoint, sizeof f->endpoint, "http://127.0.0.1:%d", f->server.port);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    stop_server(&f->server);
    unlink(f->key_path);
    EVP_PKEY_free(f->key);
    free(f->private_pem);
    free(f);
    return 0;
}

static lake_buf base64url_decode(const char *text, size_t len)
{
    lake_buf out = {0};
    uint32_t bits = 0;
    int count = 0;
    for (size_t i = 0; i < len; i++) {
        const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        const char *at = strchr(alphabet, text[i]);
        assert_non_null(at);
        bits = bits << 6 | (uint32_t)(at - alphabet);
        count += 6;
        if (count >= 8) {
            count -= 8;
            uint8_t byte = (uint8_t)(bits >> count);
            assert_int_equal(lake_buf_append(&out, &byte, 1), LAKE_OK);
        }
    }
    return out;
}

/* Splits a JWT, checks the signature with the fixture's key and returns the claims text. */
static char *verify_jwt(const fixture *f, const char *jwt, char *header_text, size_t header_size)
{
    const char *dot1 = strchr(jwt, '.');
    assert_non_null(dot1);
    const char *dot2 = strchr(dot1 + 1, '.');
    assert_non_null(dot2);
    assert_null(strchr(dot2 + 1, '.'));
    assert_null(strchr(jwt, '='));

    lake_buf header = base64url_decode(jwt, (size_t)(dot1 - jwt));
    snprintf(header_text, header_size, "%.*s", (int)header.len, (const char *)header.data);
    lake_buf claims = base64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    lake_buf signature = base64url_decode(dot2 + 1, strlen(dot2 + 1));

    EVP_MD_CTX *context = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(context, NULL, EVP_sha256(), NULL, f->key), 1);
    assert_int_equal(EVP_DigestVerify(context, signature.data, signature.len,
                                      (const unsigned char *)jwt, (size_t)(dot2 - jwt)),
                     1);
    EVP_MD_CTX_free(context);

    char *text = strndup((const char *)claims.data, claims.len);
    lake_buf_clear(&header);
    lake_buf_clear(&claims);
    lake_buf_clear(&signature);
    return text;
}

/* ---- tests ---- */

static void jwt_exact_claims_and_signature(void **state)
{
    fixture *f = *state;
    char *jwt = NULL;
    char error[256] = "";
    assert_int_equal(lake_gcs_sign_jwt("sink@demo.iam.gserviceaccount.com", "key-1", f->private_pem,
                                       "https://oauth2.example/token", 1796389501, &jwt, error,
                                       sizeof error),
                     LAKE_OK);
    char header[256];
    char *claims = verify_jwt(f, jwt, header, sizeof header);
    assert_string_equal(header, "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"key-1\"}");
    assert_string_equal(claims,
                        "{\"iss\":\"sink@demo.iam.gserviceaccount.com\","
                        "\"scope\":\"https://www.googleapis.com/auth/devstorage.read_write\","
                        "\"aud\":\"https://oauth2.example/token\","
                        "\"iat\":1796389501,\"exp\":1796393101}");
    free(claims);
    free(jwt);
}

static void jwt_rejects_non_rsa_key(void **state)
{
    (void)state;
    EVP_PKEY *ec = EVP_EC_gen("P-256");
    assert_non_null(ec);
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, ec, NULL, NULL, 0, NULL, NULL);
    char *data = NULL;
    long len = BIO_get_mem_data(bio, &data);
    char *pem = strndup(data, (size_t)len);
    BIO_free(bio);
    EVP_PKEY_free(ec);

    char *jwt = NULL;
    char error[256] = "";
    assert_int_equal(
        lake_gcs_sign_jwt("a@b", "k", pem, "https://x/token", 1, &jwt, error, sizeof error),
        LAKE_ERR_CREDENTIALS);
    assert_null(jwt);
    assert_non_null(strstr(error, "not a PEM RSA key"));
    free(pem);
}

static lake_store *service_account_store(fixture *f)
{
    lake_gcs_config config = {.endpoint = f->endpoint,
                              .bucket = "lake-bucket",
                              .credentials = LAKE_GCS_CREDENTIALS_SERVICE_ACCOUNT,
                              .key_file = f->key_path,
                              .token_uri = f->token_uri,
                              .timeout_ms = 10000};
    lake_store *store = NULL;
    char error[256] = "";
    if (lake_store_gcs_new(&config, &store, error, sizeof error) != LAKE_OK) {
        fail_msg("lake_store_gcs_new: %s", error);
    }
    return store;
}

static void service_account_token_then_uploads(void **state)
{
    fixture *f = *state;
    lake_store *store = service_account_store(f);
    char error[512] = "";

    assert_int_equal(lake_store_put(store, "prod/a b/1-1.jsonl", (const uint8_t *)"one\n", 4,
                                    "application/x-ndjson", error, sizeof error),
                     LAKE_OK);
    assert_int_equal(lake_store_put(store, "prod/2-2.jsonl", (const uint8_t *)"two\n", 4,
                                    "application/x-ndjson", error, sizeof error),
                     LAKE_OK);

    /* One token exchange, reused for both uploads. */
    assert_int_equal(f->server.request_count, 3);
    const seen_request *token = &f->server.requests[0];
    assert_string_equal(token->path, "/token");
    const char *prefix =
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=";
    assert_memory_equal(token->body, prefix, strlen(prefix));
    char header[256];
    char *claims = verify_jwt(f, token->body + strlen(prefix), header, sizeof header);
    json_t *parsed = json_loads(claims, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(parsed, "aud")), f->token_uri);
    assert_string_equal(json_string_value(json_object_get(parsed, "iss")),
                        "sink@demo.iam.gserviceaccount.com");
    json_decref(parsed);
    free(claims);

    assert_string_equal(f->server.requests[1].path,
                        "/upload/storage/v1/b/lake-bucket/o?uploadType=media&name="
                        "prod%2Fa%20b%2F1-1.jsonl");
    assert_string_equal(f->server.requests[1].authorization, "Bearer tok-1");
    assert_string_equal(f->server.requests[1].body, "one\n");
    assert_string_equal(f->server.requests[2].authorization, "Bearer tok-1");
    lake_store_free(store);
}

static void rejected_token_is_renewed(void **state)
{
    fixture *f = *state;
    lake_store *store = service_account_store(f);
    char error[512] = "";

    f->server.upload_status = 401;
    assert_int_equal(
        lake_store_put(store, "x/1-1.jsonl", (const uint8_t *)"x", 1, NULL, error, sizeof error),
        LAKE_ERR_CREDENTIALS);
    assert_non_null(strstr(error, "status 401"));
    f->server.upload_status = 200;
    assert_int_equal(
        lake_store_put(store, "x/1-1.jsonl", (const uint8_t *)"x", 1, NULL, error, sizeof error),
        LAKE_OK);
    assert_int_equal(f->server.request_count, 4);
    assert_string_equal(f->server.requests[2].path, "/token");
    assert_string_equal(f->server.requests[3].authorization, "Bearer tok-2");
    lake_store_free(store);
}

static void upload_with_wrong_size_fails(void **state)
{
    fixture *f = *state;
    lake_gcs_config config = {
        .endpoint = f->endpoint, .bucket = "lake-bucket", .credentials = LAKE_GCS_CREDENTIALS_NONE};
    lake_store *store = NULL;
    char error[512] = "";
    assert_int_equal(lake_store_gcs_new(&config, &store, error, sizeof error), LAKE_OK);
    f->server.upload_wrong_size = true;
    assert_int_equal(
        lake_store_put(store, "x/1-1.jsonl", (const uint8_t *)"abc", 3, NULL, error, sizeof error),
        LAKE_ERR_HTTP_STATUS);
    assert_non_null(strstr(error, "another object or size"));
    assert_string_equal(f->server.requests[0].authorization, "");
    lake_store_free(store);
}

static void token_file_first_line_sent(void **state)
{
    fixture *f = *state;
    char path[64];
    snprintf(path, sizeof path, "/tmp/lake-gcs-token-%ld", (long)getpid());
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs("ya29.from-file\nsecond line\n", file);
    fclose(file);

    lake_gcs_config config = {.endpoint = f->endpoint,
                              .bucket = "lake-bucket",
                              .credentials = LAKE_GCS_CREDENTIALS_TOKEN_FILE,
                              .token_file = path};
    lake_store *store = NULL;
    char error[512] = "";
    assert_int_equal(lake_store_gcs_new(&config, &store, error, sizeof error), LAKE_OK);
    assert_int_equal(
        lake_store_put(store, "x/1-1.jsonl", (const uint8_t *)"x", 1, NULL, error, sizeof error),
        LAKE_OK);
    assert_string_equal(f->server.requests[0].authorization, "Bearer ya29.from-file");
    unlink(path);
    assert_int_equal(
        lake_store_put(store, "x/1-1.jsonl", (const uint8_t *)"x", 1, NULL, error, sizeof error),
        LAKE_ERR_CREDENTIALS);
    lake_store_free(store);
}

static void bad_credential_settings_rejected(void **state)
{
    fixture *f = *state;
    char error[512] = "";
    lake_store *store = NULL;

    lake_gcs_config config = {.endpoint = f->endpoint,
                              .bucket = "lake-bucket",
                              .credentials = LAKE_GCS_CREDENTIALS_METADATA};
    assert_int_equal(lake_store_gcs_new(&config, &store, error, sizeof error),
                     LAKE_ERR_CREDENTIALS);
    assert_non_null(strstr(error, "metadata"));

    config.credentials = LAKE_GCS_CREDENTIALS_TOKEN_ENV;
    assert_int_equal(lake_store_gcs_new(&config, &store, error, sizeof error),
                     LAKE_ERR_CREDENTIALS);

    config.credentials = LAKE_GCS_CREDENTIALS_SERVICE_ACCOUNT;
    config.key_file = f->key_path;
    write_key_file(f, "authorized_user", f->private_pem);
    assert_int_equal(lake_store_gcs_new(&config, &store, error, sizeof error),
                     LAKE_ERR_CREDENTIALS);
    assert_non_null(strstr(error, "not a service-account key file"));
    write_key_file(f, "service_account", "-----BEGIN PRIVATE KEY-----\nnot a key\n");
    assert_int_equal(lake_store_gcs_new(&config, &store, error, sizeof error),
                     LAKE_ERR_CREDENTIALS);

    config.credentials = LAKE_GCS_CREDENTIALS_NONE;
    config.bucket = "Bad_Bucket";
    assert_int_equal(lake_store_gcs_new(&config, &store, error, sizeof error), LAKE_ERR_INVALID);
    config.bucket = "lake-bucket";
    config.endpoint = "ftp://127.0.0.1";
    assert_int_equal(lake_store_gcs_new(&config, &store, error, sizeof error), LAKE_ERR_INVALID);
    assert_null(store);

    /* No request reached the server for any of these. */
    assert_int_equal(f->server.request_count, 0);

    lake_gcs_credentials source;
    assert_true(lake_gcs_credentials_parse("service_account", &source));
    assert_int_equal(source, LAKE_GCS_CREDENTIALS_SERVICE_ACCOUNT);
    assert_false(lake_gcs_credentials_parse("adc", &source));
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(jwt_exact_claims_and_signature, setup, teardown),
        cmocka_unit_test_setup_teardown(jwt_rejects_non_rsa_key, setup, teardown),
        cmocka_unit_test_setup_teardown(service_account_token_then_uploads, setup, teardown),
        cmocka_unit_test_setup_teardown(rejected_token_is_renewed, setup, teardown),
        cmocka_unit_test_setup_teardown(upload_with_wrong_size_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(token_file_first_line_sent, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_credential_settings_rejected, setup, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return failed;
}
