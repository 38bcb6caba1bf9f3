/* test-turn-util.h — the world of the TURN tests: the default topology (phones behind the home
 * NAT, the STUN/TURN host, the remote party as the peer) with a TURN server, a peer socket that
 * counts and may echo, TURN clients whose callbacks record what happened, and a "raw" client that
 * sends hand-built requests so that tests can provoke each error code. */
#pragma once

#include <string.h>

#include "stun/turn-client.h"
#include "stun/turn-server.h"
#include "test-util.h"
#include "topology.h"

#define PEER_PORT 7000

typedef struct {
  Topology *topo;         /* the network */
  Config *cfg;            /* its configuration */
  TurnServer *server;     /* on topo->stun */
  SimSock peer;           /* remote party's UDP socket, remote.addr:7000 */
  gboolean echo;          /* the peer sends back what it receives */
  guint64 peer_packets;   /* datagrams the peer received */
  guint64 peer_bytes;     /* their bytes */
  SimAddr peer_from;      /* source of the last one */
} World;

static inline void
peer_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  World *w = ctx;
  w->peer_packets++;
  w->peer_bytes += len;
  w->peer_from = from;
  if (w->echo)
    sim_udp_send(sock, from, data, len);
}

static const SimSockOps peer_ops = { .recv = peer_recv };

/* A fresh world; `sets` is a NULL-terminated list of "key=value" (may be NULL). */
static inline void
world_up(World *w, const char *const *sets)
{
  memset(w, 0, sizeof *w);
  tu_world(7);
  w->cfg = tu_config(NULL, NULL);
  for (gsize i = 0; sets != NULL && sets[i] != NULL; i++) {
    g_autoptr(GError) error = NULL;
    g_assert_true(cfg_set_arg(w->cfg, sets[i], &error));
  }
  g_autoptr(GError) error = NULL;
  w->topo = topology_build(w->cfg, &error);
  g_assert_no_error(error);
  TurnServerSetup ss;
  turn_server_setup_default(&ss);
  turn_server_setup_from_config(w->cfg, &ss);
  ss.addr = w->topo->stun.addr;
  ss.relay_addr = cfg_bool(w->cfg, "turn.relay_on_second_address") ? w->topo->stun.addr2
                                                                      : w->topo->stun.addr;
  ss.software = "algsim";
  w->server = turn_server_new(w->topo->stun.node, &ss, &error);
  g_assert_no_error(error);
  w->peer = sim_udp_open(w->topo->remote.node, (SimAddr){ w->topo->remote.addr, PEER_PORT },
                         &peer_ops, w, &error);
  g_assert_no_error(error);
}

static inline void
world_down(World *w)
{
  turn_server_free(w->server);
  topology_free(w->topo);
  cfg_free(w->cfg);
  sim_reset();
}

static inline SimAddr
world_peer(const World *w)
{
  return (SimAddr){ w->topo->remote.addr, PEER_PORT };
}

static inline void
peer_send(World *w, SimAddr to, gsize len)
{
  g_autofree guint8 *data = g_malloc(len);
  for (gsize i = 0; i < len; i++)
    data[i] = (guint8)(i * 7 + 1);
  sim_udp_send(w->peer, to, data, len);
}

static inline void
run_for(SimTime d)
{
  sim_run(sim_now() + d);
}

/* ---- A TURN client and what its callbacks saw -------------------------------------------------- */

typedef struct {
  TurnClient *c;          /* the client */
  guint allocated;        /* allocated() calls */
  guint failed;           /* failed() calls */
  guint fail_code;        /* their code */
  SimTime failed_at;      /* when */
  SimAddr relayed;        /* allocated(): relayed address */
  SimAddr mapped;         /* allocated(): mapped address */
  guint lifetime;         /* allocated(): lifetime */
  guint errors;           /* error() calls */
  guint error_code;       /* their code */
  guint64 rx_packets;     /* data() calls */
  guint64 rx_bytes;       /* their bytes */
  SimAddr rx_from;        /* last peer */
} Cap;

