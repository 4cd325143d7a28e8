/*
 * switchyard: one program with a subcommand for each component.
 */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

#ifndef SWITCHYARD_VERSION
#define SWITCHYARD_VERSION "0.1.0"
#endif

/* Subcommands in the order that --help lists them. */
static const cli_command commands[] = {
    {"provision", "create the tenants, namespaces, topics and grants of a configuration",
     cli_provision},
    {"token", "mint an HS256 token for a role (Pulsar token authentication)", cli_token},
    {"route", "route ingest messages to their environment's topic (--check: dry run)", cli_route},
    {"sink", "copy topics' messages into lake files (local directory or GCS)", cli_sink},
    {"device", "replay sensor readings as IoT device messages (the demo's devices)", cli_device},
    {"backend", "serve one environment's commands (the demo's backends v1 and v2)", cli_backend},
    {"reconcile", "wait for the pipeline to drain and compare counts end to end", cli_reconcile},
    {NULL, NULL, NULL},
};

static void print_usage(FILE *out)
{
    fprintf(out, "usage: switchyard COMMAND [OPTIONS]\n"
                 "\n"
                 "Routes IoT development and test traffic inside one production Pulsar cluster.\n"
                 "\n"
                 "Commands:\n");
    for (size_t i = 0; commands[i].name != NULL; i++) {
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    }
    fprintf(out, "\n"
                 "Run 'switchyard COMMAND --help' for the options of one command.\n"
                 "  --help       print this help\n"
                 "  --version    print the version\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return CLI_EXIT_USAGE;
    }

    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        print_usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0) {
        printf("switchyard %s\n", SWITCHYARD_VERSION);
        return CLI_EXIT_OK;
    }

    for (size_t i = 0; commands[i].name != NULL; i++) {
        if (strcmp(commands[i].name, name) == 0) {
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "switchyard: unknown command '%s'; run 'switchyard --help' for the list\n",
            name);
    return CLI_EXIT_USAGE;
}
