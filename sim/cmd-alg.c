/* cmd-alg.c — `algsim alg list|replay`: the registered ALGs, and one corpus case replayed through
 * the simulated router with the options of shared/tools/real-alg-testbed.sh (the replay itself
 * lives in models/alg/alg-replay.c).  --alg-plugin FILE loads a vendor ALG plugin first
 * (models/alg/alg-plugin.c) and simulates it.
 */
#include <stdio.h>
#include <string.h>

#include "alg/alg-replay.h"
#include "alg/alg.h"
#include "cli.h"
#include "models.h"

static int
alg_list_cmd(int argc, char **argv)
{
  g_auto(GStrv) plugins = NULL;
  GOptionEntry entries[] = {
    {"alg-plugin", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &plugins, "Load this ALG plugin first (repeatable)", "FILE"},
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("- list the ALGs (built-in and loaded plugins)");
  g_option_context_add_main_entries(ctx, entries, NULL);
  if (!cli_parse(ctx, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc > 1) {
    cli_error("alg list: unexpected argument '%s'", argv[1]);
    return CLI_EXIT_USAGE;
  }
  for (gsize i = 0; plugins && plugins[i]; i++) {
    g_autoptr(GError) error = NULL;
    if (!alg_plugin_load(plugins[i], &error)) {
      cli_error("%s", error->message);
      return CLI_EXIT_USAGE;
    }
  }
  const AlgOps *const *l = alg_list();
  for (gsize i = 0; l[i]; i++) {
    printf("%s\n    %s\n    source: %s\n", l[i]->name, l[i]->summary, l[i]->source);
    if (l[i]->keys) {
      fputs("    keys:", stdout);
      for (const CfgKeyDef *k = l[i]->keys; k->name; k++)
        printf(" %s", k->name);
      fputs("\n", stdout);
    }
  }
  return CLI_EXIT_OK;
}

gboolean
cli_use_alg_plugin(Config *cfg, const char *path)
{
  g_autoptr(GError) error = NULL;
  const char *name = alg_plugin_load(path, &error);
  if (!name || !cfg_set(cfg, "router.alg", name, "--alg-plugin", &error)) {
    cli_error("%s", error->message);
    return FALSE;
  }
  return TRUE;
}

static gboolean
write_all(const char *path, GBytes *b, GError **error)
{
  gsize n;
  const char *d = g_bytes_get_data(b, &n);
  return g_file_set_contents(path, d ? d : "", (gssize)n, error);
}

static int
alg_replay_cmd(int argc, char **argv)
{
  AlgReplayOpts o;
  alg_replay_opts_init(&o);
  char *alg = NULL, *dir = NULL, *proto = NULL, *to_addr = NULL, *pbx_addr = NULL, *case_pbx = NULL;
  char *helper = NULL, *snat = NULL, *probe_src = NULL, *out_path = NULL, *rep_path = NULL;
  char *plugin = NULL;
  char **pre = NULL, **params = NULL;
  gboolean iptables = FALSE;
  gint sport = o.sport, dport = 0, split = 0, probe_sport = o.probe_sport, probe_before = 0;
  GOptionEntry entries[] = {
    {"alg", 0, 0, G_OPTION_ARG_STRING, &alg, "ALG to simulate (default linux; see 'algsim alg list')", "NAME"},
    {"alg-plugin", 0, 0, G_OPTION_ARG_FILENAME, &plugin,
     "Load this vendor ALG plugin (include/algsim/alg-plugin.h) and simulate it", "FILE"},
    {"dir", 'd', 0, G_OPTION_ARG_STRING, &dir, "Direction of CASE.in: phone2pbx (default) or pbx2phone", "DIR"},
    {"proto", 't', 0, G_OPTION_ARG_STRING, &proto, "Transport of CASE.in: udp (default) or tcp", "PROTO"},
    {"sport", 's', 0, G_OPTION_ARG_INT, &sport, "Sender's source port (default 5060; 0 = ephemeral)", "N"},
    {"dport", 'p', 0, G_OPTION_ARG_INT, &dport,
     "Destination port (phone2pbx: on the pbx, default 5060; pbx2phone: on the router, default the "
     "public port the pbx last saw the phone use, else 5060)", "N"},
    {"to-addr", 0, 0, G_OPTION_ARG_STRING, &to_addr, "pbx2phone: destination address (default 203.0.113.2)", "IP"},
    {"pbx-addr", 0, 0, G_OPTION_ARG_STRING, &pbx_addr, "pbx-side address of every step (default 203.0.113.10)", "IP"},
    {"case-pbx-addr", 0, 0, G_OPTION_ARG_STRING, &case_pbx, "pbx-side address of the CASE step only", "IP"},
    {"pre", 0, 0, G_OPTION_ARG_STRING_ARRAY, &pre, "A message sent before CASE.in (repeatable, in order)",
     "DIR:PROTO:FILE[:SPORT[:DPORT[:PBXADDR]]]"},
    {"helper-ports", 'H', 0, G_OPTION_ARG_STRING, &helper, "Ports that get the sip helper (default 5060; none)", "LIST"},
    {"param", 0, 0, G_OPTION_ARG_STRING_ARRAY, &params,
     "Module parameter, e.g. sip_direct_media=0 (repeatable; the key alg.<alg>_NAME)", "NAME=VALUE"},
    {"snat-ports", 0, 0, G_OPTION_ARG_STRING, &snat, "Masquerade to this source-port range", "LO-HI"},
    {"no-nat", 0, 0, G_OPTION_ARG_NONE, &o.no_nat,
     "No masquerade: route only (conntrack and the ALG still see every packet; the pbx reaches the "
     "phone at 192.168.1.50)", NULL},
    {"iptables", 0, 0, G_OPTION_ARG_NONE, &iptables, "Accepted for compatibility (same behaviour as nft, #04)", NULL},
    {"split", 0, 0, G_OPTION_ARG_INT, &split, "TCP only: send the first N bytes, pause 0.3 s, then the rest", "N"},
    {"rtp-probe", 0, 0, G_OPTION_ARG_NONE, &o.rtp_probe, "Media pinhole probes before the first and after the last step", NULL},
    {"probe-src", 0, 0, G_OPTION_ARG_STRING, &probe_src, "Source address of the probes (default 203.0.113.10)", "IP"},
    {"probe-sport", 0, 0, G_OPTION_ARG_INT, &probe_sport, "Source port of the after probes (default 20000)", "N"},
    {"probe-before-sport", 0, 0, G_OPTION_ARG_INT, &probe_before, "Source port of the before probes (default N+1000)", "N"},
    {"probe-each", 0, 0, G_OPTION_ARG_NONE, &o.probe_each, "Probe after every step", NULL},
    {"out", 'o', 0, G_OPTION_ARG_FILENAME, &out_path, "Write the bytes received for CASE.in here (default stdout)", "FILE"},
    {"report", 'r', 0, G_OPTION_ARG_FILENAME, &rep_path, "Write the report here (default stderr)", "FILE"},
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("CASE.in - replay a SIP message through the simulated router");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_description(
    ctx, "Mirrors shared/tools/real-alg-testbed.sh: phone 192.168.1.50 - router 192.168.1.1/203.0.113.2 -\n"
         "pbx 203.0.113.10 (+203.0.113.20).  Exit 3 (and an empty output) when nothing arrives.\n"
         "Example: algsim alg replay --rtp-probe -r rep.txt 04-invite-sdp.in");
  int rc = CLI_EXIT_USAGE;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) report = g_string_new(NULL);
  GBytes *got = NULL;
  if (!cli_parse(ctx, &argc, &argv))
    goto out;
  if (argc != 2) {
    cli_error("alg replay: expected exactly one CASE file (try 'algsim alg replay --help')");
    goto out;
  }
  o.case_file = argv[1];
  if (alg)
    o.alg = alg;
  if (plugin) {
    const char *name = alg_plugin_load(plugin, &error);
    if (!name) {
      cli_error("%s", error->message);
      goto out;
    }
    if (alg && strcmp(alg, name) != 0) {
      cli_error("alg replay: --alg %s and --alg-plugin (ALG '%s') disagree", alg, name);
      goto out;
    }
    o.alg = name;
  }
  if (dir)
    o.dir = dir;
  if (proto)
    o.proto = proto;
  if (to_addr)
    o.to_addr = to_addr;
  if (pbx_addr)
    o.pbx_addr = pbx_addr;
  o.case_pbx_addr = case_pbx;
  if (helper)
    o.helper_ports = helper;
  if (probe_src)
    o.probe_src = probe_src;
  o.snat_ports = snat;
  o.pre = pre;
  o.params = params;
  o.sport = sport;
  o.dport = dport;
  o.split = split;
  o.probe_sport = probe_sport;
  o.probe_before_sport = probe_before;
  if (!alg_replay_run(&o, &got, report, &error)) {
    cli_error("alg replay: %s", error->message);
    rc = error->domain == CFG_ERROR || error->domain == G_FILE_ERROR ? CLI_EXIT_USAGE : CLI_EXIT_FAILURE;
    goto out;
  }
  if (rep_path) {
    if (!g_file_set_contents(rep_path, report->str, (gssize)report->len, &error)) {
      cli_error("alg replay: -r: %s", error->message);
      g_bytes_unref(got);
      goto out;
    }
  } else {
    fputs(report->str, stderr);
  }
  if (out_path) {
    if (!write_all(out_path, got, &error)) {
      cli_error("alg replay: -o: %s", error->message);
      g_bytes_unref(got);
      goto out;
    }
  } else {
    gsize n;
    const void *d = g_bytes_get_data(got, &n);
    if (n)
      fwrite(d, 1, n, stdout);
  }
  rc = g_bytes_get_size(got) ? CLI_EXIT_OK : CLI_EXIT_NOTHING;
  g_bytes_unref(got);
out:
  g_free(alg);
  g_free(dir);
  g_free(proto);
  g_free(to_addr);
  g_free(pbx_addr);
  g_free(case_pbx);
  g_free(helper);
  g_free(snat);
  g_free(probe_src);
  g_free(out_path);
  g_free(rep_path);
  g_free(plugin);
  g_strfreev(pre);
  g_strfreev(params);
  return rc;
}

int
cmd_alg(int argc, char **argv)
{
  if (argc >= 2 && strcmp(argv[1], "list") == 0)
    return alg_list_cmd(argc - 1, argv + 1);
  if (argc >= 2 && strcmp(argv[1], "replay") == 0)
    return alg_replay_cmd(argc - 1, argv + 1);
  cli_error("alg: expected 'alg list [--alg-plugin FILE]' or 'alg replay [OPTIONS] CASE.in' (try 'algsim alg replay --help')");
  return CLI_EXIT_USAGE;
}
