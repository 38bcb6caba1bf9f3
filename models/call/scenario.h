/* scenario.h — one scripted call scenario (the item 7): register, outbound calls with
 * optional hold/resume and re-INVITE, an inbound call, repeated calls; one CallOutcome per call,
 * measured from the phone's and the PBX's receivers and state machines.
 *
 * The plan comes from the call.* keys; the network from topology.*, nat.*, router.*; the phone and
 * the PBX from phone.* and pbx.* (usually their profiles).  Optional outputs for people: a trace,
 * a pcap per link, the SIP ladder and the NAT timeline (text and SVG) in a directory.
 */
#pragma once

#include "config.h"
#include "call/outcome.h"

G_BEGIN_DECLS

typedef struct {
  const char *trace_dir; /* NULL: none; else trace.txt, ladder.*, timeline.* and pcaps here */
  gboolean check_only;   /* build the network, the PBX and the phone, run nothing (validation) */
} ScenarioOptions;

/* Run the scenario; *outcomes gets one CallOutcome* per planned call (caller unrefs the array).
 * Errors: CFG_ERROR for bad configuration (naming the key), SIM_ERROR or G_FILE_ERROR otherwise.
 * Failed calls are results, not errors. */
gboolean scenario_run(const Config *cfg, const ScenarioOptions *opts, GPtrArray **outcomes, GError **error);

extern const CfgKeyDef call_keys[];

G_END_DECLS
