/* qos-probe.h — `algsim probe qos`: the configured network with its cross traffic and a voice
 * probe, run for a while, reporting per-flow goodput, loss and one-way delay and the router's drops. */
#pragma once

#include "config.h"
#include "cross.h"
#include "router.h"

G_BEGIN_DECLS

typedef struct {
  CrossFlowStats flows[CROSS_N_FLOWS]; /* every flow slot; `enabled` says which ran */
  RouterStats router;                  /* home router counters (zero in bypass mode) */
  gboolean bypass;                     /* no home router */
  double sim_seconds;                  /* simulated time */
  guint64 events;                      /* engine events executed */
  guint64 seed;                        /* sim.seed */
  char *trace_hash;                    /* SHA-256 of the trace, for reproducibility checks */
} QosProbeResult;

/* Build the world (sim.seed), start cross traffic (cross.*) with the voice probe on unless the
 * configuration switched it off explicitly, run for `duration`, collect, tear down. */
gboolean qos_probe_run(const Config *cfg, SimTime duration, QosProbeResult *out, GError **error);
void qos_probe_result_clear(QosProbeResult *r);
char *qos_probe_result_format(const QosProbeResult *r, const Config *cfg);

G_END_DECLS
