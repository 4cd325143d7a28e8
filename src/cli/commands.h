/*
 * The subcommands of the switchyard program.
 *
 * Each takes the arguments after its own name (argv[0] is the subcommand's
 * name), prints its own --help, and returns the process exit status:
 * 0 on success, 1 on a runtime failure, 2 on a usage or configuration error.
 */
#ifndef SWITCHYARD_CLI_COMMANDS_H
#define SWITCHYARD_CLI_COMMANDS_H

typedef int (*cli_command_fn)(int argc, char **argv);

typedef struct {
    const char *name;
    const char *summary;
    cli_command_fn run;
} cli_command;

/* Exit statuses shared by every subcommand. */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAILURE = 1,
    CLI_EXIT_USAGE = 2,
};

int cli_token(int argc, char **argv);
int cli_provision(int argc, char **argv);
int cli_route(int argc, char **argv);
int cli_sink(int argc, char **argv);
int cli_device(int argc, char **argv);
int cli_backend(int argc, char **argv);
int cli_reconcile(int argc, char **argv);

#endif
