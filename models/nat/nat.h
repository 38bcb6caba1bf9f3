/* nat.h — a NAPT44 with the behaviours of RFC 4787 (UDP), RFC 5382 (TCP), RFC 5508 (ICMP),
 * RFC 7857 (updates) and RFC 6888 (carrier-grade NAT), and the hooks an ALG needs.
 *
 * Vocabulary.  A *mapping* is RFC 4787's: an internal endpoint (plus, for address- or
 * address-and-port-dependent mapping, the remote address or address and port) bound to one
 * external port on the public address.  A *binding* is one flow through a mapping — internal
 * endpoint, external endpoint, remote endpoint — like one Linux conntrack entry: it carries the
 * timers, the TCP state, the ALG's state, the TCP sequence adjustments and the expectations the
 * ALG opened for it.  A mapping lives while at least one binding uses it; when its last binding
 * goes, its external port is held for nat.port_hold_s (RFC 6888 REQ-8).
 *
 * The NAT needs no running simulator: every call takes the current time, expiry is computed
 * lazily from the last refresh, and trace rows carry the exact expiry time (last refresh +
 * timeout).  Traces go to sim_trace(<nat name>, ...) in a deterministic order.
 *
 * The ALG hook (nat_set_alg_hook) is called for every packet that a binding carries, in both
 * directions, AFTER the NAT has rewritten the IP and transport headers and BEFORE TCP sequence
 * adjustment — the order of Linux, where the conntrack helper runs after SNAT/DNAT and
 * nf_nat_seq_adjust() runs after the helper.  The hook sees the original and translated tuples
 * in the binding and may pass, drop, or rewrite the payload with nat_alg_mangle(), which may
 * change the packet length.
 */
#pragma once

#include "config.h"
#include "net/ipv4.h"
#include "sim.h"

G_BEGIN_DECLS

typedef struct Nat Nat;
typedef struct NatBinding NatBinding;
typedef struct NatExpect NatExpect;

/* ---- Behaviour parameters ---------------------------------------------------------------------- */

typedef enum {
  NAT_MAP_EIM,  /* endpoint-independent mapping (RFC 4787 §4.1) */
  NAT_MAP_ADM,  /* address-dependent mapping */
  NAT_MAP_APDM, /* address-and-port-dependent mapping */
} NatMappingKind;

typedef enum {
  NAT_FILTER_EIF,  /* endpoint-independent filtering (RFC 4787 §5) */
  NAT_FILTER_ADF,  /* address-dependent filtering */
  NAT_FILTER_APDF, /* address-and-port-dependent filtering */
} NatFilterKind;

typedef enum {
  NAT_PORT_PRESERVE,        /* keep the internal port if free, else the next free one */
  NAT_PORT_PRESERVE_PARITY, /* as preserve, falling back to a port of the same parity (REQ-4) */
  NAT_PORT_SEQUENTIAL,      /* the next free port after the last one allocated */
  NAT_PORT_RANDOM,          /* a random port (RFC 6056), the next free one on collision */
} NatPortAlloc;

typedef enum {
  NAT_REFRESH_OUTBOUND, /* only outbound packets refresh UDP bindings (RFC 4787 REQ-6 minimum) */
  NAT_REFRESH_BOTH,     /* packets in either direction refresh them (Linux conntrack) */
} NatRefresh;

typedef enum {
  NAT_OVERFLOW_REFUSE,    /* a full table refuses new flows (Linux: "table full, dropping") */
  NAT_OVERFLOW_EVICT_LRU, /* a full table evicts the least recently used binding */
} NatOverflow;

#define NAT_MAX_PORT_TIMEOUTS 16

typedef struct {
  guint16 port;    /* remote (destination) port of the flow */
  SimTime timeout; /* replaces both UDP timeouts for it */
} NatPortTimeout;

