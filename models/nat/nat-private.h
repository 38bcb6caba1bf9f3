/* nat-private.h — the NAT's internal structures, shared by the files of models/nat/.
 *
 * Indexes.  Bindings are found by their internal side (proto, internal endpoint, remote endpoint)
 * for outbound packets and by their external side (proto, remote endpoint, external port) for
 * inbound ones; mappings by their RFC 4787 mapping key and by their external port.  Nothing that
 * emits a trace row iterates a hash table: expiry walks a GSequence ordered by (expiry time, id),
 * eviction a GQueue in least-recently-used order, expectations a GQueue in creation order.
 */
#pragma once

#include "nat.h"

/* A lookup key: two addresses, two ports and a protocol, zero-padded so it hashes as bytes. */
typedef struct {
  guint32 a1;   /* first address */
  guint32 a2;   /* second address */
  guint16 p1;   /* first port */
  guint16 p2;   /* second port */
  guint8 proto; /* protocol */
  guint8 pad[3]; /* always zero */
} NatKey;

/* An RFC 4787 mapping: an internal endpoint (and, for ADM/APDM, the remote) to an external port.
 * Invariant: refs == bindings->length; a mapping with no bindings is released at once. */
typedef struct {
  guint64 id;          /* creation order */
  guint8 proto;        /* protocol */
  SimAddr internal;    /* internal endpoint */
  guint16 ext_port;    /* external port on the public address */
  NatKey key;          /* mapping key (see nat_map_key()) */
  gboolean keyed;      /* present in Nat.map_by_key */
  gboolean ported;     /* present in Nat.map_by_port */
  GQueue bindings;     /* NatBinding * using this mapping, in creation order */
} NatMap;

typedef enum {
  NAT_TCP_NONE,        /* not TCP */
  NAT_TCP_SYN_SENT,    /* initiator's SYN seen */
  NAT_TCP_SYN_RECV,    /* responder's SYN+ACK seen */
  NAT_TCP_ESTABLISHED, /* three-way handshake done (or picked up mid-stream) */
  NAT_TCP_FIN_WAIT,    /* one side sent FIN */
  NAT_TCP_TIME_WAIT,   /* both sides sent FIN */
  NAT_TCP_CLOSED,      /* RST seen */
} NatTcpState;

/* One sequence correction (Linux struct nf_ct_seqadj, kept as a list): segments after `pos`
 * (serial arithmetic) are shifted by `offset`. */
typedef struct {
  guint32 pos;     /* original sequence number of the segment that changed length */
  gint32 offset;   /* cumulative offset for data after it */
  gboolean sealed; /* that segment has left the NAT: a retransmission of it adds nothing */
} NatSeqAdj;

typedef struct NatTimer NatTimer;

struct NatBinding {
  Nat *nat;                /* the NAT it belongs to */
  guint64 id;              /* unique, increasing */
  NatTuple t;              /* internal, external, remote */
  NatMap *map;             /* the mapping it uses */
  NatKey int_key;          /* key in Nat.by_int */
  NatKey ext_key;          /* key in Nat.by_ext */
  NatDir initiator;        /* direction of the packet that created it */
  const char *origin;      /* "outbound", "filter", "expect", "hairpin" */
  SimTime created;         /* creation time */
  SimTime last_refresh;    /* last packet that refreshed the timer */
  SimTime last_used;       /* last packet in either direction (for LRU) */
  SimTime expires;         /* last_refresh + current timeout */
  SimTime timeout_override; /* ALG override of the idle timeout; 0 = none */
  gboolean replied;        /* a packet came in the direction opposite to the initiator */
  gboolean touched;        /* the creating packet has been accounted */
  NatTcpState tcp;         /* TCP state */
  gboolean fin[2];         /* FIN seen per direction (NatDir) */
  GArray *seqadj[2];       /* NatSeqAdj per direction of the data, or NULL */
  gpointer alg_data;       /* ALG state */
  GDestroyNotify alg_destroy; /* its destructor */
  GQueue expects;          /* NatExpect * this binding owns */
  guint64 master_id;       /* binding whose expectation made this one; 0 = none */
  GQueue timers;           /* NatTimer * pending */
  GList lru_link;          /* node in Nat.lru (data = this) */
  GSequenceIter *expiry_iter; /* node in Nat.expiry */
};

