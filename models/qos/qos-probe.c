/* qos-probe.c — the `algsim probe qos` scenario: the configured topology, the configured cross
 * traffic, and a voice probe (G.711-sized packets every 20 ms, DSCP EF) from phone 0, so a user can
 * see what the uplink queue discipline does to voice delay under load (design.md §1, "QoS
 * matters"; the starting guide's advice to prioritise the VoIP device). */
#include "qos-probe.h"

#include <string.h>

#include "models.h"
#include "topology.h"

gboolean
qos_probe_run(const Config *cfg, SimTime duration, QosProbeResult *out, GError **error)
{
  g_return_val_if_fail(cfg != NULL && out != NULL && duration > 0, FALSE);
  memset(out, 0, sizeof *out);
  models_register_keys();
  if (sim_is_setup())
    sim_reset();
  out->seed = (guint64)cfg_int(cfg, "sim.seed");
  SimWorldParams wp = {.seed = out->seed};
  if (!sim_setup(&wp, error))
    return FALSE;

  /* The voice probe is the point of this command: on unless the user said otherwise. */
  g_autoptr(Config) run_cfg = cfg_copy(cfg);
  if (strcmp(cfg_origin(cfg, "cross.voice_probe"), "default") == 0)
    cfg_set(run_cfg, "cross.voice_probe", "true", "probe qos", NULL);

  gboolean ok = FALSE;
  CrossTraffic *ct = NULL;
  Topology *topo = topology_build(run_cfg, error);
  if (!topo)
    goto out;
  ct = cross_start(run_cfg, topo, error);
  if (!ct)
    goto out;
  sim_run(duration);
  for (int i = 0; i < CROSS_N_FLOWS; i++)
    out->flows[i] = *cross_stats(ct, (CrossFlowId)i);
  out->bypass = topo->bypass;
  if (topo->home)
    out->router = *router_stats(topo->home);
  out->sim_seconds = SIM_TIME_TO_S(sim_now());
  out->events = sim_events_executed();
  out->trace_hash = sim_trace_hash();
  ok = TRUE;
out:
  cross_free(ct);
  topology_free(topo);
  sim_reset();
  return ok;
}

void
qos_probe_result_clear(QosProbeResult *r)
{
  g_clear_pointer(&r->trace_hash, g_free);
}

char *
qos_probe_result_format(const QosProbeResult *r, const Config *cfg)
{
  GString *s = g_string_new(NULL);
  g_string_append_printf(s, "Uplink queue %s, access %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT " kbit/s up/down, %.0f s simulated\n\n",
                         cfg_str(cfg, "router.uplink_queue"), cfg_int(cfg, "access.up_kbps"),
                         cfg_int(cfg, "access.down_kbps"), r->sim_seconds);
  g_string_append_printf(s, "  %-14s %-4s %4s %14s %10s %8s %11s %11s\n", "flow", "dir", "dscp", "goodput kbit/s",
                         "packets", "loss %", "delay ms", "max ms");
  for (int i = 0; i < CROSS_N_FLOWS; i++) {
    const CrossFlowStats *f = &r->flows[i];
    if (!f->enabled)
      continue;
    g_string_append_printf(s, "  %-14s %-4s %4u %14.1f", f->name, f->upstream ? "up" : "down", f->dscp,
                           f->goodput_bps / 1000.0);
    if (f->is_udp)
      g_string_append_printf(s, " %10" G_GUINT64_FORMAT " %8.2f %11.1f %11.1f\n", f->rx_pkts, 100.0 * f->loss_ratio,
                             f->delay_mean_ms, f->delay_max_ms);
    else
      g_string_append_printf(s, " %10s %8s %11s %11s\n", "-", "-", "-", "-");
  }
  if (!r->bypass)
    g_string_append_printf(s,
                           "\nHome router: %" G_GUINT64_FORMAT " packets out to the WAN, %" G_GUINT64_FORMAT
                           " dropped by the uplink queue, %" G_GUINT64_FORMAT " inbound without a binding\n",
                           r->router.tx_wan, r->router.dropped_queue, r->router.dropped_no_binding);
  g_string_append_printf(s, "%" G_GUINT64_FORMAT " events, seed %" G_GUINT64_FORMAT ", trace %.16s\n", r->events,
                         r->seed, r->trace_hash ? r->trace_hash : "-");
  return g_string_free(s, FALSE);
}
