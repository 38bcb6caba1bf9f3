/* scenario-private.h — the state of one scenario run, shared by scenario.c (wiring and plan)
 * and scenario-explain.c (causes and explanations). */
#pragma once

#include "call/scenario.h"
#include "pbx/pbx.h"
#include "stun/stun-server.h"
#include "stun/turn-server.h"
#include "topology.h"
#include "ua/phone.h"

/* One call of the plan. */
typedef struct {
  guint index;               /* plan order */
  gboolean inbound;          /* the PBX calls the phone */
  SimTime start;             /* when it is placed */
  SimTime hangup_at;         /* scripted hang-up */
  PhoneCall *phone;          /* the phone's side, NULL if the phone never saw it */
  PbxCall *pbx;              /* the PBX's side, NULL if the PBX never saw it */
  gboolean placed;           /* the start event ran */
  gboolean registered;       /* the phone was registered when it was placed */
  guint64 nat_no_binding0;   /* home NAT no-binding drops when placed */
  guint64 nat_no_binding1;   /* ... after the call */
  guint64 nat_filtered0;     /* home NAT filtered drops when placed */
  guint64 nat_filtered1;     /* ... after the call */
  guint64 nat_local0;        /* home NAT packets to its own local-delivery entries when placed */
  guint64 nat_local1;        /* ... after the call */
  guint64 nat_shadow0;       /* home NAT expectations shadowed or flows moved by such entries */
  guint64 nat_shadow1;       /* ... after the call */
} PlanCall;

typedef struct {
  const Config *cfg;         /* configuration (borrowed) */
  Topology *topo;            /* the network */
  Phone *phone;              /* phones[0] */
  Pbx *pbx;                  /* the PBX */
  StunServer *stun;          /* STUN server (phone.traversal != none), else NULL */
  TurnServer *turn;          /* TURN server (phone.traversal != none), else NULL */
  GPtrArray *plan;           /* PlanCall*, owned */
  GArray *events;            /* SimEvent of scheduled plan actions */
  const char *callee;        /* call.callee */
  SimTime hold_at, resume_at, reinvite_at; /* offsets from a call's start, 0 = none */
} ScenarioRun;

/* Fill o->cause and o->explanation from the evidence (scenario-explain.c). */
void scenario_explain(ScenarioRun *run, PlanCall *pc, CallOutcome *o);
/* Is this address private (RFC 1918) or shared (RFC 6598)? */
gboolean scenario_addr_private(guint32 addr);
