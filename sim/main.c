/* main.c — the algsim command line: global options and the subcommand table.
 *
 * Each subcommand parses its own options with GOptionContext; bad input exits with status 2 and a
 * message naming the flag, file, group and key.  Later subcommands (call, run, plot, alg) join the
 * table below and nothing else changes.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "models.h"

static const CliCommand commands[] = {
  {"keys", "[--markdown]", "Print every configuration key with type, unit, default and meaning", cmd_keys},
  {"probe", "nat|qos [--profile FILE] [--set K=V ...]",
   "nat: discover the router's NAT behaviour with STUN (RFC 5780); qos: voice delay under cross traffic",
   cmd_probe},
  {"alg", "list | replay [OPTIONS] CASE.in  [--alg NAME] [--alg-plugin FILE.so]",
   "list: the simulated ALGs; replay: push SIP messages through the simulated router (real-alg-testbed.sh options)",
   cmd_alg},
  {"call", "[--profile FILE] [--set K=V ...] [--json] [--trace DIR] [--alg-plugin FILE.so]",
   "Run one call scenario and print each call's outcome", cmd_call},
  {"run", "EXP.ini [--out DIR] [--jobs N] [--shard K/N] [--resume] [--set K=V ...] [--alg-plugin FILE.so]",
   "Run an experiment's grid in worker processes: calls.csv, cells.csv, manifest.json, plots", cmd_run},
  {"merge", "OUT SHARD_DIR...", "Merge the results directories of 'run --shard K/N' into one", cmd_merge},
  {"plot", "DIR [--x KEY] [--y KEY]", "Plot a results directory with gnuplot (PNG and SVG)", cmd_plot},
};

static char *
commands_summary(void)
{
  GString *s = g_string_new("Commands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
    g_string_append_printf(s, "  %-8s %s\n           %s\n", commands[i].name, commands[i].args,
                           commands[i].summary);
  g_string_append(s, "\nRun 'algsim COMMAND --help' for a command's options.");
  return g_string_free(s, FALSE);
}

int
cmd_keys(int argc, char **argv)
{
  gboolean markdown = FALSE;
  GOptionEntry entries[] = {
    {"markdown", 0, 0, G_OPTION_ARG_NONE, &markdown, "Print a Markdown table (for docs)", NULL},
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("- print the configuration keys");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_description(ctx, "Keys are set in profile files as '[group] key = value' or on the "
                                        "command line as '--set group.key=value'.");
  if (!cli_parse(ctx, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc > 1) {
    cli_error("keys: unexpected argument '%s'", argv[1]);
    return CLI_EXIT_USAGE;
  }
  models_register_keys();
  g_autofree char *table = cfg_keys_table(markdown);
  fputs(table, stdout);
  return CLI_EXIT_OK;
}

int
main(int argc, char **argv)
{
  gboolean version = FALSE;
  GOptionEntry entries[] = {
    {"version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL},
    G_OPTION_ENTRY_NULL,
  };

  /* A subcommand takes the rest of the command line. */
  if (argc > 1 && argv[1][0] != '-') {
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
      if (strcmp(argv[1], commands[i].name) == 0)
        return commands[i].run(argc - 1, argv + 1);
    if (strcmp(argv[1], "help") != 0) {
      cli_error("unknown command '%s' (try --help)", argv[1]);
      return CLI_EXIT_USAGE;
    }
  }

  g_autoptr(GOptionContext) ctx = g_option_context_new("COMMAND [OPTIONS]");
  g_option_context_set_summary(ctx, "algsim simulates home routers' SIP ALGs, NAT and cloud-PBX NAT traversal.");
  g_autofree char *desc = commands_summary();
  g_option_context_set_description(ctx, desc);
  g_option_context_add_main_entries(ctx, entries, NULL);
  if (argc > 1 && strcmp(argv[1], "help") == 0) {
    g_autofree char *help = g_option_context_get_help(ctx, TRUE, NULL);
    fputs(help, stdout);
    return CLI_EXIT_OK;
  }
  if (!cli_parse(ctx, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (version) {
    printf("algsim %s\n", ALGSIM_VERSION);
    return CLI_EXIT_OK;
  }
  g_autofree char *help = g_option_context_get_help(ctx, TRUE, NULL);
  fputs(help, stderr);
  return CLI_EXIT_USAGE;
}
