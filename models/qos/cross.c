/* cross.c — cross-traffic configuration, the TCP bulk flows, and per-flow statistics.
 *
 * A bulk flow is what an iperf3 TCP test or a cloud backup does: one TCP connection from the LAN
 * cross-traffic host to the cross-traffic server whose sender keeps its send buffer full for as long
 * as the flow runs (ns-3 TCP as the engine configures it: Linux-like CUBIC, 128 KiB buffers).  The
 * connection is always opened from the LAN, as through a NAT it must be; a download is the server
 * writing on the accepted connection.  UDP flows and the voice probe live in cross-udp.c.
 */
#include "cross-private.h"

#include <string.h>

const CfgKeyDef cross_keys[] = {
  {"cross.bulk_upload", CFG_BOOL, "", "false", NULL,
   "Run a TCP bulk upload (LAN host to cross-traffic server, like a cloud backup or iperf3)."},
  {"cross.bulk_upload_start_s", CFG_DOUBLE, "s", "0", "0..", "When the bulk upload starts."},
  {"cross.bulk_upload_stop_s", CFG_DOUBLE, "s", "0", "0..",
   "When the bulk upload stops sending; 0 runs it to the end."},
  {"cross.bulk_download", CFG_BOOL, "", "false", NULL,
   "Run a TCP bulk download (cross-traffic server to LAN host, connection opened from the LAN)."},
  {"cross.bulk_download_start_s", CFG_DOUBLE, "s", "0", "0..", "When the bulk download starts."},
  {"cross.bulk_download_stop_s", CFG_DOUBLE, "s", "0", "0..",
   "When the bulk download stops sending; 0 runs it to the end."},
  {"cross.bulk_dscp", CFG_INT, "", "0", "0..63",
   "DSCP of the bulk flows' packets (0: best effort, RFC 2474)."},
  {"cross.udp_rate_kbps", CFG_INT, "kbit/s", "0", "0..10000000",
   "Rate of the UDP cross-traffic stream at the IP layer while on; 0 turns it off."},
  {"cross.udp_direction", CFG_ENUM, "", "up", "up|down",
   "UDP stream from the LAN host to the server (up) or back (down; the LAN host says hello first)."},
  {"cross.udp_packet_bytes", CFG_INT, "bytes", "1200", "45..1500",
   "IP packet size of the UDP stream's datagrams."},
  {"cross.udp_dscp", CFG_INT, "", "0", "0..63", "DSCP of the UDP stream's datagrams."},
  {"cross.udp_on_s", CFG_DOUBLE, "s", "0", "0..",
   "On period of an on/off UDP source (mean if exponential); on/off when both periods are > 0."},
  {"cross.udp_off_s", CFG_DOUBLE, "s", "0", "0..",
   "Off period of an on/off UDP source (mean if exponential)."},
  {"cross.udp_onoff", CFG_ENUM, "", "exponential", "exponential|fixed",
   "On/off periods exponentially distributed with the given means (a Markov on/off source), or "
   "fixed."},
  {"cross.udp_start_s", CFG_DOUBLE, "s", "0", "0..", "When the UDP stream starts."},
  {"cross.udp_stop_s", CFG_DOUBLE, "s", "0", "0..", "When the UDP stream stops; 0 runs it to the end."},
  {"cross.voice_probe", CFG_BOOL, "", "false", NULL,
   "Send a voice-like probe both ways between a phone and a server and measure delay and loss."},
  {"cross.voice_probe_server", CFG_ADDR, "", "198.51.100.30", NULL,
   "Server end of the voice probe: any address of the PBX, STUN, remote or cross-traffic host."},
  {"cross.voice_probe_phone", CFG_INT, "", "0", "0..7", "Index of the phone that sends the probe."},
  {"cross.voice_probe_packet_bytes", CFG_INT, "bytes", "200", "45..1500",
   "IP packet size of the probe: 200 is G.711 with 20 ms of audio (160 + RTP 12 + UDP 8 + IP 20)."},
  {"cross.voice_probe_interval_ms", CFG_DOUBLE, "ms", "20", "1..1000",
   "Time between probe packets; 20 ms is the usual RTP packetisation (RFC 3551 §4.5)."},
  {"cross.voice_probe_dscp", CFG_INT, "", "46", "0..63",
   "DSCP of the probe; 46 is EF, recommended for telephony (RFC 4594 §4.1)."},
  {"cross.voice_probe_start_s", CFG_DOUBLE, "s", "0", "0..", "When the voice probe starts."},
  {"cross.voice_probe_stop_s", CFG_DOUBLE, "s", "0", "0..",
   "When the voice probe stops; 0 runs it to the end."},
  {NULL},
};