typedef struct {
  NatMappingKind mapping;         /* mapping behaviour */
  NatFilterKind filtering;        /* filtering behaviour */
  NatPortAlloc port_alloc;        /* external port choice */
  guint16 port_min;               /* external port range, inclusive */
  guint16 port_max;
  SimTime udp_timeout;            /* UDP binding that has seen a reply */
  SimTime udp_unreplied_timeout;  /* UDP binding that has not */
  NatRefresh udp_refresh;         /* which direction refreshes UDP bindings */
  NatPortTimeout udp_port_timeouts[NAT_MAX_PORT_TIMEOUTS]; /* per-remote-port overrides */
  guint n_udp_port_timeouts;      /* entries used */
  SimTime tcp_established_timeout; /* RFC 5382 REQ-5: >= 2 h 4 min */
  SimTime tcp_transitory_timeout; /* RFC 5382 REQ-5: >= 4 min */
  SimTime icmp_timeout;           /* ICMP echo (RFC 5508 REQ-1: >= 60 s) */
  gboolean hairpin;               /* RFC 4787 REQ-9 */
  guint max_bindings;             /* binding table size */
  NatOverflow overflow;           /* what a full table does */
  SimTime port_hold;              /* RFC 6888 REQ-8 hold-down of released external ports */
  gboolean trace_refresh;         /* a trace row for every refreshing packet (verbose) */
  gboolean local_flow_entries;    /* refused inbound UDP leaves a local-delivery entry: below */
  gboolean route_only;            /* no translation (set by code, no key): see below */
} NatParams;

/* Local-delivery entries (NatParams.local_flow_entries; nat-local.c).  In Linux a packet to the
 * router's own address that matches no conntrack gets one of its own, confirmed at the INPUT hook
 * even if no socket listens, and kept for nf_conntrack_udp_timeout (30 s) after its last packet.
 * So an inbound UDP packet that no binding, expectation or mapping admits is recorded as
 * (remote endpoint -> public port) with the unreplied UDP timeout, refreshed by every packet of
 * that flow.  While it lives, the flow's packets keep going to the router itself: an expectation
 * never sees them (only a packet that starts a new conntrack looks for one), so they are dropped
 * as "shadowed-by-local-entry" and the expectation stays; and an outbound flow whose translated
 * tuple would be that entry's reply gets another public port.  UDP only; never in route-only
 * mode, where nothing is addressed to the router's public address. */

/* Route-only mode (NatParams.route_only; a router without a masquerade rule, the testbed's
 * --no-nat).  The NAT still tracks every flow as a binding, like conntrack without NAT, so the ALG
 * hook, binding timers and expectations work as usual, but nothing is rewritten: a binding's
 * external endpoint IS its internal endpoint (nat_binding_translated() is FALSE, Linux's
 * ct->status & IPS_NAT_MASK == 0), inbound packets are addressed to LAN hosts (not to the public
 * address) and any of them opens a binding (no filtering: policy accept), an expectation's public
 * port is its target's port and it matches on the target's address too, and ICMP errors pass
 * unchanged. */

/* The home-router defaults (the nat.* key defaults). */
void nat_params_default(NatParams *p);
/* Read <group>.* (group "nat" or "cgn").  Errors name the key: "[nat] udp_port_timeouts: ...". */
gboolean nat_params_from_config(const Config *cfg, const char *group, NatParams *p,
                                GError **error);
/* Parse "5060:180,5061:180" into p->udp_port_timeouts. */
gboolean nat_parse_port_timeouts(const char *text, NatParams *p, GError **error);

/* ---- Lifecycle ---------------------------------------------------------------------------------- */

/* `name` is the trace category ("nat", "cgn"); `rand` (taken) feeds random port allocation and
 * comes from sim_rand_new(SIM_STREAM_NAT + router index). */
Nat *nat_new(const char *name, guint32 public_addr, const NatParams *params, GRand *rand);
void nat_free(Nat *nat);
const NatParams *nat_params(const Nat *nat);
guint32 nat_public_addr(const Nat *nat);
void nat_set_public_addr(Nat *nat, guint32 addr);
/* Forget every binding, mapping, expectation, hold-down and ALG state (a reboot). */
void nat_flush(Nat *nat, SimTime now);
/* Collect bindings and expectations that expired by `now` (also done by every packet call). */
void nat_expire(Nat *nat, SimTime now);

