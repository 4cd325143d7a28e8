/*
 * switchyard provision: makes the cluster contain what the configuration
 * describes. It reads the cluster state, prints the plan (one action per
 * line, and nothing else, on standard output), and applies it unless
 * --dry-run is given. Deletions and revocations are planned only with
 * --delete-unlisted, and such a plan is applied only with --yes as well.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin_http.h"
#include "admin/provision.h"
#include "cli/commands.h"
#include "common/config.h"

#define PROVISION_TIMEOUT_MS 30000

typedef struct {
    const char *config_path;
    bool dry_run;
    bool delete_unlisted;
    bool yes;
} provision_options;

static void print_provision_usage(FILE *out)
{
    fprintf(out,
            "usage: switchyard provision --config FILE [--dry-run] [--delete-unlisted] [--yes]\n"
            "\n"
            "Creates the tenants, namespaces, topics, policies and grants that FILE describes,\n"
            "through the admin REST API. The plan is printed first, one action per line on\n"
            "standard output; a second run on a provisioned cluster plans nothing.\n"
            "\n"
            "  --config FILE       configuration file (see docs/configuration.md)\n"
            "  --dry-run           print the plan and change nothing\n"
            "  --delete-unlisted   also delete topics and namespaces, and revoke grants, that\n"
            "                      FILE does not list (inside its tenants only)\n"
            "  --yes               apply a plan made with --delete-unlisted\n"
            "  --help              print this help\n"
            "\n"
            "The admin URL is pulsar.admin_url, or SWITCHYARD_ADMIN_URL. The token is\n"
            "SWITCHYARD_ADMIN_TOKEN when set, else the one pulsar.token_env or\n"
            "pulsar.token_file names, else none.\n"
            "Exit status: 0 done (or planned with --dry-run), 1 the cluster failed or the\n"
            "plan needs --yes, 2 a usage or configuration error (nothing was sent).\n");
}

static int parse_options(int argc, char **argv, provision_options *options)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            print_provision_usage(stdout);
            return -1;
        }
        if (strcmp(arg, "--dry-run") == 0) {
            options->dry_run = true;
        } else if (strcmp(arg, "--delete-unlisted") == 0) {
            options->delete_unlisted = true;
        } else if (strcmp(arg, "--yes") == 0) {
            options->yes = true;
        } else if (strcmp(arg, "--config") == 0 && i + 1 < argc) {
            options->config_path = argv[++i];
        } else {
            fprintf(stderr,
                    "switchyard provision: unknown option or missing value '%s'; run "
                    "'switchyard provision --help'\n",
                    arg);
            return CLI_EXIT_USAGE;
        }
    }
    if (options->config_path == NULL) {
        fprintf(stderr, "switchyard provision: --config FILE is required; run 'switchyard "
                        "provision --help'\n");
        return CLI_EXIT_USAGE;
    }
    return 0;
}

/* Loads the configuration and connects. Returns 0, or an exit status after printing the reason. */
static int open_cluster(const provision_options *options, sy_config **config, admin_http **client)
{
    char error[1024];
    const unsigned sections = SY_CONFIG_PULSAR | SY_CONFIG_TENANTS | SY_CONFIG_INGEST |
                              SY_CONFIG_ENVIRONMENTS | SY_CONFIG_ROLES | SY_CONFIG_VALIDATE_ALL;
    *config = sy_config_load(options->config_path, sections, error, sizeof error);
    if (*config == NULL) {
        fprintf(stderr, "switchyard provision: %s\n", error);
        return CLI_EXIT_USAGE;
    }
    const char *admin_url = (*config)->pulsar.admin_url;
    if (admin_url == NULL) {
        fprintf(stderr,
                "switchyard provision: %s: pulsar.admin_url is not set and "
                "SWITCHYARD_ADMIN_URL is empty: set one of them\n",
                options->config_path);
        return CLI_EXIT_USAGE;
    }

    char *token = NULL;
    if (sy_config_read_token(*config, "SWITCHYARD_ADMIN_TOKEN", &token, error, sizeof error) != 0) {
        fprintf(stderr, "switchyard provision: %s\n", error);
        return CLI_EXIT_USAGE;
    }
    *client = admin_http_new(admin_url, token, PROVISION_TIMEOUT_MS);
    if (token != NULL) {
        memset(token, 0, strlen(token));
        free(token);
    }
    if (*client == NULL) {
        fprintf(stderr,
                "switchyard provision: cannot create an HTTP client for %s (out of "
                "memory)\n",
                admin_url);
        return CLI_EXIT_FAILURE;
    }
    return 0;
}

static void print_plan(const admin_plan *plan)
{
    for (size_t i = 0; i < plan->count; i++) {
        char line[1024];
        admin_action_format(&plan->actions[i], line, sizeof line);
        printf("%s\n", line);
    }
    fflush(stdout);
}

static int run_plan(const provision_options *options, const sy_config *config, admin_http *client)
{
    char error[1024];
    admin_cluster_state state;
    if (admin_state_read(client, config, &state, error, sizeof error) != 0) {
        fprintf(stderr, "switchyard provision: reading the cluster state failed: %s\n", error);
        return CLI_EXIT_FAILURE;
    }

    admin_plan plan;
    unsigned plan_options = options->delete_unlisted ? ADMIN_PLAN_DELETE_UNLISTED : 0;
    int rc = admin_plan_compute(config, &state, plan_options, &plan, error, sizeof error);
    admin_state_clear(&state);
    if (rc != 0) {
        fprintf(stderr, "switchyard provision: %s\n", error);
        return CLI_EXIT_FAILURE;
    }

    print_plan(&plan);
    size_t removals = admin_plan_count_removals(&plan);
    int status = CLI_EXIT_OK;
    if (plan.count == 0) {
        fprintf(stderr, "switchyard provision: nothing to do: the cluster matches %s\n",
                config->path);
    } else if (options->dry_run) {
        fprintf(stderr,
                "switchyard provision: %zu actions planned (%zu deletions or "
                "revocations); --dry-run, so nothing was changed\n",
                plan.count, removals);
    } else if (options->delete_unlisted && !options->yes) {
        /* Narrowing a grant or a tenant removes access too, so any such plan needs --yes. */
        fprintf(stderr,
                "switchyard provision: the plan was made with --delete-unlisted and "
                "deletes or revokes %zu resources (listed above); nothing was changed: "
                "run again with --yes to apply it\n",
                removals);
        status = CLI_EXIT_FAILURE;
    } else {
        size_t applied = admin_plan_apply(client, &plan, NULL, NULL, error, sizeof error);
        if (applied < plan.count) {
            fprintf(stderr,
                    "switchyard provision: action %zu of %zu failed: %s\n"
                    "switchyard provision: the %zu actions before it were applied; fix "
                    "the cause and run again\n",
                    applied + 1, plan.count, error, applied);
            status = CLI_EXIT_FAILURE;
        } else {
            fprintf(stderr, "switchyard provision: applied %zu actions\n", plan.count);
        }
    }
    admin_plan_clear(&plan);
    return status;
}

int cli_provision(int argc, char **argv)
{
    provision_options options = {0};
    int rc = parse_options(argc, argv, &options);
    if (rc != 0) {
        return rc < 0 ? CLI_EXIT_OK : rc;
    }

    sy_config *config = NULL;
    admin_http *client = NULL;
    rc = open_cluster(&options, &config, &client);
    if (rc == 0) {
        rc = run_plan(&options, config, client);
    }
    admin_http_free(client);
    sy_config_free(config);
    return rc;
}