static const char *const flow_names[CROSS_N_FLOWS] = {
  "bulk_upload", "bulk_download", "udp", "voice_up", "voice_down",
};

SimTime
cross_stop_time(double stop_s)
{
  return stop_s > 0 ? SIM_TIME_FROM_S(stop_s) : SIM_TIME_NEVER;
}

/* ---- TCP bulk flows -------------------------------------------------------------------------- */

struct BulkFlow {
  CrossFlowStats *st;  /* this flow's statistics */
  gboolean upload;     /* TRUE: the LAN host sends */
  SimNode lan_node;    /* the LAN cross-traffic host */
  SimAddr server;      /* listening address and port on the server */
  SimSock listener;    /* server's listening socket */
  SimSock client;      /* LAN side of the connection, -1 when closed */
  SimSock conn;        /* server side (accepted), -1 when closed */
  gboolean stopped;    /* past the stop time: the sender writes no more */
  SimEvent start_ev;   /* pending start */
  SimEvent stop_ev;    /* pending stop */
};

static SimSock
bulk_sender(const BulkFlow *b)
{
  return b->upload ? b->client : b->conn;
}

/* Keep the send buffer full (the writable callback says when there is room again). */
static void
bulk_fill(BulkFlow *b)
{
  static const guint8 zeros[16384];
  SimSock s = bulk_sender(b);
  if (b->stopped || s < 0)
    return;
  /* Write until a send is short: a short send is what arms the writable callback. */
  for (;;) {
    gsize n = sim_tcp_send(s, zeros, sizeof zeros);
    b->st->tx_bytes += n;
    if (n < sizeof zeros)
      break;
  }
}

static void
bulk_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  BulkFlow *b = ctx;
  SimTime now = sim_now();
  b->st->rx_bytes += len;
  if (b->st->first_rx < 0)
    b->st->first_rx = now;
  b->st->last_rx = now;
}

static void
bulk_writable(void *ctx, SimSock sock, gsize space)
{
  BulkFlow *b = ctx;
  if (sock == bulk_sender(b))
    bulk_fill(b);
}

static void
bulk_closed(void *ctx, SimSock sock, gboolean error)
{
  BulkFlow *b = ctx;
  sim_trace("cross", "%s closed side=%s error=%d rx_bytes=%" G_GUINT64_FORMAT, b->st->name,
            sock == b->client ? "lan" : "server", error ? 1 : 0, b->st->rx_bytes);
  sim_sock_close(sock);
  if (sock == b->client)
    b->client = -1;
  if (sock == b->conn)
    b->conn = -1;
}

static void
bulk_connected(void *ctx, SimSock sock, gboolean ok)
{
  BulkFlow *b = ctx;
  sim_trace("cross", "%s connected ok=%d", b->st->name, ok ? 1 : 0);
  if (!ok) {
    sim_sock_close(sock);
    b->client = -1;
    return;
  }
  bulk_fill(b);
}

static const SimSockOps bulk_conn_ops = {
  .recv = bulk_recv, .connected = bulk_connected, .closed = bulk_closed, .writable = bulk_writable,
};

static void
bulk_accepted(void *ctx, SimSock listener, SimSock conn, SimAddr peer)
{
  BulkFlow *b = ctx;
  char a[16];
  if (b->conn >= 0 || b->stopped) { /* one connection per flow */
    sim_sock_close(conn);
    return;
  }
  b->conn = conn;
  sim_sock_set_ops(conn, &bulk_conn_ops, b);
  sim_sock_set_tos(conn, b->st->dscp << 2);
  sim_trace("cross", "%s accepted from %s:%u", b->st->name, sim_addr_format(peer.addr, a),
            peer.port);
  bulk_fill(b);
}