struct NatExpect {
  guint64 id;              /* creation order */
  NatExpectParams p;       /* as given (tag copied, owner cleared) */
  char *tag;               /* owned copy of p.tag */
  guint16 ext_port;        /* public port */
  gboolean reserved;       /* ext_port counted in Nat.reserved */
  SimTime expires;         /* added + lifetime */
  guint64 owner_id;        /* owning binding, 0 = none */
  GList *link;             /* node in Nat.expects */
};

struct NatTimer {
  Nat *nat;                /* the NAT */
  guint64 binding_id;      /* the binding it belongs to */
  NatTimerFn fn;           /* callback */
  gpointer data;           /* its argument */
  SimEvent ev;             /* the engine event */
  GList *link;             /* node in NatBinding.timers */
};

struct Nat {
  char *name;              /* trace category */
  guint32 public_addr;     /* the external address */
  NatParams p;             /* behaviour */
  GRand *rand;             /* random port allocation */
  guint16 rover[3];        /* sequential allocation: next port per protocol slot */
  guint64 next_id;         /* ids for bindings, mappings, expectations */
  guint64 next_local_id;   /* ids for local-delivery entries */
  GHashTable *by_int;      /* NatKey -> NatBinding */
  GHashTable *by_ext;      /* NatKey -> NatBinding */
  GHashTable *by_id;       /* guint64 * -> NatBinding */
  GHashTable *map_by_key;  /* NatKey -> NatMap */
  GHashTable *map_by_port; /* port key -> NatMap */
  GHashTable *reserved;    /* port key -> count of expectations reserving it */
  GHashTable *held;        /* port key -> NatHold (released ports in hold-down) */
  GSequence *expiry;       /* NatBinding * by (expires, id) */
  GQueue lru;              /* NatBinding *, least recently used first */
  GQueue expects;          /* NatExpect *, creation order */
  guint n_pinned;          /* of them, pin_outbound ones (nat_port_alloc looks only if any) */
  GHashTable *locals;      /* NatKey (as by_ext) -> NatLocal (local-delivery entries) */
  GSequence *local_expiry; /* NatLocal * by (expires, id) */
  GHashTable *frags;       /* fragment key -> NatFrag (per-fragment translation) */
  GQueue frag_order;       /* NatFrag * by creation (expiry) order */
  guint n_maps;            /* live mappings */
  NatAlgHookFn alg_fn;     /* ALG hook */
  void *alg_ctx;           /* its context */
  NatStats stats;          /* counters */
};

/* A released external port in hold-down (RFC 6888 REQ-8). */
typedef struct {
  SimTime until;           /* reusable by others from this time */
  SimAddr internal;        /* the endpoint that had it (may have it back) */
} NatHold;

/* nat.c */
NatKey nat_key(guint8 proto, guint32 a1, guint16 p1, guint32 a2, guint16 p2);
guint nat_key_hash(gconstpointer k);
gboolean nat_key_equal(gconstpointer a, gconstpointer b);
static inline gpointer
nat_port_key(guint8 proto, guint16 port)
{
  return GUINT_TO_POINTER(((guint)proto << 16) | port);
}
void nat_fmt_time(SimTime t, char buf[32]);
/* The address a binding of this internal host is seen at: the public one, or in route-only mode
 * its own. */
static inline guint32
nat_ext_addr(const Nat *nat, guint32 internal_addr)
{
  return nat->p.route_only ? internal_addr : nat->public_addr;
}
static inline gint64
nat_secs(SimTime t)
{
  return (gint64)(t / SIM_S(1));
}
NatMap *nat_map_new(Nat *nat, guint8 proto, SimAddr internal, SimAddr remote, guint16 ext_port,
                    SimTime now);
NatBinding *nat_binding_new(Nat *nat, NatMap *map, SimAddr remote, NatDir initiator,
                            const char *origin, SimTime now);
