/* cmd-probe.c — `algsim probe nat`: run RFC 5780 NAT behaviour discovery against the configured
 * router and print what was discovered next to what was configured. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "stun/probe.h"

int
cmd_probe(int argc, char **argv)
{
  CliConfigArgs cargs = {0};
  g_autofree GOptionEntry *entries = cli_config_option_entries(&cargs);
  g_autoptr(GOptionContext) ctx = g_option_context_new("nat - discover the router's NAT behaviour");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_description(
    ctx, "Builds the configured topology, runs an RFC 5780 behaviour-discovery client on phone 0 against the\n"
         "STUN server (two public addresses), and prints the mapping, filtering, hairpinning and binding\n"
         "lifetime it found beside the configured values.");
  g_autoptr(Config) cfg = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *report = NULL;
  ProbeResult result = {0};
  int rc = CLI_EXIT_USAGE;
  if (!cli_parse(ctx, &argc, &argv))
    goto out;
  if (argc != 2 || strcmp(argv[1], "nat") != 0) {
    cli_error("probe: expected 'probe nat' (try 'algsim probe --help')");
    goto out;
  }
  cfg = cli_config_load(&cargs);
  if (!cfg)
    goto out;
  if (!probe_nat_run(cfg, &result, &error)) {
    cli_error("probe nat: %s", error->message);
    rc = error->domain == CFG_ERROR ? CLI_EXIT_USAGE : CLI_EXIT_FAILURE;
    goto out;
  }
  report = probe_result_format(&result, cfg);
  fputs(report, stdout);
  rc = CLI_EXIT_OK;
out:
  probe_result_clear(&result);
  cli_config_args_clear(&cargs);
  return rc;
}
