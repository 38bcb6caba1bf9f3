/* sim.h — the engine interface that every model includes.
 *
 * This header is the whole contract between the models (models/, plain C, no ns-3 types) and the
 * discrete-event engine (sim/ns3-backend.cc, the only C++ file, which implements it on ns-3 3.37).
 * It offers integer-nanosecond time, events with O(1) cancellation, nodes, point-to-point links,
 * host nodes with ns-3's Internet stack and UDP/TCP sockets driven by C callbacks, stackless router
 * nodes that see and send whole IPv4 packets, per-device pcap, deterministic traces and seeded
 * random streams.  Every function validates its arguments: ns-3 as packaged by Debian has its
 * asserts compiled out, so misuse would otherwise crash silently.
 *
 * Addresses and ports are in host byte order everywhere in this API.
 */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <stdio.h>

G_BEGIN_DECLS

/* ---- Time ------------------------------------------------------------------------------------ */

typedef int64_t SimTime; /* nanoseconds since the start of the simulation */

#define SIM_NS(n) ((SimTime)(n))
#define SIM_US(n) ((SimTime)(n) * 1000LL)
#define SIM_MS(n) ((SimTime)(n) * 1000000LL)
#define SIM_S(n) ((SimTime)(n) * 1000000000LL)
#define SIM_TIME_NEVER INT64_MAX
#define SIM_TIME_TO_S(t) ((double)(t) / 1e9)
#define SIM_TIME_FROM_S(s) ((SimTime)((s) * 1e9 + ((s) >= 0 ? 0.5 : -0.5)))

/* ---- Errors ---------------------------------------------------------------------------------- */

#define SIM_ERROR (sim_error_quark())
GQuark sim_error_quark(void);

typedef enum {
  SIM_ERROR_INVALID,  /* an argument was out of range or named nothing */
  SIM_ERROR_STATE,    /* the call is not allowed in the engine's current state */
  SIM_ERROR_RESOURCE, /* a port, address or table slot was already taken */
} SimError;

/* ---- Lifecycle --------------------------------------------------------------------------------
 * One world at a time per process (ns-3 allows one simulation per process).  sim_setup() starts a
 * world; sim_reset() destroys it and everything in it (events, nodes, sockets, address allocators,
 * pcap files are closed), so the next sim_setup() starts from exactly the same state.  */

typedef struct {
  guint64 seed;    /* experiment seed */
  guint32 cell;    /* grid cell index */
  guint32 replica; /* replica index within the cell */
} SimWorldParams;

gboolean sim_setup(const SimWorldParams *params, GError **error);
void sim_reset(void);
gboolean sim_is_setup(void);

/* Run events until the queue is empty or simulated time reaches `until` (SIM_TIME_NEVER: no limit).
 * Events scheduled exactly at `until` do run. */
void sim_run(SimTime until);
void sim_stop(void); /* from inside an event: stop after the current event */
SimTime sim_now(void);
guint64 sim_events_executed(void); /* events run since sim_setup() */

/* ---- Events ------------------------------------------------------------------------------------
 * A SimEvent is a slot index with a generation count: cancelling checks the generation, so an id
 * that has fired or was cancelled is harmless to cancel again.  Events at equal times run in the
 * order they were scheduled.  0 is never a valid event id. */

typedef guint64 SimEvent;
typedef void (*SimEventFn)(void *data);

SimEvent sim_schedule(SimTime delay, SimEventFn fn, void *data); /* delay >= 0 */
SimEvent sim_schedule_at(SimTime when, SimEventFn fn, void *data); /* when >= sim_now() */
gboolean sim_cancel(SimEvent ev);                                 /* TRUE if it was pending */
gboolean sim_event_pending(SimEvent ev);

/* ---- Randomness --------------------------------------------------------------------------------
 * Model randomness comes only from streams derived from (seed, cell, replica, stream id), never
 * from creation order.  ns-3's own random variables (link loss) get explicit stream numbers. */

GRand *sim_rand_new(guint32 stream); /* derived from the current world's params; caller frees */
GRand *sim_rand_new_for(const SimWorldParams *world, guint32 stream);

