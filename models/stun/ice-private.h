/* ice-private.h — internals shared by the ICE agent files: ice-agent.c (candidates, checklist,
 * pacing), ice-nominate.c (outcomes of checks, nomination, consent) and ice-check.c (STUN
 * transactions, answering checks). */
#pragma once

#include "ice.h"
#include "stun-private.h"

G_BEGIN_DECLS

#define ICE_RM 16 /* Rm of RFC 8489 §6.2.1: after the last send, wait Rm x the first RTO */

typedef struct IceTxn IceTxn;

/* A pair.  Checklist pairs have a base as local candidate; valid pairs built from a mapped
 * address (RFC 8445 §7.2.5.3.2) may have a reflexive one and sit only on the valid list.  The
 * agent owns every pair in all_pairs; checklist and valid are views. */
typedef struct {
  IceCandidatePair pub;         /* what the owner sees; first member */
  guint seq;                    /* creation order: ties in priority keep it (determinism) */
  IceCandidate *lcand;          /* local candidate (non-const view of pub.local) */
  IceCandidate *rcand;          /* remote candidate */
  IceCandidate *lbase;          /* local base (non-const view of pub.base) */
  char foundation[2 * ICE_FOUNDATION_MAX + 2]; /* local foundation ":" remote foundation */
  gboolean on_checklist;        /* member of the checklist */
  gboolean queued;              /* in the triggered-check queue */
  gboolean nominate_on_success; /* controlled: USE-CANDIDATE came before the check succeeded */
  gboolean nominating;          /* controlling: a check with USE-CANDIDATE is pending */
  IceTxn *txn;                  /* current (not cancelled) transaction, NULL if none */
  gpointer gen;                 /* valid pairs: the IcePair whose check produced it */
} IcePair;

/* One Binding request transaction (a check, or a consent request). */
struct IceTxn {
  IceAgent *agent;          /* owner */
  guint8 tid[STUN_TID_LEN]; /* transaction id */
  IcePair *pair;            /* the pair checked */
  GBytes *request;          /* the bytes, resent unchanged */
  guint32 priority;         /* PRIORITY sent (a learnt local prflx candidate gets it) */
  gboolean controlling;     /* role attribute sent: ICE-CONTROLLING (else ICE-CONTROLLED) */
  gboolean use_candidate;   /* USE-CANDIDATE sent */
  gboolean consent;         /* consent freshness request (RFC 7675), never retransmitted */
  gboolean cancelled;       /* no more retransmissions and no failure (RFC 8445 §7.2.5.4) */
  guint sends;              /* transmissions so far */
  SimTime wait;             /* wait after the latest transmission */
  SimTime first_rto;        /* RTO of the first transmission (Rm x it ends the transaction) */
  SimTime deadline;         /* when the whole transaction times out */
  SimEvent timer;           /* retransmission or expiry */
};

/* A request answered before the agent started (the answer came after the peer's checks). */
typedef struct {
  IceCandidate *lbase;      /* where it arrived */
  SimAddr from;             /* its source */
  guint32 priority;         /* its PRIORITY */
  gboolean use_candidate;   /* it carried USE-CANDIDATE */
} IceEarly;

/* Context of a per-component consent event. */
typedef struct {
  IceAgent *agent;  /* owner */
  guint component;  /* component id */
} IceSlot;