static const SimSockOps bulk_listen_ops = {.accepted = bulk_accepted};

static void
bulk_start(void *data)
{
  BulkFlow *b = data;
  g_autoptr(GError) error = NULL;
  b->start_ev = 0;
  sim_trace("cross", "%s start", b->st->name);
  b->client = sim_tcp_connect(b->lan_node, (SimAddr){0, 0}, b->server, &bulk_conn_ops, b, &error);
  if (b->client < 0) {
    sim_trace("cross", "%s connect-error %s", b->st->name, error->message);
    return;
  }
  sim_sock_set_tos(b->client, b->st->dscp << 2);
}

static void
bulk_stop(void *data)
{
  BulkFlow *b = data;
  b->stop_ev = 0;
  b->stopped = TRUE;
  sim_trace("cross", "%s stop tx_bytes=%" G_GUINT64_FORMAT " rx_bytes=%" G_GUINT64_FORMAT,
            b->st->name, b->st->tx_bytes, b->st->rx_bytes);
  /* Close the sending side; the receiver closes when the FIN arrives (bulk_closed). */
  SimSock s = bulk_sender(b);
  if (s >= 0) {
    sim_sock_close(s);
    if (b->upload)
      b->client = -1;
    else
      b->conn = -1;
  }
}

static void
bulk_free(BulkFlow *b)
{
  if (!b)
    return;
  if (sim_is_setup()) {
    sim_cancel(b->start_ev);
    sim_cancel(b->stop_ev);
    SimSock socks[] = {b->client, b->conn, b->listener};
    for (guint i = 0; i < G_N_ELEMENTS(socks); i++)
      if (socks[i] >= 0)
        sim_sock_close(socks[i]);
  }
  g_free(b);
}

static BulkFlow *
bulk_new(CrossFlowStats *st, gboolean upload, const Topology *topo, GError **error)
{
  BulkFlow *b = g_new0(BulkFlow, 1);
  b->st = st;
  b->upload = upload;
  b->lan_node = topo->lan_host.node;
  b->server = (SimAddr){topo->server.addr,
                        upload ? CROSS_PORT_BULK_UPLOAD : CROSS_PORT_BULK_DOWNLOAD};
  b->client = b->conn = -1;
  b->listener = sim_tcp_listen(topo->server.node, b->server, &bulk_listen_ops, b, error);
  if (b->listener < 0) {
    g_free(b);
    return NULL;
  }
  SimTime now = sim_now();
  b->start_ev = sim_schedule(MAX(st->start - now, (SimTime)0), bulk_start, b);
  if (st->stop != SIM_TIME_NEVER)
    b->stop_ev = sim_schedule(MAX(st->stop - now, (SimTime)0), bulk_stop, b);
  return b;
}

/* ---- Configuration --------------------------------------------------------------------------- */

/* Read <prefix>_start_s / <prefix>_stop_s into st, checking that the stop comes after the start. */
static gboolean
read_times(const Config *cfg, const char *prefix, CrossFlowStats *st, GError **error)
{
  g_autofree char *k_start = g_strdup_printf("cross.%s_start_s", prefix);
  g_autofree char *k_stop = g_strdup_printf("cross.%s_stop_s", prefix);
  double start_s = cfg_double(cfg, k_start), stop_s = cfg_double(cfg, k_stop);
  if (stop_s > 0 && stop_s <= start_s) {
    g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE,
                "[cross] %s_stop_s: %g s is not after %s (%g s); use 0 to run to the end", prefix,
                stop_s, k_start, start_s);
    return FALSE;
  }
  st->start = SIM_TIME_FROM_S(start_s);
  st->stop = cross_stop_time(stop_s);
  return TRUE;
}

/* The topology host that owns `addr`, or NULL. */
static const TopoHost *
server_host(const Topology *topo, guint32 addr)
{
  const TopoHost *hosts[] = {&topo->pbx, &topo->stun, &topo->remote, &topo->server};
  for (guint i = 0; i < G_N_ELEMENTS(hosts); i++)
    if (hosts[i]->node >= 0 && addr && (hosts[i]->addr == addr || hosts[i]->addr2 == addr))
      return hosts[i];
  return NULL;
}

