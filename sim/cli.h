/* cli.h — what the algsim subcommands share: exit codes, configuration from flags, errors. */
#pragma once

#include "config.h"

G_BEGIN_DECLS

enum {
  CLI_EXIT_OK = 0,
  CLI_EXIT_FAILURE = 1, /* the run failed */
  CLI_EXIT_USAGE = 2,   /* bad input: flags, files, keys, values */
  CLI_EXIT_NOTHING = 3, /* the run worked but nothing arrived (alg replay) */
};

/* A subcommand: argv[0] is the subcommand's own name. */
typedef struct {
  const char *name;                  /* "keys" */
  const char *args;                  /* argument synopsis for help */
  const char *summary;               /* one line for `algsim --help` */
  int (*run)(int argc, char **argv); /* returns an exit code */
} CliCommand;

/* Options every scenario command takes: --profile FILE (repeatable), --set k=v (repeatable). */
typedef struct {
  char **profiles; /* --profile files, applied in order */
  char **sets;     /* --set assignments, applied after the files */
} CliConfigArgs;

GOptionEntry *cli_config_option_entries(CliConfigArgs *args);
/* Build the configuration; on bad input prints "algsim: message" and returns NULL. */
Config *cli_config_load(const CliConfigArgs *args);
void cli_config_args_clear(CliConfigArgs *args);

/* Parse a subcommand's options; prints the error and returns FALSE on bad flags. */
gboolean cli_parse(GOptionContext *ctx, int *argc, char ***argv);
void cli_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* --alg-plugin FILE of call/run: load the plugin and set router.alg to its ALG; on error prints
 * "algsim: FILE: message" and returns FALSE (exit CLI_EXIT_USAGE). */
gboolean cli_use_alg_plugin(Config *cfg, const char *path);

int cmd_keys(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_alg(int argc, char **argv);
int cmd_call(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_plot(int argc, char **argv);

G_END_DECLS