/* ---- Packets ------------------------------------------------------------------------------------ */

typedef enum {
  NAT_PASS,    /* translated: forward it (outbound to the WAN, inbound to the LAN) */
  NAT_HAIRPIN, /* outbound packet to our own public address, translated both ways: to the LAN */
  NAT_DROP,    /* dropped; the verdict names the reason */
} NatAction;

/* Fixed drop reasons (the trace row and the stats use the names). */
typedef enum {
  NAT_DROP_MALFORMED,      /* "malformed": headers do not parse */
  NAT_DROP_UNSUPPORTED,    /* "unsupported-protocol": not UDP, TCP or ICMP echo/error */
  NAT_DROP_NO_BINDING,     /* "no-binding": inbound, no binding, mapping or expectation */
  NAT_DROP_FILTERED,       /* "filtered": a mapping exists but filtering refuses the source */
  NAT_DROP_TABLE_FULL,     /* "table-full": max_bindings reached and overflow = refuse */
  NAT_DROP_NO_PORT,        /* "ports-exhausted": no free external port */
  NAT_DROP_HAIRPIN_OFF,    /* "hairpin-disabled": a LAN host addressed our public address */
  NAT_DROP_ALG,            /* "alg": the ALG hook dropped it */
  NAT_DROP_FRAGMENT,       /* "fragment-no-first": a later fragment whose first was not seen */
  NAT_DROP_ICMP_NO_BINDING,/* "icmp-no-binding": an ICMP error about no known flow */
  NAT_DROP_SHADOWED,       /* "shadowed-by-local-entry": an expectation matches, but the flow
                              has a live local-delivery entry (nat.local_flow_entries) */
  NAT_DROP_N
} NatDropReason;

const char *nat_drop_reason_name(NatDropReason r);

typedef struct {
  NatAction action;      /* what to do with the packet */
  NatDropReason reason;  /* when action == NAT_DROP */
  NatBinding *binding;   /* the binding used (borrowed, valid until the next NAT call), or NULL */
} NatVerdict;

/* Translate a packet from the LAN (outbound) or the WAN (inbound) in place.  The buffer may grow
 * or shrink when an ALG rewrites the payload.  Fragments: a first fragment is translated with the
 * ports it carries (the transport checksum is updated incrementally, which stays right for the
 * whole datagram) and remembered; later fragments of it get the same address rewrite. */
NatAction nat_outbound(Nat *nat, NetBuf *pkt, SimTime now, NatVerdict *v);
NatAction nat_inbound(Nat *nat, NetBuf *pkt, SimTime now, NatVerdict *v);

typedef struct {
  guint64 bindings_created;  /* bindings made */
  guint64 bindings_expired;  /* bindings removed by their timer */
  guint64 bindings_evicted;  /* bindings removed by evict-lru */
  guint64 mappings_created;  /* external ports allocated */
  guint64 translated_out;    /* outbound packets passed */
  guint64 translated_in;     /* inbound packets passed */
  guint64 hairpinned;        /* hairpinned packets */
  guint64 expect_matched;    /* flows admitted by an expectation */
  guint64 local_entries_created; /* local-delivery entries made (nat.local_flow_entries) */
  guint64 local_entry_hits;  /* later inbound packets that went to such an entry (dropped) */
  guint64 local_clashes;     /* outbound flows given another port than such an entry's tuple */
  guint64 dropped[NAT_DROP_N]; /* drops by reason */
} NatStats;

const NatStats *nat_stats(const Nat *nat);
guint nat_binding_count(const Nat *nat);
guint nat_mapping_count(const Nat *nat);
guint nat_local_entry_count(const Nat *nat); /* local-delivery entries (collected lazily) */

/* ---- Bindings ----------------------------------------------------------------------------------- */