struct IceAgent {
  IceAgentParams params;     /* copy; name, ufrag, pwd point to owned strings below */
  char *name;                /* trace name */
  IceAgentOps ops;           /* owner callbacks */
  void *ctx;                 /* their context */
  GRand *rand;               /* SIM_STREAM_ICE + index */
  char *lufrag, *lpwd;       /* local credentials */
  char *rufrag, *rpwd;       /* remote credentials; NULL until set */
  gboolean remote_lite;      /* the peer is lite */
  gboolean controlling;      /* current role */
  guint64 tie_breaker;       /* our tie-breaker */
  GPtrArray *locals;         /* IceCandidate*, owned, in the order added (learnt prflx last) */
  GPtrArray *remotes;        /* IceCandidate*, owned */
  GPtrArray *foundation_keys; /* char* "type/base/server" keys; index + 1 = foundation */
  guint remote_prflx;        /* remote peer-reflexive candidates learnt (foundation names) */
  GPtrArray *all_pairs;      /* IcePair*, owned */
  GPtrArray *checklist;      /* IcePair* view, sorted by priority, highest first */
  GPtrArray *valid;          /* IcePair* view: the valid list, in the order found */
  GQueue triggered;          /* IcePair* awaiting a triggered check (FIFO) */
  GPtrArray *txns;           /* IceTxn*, owned: pending and cancelled-but-waiting */
  GArray *early;             /* IceEarly requests answered before start */
  guint next_seq;            /* pair sequence numbers */
  gboolean started;          /* ice_agent_start() done */
  gboolean checklist_done;   /* Completed or Failed: no more checks (consent goes on) */
  IceState state;            /* reported state */
  SimEvent tick;             /* Ta timer (RFC 8445 §6.1.4.2) */
  SimTime last_check;        /* time of the latest first transmission of a check; -1 none */
  SimEvent nominate_timer;   /* controlling: nominate after nomination_wait_ms */
  gboolean nominate_now;     /* that wait is over */
  SimEvent pac_timer;        /* ICE PAC (RFC 8863): no failure before the patience time */
  IcePair *selected[ICE_MAX_COMPONENTS + 1];  /* selected pair per component (1-based) */
  SimEvent consent_next[ICE_MAX_COMPONENTS + 1];   /* next consent request */
  SimEvent consent_expiry[ICE_MAX_COMPONENTS + 1]; /* consent lost unless refreshed before */
  gboolean consent_lost[ICE_MAX_COMPONENTS + 1];   /* lost on this component */
  IceSlot slots[ICE_MAX_COMPONENTS + 1];           /* event contexts per component */
  IceStats stats;            /* counters */
};

/* ice-agent.c */
void ice_trace_pair(IceAgent *a, IcePair *p, const char *event);
void ice_pair_set_state(IceAgent *a, IcePair *p, IcePairState s);
IcePair *ice_pair_find(IceAgent *a, GPtrArray *list, const IceCandidate *l, const IceCandidate *r);
IcePair *ice_pair_new(IceAgent *a, IceCandidate *l, IceCandidate *r);
void ice_checklist_add(IceAgent *a, IcePair *p);
void ice_recompute_priorities(IceAgent *a);
void ice_trigger(IceAgent *a, IcePair *p);
void ice_arm_tick(IceAgent *a);
IceCandidate *ice_local_find(IceAgent *a, guint component, SimAddr addr);
IceCandidate *ice_local_base_find(IceAgent *a, SimAddr base);
IceCandidate *ice_remote_find(IceAgent *a, guint component, SimAddr addr);
IceCandidate *ice_local_learn_prflx(IceAgent *a, IcePair *p, SimAddr mapped, guint32 priority);
IceCandidate *ice_remote_learn_prflx(IceAgent *a, guint component, SimAddr from, guint32 priority);
/* ice-nominate.c: outcomes of checks, nomination, selection, consent, roles */
void ice_after_success(IceAgent *a, IcePair *checked, IcePair *valid, gboolean nominated);
void ice_after_failure(IceAgent *a, IcePair *p);
void ice_nominated(IceAgent *a, IcePair *valid);
void ice_consent_ok(IceAgent *a, guint component);
void ice_switch_role(IceAgent *a, gboolean controlling);
void ice_set_state(IceAgent *a, IceState s);
void ice_check_done(IceAgent *a); /* fail or nominate once nothing is left to check */

/* ice-check.c */
void ice_send_check(IceAgent *a, IcePair *p, gboolean use_candidate, gboolean consent,
                    gboolean triggered);
void ice_txn_cancel(IceAgent *a, IceTxn *t);
void ice_txn_free(gpointer p);
void ice_handle_early(IceAgent *a, const IceEarly *e);

G_END_DECLS