static inline void
cap_allocated(void *ctx, TurnClient *c, SimAddr relayed, SimAddr mapped, guint lifetime)
{
  Cap *k = ctx;
  k->allocated++;
  k->relayed = relayed;
  k->mapped = mapped;
  k->lifetime = lifetime;
}

static inline void
cap_failed(void *ctx, TurnClient *c, guint code, const char *reason)
{
  Cap *k = ctx;
  k->failed++;
  k->fail_code = code;
  k->failed_at = sim_now();
}

static inline void
cap_data(void *ctx, TurnClient *c, SimAddr peer, const guint8 *data, gsize len)
{
  Cap *k = ctx;
  k->rx_packets++;
  k->rx_bytes += len;
  k->rx_from = peer;
}

static inline void
cap_error(void *ctx, TurnClient *c, guint16 method, guint code)
{
  Cap *k = ctx;
  k->errors++;
  k->error_code = code;
}

static const TurnClientOps cap_ops = { .allocated = cap_allocated, .failed = cap_failed,
                                       .data = cap_data, .error = cap_error };

/* A client on phone0 (behind the home NAT) to the world's server over `t`. */
static inline void
client_up(World *w, Cap *k, TurnTransport t, guint32 index, const char *password)
{
  memset(k, 0, sizeof *k);
  TurnClientSetup cs;
  turn_client_setup_default(&cs);
  turn_client_setup_from_config(w->cfg, &cs);
  cs.transport = t;
  cs.server = (SimAddr){ w->topo->stun.addr, t == TURN_TRANSPORT_TLS ? TURN_TLS_PORT : 3478 };
  cs.local = (SimAddr){ w->topo->phones[0].addr, 0 };
  cs.index = index;
  if (password != NULL)
    cs.password = password;
  g_autoptr(GError) error = NULL;
  k->c = turn_client_new(w->topo->phones[0].node, &cs, &cap_ops, k, &error);
  g_assert_no_error(error);
}

static inline void
client_down(Cap *k)
{
  turn_client_free(k->c);
  k->c = NULL;
}

/* ---- A raw client on the cross-traffic server host (public, no NAT) ---------------------------- */

typedef struct {
  World *w;          /* the world */
  SimSock sock;      /* its UDP socket */
  GPtrArray *rx;     /* GBytes of every datagram received */
  char *user;        /* credentials */
  char *pass;        /* ... */
  char *nonce;       /* from the last 401/438; NULL before */
  guint8 key[16];    /* long-term key */
  guint8 seq;        /* transaction id counter */
} Raw;

static inline void
raw_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  Raw *r = ctx;
  g_ptr_array_add(r->rx, g_bytes_new(data, len));
}

static const SimSockOps raw_ops = { .recv = raw_recv };

static inline void
raw_up(Raw *r, World *w, guint16 port, const char *user, const char *pass)
{
  memset(r, 0, sizeof *r);
  r->w = w;
  r->rx = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  r->user = g_strdup(user);
  r->pass = g_strdup(pass);
  stun_key_long_term(user, "algsim.test", pass, r->key);
  g_autoptr(GError) error = NULL;
  r->sock = sim_udp_open(w->topo->server.node, (SimAddr){ w->topo->server.addr, port }, &raw_ops,
                         r, &error);
  g_assert_no_error(error);
}

static inline void
raw_down(Raw *r)
{
  sim_sock_close(r->sock);
  g_ptr_array_unref(r->rx);
  g_free(r->user);
  g_free(r->pass);
  g_free(r->nonce);
}

