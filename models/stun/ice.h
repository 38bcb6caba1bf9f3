/* ice.h — an ICE agent (RFC 8445) for one data stream, independent of any transport.
 *
 * The agent keeps candidates, forms the checklist, paces connectivity checks every Ta, retransmits
 * them (RFC 8445 §14), answers the peer's checks (§7.3), learns peer-reflexive candidates, resolves
 * role conflicts (§7.3.1.1), nominates with USE-CANDIDATE (regular nomination, §8.1.1) and, once a
 * pair is selected, keeps checking consent (RFC 7675).  It never opens a socket: the owner hands it
 * every datagram that arrived on a local base (a host socket, or a TURN relay) and sends what the
 * agent asks through IceAgentOps.send.  A lite agent (RFC 8445 §2.5) only answers checks and takes
 * the pairs the peer nominates.  One agent serves one data stream (an m= line) with one or two
 * components (1 RTP, 2 RTCP); a session with several streams uses one agent per stream.
 *
 * The SDP helpers (ice-sdp.c) write and read a=candidate, a=ice-ufrag, a=ice-pwd and a=ice-lite
 * (RFC 8839 §5) and check that the default destination in c=/m= is one of the candidates
 * (RFC 8839 §4.2.5, else a=ice-mismatch).  IPv4 and UDP only, like the rest of algsim.
 */
#pragma once

#include "config.h"
#include "sim.h"
#include "sip/sdp.h"

G_BEGIN_DECLS

#define ICE_MAX_COMPONENTS 2    /* RTP and RTCP */
#define ICE_FOUNDATION_MAX 32   /* foundation = 1*32ice-char (RFC 8839 §5.1) */
#define ICE_CRED_MAX 256        /* ufrag and pwd are at most 256 ice-chars (RFC 8839 §5.4) */
#define ICE_MAX_SENDS 16        /* upper bound of ice.max_sends */

/* Type preferences recommended by RFC 8445 §5.1.2.2. */
#define ICE_TYPE_PREF_HOST 126
#define ICE_TYPE_PREF_PRFLX 110
#define ICE_TYPE_PREF_SRFLX 100
#define ICE_TYPE_PREF_RELAY 0
#define ICE_LOCAL_PREF_DEFAULT 65535 /* RFC 8445 §5.1.2.1: a single-homed agent uses 65535 */

typedef enum {
  ICE_CAND_HOST,  /* an address of a local interface */
  ICE_CAND_SRFLX, /* server-reflexive: the NAT mapping a STUN server saw */
  ICE_CAND_PRFLX, /* peer-reflexive: learnt from a connectivity check */
  ICE_CAND_RELAY, /* relayed: a TURN allocation */
} IceCandidateType;

/* One candidate.  For local candidates the agent fills foundation and priority.  The base of a
 * host or relayed candidate is the candidate itself; the base of a server- or peer-reflexive one is
 * the host candidate it was obtained from (RFC 8445 §5.1.1).  Checks and media leave from a base. */
typedef struct {
  IceCandidateType type;        /* candidate type */
  guint component;              /* component id: 1 RTP, 2 RTCP */
  char foundation[ICE_FOUNDATION_MAX + 1]; /* same type, base IP and server => same foundation */
  guint32 priority;             /* RFC 8445 §5.1.2.1 */
  guint16 local_pref;           /* local preference used in priority (local candidates) */
  SimAddr addr;                 /* the transport address */
  SimAddr base;                 /* its base (local candidates; remote ones: equal to addr) */
  SimAddr related;              /* raddr/rport (RFC 8839 §5.1); 0.0.0.0:0 for host candidates */
  guint32 server;               /* STUN/TURN server address that produced it; 0 if none */
} IceCandidate;

/* Candidate pair states (RFC 8445 §6.1.2.6). */
typedef enum {
  ICE_PAIR_FROZEN,
  ICE_PAIR_WAITING,
  ICE_PAIR_IN_PROGRESS,
  ICE_PAIR_SUCCEEDED,
  ICE_PAIR_FAILED,
} IcePairState;

/* A candidate pair as the owner sees it.  `local` may be a reflexive candidate (a valid pair built
 * from a check's mapped address, RFC 8445 §7.2.5.3.2); media for the pair leaves from `base` (a
 * host socket, or the TURN client for a relayed base) towards remote->addr. */
typedef struct {
  const IceCandidate *local;  /* local candidate (borrowed from the agent) */
  const IceCandidate *remote; /* remote candidate (borrowed from the agent) */
  const IceCandidate *base;   /* the local base that sends: host or relayed candidate */
  guint component;            /* component id */
  guint64 priority;           /* RFC 8445 §6.1.2.3 */
  IcePairState state;         /* check state (valid pairs not on the checklist: Succeeded) */
  gboolean valid;             /* in the valid list */
  gboolean nominated;         /* nominated (RFC 8445 §8) */
} IceCandidatePair;

