/* cmd-call.c — `algsim call`: run one scripted call scenario and print one outcome per call.
 *
 * The scenario (models/call/scenario.h) registers the phone, places the planned calls and measures
 * each one; this command prints the records as a table (or JSON) and, with --trace DIR, leaves the
 * trace, a pcap per link, the SIP ladder and the NAT timeline in DIR.  Failed calls are results:
 * the exit status is 0 whenever the scenario ran, 2 on bad input, 1 when the run itself failed.
 */
#include <stdio.h>
#include <string.h>

#include "alg/alg.h"
#include "call/scenario.h"
#include "cli.h"

static void
print_outcomes(GPtrArray *outcomes, gboolean json)
{
  g_autofree char *text = json ? call_outcomes_json(outcomes) : call_outcomes_table(outcomes);
  fputs(text, stdout);
  if (json && (!*text || text[strlen(text) - 1] != '\n'))
    fputc('\n', stdout);
}

int
cmd_call(int argc, char **argv)
{
  CliConfigArgs cargs = {0};
  gboolean json = FALSE;
  g_autofree char *trace_dir = NULL;
  g_autofree char *plugin = NULL;
  g_autofree GOptionEntry *entries = cli_config_option_entries(&cargs);
  GOptionEntry own[] = {
    {"json", 0, 0, G_OPTION_ARG_NONE, &json, "Print the outcomes as JSON", NULL},
    {"trace", 0, 0, G_OPTION_ARG_FILENAME, &trace_dir,
     "Write trace.txt, a pcap per link, ladder.txt/.svg and timeline.txt/.svg into DIR", "DIR"},
    {"alg-plugin", 0, 0, G_OPTION_ARG_FILENAME, &plugin,
     "Load this vendor ALG plugin (include/algsim/alg-plugin.h) and set router.alg to it", "FILE"},
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("- run one call scenario and print its outcomes");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_add_main_entries(ctx, own, NULL);
  g_option_context_set_description(
    ctx, "The plan comes from the call.* keys (register, outbound calls, hold/resume, re-INVITE, an inbound\n"
         "call), the phone and the PBX from phone.* and pbx.* (profiles in experiments/profiles/), e.g.\n"
         "  algsim call --profile experiments/profiles/pbx/naive.ini\n"
         "  algsim call --profile experiments/profiles/pbx/nat-aware.ini --set call.inbound_at_s=300 --json");
  int rc = CLI_EXIT_USAGE;
  g_autoptr(Config) cfg = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *outcomes = NULL;
  if (!cli_parse(ctx, &argc, &argv))
    goto out;
  if (argc > 1) {
    cli_error("call: unexpected argument '%s'", argv[1]);
    goto out;
  }
  cfg = cli_config_load(&cargs);
  if (!cfg)
    goto out;
  if (plugin && !cli_use_alg_plugin(cfg, plugin))
    goto out;
  if (trace_dir) { /* the NAT timeline needs a row for every refreshing packet */
    g_autoptr(GError) e = NULL;
    if (!cfg_set(cfg, "nat.trace_refresh", "true", "--trace", &e)) {
      cli_error("call: %s", e->message);
      goto out;
    }
  }
  ScenarioOptions opts = {.trace_dir = trace_dir};
  if (!scenario_run(cfg, &opts, &outcomes, &error)) {
    cli_error("call: %s", error->message);
    rc = error->domain == CFG_ERROR ? CLI_EXIT_USAGE : CLI_EXIT_FAILURE;
    goto out;
  }
  print_outcomes(outcomes, json);
  g_ptr_array_unref(outcomes);
  rc = CLI_EXIT_OK;
out:
  cli_config_args_clear(&cargs);
  return rc;
}