typedef struct {
  guint8 proto;      /* NET_PROTO_UDP, _TCP or _ICMP (ports are echo identifiers) */
  SimAddr internal;  /* the LAN endpoint */
  SimAddr external;  /* the public endpoint it is mapped to */
  SimAddr remote;    /* the far endpoint */
} NatTuple;

const NatTuple *nat_binding_tuple(const NatBinding *b);
guint64 nat_binding_id(const NatBinding *b);          /* unique, increasing, never reused */
NatBinding *nat_binding_find(Nat *nat, guint64 id);   /* NULL if gone */
/* The binding of a flow, by its internal and remote endpoints (NULL if none or expired). */
NatBinding *nat_binding_lookup(Nat *nat, guint8 proto, SimAddr internal, SimAddr remote,
                               SimTime now);
/* The binding whose expectation created this one (Linux ct->master), or NULL. */
NatBinding *nat_binding_master(Nat *nat, const NatBinding *b);
SimTime nat_binding_expires(const NatBinding *b);     /* last refresh + current timeout */
gboolean nat_binding_replied(const NatBinding *b);    /* a packet came back from the remote */
/* The flow's addresses are rewritten (external != internal): Linux's ct->status & IPS_NAT_MASK.
 * FALSE for every binding of a route-only NAT. */
gboolean nat_binding_translated(const NatBinding *b);
const char *nat_binding_tcp_state(const NatBinding *b); /* "SYN_SENT", ..., or "" for UDP */
/* Override the idle timeout of this binding from now on (e.g. nf_conntrack_sip's sip_timeout
 * of 3600 s for a signalling flow); 0 restores the configured timeouts.  Applies at the next
 * refresh, and re-arms the expiry to now + timeout at once. */
void nat_binding_set_timeout(NatBinding *b, SimTime timeout, SimTime now);

/* ---- ALG hook ----------------------------------------------------------------------------------- */

typedef enum {
  NAT_DIR_OUT, /* LAN -> WAN (for a hairpin: the outbound leg) */
  NAT_DIR_IN,  /* WAN -> LAN (for a hairpin: the inbound leg) */
} NatDir;

/* What the hook sees.  Offsets are into pkt->data and are kept current by nat_alg_mangle(). */
typedef struct {
  Nat *nat;            /* the NAT */
  NatBinding *binding; /* the binding carrying this packet */
  NatDir dir;          /* direction of this packet */
  gboolean hairpin;    /* part of a hairpinned packet */
  NetBuf *pkt;         /* the packet, headers already translated */
  Ipv4Info ip;         /* its IPv4 header */
  guint8 proto;        /* NET_PROTO_UDP or NET_PROTO_TCP */
  gsize l4_off;        /* transport header offset */
  gsize payload_off;   /* transport payload offset */
  gsize payload_len;   /* transport payload length */
  guint32 tcp_seq;     /* TCP: sequence number as sent by the endpoint (before adjustment) */
  SimTime now;         /* current time */
} NatAlgPacket;

typedef enum {
  NAT_ALG_PASS, /* forward (possibly rewritten) */
  NAT_ALG_DROP, /* drop (counted as "alg") */
} NatAlgVerdict;

typedef NatAlgVerdict (*NatAlgHookFn)(void *ctx, NatAlgPacket *p);

/* One hook per NAT (the ALG layer dispatches by port/protocol itself); NULL removes it.  It is
 * called for every UDP and TCP packet a binding carries (pure ACKs and empty datagrams too),
 * never for ICMP or fragments (with router.fragments = reassemble it sees whole datagrams).
 * A packet the hook drops has already refreshed its binding. */
void nat_set_alg_hook(Nat *nat, NatAlgHookFn fn, void *ctx);

/* Replace payload bytes [off, off + del) (off relative to the payload) by `rep`, fixing the IPv4
 * total length and header checksum, the UDP length, the UDP/TCP checksum (full recompute) and,
 * for TCP, recording the length change for sequence adjustment of later segments in both
 * directions (Linux nf_nat_mangle_tcp_packet + nf_nat_seqadj_set).  FALSE if out of range or the
 * packet would exceed 65535 bytes. */