/* Overall state, as reported to the owner. */
typedef enum {
  ICE_STATE_GATHERING,    /* created; candidates are being added */
  ICE_STATE_CHECKING,     /* started; no valid pair for every component yet */
  ICE_STATE_CONNECTED,    /* every component has a valid pair; nomination pending */
  ICE_STATE_COMPLETED,    /* every component has a selected (nominated) pair */
  ICE_STATE_FAILED,       /* the checklist failed (RFC 8445 §6.1.2.1) */
  ICE_STATE_DISCONNECTED, /* consent was lost on a selected pair (RFC 7675 §5.1) */
} IceState;

typedef struct {
  const char *name;          /* name in trace rows ("phone0"); NULL: "ice<index>" */
  guint32 index;             /* random stream SIM_STREAM_ICE + index: ufrag, pwd, tie-breaker, tids */
  gboolean controlling;      /* initial role (RFC 8445 §6.1.1: the offerer of two full agents) */
  gboolean lite;             /* a lite agent (RFC 8445 §2.5): no checks of its own, controlled */
  const char *ufrag;         /* local ufrag (>= 4 ice-chars); NULL: 8 random ice-chars */
  const char *pwd;           /* local pwd (>= 22 ice-chars); NULL: 24 random ice-chars */
  guint64 tie_breaker;       /* ICE-CONTROLLING/CONTROLLED value; 0: drawn from the stream */
  guint components;          /* 1 or 2 */
  guint ta_ms;               /* Ta, pacing of new checks (ice.ta_ms, >= 5, RFC 8445 §14.2) */
  guint rto_ms;              /* lower bound of the RTO of a check (ice.rto_ms, RFC 8445 §14.3) */
  guint max_sends;           /* transmissions of a check before it fails (ice.max_sends, Rc) */
  guint max_checks;          /* checklist size limit (ice.max_checks, RFC 8445 §6.1.2.5) */
  guint nomination_wait_ms;  /* controlling: wait for better pairs before nominating */
  guint consent_interval_s;  /* consent request period, randomized 0.8..1.2 (RFC 7675 §5.1) */
  guint consent_timeout_s;   /* consent lost without an answer for this long (RFC 7675 §5.1) */
} IceAgentParams;

void ice_agent_params_default(IceAgentParams *p);
void ice_agent_params_from_config(const Config *cfg, IceAgentParams *p);

/* What the owner provides.  Callbacks may be NULL except send.  They run from inside agent calls
 * and events; they must not free the agent. */
typedef struct {
  /* Send buf from the local base (host socket; a relayed base: through the TURN client) to `to`. */
  void (*send)(void *ctx, const IceCandidate *local_base, SimAddr to, const guint8 *buf, gsize len);
  /* A pair was selected for a component (nominated, RFC 8445 §8.1.2): send media on it. */
  void (*on_selected)(void *ctx, guint component, const IceCandidatePair *pair);
  void (*on_state)(void *ctx, IceState state);
  /* No consent response for consent_timeout_s: stop sending on this pair (RFC 7675 §5.1). */
  void (*on_consent_lost)(void *ctx, guint component, const IceCandidatePair *pair);
} IceAgentOps;

/* Counters for results and tests. */
typedef struct {
  guint checks_sent;      /* connectivity checks sent (first transmissions, all kinds) */
  guint triggered_checks; /* of those, triggered checks (RFC 8445 §7.3.1.4) */
  guint retransmissions;  /* retransmitted check requests */
  guint checks_received;  /* Binding requests answered with a success response */
  guint errors_sent;      /* error responses sent (400, 401, 487) */
  guint role_conflicts;   /* role conflicts detected (487 sent, 487 received, role switched) */
  guint role_switches;    /* times this agent changed its role */
  guint checks_failed;    /* checks that timed out or got an error */
  guint consent_sent;     /* consent freshness requests sent */
  guint consent_ok;       /* consent freshness success responses */
  SimTime started_at;     /* ice_agent_start() time; -1 before */
  SimTime completed_at;   /* every component selected; -1 if not (yet) */
} IceStats;

typedef struct IceAgent IceAgent;

IceAgent *ice_agent_new(const IceAgentParams *params, const IceAgentOps *ops, void *ctx,
                        GError **error);
