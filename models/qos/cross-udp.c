/* cross-udp.c — UDP cross traffic (constant rate or on/off, either direction) and the voice probe.
 *
 * Both are a UdpPair: a LAN-side client that speaks first, so the home NAT opens a binding, and a
 * server that latches onto the client's translated address and port, as SBCs do with symmetric RTP
 * (RFC 4961).  Every datagram carries a probe header — magic, kind, flow, sequence number and send
 * time — so the receiver measures loss (RFC 3550 A.3: expected = highest sequence + 1) and exact
 * one-way delay (sender and receiver share the simulation clock).  A client that sends no data
 * keeps the binding alive with a hello once a second.  On/off sources alternate exponential or
 * fixed periods drawn from the flow's own random stream (an on/off Markov source, as ns-3's
 * OnOffApplication offers).
 */
#include "cross-private.h"

#include <math.h>
#include <string.h>

/* Probe header: "ALX" + kind, flow index, sequence (be32), send time in ns (be64). */
#define PROBE_KIND_DATA 'D'
#define PROBE_KIND_HELLO 'H'
#define PROBE_HEADER 17
#define HELLO_INTERVAL SIM_S(1)

typedef struct {
  UdpPair *pair;        /* owner */
  gboolean is_client;   /* LAN side */
  SimSock sock;         /* the end's socket, -1 if not open */
  CrossFlowStats *tx;   /* what this end sends, NULL if only hellos or nothing */
  CrossFlowStats *rx;   /* what this end receives, NULL if nothing */
  SimAddr peer;         /* where data goes (server: latched from the client's packets) */
  gboolean have_peer;   /* peer is known */
  SimEvent send_ev;     /* next data datagram */
} UdpEnd;

struct UdpPair {
  UdpPairSetup s;     /* configuration, copied */
  UdpEnd client;      /* LAN side */
  UdpEnd server;      /* Internet side */
  GRand *rand;        /* on/off periods, NULL for always on */
  gboolean running;   /* between start and stop */
  gboolean on;        /* in an on period */
  SimEvent start_ev;  /* pending start */
  SimEvent stop_ev;   /* pending stop */
  SimEvent toggle_ev; /* next on/off switch */
  SimEvent hello_ev;  /* next client hello */
  guint8 *buf;        /* datagram buffer, packet_bytes - 28 bytes */
  gsize payload;      /* payload bytes of a data datagram */
};

static void
put_be32(guint8 *b, guint32 v)
{
  b[0] = (guint8)(v >> 24);
  b[1] = (guint8)(v >> 16);
  b[2] = (guint8)(v >> 8);
  b[3] = (guint8)v;
}

static guint32
get_be32(const guint8 *b)
{
  return (guint32)b[0] << 24 | (guint32)b[1] << 16 | (guint32)b[2] << 8 | b[3];
}

static void
end_send(UdpEnd *e, char kind, guint32 seq, gsize len)
{
  UdpPair *pair = e->pair;
  guint8 *b = pair->buf;
  SimTime now = sim_now();
  b[0] = 'A';
  b[1] = 'L';
  b[2] = 'X';
  b[3] = (guint8)kind;
  b[4] = (guint8)pair->s.flow_index;
  put_be32(b + 5, seq);
  put_be32(b + 9, (guint32)((guint64)now >> 32));
  put_be32(b + 13, (guint32)(guint64)now);
  sim_udp_send(e->sock, e->peer, b, len);
}

static void send_tick(void *data);

/* Start this end's data stream unless it is already running or cannot send. */
static void
end_kick(UdpEnd *e)
{
  UdpPair *pair = e->pair;
  if (!e->tx || !e->have_peer || !pair->running || !pair->on || sim_event_pending(e->send_ev))
    return;
  e->send_ev = sim_schedule(0, send_tick, e);
}

static void
send_tick(void *data)
{
  UdpEnd *e = data;
  UdpPair *pair = e->pair;
  e->send_ev = 0;
  if (!pair->running || !pair->on)
    return;
  end_send(e, PROBE_KIND_DATA, (guint32)e->tx->tx_pkts, pair->payload);
  e->tx->tx_pkts++;
  e->tx->tx_bytes += pair->payload;
  e->send_ev = sim_schedule(pair->s.interval, send_tick, e);
}

static void
hello_tick(void *data)
{
  UdpPair *pair = data;
  pair->hello_ev = 0;
  if (!pair->running)
    return;
  end_send(&pair->client, PROBE_KIND_HELLO, 0, PROBE_HEADER);
  pair->hello_ev = sim_schedule(HELLO_INTERVAL, hello_tick, pair);
}

static SimTime
draw_period(UdpPair *pair, double mean_s)
{
  double s = mean_s;
  if (pair->s.exponential)
    s = -mean_s * log(1.0 - g_rand_double(pair->rand));
  return MAX(SIM_TIME_FROM_S(s), (SimTime)1);
}

static void
toggle_tick(void *data)
{
  UdpPair *pair = data;
  pair->toggle_ev = 0;
  if (!pair->running)
    return;
  pair->on = !pair->on;
  sim_trace("cross", "%s %s", pair->s.name, pair->on ? "on" : "off");
  if (pair->on) {
    end_kick(&pair->client);
    end_kick(&pair->server);
  } else {
    sim_cancel(pair->client.send_ev);
    sim_cancel(pair->server.send_ev);
    pair->client.send_ev = pair->server.send_ev = 0;
  }
  pair->toggle_ev =
    sim_schedule(draw_period(pair, pair->on ? pair->s.on_s : pair->s.off_s), toggle_tick, pair);
}

