/* test-tls-util.h — helpers shared by the TLS tests: the owner's view of a connection (Side,
 * Pair), a stackless forwarder between client and server that can tamper with TCP payloads the
 * way a faulty ALG would, and the client -- r -- server network built on it. */
#pragma once

#include <string.h>

#include "net/ipv4.h"
#include "test-util.h"
#include "tls/tls-private.h"

#define ADDR(a, b, c, d) ((guint32)(a) << 24 | (guint32)(b) << 16 | (guint32)(c) << 8 | (guint32)(d))
#define C_ADDR ADDR(10, 0, 1, 2) /* client, behind the forwarder's first device */
#define C_GW ADDR(10, 0, 1, 1)
#define S_ADDR ADDR(10, 0, 2, 2) /* server, behind its second device */
#define S_GW ADDR(10, 0, 2, 1)
#define TLS_PORT 5061

/* ---- One end of a connection, as the owner sees it ------------------------------------------ */

typedef struct {
  TlsConn *conn;             /* the connection */
  guint established_calls;   /* established() calls */
  gboolean established_ok;   /* its argument */
  SimTime established_at;    /* when */
  guint closed_calls;        /* closed() calls */
  TlsCloseReason reason;     /* closed() reason */
  guint8 alert;              /* closed() alert */
  GByteArray *rx;            /* application data received, in order */
  guint recv_calls;          /* recv() calls */
  gsize echo_close_after;    /* client: tls_close() once this much came back; 0: never */
  gboolean echo;             /* server: send back what arrives */
  const guint8 *send_on_est; /* bytes to send when established */
  gsize send_on_est_len;     /* their length */
} Side;

static inline void
side_established(void *ctx, TlsConn *c, gboolean ok)
{
  Side *s = ctx;
  s->established_calls++;
  s->established_ok = ok;
  s->established_at = sim_now();
  if (ok && s->send_on_est_len)
    g_assert_true(tls_send(c, s->send_on_est, s->send_on_est_len));
}

static inline void
side_recv(void *ctx, TlsConn *c, const guint8 *data, gsize len)
{
  Side *s = ctx;
  g_assert_cmpuint(len, <=, TLS_MAX_PLAINTEXT);
  s->recv_calls++;
  g_byte_array_append(s->rx, data, (guint)len);
  if (s->echo)
    g_assert_true(tls_send(c, data, len));
  if (s->echo_close_after && s->rx->len >= s->echo_close_after)
    tls_close(c);
}

static inline void
side_closed(void *ctx, TlsConn *c, TlsCloseReason reason, guint8 alert)
{
  Side *s = ctx;
  s->closed_calls++;
  s->reason = reason;
  s->alert = alert;
}

static const TlsConnOps side_ops = {side_established, side_recv, side_closed};

typedef struct {
  Side cli;          /* the client end */
  Side srv;          /* the server end (the first accepted connection) */
  TlsServer *server; /* the listener */
} Pair;

static inline void
pair_accept(void *ctx, TlsServer *srv, TlsConn *conn, SimAddr peer)
{
  Pair *p = ctx;
  g_assert_null(p->srv.conn);
  p->srv.conn = conn;
  tls_conn_set_ops(conn, &side_ops, &p->srv);
}

static inline void
pair_init(Pair *p)
{
  memset(p, 0, sizeof *p);
  p->cli.rx = g_byte_array_new();
  p->srv.rx = g_byte_array_new();
}

/* Listen on server:port and connect from client. */
static inline void
pair_start(Pair *p, SimNode client, SimNode server, guint32 server_addr, const TlsParams *params)
{
  g_autoptr(GError) error = NULL;
  p->server = tls_server_listen(server, (SimAddr){server_addr, TLS_PORT}, params, pair_accept, p,
                                &error);
  g_assert_no_error(error);
  TlsParams cp = *params;
  cp.index = params->index + 1;
  p->cli.conn = tls_client_new(client, (SimAddr){0, 0}, (SimAddr){server_addr, TLS_PORT}, &cp,
                               &side_ops, &p->cli, &error);
  g_assert_no_error(error);
}

static inline void
pair_clear(Pair *p)
{
  tls_conn_free(p->cli.conn);
  tls_conn_free(p->srv.conn);
  tls_server_free(p->server);
  g_byte_array_unref(p->cli.rx);
  g_byte_array_unref(p->srv.rx);
}

static inline TlsParams
params_default(void)
{
  TlsParams p;
  tls_params_default(&p);
  p.server_name = "sip.example.net";
  return p;
}

static inline guint8 *
pattern(gsize len, guint salt)
{
  guint8 *b = g_malloc(len);
  for (gsize i = 0; i < len; i++)
    b[i] = (guint8)((i * 7 + salt + i / 251) & 0xff);
  return b;
}

/* ---- A two-device stackless forwarder that can tamper with TCP payloads ---------------------- */

typedef enum {
  TAMPER_NONE,
  TAMPER_FLIP_APPDATA,   /* flip a ciphertext byte of the first application_data record */
  TAMPER_HEADER_APPDATA, /* overwrite the first application_data record's header with text */
  TAMPER_FLIP_CERT,      /* flip a byte inside the server's certificate */
} Tamper;