/* Well-known stream ids, so that two models never share a stream by accident. */
enum {
  SIM_STREAM_LINK_LOSS = 1,  /* + link index: ns-3 error models */
  SIM_STREAM_NAT = 1000,     /* + router index */
  SIM_STREAM_QUEUE = 2000,   /* + router index */
  SIM_STREAM_CROSS = 3000,   /* + flow index */
  SIM_STREAM_STUN = 4000,    /* + client index */
  SIM_STREAM_TLS = 6000,     /* + connection or listener index (models/tls) */
  SIM_STREAM_MODEL = 10000,  /* first id for later models */
  SIM_STREAM_MEDIA = 11000,  /* + stream index: RTP SSRC/seq/timestamp, RTCP timing (models/media) */
  SIM_STREAM_MEDIA_KEYS = 12000, /* + stream index: SRTP master keys for SDES (models/media) */
  SIM_STREAM_SIP = 13000,    /* + SIP element index: branches, tags, Call-IDs (models/sip) */
  SIM_STREAM_REGISTRAR = 14000, /* + registrar index: nonces (models/sip/registrar.c) */
  SIM_STREAM_TURN = 15000,   /* + server (0..99) or client (100..) index: nonces, relay ports, tids */
  SIM_STREAM_ICE = 16000,    /* + agent index: ufrag/pwd, tie-breaker, check transaction ids */
};

/* ---- Nodes, devices, links -------------------------------------------------------------------- */

typedef int SimNode; /* >= 0; -1 means none */
typedef int SimDev;  /* >= 0, global across nodes; -1 means none */

/* A stackless router node receives every IPv4 packet arriving on any of its devices.  `ip` is the
 * whole IPv4 packet (header first), owned by the engine and valid only during the call; the router
 * may modify it in place before sending it on. */
typedef void (*SimRouterRecvFn)(void *ctx, SimDev dev, guint8 *ip, gsize len);

SimNode sim_host_new(const char *name, GError **error);
SimNode sim_router_new(const char *name, SimRouterRecvFn recv, void *ctx, GError **error);
const char *sim_node_name(SimNode node);
gboolean sim_node_is_host(SimNode node);
guint sim_node_count(void);

typedef struct {
  guint64 rate_ab_bps;   /* transmit rate of device a (a -> b), bit/s, > 0 */
  guint64 rate_ba_bps;   /* transmit rate of device b (b -> a), bit/s, > 0 */
  SimTime delay;         /* propagation delay a -> b (and b -> a unless delay_ba is set) */
  SimTime delay_ba;      /* propagation delay b -> a; 0 = same as delay (asymmetric access) */
  guint32 queue_a_pkts;  /* device transmit queue of a; 0 = default (100); routers use 1 */
  guint32 queue_b_pkts;  /* device transmit queue of b */
  guint32 mtu;           /* device MTU in bytes; 0 = 1500.  Not enforced by ns-3: routers do it */
  double loss_ab;        /* probability that a packet from a is lost on the way, 0..1 */
  double loss_ba;        /* probability that a packet from b is lost on the way, 0..1 */
  gint64 loss_stream;    /* explicit ns-3 random stream for the loss models; required if loss */
} SimLinkParams;

gboolean sim_link_new(SimNode a, SimNode b, const SimLinkParams *params, SimDev *dev_a,
                      SimDev *dev_b, GError **error);

SimNode sim_dev_node(SimDev dev);
SimDev sim_dev_peer(SimDev dev);
guint32 sim_dev_mtu(SimDev dev);
guint64 sim_dev_rate_bps(SimDev dev);
guint sim_dev_count(void);

/* Router devices.  sim_dev_send_ip() hands a whole IPv4 packet to the device; it returns FALSE
 * (and drops nothing) when the device queue is full, so the router keeps the packet in its own
 * queue and waits for the idle callback, which fires (from a zero-delay event) when the device
 * queue goes from full to having room, i.e. when the device starts sending its next packet:
 * sending then keeps the line busy back-to-back.  Only router devices take sim_dev_send_ip(). */
