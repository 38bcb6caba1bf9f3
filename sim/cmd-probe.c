/* cmd-probe.c — `algsim probe nat|qos`: measure the configured network the way a person would.
 *
 * probe nat runs RFC 5780 NAT behaviour discovery from phone 0 and prints what it found beside the
 * configuration; probe qos runs the configured cross traffic with a voice probe and prints per-flow
 * goodput, loss and delay. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "qos/qos-probe.h"
#include "stun/probe.h"

static int
probe_nat(const Config *cfg)
{
  ProbeResult result = {0};
  g_autoptr(GError) error = NULL;
  if (!probe_nat_run(cfg, &result, &error)) {
    cli_error("probe nat: %s", error->message);
    return error->domain == CFG_ERROR ? CLI_EXIT_USAGE : CLI_EXIT_FAILURE;
  }
  g_autofree char *report = probe_result_format(&result, cfg);
  fputs(report, stdout);
  probe_result_clear(&result);
  return CLI_EXIT_OK;
}

static int
probe_qos(const Config *cfg, double duration_s)
{
  QosProbeResult result = {0};
  g_autoptr(GError) error = NULL;
  if (!qos_probe_run(cfg, SIM_TIME_FROM_S(duration_s), &result, &error)) {
    cli_error("probe qos: %s", error->message);
    return error->domain == CFG_ERROR ? CLI_EXIT_USAGE : CLI_EXIT_FAILURE;
  }
  g_autofree char *report = qos_probe_result_format(&result, cfg);
  fputs(report, stdout);
  qos_probe_result_clear(&result);
  return CLI_EXIT_OK;
}

int
cmd_probe(int argc, char **argv)
{
  CliConfigArgs cargs = {0};
  double duration_s = 30;
  g_autofree GOptionEntry *entries = cli_config_option_entries(&cargs);
  GOptionEntry qos_entries[] = {
    {"duration-s", 'd', 0, G_OPTION_ARG_DOUBLE, &duration_s, "probe qos: simulated seconds to run (default 30)",
     "SECONDS"},
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("nat|qos - measure the configured network");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_add_main_entries(ctx, qos_entries, NULL);
  g_option_context_set_description(
    ctx, "nat: builds the configured topology, runs an RFC 5780 behaviour-discovery client on phone 0 against\n"
         "     the STUN server (two public addresses), and prints the mapping, filtering, hairpinning and\n"
         "     binding lifetime it found beside the configured values.\n"
         "qos: runs the configured cross traffic (cross.*) with a voice probe from phone 0 and prints each\n"
         "     flow's goodput, loss and one-way delay, e.g.\n"
         "     algsim probe qos --set cross.bulk_upload=true --set access.up_kbps=1000 --set router.uplink_queue=fq_codel");
  int rc = CLI_EXIT_USAGE;
  g_autoptr(Config) cfg = NULL;
  if (!cli_parse(ctx, &argc, &argv))
    goto out;
  if (argc != 2 || (strcmp(argv[1], "nat") != 0 && strcmp(argv[1], "qos") != 0)) {
    cli_error("probe: expected 'probe nat' or 'probe qos' (try 'algsim probe --help')");
    goto out;
  }
  if (!(duration_s > 0 && duration_s <= 86400)) {
    cli_error("probe: --duration-s: expected seconds in (0, 86400], got %g", duration_s);
    goto out;
  }
  cfg = cli_config_load(&cargs);
  if (!cfg)
    goto out;
  rc = strcmp(argv[1], "nat") == 0 ? probe_nat(cfg) : probe_qos(cfg, duration_s);
out:
  cli_config_args_clear(&cargs);
  return rc;
}