static void
start_tick(void *data)
{
  UdpPair *pair = data;
  pair->start_ev = 0;
  pair->running = TRUE;
  pair->on = TRUE;
  sim_trace("cross", "%s start", pair->s.name);
  if (pair->rand)
    pair->toggle_ev = sim_schedule(draw_period(pair, pair->s.on_s), toggle_tick, pair);
  if (pair->client.tx)
    end_kick(&pair->client);
  else
    hello_tick(pair);
  end_kick(&pair->server);
}

static void
stop_tick(void *data)
{
  UdpPair *pair = data;
  pair->stop_ev = 0;
  pair->running = FALSE;
  sim_cancel(pair->client.send_ev);
  sim_cancel(pair->server.send_ev);
  sim_cancel(pair->toggle_ev);
  sim_cancel(pair->hello_ev);
  pair->client.send_ev = pair->server.send_ev = pair->toggle_ev = pair->hello_ev = 0;
  sim_trace("cross", "%s stop up_tx=%" G_GUINT64_FORMAT " down_tx=%" G_GUINT64_FORMAT,
            pair->s.name, pair->s.up ? pair->s.up->tx_pkts : 0,
            pair->s.down ? pair->s.down->tx_pkts : 0);
}

static void
end_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  UdpEnd *e = ctx;
  UdpPair *pair = e->pair;
  CrossFlowStats *count = e->rx ? e->rx : e->tx;
  if (len < PROBE_HEADER || memcmp(data, "ALX", 3) != 0 || data[4] != pair->s.flow_index ||
      (data[3] != PROBE_KIND_DATA && data[3] != PROBE_KIND_HELLO)) {
    if (count)
      count->rx_malformed++;
    return;
  }
  if (!e->is_client && (!e->have_peer || e->peer.addr != from.addr || e->peer.port != from.port)) {
    char a[16];
    /* Latch onto where the client's packets come from after NAT (RFC 4961 symmetric RTP). */
    e->peer = from;
    e->have_peer = TRUE;
    sim_trace("cross", "%s latched %s:%u", pair->s.name, sim_addr_format(from.addr, a), from.port);
    end_kick(e);
  }
  if (data[3] != PROBE_KIND_DATA || !e->rx)
    return;
  SimTime now = sim_now();
  guint32 seq = get_be32(data + 5);
  SimTime sent = (SimTime)((guint64)get_be32(data + 9) << 32 | get_be32(data + 13));
  SimTime delay = MAX(now - sent, (SimTime)0);
  CrossFlowStats *st = e->rx;
  if (st->rx_pkts == 0 || seq > st->rx_max_seq)
    st->rx_max_seq = seq;
  st->rx_pkts++;
  st->rx_bytes += len;
  if (st->first_rx < 0)
    st->first_rx = now;
  st->last_rx = now;
  st->delay_sum += delay;
  st->delay_max = MAX(st->delay_max, delay);
}

static const SimSockOps udp_ops = {.recv = end_recv};

static gboolean
end_open(UdpEnd *e, SimNode node, SimAddr local, GError **error)
{
  e->sock = sim_udp_open(node, local, &udp_ops, e, error);
  if (e->sock < 0)
    return FALSE;
  sim_sock_set_tos(e->sock, (guint8)(e->pair->s.dscp << 2));
  return TRUE;
}

UdpPair *
cross_udp_pair_new(const UdpPairSetup *setup, GError **error)
{
  g_return_val_if_fail(setup != NULL && setup->packet_bytes >= CROSS_UDP_MIN_PACKET, NULL);
  g_return_val_if_fail(setup->interval > 0, NULL);
  UdpPair *pair = g_new0(UdpPair, 1);
  pair->s = *setup;
  pair->payload = setup->packet_bytes - 28;
  pair->buf = g_malloc0(MAX(pair->payload, (gsize)PROBE_HEADER));
  pair->client = (UdpEnd){.pair = pair, .is_client = TRUE, .sock = -1, .tx = setup->up,
                          .rx = setup->down, .peer = setup->server, .have_peer = TRUE};
  pair->server = (UdpEnd){.pair = pair, .sock = -1, .tx = setup->down, .rx = setup->up};
  if (!end_open(&pair->server, setup->server_node, setup->server, error) ||
      !end_open(&pair->client, setup->client_node, (SimAddr){0, 0}, error)) {
    cross_udp_pair_free(pair);
    return NULL;
  }
  if (setup->on_s > 0 && setup->off_s > 0)
    pair->rand = sim_rand_new(SIM_STREAM_CROSS + setup->flow_index);
  SimTime now = sim_now();
  pair->start_ev = sim_schedule(MAX(setup->start - now, (SimTime)0), start_tick, pair);
  if (setup->stop != SIM_TIME_NEVER)
    pair->stop_ev = sim_schedule(MAX(setup->stop - now, (SimTime)0), stop_tick, pair);
  return pair;
}

void
cross_udp_pair_free(UdpPair *pair)
{
  if (!pair)
    return;
  /* After sim_reset() the events and sockets are gone with the world. */
  if (sim_is_setup()) {
    SimEvent evs[] = {pair->start_ev, pair->stop_ev, pair->toggle_ev, pair->hello_ev,
                      pair->client.send_ev, pair->server.send_ev};
    for (guint i = 0; i < G_N_ELEMENTS(evs); i++)
      if (evs[i])
        sim_cancel(evs[i]);
    if (pair->client.sock >= 0)
      sim_sock_close(pair->client.sock);
    if (pair->server.sock >= 0)
      sim_sock_close(pair->server.sock);
  }
  if (pair->rand)
    g_rand_free(pair->rand);
  g_free(pair->buf);
  g_free(pair);
}