gboolean sim_dev_send_ip(SimDev dev, const guint8 *ip, gsize len);
gboolean sim_dev_can_send(SimDev dev);
typedef void (*SimDevIdleFn)(void *ctx, SimDev dev);
void sim_dev_set_idle_cb(SimDev dev, SimDevIdleFn fn, void *ctx);

/* Write a pcap file (PPP link type, as ns-3 writes it) of everything the device sends and receives. */
gboolean sim_pcap_enable(SimDev dev, const char *path, GError **error);

/* ---- Hosts: addresses and routes ------------------------------------------------------------- */

gboolean sim_host_add_address(SimDev dev, guint32 addr, guint8 prefix_len, GError **error);
/* dest/prefix_len 0/0 is the default route; gateway 0 means on-link (point-to-point). */
gboolean sim_host_add_route(SimNode host, guint32 dest, guint8 prefix_len, guint32 gateway,
                            SimDev dev, GError **error);
gboolean sim_host_set_forwarding(SimNode host, gboolean on, GError **error);

/* ---- Sockets ----------------------------------------------------------------------------------
 * UDP and TCP sockets on host nodes, driven by C callbacks.  Callbacks that a socket's kind does
 * not use may be NULL.  A socket closed with sim_sock_close() gets no further callbacks. */

typedef int SimSock; /* >= 0; -1 means none */

typedef struct {
  guint32 addr; /* IPv4 address, host byte order */
  guint16 port; /* port, host byte order */
} SimAddr;

typedef struct {
  /* UDP: one datagram.  TCP: the next bytes of the stream. */
  void (*recv)(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from);
  void (*connected)(void *ctx, SimSock sock, gboolean ok); /* TCP connect finished */
  void (*accepted)(void *ctx, SimSock listener, SimSock conn, SimAddr peer); /* TCP listener */
  void (*closed)(void *ctx, SimSock sock, gboolean error); /* TCP peer closed (or reset) */
  void (*writable)(void *ctx, SimSock sock, gsize space);  /* TCP send buffer has room again */
} SimSockOps;

/* local.addr 0 binds all addresses; local.port 0 picks an ephemeral port. */
SimSock sim_udp_open(SimNode host, SimAddr local, const SimSockOps *ops, void *ctx, GError **error);
gboolean sim_udp_send(SimSock sock, SimAddr to, const guint8 *data, gsize len);

SimSock sim_tcp_listen(SimNode host, SimAddr local, const SimSockOps *ops, void *ctx,
                       GError **error);
SimSock sim_tcp_connect(SimNode host, SimAddr local, SimAddr remote, const SimSockOps *ops,
                        void *ctx, GError **error);
/* Queue bytes on a TCP socket; returns how many were accepted (the send buffer may be full). */
gsize sim_tcp_send(SimSock sock, const guint8 *data, gsize len);
gsize sim_tcp_send_space(SimSock sock);
/* Accepted connections get `ops`/`ctx` of their listener until this changes them. */
void sim_sock_set_ops(SimSock sock, const SimSockOps *ops, void *ctx);

gboolean sim_sock_set_tos(SimSock sock, guint8 tos); /* DSCP << 2 | ECN for every later packet */
SimAddr sim_sock_local(SimSock sock);
void sim_sock_close(SimSock sock);

/* ---- Traces -----------------------------------------------------------------------------------
 * Traces are for machines: one line per protocol event, "<time> <category> <text>", with the
 * time as integer nanoseconds.  Every line also feeds a SHA-256 over the whole trace, so tests
 * and fingerprints can compare runs.  Nothing parses logs; everything may parse traces. */

void sim_trace_set_file(FILE *fp);         /* NULL: hash only (the default) */
void sim_trace(const char *category, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
char *sim_trace_hash(void);                /* hex digest of the trace so far; caller frees */
guint64 sim_trace_lines(void);

/* ---- Address helpers ------------------------------------------------------------------------- */

/* Parse dotted-quad IPv4 ("192.168.1.50"); FALSE if malformed. */
gboolean sim_addr_parse(const char *text, guint32 *addr);
/* Format into buf (at least 16 bytes); returns buf. */
char *sim_addr_format(guint32 addr, char buf[16]);

G_END_DECLS
