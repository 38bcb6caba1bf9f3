/* probe.c — the `algsim probe nat` scenario: the configured network, an RFC 5780 STUN server on
 * the STUN host's two public addresses, and a discovery client on phone 0 (RFC 5780 §4.3–§4.6).
 *
 * Like a person running a NAT-type test behind their router, the probe learns the router's
 * behaviour only from what arrives at the phone, then lays it beside the configuration so that a
 * user sees whether the model behaves as configured and what a real STUN test would report.
 */
#include "probe.h"

#include <string.h>

#include "models.h"
#include "stun-private.h"
#include "topology.h"

typedef struct {
  gboolean done; /* discovery finished */
} ProbeRun;

static void
on_done(void *ctx, const DiscoveryResult *result)
{
  ProbeRun *run = ctx;
  run->done = TRUE;
  sim_stop();
}

gboolean
probe_nat_run(const Config *cfg, ProbeResult *out, GError **error)
{
  g_return_val_if_fail(cfg != NULL && out != NULL, FALSE);
  memset(out, 0, sizeof *out);
  models_register_keys();
  if (sim_is_setup())
    sim_reset();
  out->seed = (guint64)cfg_int(cfg, "sim.seed");
  SimWorldParams wp = { .seed = out->seed, .cell = 0, .replica = 0 };
  if (!sim_setup(&wp, error))
    return FALSE;

  gboolean ok = FALSE;
  Topology *topo = NULL;
  StunServer *server = NULL;
  Discovery *disc = NULL;
  ProbeRun run = { FALSE };

  topo = topology_build(cfg, error);
  if (topo == NULL)
    goto out;
  if (topo->stun.node < 0 || topo->stun.addr2 == 0 || topo->n_phones == 0) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_STATE,
                "the topology has no phone or no two-address STUN host to probe with");
    goto out;
  }
  out->bypass = topo->bypass;
  out->carrier_nat = topo->cgn != NULL;
  out->public_addr = topo->public_addr;
  out->phone_addr = topo->phones[0].addr;

  guint16 port = (guint16)cfg_int(cfg, "stun.port");
  guint16 port2 = (guint16)cfg_int(cfg, "stun.alt_port");
  if (port == port2) {
    g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE,
                "[stun] alt_port: must differ from stun.port (%u) for RFC 5780 tests", port);
    goto out;
  }
  StunServerSetup setup = { .addr = topo->stun.addr, .addr2 = topo->stun.addr2, .port = port,
                            .port2 = port2, .software = "algsim STUN server",
                            .fingerprint = TRUE };
  out->stun_primary = (SimAddr){ setup.addr, port };
  out->stun_alternate = (SimAddr){ setup.addr2, port2 };
  server = stun_server_new(topo->stun.node, &setup, error);
  if (server == NULL)
    goto out;

  DiscoveryParams params;
  discovery_params_from_config(cfg, &params);
  params.server = out->stun_primary;
  params.client_index = 0;
  disc = discovery_start(topo->phones[0].node, topo->phones[0].addr, &params, on_done, &run, error);
  if (disc == NULL)
    goto out;

  sim_run(SIM_TIME_NEVER);
  if (!run.done) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_STATE,
                "the simulation ran out of events before discovery finished");
    goto out;
  }
  out->discovery = *discovery_result(disc);
  out->discovery.evidence = g_string_new(discovery_result(disc)->evidence->str);
  out->server = *stun_server_stats(server);
  out->sim_seconds = SIM_TIME_TO_S(sim_now());
  out->events = sim_events_executed();
  ok = TRUE;

out:
  discovery_free(disc);
  stun_server_free(server);
  if (topo != NULL)
    topology_free(topo);
  sim_reset();
  return ok;
}

void
probe_result_clear(ProbeResult *r)
{
  if (r->discovery.evidence != NULL)
    g_string_free(r->discovery.evidence, TRUE);
  memset(r, 0, sizeof *r);
}

/* ---- The report --------------------------------------------------------------------------------- */

/* The configured value of a key as text, or NULL when no model declares it. */
static const char *
configured(const Config *cfg, const char *key)
{
  return cfg_key_lookup(key) != NULL ? cfg_str(cfg, key) : NULL;
}

/* Does a configured behaviour name ("eim", "endpoint-independent", "APDF"...) name `want`, the
 * short form of the discovered one?  The long forms are RFC 4787's terms. */
static gboolean
same_behaviour(const char *conf, const char *want)
{
  static const struct {
    const char *alias; /* accepted spelling */
    const char *name;  /* short name */
  } aliases[] = {
    { "endpoint-independent", "eim" }, { "address-dependent", "adm" },
    { "address-and-port-dependent", "apdm" }, { "address-port-dependent", "apdm" },
  };
  if (conf == NULL || want == NULL)
    return FALSE;
  g_autofree char *c = g_ascii_strdown(conf, -1);
  g_autofree char *w = g_ascii_strdown(want, -1);
  if (strcmp(c, w) == 0)
    return TRUE;
  /* Long names work for both mapping (..m) and filtering (..f): compare without the last letter. */
  for (gsize i = 0; i < G_N_ELEMENTS(aliases); i++)
    if (strcmp(c, aliases[i].alias) == 0 && strncmp(w, aliases[i].name, strlen(w) - 1) == 0 &&
        strlen(w) == strlen(aliases[i].name))
      return TRUE;
  return FALSE;
}

static const char *
verdict(gboolean known, gboolean match)
{
  return !known ? "" : match ? "matches" : "DIFFERS";
}

