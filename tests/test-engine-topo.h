/* test-engine-topo.h — helpers shared by test-engine.c and test-engine-net.c: a tiny stackless
 * C forwarder, the A -- B and A -- r -- B topologies built on it, and UDP receive/send jobs. */
#pragma once

#include <string.h>

#include "test-util.h"

#define ADDR(a, b, c, d) ((guint32)(a) << 24 | (guint32)(b) << 16 | (guint32)(c) << 8 | (guint32)(d))
#define A_ADDR ADDR(10, 0, 1, 2)  /* host A, behind the router's first device */
#define A_GW ADDR(10, 0, 1, 1)    /* router side of A's link */
#define B_ADDR ADDR(10, 0, 2, 2)  /* host B, behind the router's second device */
#define B_ADDR2 ADDR(10, 0, 2, 3) /* B's second address on the same device */
#define B_GW ADDR(10, 0, 2, 1)    /* router side of B's link */
#define PORT 5000

/* ---- A tiny stackless forwarder: two devices, a FIFO per output, optional corruption ---------- */

typedef struct {
  SimDev dev[2];      /* the router's devices: [0] towards A, [1] towards B */
  GQueue q[2];        /* packets waiting for device [i] (GBytes) */
  guint forwarded;    /* packets handed to a device */
  int corrupt_offset; /* >= 0: flip this byte of the next packet (counted from the end if < 0) */
  gboolean corrupt;   /* corrupt the next packet */
  guint8 last_tos;    /* TOS byte of the last packet seen */
  gboolean blackhole; /* drop everything */
} Fwd;

static inline void
fwd_drain(Fwd *f, int out)
{
  while (!g_queue_is_empty(&f->q[out]) && sim_dev_can_send(f->dev[out])) {
    g_autoptr(GBytes) b = g_queue_pop_head(&f->q[out]);
    gsize len;
    const guint8 *ip = g_bytes_get_data(b, &len);
    g_assert_true(sim_dev_send_ip(f->dev[out], ip, len));
    f->forwarded++;
  }
}

static inline void
fwd_idle(void *ctx, SimDev dev)
{
  Fwd *f = ctx;
  fwd_drain(f, dev == f->dev[0] ? 0 : 1);
}

static inline void
fwd_recv(void *ctx, SimDev dev, guint8 *ip, gsize len)
{
  Fwd *f = ctx;
  int out = dev == f->dev[0] ? 1 : 0;

  f->last_tos = ip[1];
  if (f->blackhole)
    return;
  if (f->corrupt) {
    f->corrupt = FALSE;
    ip[f->corrupt_offset >= 0 ? (gsize)f->corrupt_offset : len - 1] ^= 0x5a;
  }
  g_queue_push_tail(&f->q[out], g_bytes_new(ip, len));
  fwd_drain(f, out);
}

/* ---- Topologies ------------------------------------------------------------------------------- */

typedef struct {
  SimNode a, b, r; /* hosts A and B, router r (-1 when A and B share a link) */
  SimDev a_dev;    /* A's device */
  SimDev b_dev;    /* B's device */
  Fwd fwd;         /* the router's state */
} Net;

static inline SimLinkParams
link_params(guint64 rate, SimTime delay, guint32 qa, guint32 qb)
{
  SimLinkParams p = {.rate_ab_bps = rate, .rate_ba_bps = rate, .delay = delay,
                     .queue_a_pkts = qa, .queue_b_pkts = qb};
  return p;
}

static inline void
net_host_setup(SimNode host, SimDev dev, guint32 addr, guint8 prefix, guint32 gw)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(sim_host_add_address(dev, addr, prefix, &error));
  g_assert_no_error(error);
  g_assert_true(sim_host_add_route(host, 0, 0, gw, dev, &error));
  g_assert_no_error(error);
}

/* A -- B on one link, or A -- r -- B with the C forwarder.  `b_link` overrides the r--B link. */
static inline void
net_build(Net *n, gboolean via_router, SimLinkParams a_link, const SimLinkParams *b_link)
{
  g_autoptr(GError) error = NULL;

  memset(n, 0, sizeof *n);
  n->a = sim_host_new("a", &error);
  n->b = sim_host_new("b", &error);
  g_assert_no_error(error);
  if (!via_router) {
    n->r = -1;
    g_assert_true(sim_link_new(n->a, n->b, &a_link, &n->a_dev, &n->b_dev, &error));
    net_host_setup(n->a, n->a_dev, A_ADDR, 16, 0);
    net_host_setup(n->b, n->b_dev, B_ADDR, 16, 0);
    return;
  }
  n->r = sim_router_new("r", fwd_recv, &n->fwd, &error);
  g_assert_no_error(error);
  a_link.queue_b_pkts = 1;
  g_assert_true(sim_link_new(n->a, n->r, &a_link, &n->a_dev, &n->fwd.dev[0], &error));
  SimLinkParams bl = b_link ? *b_link : a_link;
  bl.queue_a_pkts = 1;
  g_assert_true(sim_link_new(n->r, n->b, &bl, &n->fwd.dev[1], &n->b_dev, &error));
  g_assert_no_error(error);
  sim_dev_set_idle_cb(n->fwd.dev[0], fwd_idle, &n->fwd);
  sim_dev_set_idle_cb(n->fwd.dev[1], fwd_idle, &n->fwd);
  net_host_setup(n->a, n->a_dev, A_ADDR, 24, A_GW);
  net_host_setup(n->b, n->b_dev, B_ADDR, 24, B_GW);
}

static inline void
net_clear(Net *n)
{
  for (int i = 0; i < 2; i++)
    g_queue_clear_full(&n->fwd.q[i], (GDestroyNotify)g_bytes_unref);
}

/* ---- UDP helpers -------------------------------------------------------------------------------- */

typedef struct {
  GArray *times;   /* arrival time of each datagram (SimTime) */
  GArray *lens;    /* length of each datagram (gsize) */
  SimAddr from;    /* source of the last datagram */
  guint8 last[64]; /* first bytes of the last datagram */
  gboolean close_on_recv; /* close the socket from inside the first recv */
} Rx;

static inline void
rx_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  Rx *rx = ctx;
  SimTime now = sim_now();

  g_array_append_val(rx->times, now);
  g_array_append_val(rx->lens, len);
  rx->from = from;
  memcpy(rx->last, data, MIN(len, sizeof rx->last));
  sim_trace("test", "rx len=%zu from=%u:%u first=%u", len, from.addr, from.port,
            len ? data[0] : 0);
  if (rx->close_on_recv)
    sim_sock_close(sock);
}

static inline void
rx_init(Rx *rx)
{
  memset(rx, 0, sizeof *rx);
  rx->times = g_array_new(FALSE, FALSE, sizeof(SimTime));
  rx->lens = g_array_new(FALSE, FALSE, sizeof(gsize));
}

static inline void
rx_clear(Rx *rx)
{
  g_array_unref(rx->times);
  g_array_unref(rx->lens);
}

static const SimSockOps rx_ops = {.recv = rx_recv};

typedef struct {
  SimSock sock;  /* sending socket */
  SimAddr to;    /* destination */
  gsize len;     /* datagram size */
  guint count;   /* datagrams to send at once */
} TxJob;

static inline void
tx_job(void *data)
{
  TxJob *job = data;
  guint8 buf[2000];

  for (guint i = 0; i < job->count; i++) {
    memset(buf, (int)(i & 0xff), sizeof buf);
    g_assert_true(sim_udp_send(job->sock, job->to, buf, job->len));
  }
}