typedef struct {
  SimDev dev[2];      /* [0] towards the client, [1] towards the server */
  GQueue q[2];        /* packets waiting for device [i] (GBytes) */
  Tamper tamper;      /* what to do once */
  gboolean done;      /* the tamper happened */
  guint skip23;       /* client records of type 23 to leave alone first (a TLS 1.3 Finished) */
  guint data_segments; /* client -> server TCP segments with payload */
  guint8 last_tos;     /* TOS byte of the last client -> server segment with payload */
} Fwd;

static inline void
fwd_drain(Fwd *f, int out)
{
  while (!g_queue_is_empty(&f->q[out]) && sim_dev_can_send(f->dev[out])) {
    g_autoptr(GBytes) b = g_queue_pop_head(&f->q[out]);
    gsize len;
    const guint8 *ip = g_bytes_get_data(b, &len);
    g_assert_true(sim_dev_send_ip(f->dev[out], ip, len));
  }
}

static inline void
fwd_idle(void *ctx, SimDev dev)
{
  Fwd *f = ctx;
  fwd_drain(f, dev == f->dev[0] ? 0 : 1);
}

static inline void
fwd_tamper(Fwd *f, int out, guint8 *ip, gsize len)
{
  Ipv4Info info;
  TcpInfo tcp;
  if (ipv4_parse(ip, len, 0, &info) != 1 || tcp_parse(ip, len, &info, &tcp) != 1 ||
      tcp.payload_len == 0)
    return;
  guint8 *pl = ip + tcp.payload_off;
  if (out == 1) {
    f->data_segments++;
    f->last_tos = ip[1];
  }
  if (f->done)
    return;
  /* The first application_data record the client sends (segments start on record boundaries
   * in these tests); records are walked, since a flight may share a segment. */
  guint8 *rec = NULL;
  for (gsize off = 0; out == 1 && off + 5 + 24 <= tcp.payload_len;) {
    gsize rlen = (gsize)pl[off + 3] << 8 | pl[off + 4];
    if (pl[off] == 23 && f->skip23 == 0) {
      rec = pl + off;
      break;
    }
    if (pl[off] == 23)
      f->skip23--;
    off += 5 + rlen;
  }
  switch (f->tamper) {
  case TAMPER_NONE:
    return;
  case TAMPER_FLIP_APPDATA:
    if (!rec)
      return;
    rec[5 + 8 + 3] ^= 0x01; /* a ciphertext byte (past the TLS 1.2 explicit nonce) */
    break;
  case TAMPER_HEADER_APPDATA:
    if (!rec)
      return;
    memcpy(rec, "SIP/2", 5); /* an ALG's idea of a SIP message where a record was */
    break;
  case TAMPER_FLIP_CERT:
    if (out != 0 || pl[0] != 22 || tcp.payload_len < 400)
      return;
    pl[300] ^= 0x01; /* inside the leaf certificate, after ServerHello */
    break;
  }
  f->done = TRUE;
  g_assert_true(l4_fix_checksum(ip, len));
}

static inline void
fwd_recv(void *ctx, SimDev dev, guint8 *ip, gsize len)
{
  Fwd *f = ctx;
  int out = dev == f->dev[0] ? 1 : 0;
  fwd_tamper(f, out, ip, len);
  g_queue_push_tail(&f->q[out], g_bytes_new(ip, len));
  fwd_drain(f, out);
}

typedef struct {
  SimNode c, s, r; /* client, server, forwarder */
  Fwd fwd;         /* forwarder state */
} Net;

static inline void
host_setup(SimNode host, SimDev dev, guint32 addr, guint32 gw)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(sim_host_add_address(dev, addr, 24, &error));
  g_assert_true(sim_host_add_route(host, 0, 0, gw, dev, &error));
  g_assert_no_error(error);
}

/* client -- r -- server; each link `rate` bit/s and `delay` one way (the server link's
 * server-to-router direction at `down_rate` if nonzero). */
static inline void
net_build(Net *n, guint64 rate, SimTime delay, guint64 down_rate)
{
  g_autoptr(GError) error = NULL;
  memset(n, 0, sizeof *n);
  n->c = sim_host_new("client", &error);
  n->s = sim_host_new("server", &error);
  n->r = sim_router_new("r", fwd_recv, &n->fwd, &error);
  g_assert_no_error(error);
  SimDev cd, sd;
  SimLinkParams l = {.rate_ab_bps = rate, .rate_ba_bps = rate, .delay = delay, .queue_b_pkts = 1};
  g_assert_true(sim_link_new(n->c, n->r, &l, &cd, &n->fwd.dev[0], &error));
  SimLinkParams l2 = {.rate_ab_bps = rate, .rate_ba_bps = down_rate ? down_rate : rate,
                      .delay = delay, .queue_a_pkts = 1};
  g_assert_true(sim_link_new(n->r, n->s, &l2, &n->fwd.dev[1], &sd, &error));
  g_assert_no_error(error);
  sim_dev_set_idle_cb(n->fwd.dev[0], fwd_idle, &n->fwd);
  sim_dev_set_idle_cb(n->fwd.dev[1], fwd_idle, &n->fwd);
  host_setup(n->c, cd, C_ADDR, C_GW);
  host_setup(n->s, sd, S_ADDR, S_GW);
}

static inline void
net_clear(Net *n)
{
  for (int i = 0; i < 2; i++)
    g_queue_clear_full(&n->fwd.q[i], (GDestroyNotify)g_bytes_unref);
}