static gboolean
start_udp(CrossTraffic *ct, const Config *cfg, const Topology *topo, GError **error)
{
  gint64 rate_kbps = cfg_int(cfg, "cross.udp_rate_kbps");
  CrossFlowStats *st = &ct->stats[CROSS_FLOW_UDP];
  gboolean up = cfg_enum(cfg, "cross.udp_direction") == 0;
  st->upstream = up;
  st->dscp = (guint8)cfg_int(cfg, "cross.udp_dscp");
  if (!read_times(cfg, "udp", st, error))
    return FALSE;
  double on_s = cfg_double(cfg, "cross.udp_on_s"), off_s = cfg_double(cfg, "cross.udp_off_s");
  if ((on_s > 0) != (off_s > 0)) {
    g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE,
                "[cross] %s: an on/off source needs both cross.udp_on_s and cross.udp_off_s > 0",
                on_s > 0 ? "udp_off_s" : "udp_on_s");
    return FALSE;
  }
  if (rate_kbps == 0)
    return TRUE;
  if (topo->lan_host.node < 0) {
    sim_trace("cross", "udp skipped reason=no-lan-host");
    return TRUE;
  }
  gsize bytes = (gsize)cfg_int(cfg, "cross.udp_packet_bytes");
  UdpPairSetup s = {
    .name = "udp",
    .flow_index = CROSS_FLOW_UDP,
    .client_node = topo->lan_host.node,
    .server_node = topo->server.node,
    .server = {topo->server.addr, CROSS_PORT_UDP},
    .up = up ? st : NULL,
    .down = up ? NULL : st,
    .packet_bytes = bytes,
    .interval = MAX(SIM_TIME_FROM_S(bytes * 8.0 / ((double)rate_kbps * 1000.0)), (SimTime)1),
    .start = st->start,
    .stop = st->stop,
    .on_s = on_s,
    .off_s = off_s,
    .exponential = cfg_enum(cfg, "cross.udp_onoff") == 0,
    .dscp = st->dscp,
  };
  st->enabled = TRUE;
  ct->udp = cross_udp_pair_new(&s, error);
  return ct->udp != NULL;
}

static gboolean
start_voice(CrossTraffic *ct, const Config *cfg, const Topology *topo, GError **error)
{
  CrossFlowStats *up = &ct->stats[CROSS_FLOW_VOICE_UP], *down = &ct->stats[CROSS_FLOW_VOICE_DOWN];
  if (!read_times(cfg, "voice_probe", up, error))
    return FALSE;
  down->start = up->start;
  down->stop = up->stop;
  up->dscp = down->dscp = (guint8)cfg_int(cfg, "cross.voice_probe_dscp");
  if (!cfg_bool(cfg, "cross.voice_probe"))
    return TRUE;
  guint32 addr = cfg_addr(cfg, "cross.voice_probe_server");
  const TopoHost *server = server_host(topo, addr);
  if (!server) {
    char a[16];
    g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE,
                "[cross] voice_probe_server: %s is not an address of the PBX, STUN, remote or "
                "cross-traffic server", sim_addr_format(addr, a));
    return FALSE;
  }
  gint64 phone = cfg_int(cfg, "cross.voice_probe_phone");
  if (phone >= (gint64)topo->n_phones || topo->phones[phone].node < 0) {
    g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE,
                "[cross] voice_probe_phone: phone %" G_GINT64_FORMAT " does not exist (%u phones)",
                phone, topo->n_phones);
    return FALSE;
  }
  UdpPairSetup s = {
    .name = "voice",
    .flow_index = CROSS_FLOW_VOICE_UP,
    .client_node = topo->phones[phone].node,
    .server_node = server->node,
    .server = {addr, CROSS_PORT_VOICE},
    .up = up,
    .down = down,
    .packet_bytes = (gsize)cfg_int(cfg, "cross.voice_probe_packet_bytes"),
    .interval = SIM_TIME_FROM_S(cfg_double(cfg, "cross.voice_probe_interval_ms") / 1e3),
    .start = up->start,
    .stop = up->stop,
    .dscp = up->dscp,
  };
  up->enabled = down->enabled = TRUE;
  ct->voice = cross_udp_pair_new(&s, error);
  return ct->voice != NULL;
}