void nat_binding_destroy(Nat *nat, NatBinding *b, const char *why, SimTime at);
/* Make room for one more binding: TRUE if there is room (maybe after evicting). */
gboolean nat_make_room(Nat *nat, SimTime now);
void nat_drop(Nat *nat, NatVerdict *v, NatDropReason r, const guint8 *buf, gsize len);
void nat_trace_binding(Nat *nat, const char *event, const NatBinding *b, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

/* nat-alloc.c */
guint16 nat_port_alloc(Nat *nat, guint8 proto, SimAddr internal, SimTime now);
gboolean nat_port_available(Nat *nat, guint8 proto, guint16 port, SimAddr internal, SimTime now);
void nat_port_hold(Nat *nat, guint8 proto, guint16 port, SimAddr internal, SimTime at);
void nat_port_reserve(Nat *nat, guint8 proto, guint16 port);
void nat_port_unreserve(Nat *nat, guint8 proto, guint16 port);

/* nat-filter.c */
NatKey nat_map_key(const Nat *nat, guint8 proto, SimAddr internal, SimAddr remote);
/* The mapping an outbound flow uses, made if needed; NULL with *reason on failure. */
NatMap *nat_map_for_outbound(Nat *nat, guint8 proto, SimAddr internal, SimAddr remote,
                             SimTime now, NatDropReason *reason);
/* Whether the filtering behaviour admits a packet from `remote` on this mapping. */
gboolean nat_filter_admits(const Nat *nat, const NatMap *map, SimAddr remote);

/* nat-timeout.c */
SimTime nat_binding_timeout(const Nat *nat, const NatBinding *b);
/* Account one packet of the binding: state (reply seen, TCP flags), refresh, LRU position. */
void nat_binding_touch(Nat *nat, NatBinding *b, NatDir dir, guint8 tcp_flags, SimTime now);
void nat_binding_rearm(Nat *nat, NatBinding *b);
const char *nat_tcp_state_name(NatTcpState s);

/* nat-expect.c */
/* `dst` is the packet's destination address, checked against the target in route-only mode. */
NatExpect *nat_expect_match(Nat *nat, guint8 proto, guint16 ext_port, SimAddr remote, guint32 dst);
/* Create the binding an expectation admits (NULL with *reason on failure). */
NatBinding *nat_expect_admit(Nat *nat, NatExpect *e, SimAddr remote, SimTime now,
                             NatDropReason *reason);
void nat_expect_expire(Nat *nat, SimTime now);
void nat_expect_destroy(Nat *nat, NatExpect *e, const char *why, SimTime at);

/* nat-alg.c */
/* Run the hook; FALSE if it dropped the packet. */
gboolean nat_alg_run(Nat *nat, NatBinding *b, NatDir dir, gboolean hairpin, NetBuf *pkt,
                     SimTime now);
/* Apply the binding's sequence corrections to a TCP segment travelling in `dir`, and seal
 * the corrections made for it. */
void nat_seqadj_apply(Nat *nat, NatBinding *b, NatDir dir, NetBuf *pkt);
void nat_binding_free_alg(NatBinding *b);
void nat_binding_cancel_timers(NatBinding *b);

/* nat-local.c: local-delivery entries (nat.h, NatParams.local_flow_entries). */
typedef struct NatLocal NatLocal;
void nat_locals_init(Nat *nat);
void nat_locals_free(Nat *nat);
void nat_locals_flush(Nat *nat);
void nat_locals_expire(Nat *nat, SimTime now);
/* The live entry of this inbound flow, or NULL. */
NatLocal *nat_local_find(Nat *nat, guint8 proto, SimAddr remote, guint16 ext_port);
/* Account one more packet of the entry's flow (nf_conntrack_udp_packet refreshes its timer). */
void nat_local_refresh(Nat *nat, NatLocal *l, SimTime now);
/* Record the flow of a refused inbound packet (no-op unless enabled, or for non-UDP). */
void nat_local_record(Nat *nat, guint8 proto, SimAddr remote, guint16 ext_port, SimTime now);
/* nat_map_for_outbound(), except that a flow whose translated tuple is a live entry's reply
 * gets a mapping of its own on another port (nf_nat_used_tuple in get_unique_tuple). */
NatMap *nat_local_map_for_outbound(Nat *nat, guint8 proto, SimAddr internal, SimAddr remote,
                                   SimTime now, NatDropReason *reason);

/* nat-translate.c */
void nat_frags_clear(Nat *nat);
