/* probe.h — `algsim probe nat`: build the configured world, run RFC 5780 discovery from phone 0
 * against the STUN server, and report what was found next to what was configured. */
#pragma once

#include "config.h"
#include "discovery.h"
#include "stun-server.h"

G_BEGIN_DECLS

typedef struct {
  DiscoveryResult discovery; /* what discovery found; evidence is owned (probe_result_clear) */
  SimAddr stun_primary;      /* the STUN server's primary transport address */
  SimAddr stun_alternate;    /* its alternate one */
  guint32 phone_addr;        /* phone 0's address */
  guint32 public_addr;       /* the home's outermost public address */
  gboolean bypass;           /* topology.mode = bypass (no home router) */
  gboolean carrier_nat;      /* a carrier NAT sits behind the home router */
  StunServerStats server;    /* the server's counters at the end */
  double sim_seconds;        /* simulated time the probe took */
  guint64 events;            /* simulator events executed */
  guint64 seed;              /* world seed (sim.seed) */
} ProbeResult;

/* Build the world (sim_setup with sim.seed, topology_build), run discovery to the end,
 * tear the world down again and fill `out`.  Any world already set up is reset first. */
gboolean probe_nat_run(const Config *cfg, ProbeResult *out, GError **error);
/* Free what `r` owns (the evidence text); `r` may then be reused. */
void probe_result_clear(ProbeResult *r);
/* A readable report: discovered against configured (nat.mapping, nat.filtering, nat.hairpin,
 * nat.udp_timeout_s), then the evidence.  Caller frees. */
char *probe_result_format(const ProbeResult *r, const Config *cfg);

G_END_DECLS