/* What a raw request carries; zero fields are left out. */
typedef struct {
  guint16 method;      /* TURN_METHOD_* */
  guint8 transport;    /* REQUESTED-TRANSPORT protocol; 0: none */
  gint64 lifetime;     /* LIFETIME; -1: none */
  guint16 channel;     /* CHANNEL-NUMBER; 0: none */
  SimAddr peer;        /* XOR-PEER-ADDRESS if peer.addr != 0 */
  guint16 unknown;     /* an extra empty attribute of this type; 0: none */
  gboolean even;       /* EVEN-PORT with R set */
  guint64 token;       /* RESERVATION-TOKEN; 0: none */
} RawReq;

static inline GBytes *
raw_build(Raw *r, const RawReq *q, gboolean creds)
{
  guint8 tid[STUN_TID_LEN] = { 0xAA, r->seq++ };
  StunBuilder b;
  stun_builder_init(&b, q->method, STUN_CLASS_REQUEST, tid);
  if (q->transport != 0)
    turn_add_requested_transport(&b, q->transport);
  if (q->lifetime >= 0)
    turn_add_lifetime(&b, (guint32)q->lifetime);
  if (q->channel != 0)
    turn_add_channel_number(&b, q->channel);
  if (q->peer.addr != 0)
    turn_add_xor_address(&b, TURN_ATTR_XOR_PEER_ADDRESS, q->peer);
  if (q->unknown != 0)
    stun_add_raw(&b, q->unknown, NULL, 0);
  if (q->even)
    turn_add_even_port(&b, TRUE);
  if (q->token != 0)
    turn_add_reservation_token(&b, q->token);
  if (creds) {
    stun_add_text(&b, STUN_ATTR_USERNAME, r->user);
    stun_add_text(&b, STUN_ATTR_REALM, "algsim.test");
    stun_add_text(&b, STUN_ATTR_NONCE, r->nonce);
    stun_add_integrity(&b, r->key, 16);
  }
  stun_add_fingerprint(&b);
  return stun_builder_steal(&b);
}

static inline void
raw_send(Raw *r, GBytes *bytes)
{
  gsize len;
  const guint8 *d = g_bytes_get_data(bytes, &len);
  sim_udp_send(r->sock, (SimAddr){ r->w->topo->stun.addr, 3478 }, d, len);
}

/* The last response: its error code (0 for success); `msg` borrows r->rx. */
static inline guint
raw_last(Raw *r, StunMsg *msg)
{
  g_assert_cmpuint(r->rx->len, >, 0);
  gsize len;
  const guint8 *d = g_bytes_get_data(r->rx->pdata[r->rx->len - 1], &len);
  g_assert_cmpint(stun_msg_parse(d, len, msg, NULL), ==, 1);
  guint code = 0;
  if (msg->klass == STUN_CLASS_ERROR)
    g_assert_cmpint(stun_msg_get_error(msg, &code, NULL, NULL), ==, 1);
  const char *n;
  gsize nl;
  if (stun_msg_get_text(msg, STUN_ATTR_NONCE, &n, &nl) == 1) {
    g_free(r->nonce);
    r->nonce = g_strndup(n, nl);
  }
  return code;
}

/* Send the request (after a 401 round trip for the nonce if none is known yet, and again after a
 * 438 with the new nonce) and return the response's code, 0 for success. */
static inline guint
raw_exchange(Raw *r, const RawReq *q, StunMsg *msg)
{
  if (r->nonce == NULL) {
    g_autoptr(GBytes) first = raw_build(r, q, FALSE);
    raw_send(r, first);
    run_for(SIM_S(1));
    g_assert_cmpuint(raw_last(r, msg), ==, 401);
  }
  g_autoptr(GBytes) req = raw_build(r, q, TRUE);
  raw_send(r, req);
  run_for(SIM_S(1));
  guint code = raw_last(r, msg);
  if (code != 438)
    return code;
  g_autoptr(GBytes) again = raw_build(r, q, TRUE); /* the 438 brought a fresh nonce */
  raw_send(r, again);
  run_for(SIM_S(1));
  return raw_last(r, msg);
}