gboolean nat_alg_mangle(NatAlgPacket *p, gsize off, gsize del, const guint8 *rep, gsize rep_len);
/* After an ALG edited header fields or payload bytes by hand: recompute the IPv4 header checksum,
 * the UDP length and the transport checksum from the buffer as it is. */
void nat_alg_fix_packet(NatAlgPacket *p);
/* The cumulative sequence offset applied so far in one direction of a TCP binding. */
gint32 nat_binding_seq_offset(const NatBinding *b, NatDir dir);

/* Opaque per-binding ALG state; destroy is called when the binding goes (expiry, eviction,
 * flush, nat_free) or when the state is replaced. */
void nat_binding_set_alg_data(NatBinding *b, gpointer data, GDestroyNotify destroy);
gpointer nat_binding_get_alg_data(const NatBinding *b);

/* A timer tied to a binding, run by sim_schedule(): it never fires after the binding has gone
 * (it is cancelled when the binding is destroyed, and a binding that has lazily expired is
 * collected instead of firing it).  Returns the SimEvent (0 if the delay was negative). */
typedef void (*NatTimerFn)(Nat *nat, NatBinding *b, gpointer data);
SimEvent nat_binding_add_timer(NatBinding *b, SimTime delay, NatTimerFn fn, gpointer data);

/* ---- Expectations ------------------------------------------------------------------------------- */

typedef struct {
  guint8 proto;       /* NET_PROTO_UDP or NET_PROTO_TCP */
  SimAddr remote;     /* expected source; addr 0 and/or port 0 are wildcards */
  guint16 ext_port;   /* public port the flow arrives at; 0: with EIM the target's mapping port
                         if it has one, else allocate one (policy, preferring target.port); the
                         port is reserved for the target while the expectation lives */
  SimAddr target;     /* the internal endpoint the flow goes to */
  SimTime lifetime;   /* from the time it is added */
  gboolean single_use; /* removed by its first match (else it admits flows until it expires) */
  NatBinding *owner;  /* removed with this binding (may be NULL) */
  const char *tag;    /* for traces, e.g. "sip-rtp" (copied) */
  /* Called when the expectation admits a flow, with the new binding (Linux expectfn). */
  void (*on_match)(void *ctx, Nat *nat, NatBinding *child, const NatExpect *e);
  void *ctx;          /* for on_match */
  /* Outbound flows of the target that need a new mapping take ext_port (a static translation
   * the ALG set up with the pinhole, as a gate of Juniper's SIP ALG does), not the port policy's
   * choice.  Off for Linux-style expectations, which only admit inbound flows. */
  gboolean pin_outbound;
} NatExpectParams;

/* NULL and a GError (SIM_ERROR_RESOURCE) if no external port was free, or if ext_port is mapped
 * to another internal endpoint (RFC 4787 REQ-3: no port overloading).  A matching packet of a
 * flow that already has a binding (through another public port) is dropped, not given a second
 * binding, as Linux's conntrack refuses the clash. */
NatExpect *nat_expect_add(Nat *nat, const NatExpectParams *params, SimTime now, GError **error);
guint16 nat_expect_ext_port(const NatExpect *e);
const NatExpectParams *nat_expect_params(const NatExpect *e); /* as added (owner cleared) */
void nat_expect_remove(Nat *nat, NatExpect *e);
/* Remove every expectation owned by this binding; returns how many. */
guint nat_expect_flush_owner(Nat *nat, NatBinding *owner);
guint nat_expect_count(const Nat *nat);

/* Remove every binding of this internal endpoint now, releasing its mappings into the port
 * hold-down (an ALG freeing a call's translations, field-notes §4 A4); traced with `why`.
 * Returns how many bindings went. */
guint nat_release_endpoint(Nat *nat, guint8 proto, SimAddr internal, const char *why, SimTime now);

G_END_DECLS
