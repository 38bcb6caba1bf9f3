/* test-media-util.h — worlds for the media tests: two hosts on one link, two hosts around a
 * middlebox that drops, duplicates, reorders or alters RTP, and stream helpers.  Header-only
 * (static functions) so that each test program stays one source file plus test-util.c. */
#pragma once

#include <string.h>

#include "media/media-stream.h"
#include "media/rtp.h"
#include "net/ipv4.h"
#include "test-util.h"

#define LINK_DELAY SIM_MS(10)
#define RATE_BPS 100000000ULL

static guint32
ip(const char *s)
{
  guint32 a = 0;
  g_assert_true(sim_addr_parse(s, &a));
  return a;
}

/* Serialization of an IPv4/UDP datagram of `payload` bytes with PPP framing, as ns-3 computes it. */
static SimTime
tx_ns(guint payload, guint64 bps)
{
  return SIM_TIME_FROM_S((payload + 8 + 20 + 2) * 8.0 / (double)bps);
}

/* ---- Worlds ----------------------------------------------------------------------------------- */

/* A middlebox between A and B: forwards whole IPv4 packets and can drop or alter RTP from A. */
typedef struct {
  SimNode a, b, mb;       /* hosts and the middlebox */
  SimDev dev_a, dev_b;    /* host devices */
  SimDev dev_ma, dev_mb;  /* middlebox devices towards A and B */
  guint32 ip_a, ip_b;     /* host addresses */
  guint drop_mod;         /* drop RTP #i from A when i % drop_mod == drop_rem (0: never) */
  guint drop_rem;         /* see drop_mod */
  guint burst_from;       /* also drop RTP #i from A for burst_from <= i < burst_to */
  guint burst_to;         /* see burst_from */
  guint flip_mod;         /* flip a byte of RTP #i from A when i % flip_mod == 7 (0: never) */
  gsize flip_off;         /* offset of that byte in the UDP payload */
  guint dup_mod;          /* send RTP #i from A twice when i % dup_mod == 5 (0: never) */
  guint swap_mod;         /* hold RTP #i from A back behind #i+1 when i % swap_mod == 1 */
  guint8 *held;           /* the packet held back */
  gsize held_len;         /* its length */
  guint duplicated;       /* RTP datagrams sent twice */
  guint swapped;          /* RTP datagrams reordered */
  guint rtp_from_a;       /* RTP datagrams from A seen */
  guint dropped;          /* RTP datagrams dropped */
  guint flipped;          /* RTP datagrams altered */
  guint send_fail;        /* device refused a packet */
  guint8 tos_seen;        /* TOS byte of the last RTP packet from A */
} Mb;

static void
mb_recv(void *ctx, SimDev dev, guint8 *pkt, gsize len)
{
  Mb *m = ctx;
  Ipv4Info iph;
  UdpInfo udp;
  if (dev == m->dev_ma && ipv4_parse(pkt, len, 0, &iph) == 1 && iph.proto == NET_PROTO_UDP &&
      udp_parse(pkt, len, &iph, &udp) == 1 &&
      rtp_classify(pkt + udp.payload_off, udp.payload_len) == RTP_KIND_RTP) {
    guint i = m->rtp_from_a++;
    m->tos_seen = iph.tos;
    if ((m->drop_mod && i % m->drop_mod == m->drop_rem) || (i >= m->burst_from && i < m->burst_to)) {
      m->dropped++;
      return;
    }
    if (m->flip_mod && i % m->flip_mod == 7 && m->flip_off < udp.payload_len) {
      pkt[udp.payload_off + m->flip_off] ^= 0x01;
      g_assert_true(l4_fix_checksum(pkt, len));
      m->flipped++;
    }
    if (m->dup_mod && i % m->dup_mod == 5) {
      m->duplicated++;
      if (!sim_dev_send_ip(m->dev_mb, pkt, len))
        m->send_fail++;
    }
    if (m->swap_mod && i % m->swap_mod == 1) {
      g_assert_null(m->held);
      m->held = g_memdup2(pkt, len);
      m->held_len = len;
      return;
    }
    if (m->held) {
      if (!sim_dev_send_ip(m->dev_mb, pkt, len))
        m->send_fail++;
      m->swapped++;
      pkt = m->held;
      len = m->held_len;
      m->held = NULL;
      gboolean ok = sim_dev_send_ip(m->dev_mb, pkt, len);
      g_free(pkt);
      if (!ok)
        m->send_fail++;
      return;
    }
  }
  if (!sim_dev_send_ip(dev == m->dev_ma ? m->dev_mb : m->dev_ma, pkt, len))
    m->send_fail++;
}