static void
row(GString *s, const char *what, const char *found, const char *conf, const char *v)
{
  g_string_append_printf(s, "  %-14s %-26s %-22s %s\n", what, found, conf ? conf : "-", v);
}

char *
probe_result_format(const ProbeResult *r, const Config *cfg)
{
  const DiscoveryResult *d = &r->discovery;
  GString *s = g_string_new(NULL);
  char b1[24], b2[24], ip[16];
  g_string_append_printf(s, "NAT behaviour discovery (RFC 5780) from phone 0 (%s)\n",
                         sim_addr_format(r->phone_addr, ip));
  g_string_append_printf(s, "STUN server %s, alternate %s\n", stun_fmt_addr(r->stun_primary, b1),
                         stun_fmt_addr(r->stun_alternate, b2));
  if (r->bypass)
    g_string_append(s, "Topology: bypass (phone on the modem; no home router to compare with)\n");
  else if (r->carrier_nat)
    g_string_append(s, "Topology: home router behind a carrier NAT; the probe sees both NATs "
                       "combined, compared here with the home router's nat.* keys\n");
  g_string_append(s, "\n");
  if (!d->server_reached) {
    g_string_append(s, "The STUN server did not answer: UDP to it is blocked or lost.\n");
  } else {
    g_string_append_printf(s, "  %-14s %-26s %-22s %s\n", "", "discovered", "configured", "");
    const char *conf_map = r->bypass ? NULL : configured(cfg, "nat.mapping");
    const char *conf_filter = r->bypass ? NULL : configured(cfg, "nat.filtering");
    gboolean map_known = d->mapping >= DISC_MAPPING_EIM;
    gboolean filter_known = d->filtering != DISC_FILTERING_UNKNOWN;
    row(s, "mapping", disc_mapping_name(d->mapping), conf_map,
        verdict(map_known && conf_map, same_behaviour(conf_map, disc_mapping_name(d->mapping))));
    row(s, "filtering", disc_filtering_name(d->filtering), conf_filter,
        verdict(filter_known && conf_filter,
                same_behaviour(conf_filter, disc_filtering_name(d->filtering))));

    const CfgKeyDef *hk = r->bypass ? NULL : cfg_key_lookup("nat.hairpin");
    const char *conf_hp = NULL;
    gboolean hp_match = FALSE, hp_filtered = FALSE;
    if (hk != NULL && hk->type == CFG_BOOL) {
      gboolean on = cfg_bool(cfg, "nat.hairpin");
      conf_hp = on ? "yes" : "no";
      /* A hairpinned packet arrives from the sender's public endpoint (RFC 4787 REQ-9b).  With
       * an address-dependent mapping that endpoint is a new mapping, which address-dependent
       * filtering of the receiving mapping refuses; so even a hairpinning NAT fails the test. */
      hp_filtered = on && (d->mapping == DISC_MAPPING_ADM || d->mapping == DISC_MAPPING_APDM) &&
                    (d->filtering == DISC_FILTERING_ADF || d->filtering == DISC_FILTERING_APDF);
      hp_match = (d->hairpin == DISC_HAIRPIN_YES) == (on && !hp_filtered);
    }
    row(s, "hairpinning", disc_hairpin_name(d->hairpin), conf_hp,
        verdict(d->hairpin != DISC_HAIRPIN_UNKNOWN && conf_hp, hp_match));
    if (hp_filtered)
      g_string_append(s, "  (hairpinning is on, but the hairpinned request comes from a new mapping "
                         "that the filtering refuses)\n");

    char found[64] = "not measured", conf[32] = "";
    const char *conf_to = r->bypass ? NULL : configured(cfg, "nat.udp_timeout_s");
    const char *lv = "";
    if (d->lifetime_tested) {
      guint step = (guint)cfg_int(cfg, "stun.lifetime_step_s");
      if (d->lifetime_at_max)
        g_snprintf(found, sizeof found, ">= %u s (search limit)", d->lifetime_s);
      else if (d->lifetime_s == 0)
        g_snprintf(found, sizeof found, "< %u s", step);
      else
        g_snprintf(found, sizeof found, "%u..%u s", d->lifetime_s, d->lifetime_s + step);
      if (conf_to != NULL) {
        double t = g_ascii_strtod(conf_to, NULL);
        g_snprintf(conf, sizeof conf, "%s s", conf_to);
        /* Alive after L s idle and gone after L + step: the timeout lies in (L, L + step]. */
        gboolean match = d->lifetime_at_max ? t >= d->lifetime_s
                                            : t > d->lifetime_s && t <= d->lifetime_s + step;
        lv = verdict(TRUE, match);
      }
    }
    row(s, "UDP lifetime", found, conf_to ? conf : NULL, lv);
    g_string_append_printf(s, "\n  mapped address %s (local %s)\n",
                           d->n_mapped ? stun_fmt_addr(d->mapped[0], b1) : "-",
                           stun_fmt_addr(d->local, b2));
  }
  g_string_append(s, "\nEvidence:\n");
  g_string_append(s, d->evidence != NULL ? d->evidence->str : "  (none)\n");
  g_string_append_printf(s, "\n%u STUN transactions; server answered %" G_GUINT64_FORMAT
                         ", dropped %" G_GUINT64_FORMAT "; %.1f simulated seconds, %"
                         G_GUINT64_FORMAT " events, seed %" G_GUINT64_FORMAT "\n",
                         d->transactions, r->server.responses,
                         r->server.dropped_malformed + r->server.dropped_not_stun +
                           r->server.dropped_not_request,
                         r->sim_seconds, r->events, r->seed);
  return g_string_free(s, FALSE);
}