/* Pending events become harmless; no callbacks.  Not from inside a callback. */
void ice_agent_free(IceAgent *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(IceAgent, ice_agent_free)

/* Candidate priority (RFC 8445 §5.1.2.1) and pair priority (§6.1.2.3; g = the controlling agent's
 * candidate priority, d = the controlled agent's). */
guint32 ice_priority(guint type_pref, guint local_pref, guint component);
guint64 ice_pair_priority(guint32 g, guint32 d);
guint ice_type_preference(IceCandidateType type);
const char *ice_candidate_type_name(IceCandidateType type); /* "host", "srflx"... */
gboolean ice_candidate_type_parse(const char *text, gsize len, IceCandidateType *type);
const char *ice_state_name(IceState state);
const char *ice_pair_state_name(IcePairState state);

/* Add a local candidate before ice_agent_start(): type (host, srflx or relay), component, addr,
 * base (srflx: its host base; host/relay: ignored, set to addr), related, server and local_pref
 * (0 means ICE_LOCAL_PREF_DEFAULT) come from `c`; the agent computes foundation and priority
 * (RFC 8445 §5.1.1.3, §5.1.2).  A candidate with the same address and base as an existing one is
 * redundant (§5.1.3): the existing one is returned.  NULL with an error on bad input. */
const IceCandidate *ice_agent_add_local(IceAgent *a, const IceCandidate *c, GError **error);
guint ice_agent_n_local(const IceAgent *a);
const IceCandidate *ice_agent_local(const IceAgent *a, guint i); /* in the order added */
const char *ice_agent_local_ufrag(const IceAgent *a);
const char *ice_agent_local_pwd(const IceAgent *a);
gboolean ice_agent_is_lite(const IceAgent *a);
/* The peer's ufrag and pwd as set by ice_agent_set_remote(), NULL before: a subsequent offer with
 * other values asks for an ICE restart (RFC 8839 §4.4.1.1.1). */
const char *ice_agent_remote_ufrag(const IceAgent *a);
const char *ice_agent_remote_pwd(const IceAgent *a);
gboolean ice_agent_is_controlling(const IceAgent *a);
guint64 ice_agent_tie_breaker(const IceAgent *a);

/* The peer's credentials (from its SDP), and whether it is lite (then a full agent controls,
 * RFC 8445 §6.1.1).  Before start. */
gboolean ice_agent_set_remote(IceAgent *a, const char *ufrag, const char *pwd, gboolean remote_lite,
                              GError **error);
/* A remote candidate (type, component, foundation, priority, addr, related); before start.
 * Duplicates (same component and address) are ignored. */
gboolean ice_agent_add_remote_candidate(IceAgent *a, const IceCandidate *c, GError **error);
guint ice_agent_n_remote(const IceAgent *a);
const IceCandidate *ice_agent_remote(const IceAgent *a, guint i);

/* Form the checklist and start checking (full agents) or answering (lite).  Needs the remote
 * credentials and at least one local candidate per component. */
gboolean ice_agent_start(IceAgent *a, GError **error);

/* A datagram arrived on a local base (a host candidate's socket, or through the TURN client for a
 * relayed candidate) from `from`.  TRUE if it was ICE's: a Binding request for this agent's ufrag
 * (answered, perhaps with an error) or a response to one of its checks.  FALSE: not STUN, or STUN
 * for somebody else; the owner passes it on (RTP, a STUN/TURN client). */
gboolean ice_agent_receive(IceAgent *a, const IceCandidate *local_base, SimAddr from,
                           const guint8 *buf, gsize len);

IceState ice_agent_state(const IceAgent *a);
/* The selected pair of a component (1-based), NULL if none. */
const IceCandidatePair *ice_agent_selected(const IceAgent *a, guint component);
/* The checklist, highest priority first, and the valid list. */
guint ice_agent_n_pairs(const IceAgent *a);
const IceCandidatePair *ice_agent_pair(const IceAgent *a, guint i);
guint ice_agent_n_valid(const IceAgent *a);
const IceCandidatePair *ice_agent_valid(const IceAgent *a, guint i);
const IceStats *ice_agent_stats(const IceAgent *a);

/* ---- SDP (ice-sdp.c, RFC 8839) ---------------------------------------------------------------- */

/* Append "a=candidate:..." with CRLF (RFC 8839 §5.1), raddr/rport for srflx, prflx and relay. */
void ice_sdp_append_candidate(GString *out, const IceCandidate *c);
/* Append the media-level ICE lines of an agent: a=ice-ufrag, a=ice-pwd (§5.4) and every local
 * candidate.  a=ice-lite is session-level (§5.3): append it where ice_agent_is_lite() says. */
void ice_sdp_append_media_attrs(GString *out, const IceAgent *a);

/* Convert a parsed a=candidate: 1 converted, 0 ignored (not UDP/IPv4, unknown type: RFC 8839
 * §5.1 says to ignore such lines), -1 malformed. */
int ice_sdp_candidate_from_sdp(const guint8 *buf, const SdpCandidate *sc, IceCandidate *out);

/* The ICE parameters of m= section m: ufrag and pwd (media level, else session level), a=ice-lite
 * (session level), a=ice-mismatch, and every usable candidate (IceCandidate*, caller frees the
 * array).  1 found, 0 no ICE in this section (no ufrag/pwd), -1 malformed (*reason). */
typedef struct {
  char *ufrag;           /* a=ice-ufrag (owned) */
  char *pwd;             /* a=ice-pwd (owned) */
  gboolean lite;         /* a=ice-lite at session level */
  gboolean mismatch;     /* a=ice-mismatch in this section */
  GPtrArray *candidates; /* IceCandidate*, owned */
} IceSdpRemote;
int ice_sdp_read_remote(const Sdp *sdp, guint m, IceSdpRemote *out, const char **reason);
void ice_sdp_remote_clear(IceSdpRemote *r);

/* RFC 8839 §4.2.5: TRUE if the default destination of m= section m (c= address and m= port for
 * component 1, a=rtcp for component 2 when present) appears in an a=candidate line, or is the
 * 0.0.0.0:9 placeholder; FALSE is an ICE mismatch (*reason says which component). */
gboolean ice_sdp_default_matches(const Sdp *sdp, guint m, const char **reason);

G_END_DECLS
