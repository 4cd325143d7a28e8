/*
 * switchyard token: mints an HS256 JWT for a role, for brokers that use
 * Pulsar's token authentication with a shared secret key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "common/config.h"
#include "common/jwt.h"

static void print_token_usage(FILE *out)
{
    fprintf(out,
            "usage: switchyard token --secret-file FILE --subject ROLE [--expires-at SECONDS]\n"
            "\n"
            "Prints an HS256 JWT whose \"sub\" claim is ROLE, signed with the raw key bytes in\n"
            "FILE (the broker's tokenSecretKey=file://FILE).\n"
            "\n"
            "  --secret-file FILE     secret key file, 32 to 4096 bytes\n"
            "  --subject ROLE         role the token authenticates as\n"
            "  --expires-at SECONDS   expiry as seconds since 1970-01-01 UTC (default: none)\n"
            "  --help                 print this help\n");
}

int cli_token(int argc, char **argv)
{
    const char *secret_file = NULL;
    const char *subject = NULL;
    long long expires_at = 0;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            print_token_usage(stdout);
            return CLI_EXIT_OK;
        }
        if (i + 1 >= argc) {
            fprintf(stderr,
                    "switchyard token: unknown option or missing value '%s'; run "
                    "'switchyard token --help'\n",
                    arg);
            return CLI_EXIT_USAGE;
        }
        if (strcmp(arg, "--secret-file") == 0) {
            secret_file = argv[++i];
        } else if (strcmp(arg, "--subject") == 0) {
            subject = argv[++i];
        } else if (strcmp(arg, "--expires-at") == 0) {
            char *end = NULL;
            expires_at = strtoll(argv[++i], &end, 10);
            if (end == argv[i] || *end != '\0' || expires_at <= 0) {
                fprintf(stderr,
                        "switchyard token: invalid --expires-at '%s': give seconds "
                        "since 1970-01-01 UTC, greater than 0\n",
                        argv[i]);
                return CLI_EXIT_USAGE;
            }
        } else {
            fprintf(stderr,
                    "switchyard token: unknown option '%s'; run 'switchyard token "
                    "--help'\n",
                    arg);
            return CLI_EXIT_USAGE;
        }
    }
    if (secret_file == NULL || subject == NULL) {
        fprintf(stderr, "switchyard token: --secret-file and --subject are required; run "
                        "'switchyard token --help'\n");
        return CLI_EXIT_USAGE;
    }
    if (!sy_config_valid_role_name(subject)) {
        fprintf(stderr,
                "switchyard token: invalid role '%s': use 1 to 128 characters of A-Z, "
                "a-z, 0-9, '.', '_', '@' and '-'\n",
                subject);
        return CLI_EXIT_USAGE;
    }

    char error[512];
    unsigned char *key = NULL;
    size_t key_len = 0;
    if (sy_jwt_read_key(secret_file, &key, &key_len, error, sizeof error) != 0) {
        fprintf(stderr, "switchyard token: %s\n", error);
        return CLI_EXIT_USAGE;
    }
    char *token = sy_jwt_mint(key, key_len, subject, (int64_t)expires_at);
    memset(key, 0, key_len);
    free(key);
    if (token == NULL) {
        fprintf(stderr, "switchyard token: signing failed (out of memory or OpenSSL error)\n");
        return CLI_EXIT_FAILURE;
    }
    printf("%s\n", token);
    free(token);
    return CLI_EXIT_OK;
}