static gboolean
start_bulk(CrossTraffic *ct, const Config *cfg, const Topology *topo, CrossFlowId id,
           GError **error)
{
  gboolean upload = id == CROSS_FLOW_BULK_UPLOAD;
  const char *prefix = upload ? "bulk_upload" : "bulk_download";
  CrossFlowStats *st = &ct->stats[id];
  st->upstream = upload;
  st->dscp = (guint8)cfg_int(cfg, "cross.bulk_dscp");
  if (!read_times(cfg, prefix, st, error))
    return FALSE;
  if (!cfg_bool(cfg, upload ? "cross.bulk_upload" : "cross.bulk_download"))
    return TRUE;
  if (topo->lan_host.node < 0) {
    sim_trace("cross", "%s skipped reason=no-lan-host", prefix);
    return TRUE;
  }
  st->enabled = TRUE;
  ct->bulk[upload ? 0 : 1] = bulk_new(st, upload, topo, error);
  return ct->bulk[upload ? 0 : 1] != NULL;
}

CrossTraffic *
cross_start(const Config *cfg, const Topology *topo, GError **error)
{
  g_return_val_if_fail(topo != NULL, NULL);
  g_return_val_if_fail(sim_is_setup(), NULL);
  g_autoptr(CrossTraffic) ct = g_new0(CrossTraffic, 1);
  for (guint i = 0; i < CROSS_N_FLOWS; i++) {
    ct->stats[i].name = flow_names[i];
    ct->stats[i].first_rx = ct->stats[i].last_rx = -1;
    ct->stats[i].stop = SIM_TIME_NEVER;
    ct->stats[i].is_udp = i >= CROSS_FLOW_UDP;
  }
  ct->stats[CROSS_FLOW_VOICE_UP].upstream = TRUE;
  if (!start_bulk(ct, cfg, topo, CROSS_FLOW_BULK_UPLOAD, error) ||
      !start_bulk(ct, cfg, topo, CROSS_FLOW_BULK_DOWNLOAD, error) ||
      !start_udp(ct, cfg, topo, error) || !start_voice(ct, cfg, topo, error))
    return NULL;
  return g_steal_pointer(&ct);
}

void
cross_free(CrossTraffic *ct)
{
  if (!ct)
    return;
  bulk_free(ct->bulk[0]);
  bulk_free(ct->bulk[1]);
  cross_udp_pair_free(ct->udp);
  cross_udp_pair_free(ct->voice);
  g_free(ct);
}

const CrossFlowStats *
cross_stats(CrossTraffic *ct, CrossFlowId id)
{
  g_return_val_if_fail(ct != NULL && (guint)id < CROSS_N_FLOWS, NULL);
  CrossFlowStats *st = &ct->stats[id];
  SimTime span = st->last_rx - st->start;
  st->goodput_bps = st->last_rx >= 0 && span > 0 ? st->rx_bytes * 8.0 / SIM_TIME_TO_S(span) : 0.0;
  guint64 expected = st->rx_pkts ? (guint64)st->rx_max_seq + 1 : 0;
  st->lost = expected > st->rx_pkts ? expected - st->rx_pkts : 0;
  st->loss_ratio = expected ? (double)st->lost / (double)expected : 0.0;
  st->delay_mean_ms = st->rx_pkts ? SIM_TIME_TO_S(st->delay_sum) * 1e3 / (double)st->rx_pkts : 0.0;
  st->delay_max_ms = SIM_TIME_TO_S(st->delay_max) * 1e3;
  return st;
}

const CrossFlowStats *
cross_stats_find(CrossTraffic *ct, const char *name)
{
  g_return_val_if_fail(ct != NULL && name != NULL, NULL);
  for (guint i = 0; i < CROSS_N_FLOWS; i++)
    if (strcmp(flow_names[i], name) == 0)
      return cross_stats(ct, (CrossFlowId)i);
  return NULL;
}