static void
mb_world(Mb *m, guint64 seed)
{
  memset(m, 0, sizeof *m);
  tu_world(seed);
  g_autoptr(GError) error = NULL;
  m->a = sim_host_new("a", &error);
  m->b = sim_host_new("b", &error);
  m->mb = sim_router_new("mb", mb_recv, m, &error);
  g_assert_no_error(error);
  SimLinkParams lp = {.rate_ab_bps = RATE_BPS, .rate_ba_bps = RATE_BPS, .delay = SIM_MS(5)};
  g_assert_true(sim_link_new(m->a, m->mb, &lp, &m->dev_a, &m->dev_ma, &error));
  g_assert_true(sim_link_new(m->mb, m->b, &lp, &m->dev_mb, &m->dev_b, &error));
  m->ip_a = ip("10.0.1.1");
  m->ip_b = ip("10.0.2.1");
  g_assert_true(sim_host_add_address(m->dev_a, m->ip_a, 24, &error));
  g_assert_true(sim_host_add_address(m->dev_b, m->ip_b, 24, &error));
  g_assert_true(sim_host_add_route(m->a, 0, 0, 0, m->dev_a, &error));
  g_assert_true(sim_host_add_route(m->b, 0, 0, 0, m->dev_b, &error));
  g_assert_no_error(error);
}

/* Two hosts on one point-to-point link, 10 ms each way. */
typedef struct {
  SimNode a, b;        /* hosts */
  guint32 ip_a, ip_b;  /* 10.0.0.1, 10.0.0.2 */
  SimDev dev_a;        /* a's device */
} Direct;

static void
direct_world(Direct *d, guint64 seed, double loss_ab)
{
  tu_world(seed);
  g_autoptr(GError) error = NULL;
  d->a = sim_host_new("a", &error);
  d->b = sim_host_new("b", &error);
  SimLinkParams lp = {.rate_ab_bps = RATE_BPS, .rate_ba_bps = RATE_BPS, .delay = LINK_DELAY,
                      .loss_ab = loss_ab, .loss_stream = loss_ab > 0 ? SIM_STREAM_LINK_LOSS : 0};
  SimDev da, db;
  g_assert_true(sim_link_new(d->a, d->b, &lp, &da, &db, &error));
  d->dev_a = da;
  d->ip_a = ip("10.0.0.1");
  d->ip_b = ip("10.0.0.2");
  g_assert_true(sim_host_add_address(da, d->ip_a, 24, &error));
  g_assert_true(sim_host_add_address(db, d->ip_b, 24, &error));
  g_assert_true(sim_host_add_route(d->a, 0, 0, 0, da, &error));
  g_assert_true(sim_host_add_route(d->b, 0, 0, 0, db, &error));
  g_assert_no_error(error);
}

static MediaStream *
stream(SimNode host, guint32 addr, guint16 port, const char *name, guint32 index,
       void (*tweak)(MediaStreamParams *p))
{
  g_autoptr(GError) error = NULL;
  MediaStreamParams p;
  media_stream_params_default(&p);
  p.name = name;
  p.index = index;
  p.local = (SimAddr){addr, port};
  if (tweak)
    tweak(&p);
  MediaStream *ms = media_stream_new(host, &p, &error);
  g_assert_no_error(error);
  return ms;
}

static void
start_cb(void *data)
{
  media_stream_start(data);
}

static void
stop_cb(void *data)
{
  media_stream_stop(data);
}

/* Start at 1 s and stop at 11 s: ticks at 1.000 .. 10.980 s, 500 packets. */
static void
call_window(MediaStream *ms)
{
  sim_schedule_at(SIM_S(1), start_cb, ms);
  sim_schedule_at(SIM_S(11), stop_cb, ms);
}
