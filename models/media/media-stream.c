/* media-stream.c — a G.711 RTP/RTCP endpoint on a simulated host's UDP sockets.
 *
 * Sending: PCMU (RFC 3551 §4.5.14), one packet of ptime * 8 bytes every ptime, the marker bit on
 * the first packet of a talkspurt (RFC 3551 §4.1), random initial SSRC, sequence number and
 * timestamp (RFC 3550 §5.1), from the port it receives on (symmetric RTP, RFC 4961) unless a
 * separate send port is configured.  RTCP: a compound of SR or RR, SDES CNAME (RFC 3550 §6.1) at a
 * mean interval randomized over [0.5, 1.5] (§6.3.1, the first at half of it), and a BYE on stop
 * (§6.6).  Latching ("comedia", as SBCs and Asterisk's strictrtp learning do): the remote address
 * is taken from the first RTP source, and with handover moved to a new source after a run of
 * packets from it.  Receiving is in media-recv.c.
 */
#include "media/media-private.h"

#include <string.h>

#include "net/ipv4.h"

#define MAX_PKT 2048 /* RTP/RTCP packets handled on the stack; larger ones are not media */

struct MediaStream {
  MediaStreamParams p;       /* parameters (name and cname point to the copies below) */
  char *name;                /* trace label */
  char *cname;               /* RTCP CNAME */
  SimNode host;              /* the host */
  SimSock rtp_sock;          /* RTP: receives, and sends unless send_sock is open */
  SimSock rtcp_sock;         /* RTCP, port + 1 */
  SimSock send_sock;         /* separate RTP send port, -1 if symmetric */
  SimAddr local;             /* RTP address */
  GRand *rand;               /* SIM_STREAM_MEDIA + index */
  guint32 ssrc;              /* our SSRC */
  guint16 seq;               /* next sequence number */
  guint32 ts;                /* timestamp of the next tick */
  guint32 ts0;               /* timestamp at start_time */
  SimTime start_time;        /* when the RTP clock (re)started */
  guint samples;             /* samples per packet */
  gboolean running;          /* started and not stopped */
  gboolean talking;          /* the previous tick sent a packet (no marker now) */
  MediaDirection dir;        /* hold state */
  SimEvent rtp_ev;           /* next RTP tick */
  SimEvent rtcp_ev;          /* next RTCP report */
  gboolean have_remote;      /* remote_rtp is set */
  SimAddr remote_rtp;        /* RTP destination */
  SimAddr remote_rtcp;       /* RTCP destination */
  gboolean latched;          /* the latch has taken a source */
  gboolean rtcp_latched;     /* remote_rtcp was learned from an RTCP packet */
  SimAddr cand;              /* handover candidate source */
  guint cand_count;          /* packets in a row from it */
  guint64 sent_at_report;    /* tx.packets when the last report went out */
  SrtpContext *srtp_tx;      /* protects what we send, NULL: plain RTP */
  SrtpContext *srtp_rx;      /* checks what we receive */
  MediaSendStats tx;         /* send counters */
  MediaRecv rx;              /* receive state and counters */
  gboolean have_peer_rb;     /* peer_rb is set */
  RtcpReportBlock peer_rb;   /* the peer's last report about us */
  double rtt_ms;             /* RFC 3550 §6.4.1 round trip, -1 unknown */
  gboolean traced_auth_fail; /* first SRTP failure traced */
  MediaRtpHook hook;         /* relay hook, NULL if none */
  void *hook_ctx;            /* its context */
  MediaDatagramHook dgram;   /* non-RTP datagrams (STUN for ICE), NULL if none */
  void *dgram_ctx;           /* its context */
  MediaTransmitFn transmit;  /* sends instead of the sockets (a TURN relay), NULL if none */
  void *transmit_ctx;        /* its context */
};

/* Send one RTP (component 1) or RTCP (2) datagram: through the transmit function when one is set
 * (ICE chose a relayed candidate), else from the socket. */
static gboolean
emit(MediaStream *ms, guint component, SimSock sock, SimAddr to, const guint8 *buf, gsize len)
{
  if (ms->transmit)
    return ms->transmit(ms->transmit_ctx, ms, component, to, buf, len);
  return sim_udp_send(sock, to, buf, len);
}

static gboolean
addr_eq(SimAddr a, SimAddr b)
{
  return a.addr == b.addr && a.port == b.port;
}

static const char *
fmt_addr(SimAddr a, char buf[22])
{
  return net_endpoint_format(a.addr, a.port, buf);
}

void
media_stream_params_default(MediaStreamParams *p)
{
  memset(p, 0, sizeof *p);
  p->name = "media";
  p->payload_type = RTP_PT_PCMU;
  p->clock_rate = 8000;
  p->ptime_ms = 20;
  p->rtcp_interval = SIM_S(5);
  p->latch = MEDIA_LATCH_OFF;
  p->latch_probation = 4;
  p->accept_unexpected = TRUE;
}

void
media_stream_params_from_config(const Config *cfg, MediaStreamParams *p)
{
  media_stream_params_default(p);
  p->ptime_ms = (guint)cfg_int(cfg, "media.ptime_ms");
  p->rtcp_interval = SIM_TIME_FROM_S(cfg_double(cfg, "media.rtcp_interval_s"));
  p->latch_probation = (guint)cfg_int(cfg, "media.latch_probation_pkts");
}

/* ---- Sending ---------------------------------------------------------------------------------- */

static gboolean
can_send(const MediaStream *ms)
{
  return ms->dir == MEDIA_SENDRECV || ms->dir == MEDIA_SENDONLY;
}

static void
send_rtp(MediaStream *ms)
{
  guint8 buf[MAX_PKT];
  guint8 payload[MAX_PKT];
  gsize plen = ms->samples; /* G.711: one byte per sample */
  media_payload_fill(payload, plen, sim_now());
  RtpHeader h = {.marker = !ms->talking,
                 .payload_type = ms->p.payload_type,
                 .seq = ms->seq,
                 .timestamp = ms->ts,
                 .ssrc = ms->ssrc};
  gsize len = rtp_build(&h, payload, plen, buf, sizeof buf);
  g_assert(len > 0);
  if (ms->srtp_tx)
    len = srtp_protect(ms->srtp_tx, buf, len, sizeof buf);
  SimSock s = ms->send_sock >= 0 ? ms->send_sock : ms->rtp_sock;
  if (!emit(ms, 1, s, ms->remote_rtp, buf, len)) {
    ms->tx.send_failed++;
  } else {
    ms->tx.packets++;
    ms->tx.octets += plen;
    if (ms->tx.first < 0)
      ms->tx.first = sim_now();
    ms->tx.last = sim_now();
  }
  ms->seq++;
}

static void
rtp_tick(void *data)
{
  MediaStream *ms = data;
  ms->rtp_ev = 0;
  gboolean send = can_send(ms) && ms->have_remote;
  if (send)
    send_rtp(ms);
  ms->talking = send;
  ms->ts += ms->samples;
  ms->rtp_ev = sim_schedule(SIM_MS(ms->p.ptime_ms), rtp_tick, ms);
}

/* Build and send one RTCP compound: SR or RR, SDES CNAME, and BYE if `bye`. */
static void
send_rtcp(MediaStream *ms, gboolean bye)
{
  if (!ms->have_remote)
    return;
  guint8 buf[MAX_PKT];
  RtcpWriter w;
  rtcp_writer_init(&w, buf, sizeof buf - SRTCP_OVERHEAD);
  RtcpReportBlock rb;
  SimTime now = sim_now();
  gboolean have_rb = media_recv_report_block(&ms->rx, now, &rb);
  /* §6.4: an SR if we sent data since the last report. */
  if (ms->tx.packets > ms->sent_at_report) {
    guint32 rtp_ts = ms->ts0 + (guint32)((now - ms->start_time) * ms->p.clock_rate / 1000000000LL);
    rtcp_write_sr(&w, ms->ssrc, rtp_ntp_from_time(now), rtp_ts, (guint32)ms->tx.packets,
                  (guint32)ms->tx.octets, &rb, have_rb ? 1 : 0);
  } else {
    rtcp_write_rr(&w, ms->ssrc, &rb, have_rb ? 1 : 0);
  }
  ms->sent_at_report = ms->tx.packets;
  rtcp_write_sdes_cname(&w, ms->ssrc, ms->cname);
  if (bye)
    rtcp_write_bye(&w, &ms->ssrc, 1, NULL);
  gsize len = rtcp_writer_finish(&w);
  g_assert(len > 0);
  if (ms->srtp_tx)
    len = srtcp_protect(ms->srtp_tx, buf, len, sizeof buf);
  if (emit(ms, 2, ms->rtcp_sock, ms->remote_rtcp, buf, len))
    ms->tx.rtcp_packets++;
  else
    ms->tx.send_failed++;
}

/* §6.3.1: the interval is randomized over [0.5, 1.5] times the mean. */
static SimTime
rtcp_delay(MediaStream *ms, gboolean first)
{
  double f = g_rand_double_range(ms->rand, 0.5, 1.5);
  double mean = (double)ms->p.rtcp_interval * (first ? 0.5 : 1.0);
  return (SimTime)(mean * f);
}

static void
rtcp_tick(void *data)
{
  MediaStream *ms = data;
  ms->rtcp_ev = 0;
  send_rtcp(ms, FALSE);
  ms->rtcp_ev = sim_schedule(rtcp_delay(ms, FALSE), rtcp_tick, ms);
}

/* ---- Receiving -------------------------------------------------------------------------------- */

static void
latch_to(MediaStream *ms, SimAddr from, const char *why)
{
  char a[22];
  ms->remote_rtp = from;
  if (!ms->rtcp_latched)
    ms->remote_rtcp = (SimAddr){from.addr, (guint16)(from.port + 1)};
  ms->have_remote = TRUE;
  ms->latched = TRUE;
  ms->cand_count = 0;
  ms->rx.stats.latch_moves++;
  sim_trace("media", "%s %s remote=%s", ms->name, why, fmt_addr(from, a));
}

/* Decide whether an RTP packet from `from` is used (latching, unexpected sources). */
static gboolean
accept_source(MediaStream *ms, SimAddr from)
{
  if (ms->p.latch != MEDIA_LATCH_OFF && !ms->latched) {
    latch_to(ms, from, "latch");
    return TRUE;
  }
  if (ms->have_remote && addr_eq(from, ms->remote_rtp)) {
    ms->cand_count = 0;
    return TRUE;
  }
  ms->rx.stats.unexpected++;
  if (ms->p.latch == MEDIA_LATCH_HANDOVER) {
    if (ms->cand_count > 0 && addr_eq(from, ms->cand)) {
      ms->cand_count++;
    } else {
      ms->cand = from;
      ms->cand_count = 1;
    }
    if (ms->cand_count >= ms->p.latch_probation) {
      ms->rtcp_latched = FALSE;
      latch_to(ms, from, "handover");
      return TRUE;
    }
  }
  if (!ms->p.accept_unexpected) {
    ms->rx.stats.ignored++;
    return FALSE;
  }
  return TRUE;
}

static void
srtp_failed(MediaStream *ms, SrtpStatus st, gboolean rtcp)
{
  if (rtcp)
    ms->rx.stats.srtcp_auth_fail++;
  else if (st == SRTP_ERR_REPLAY)
    ms->rx.stats.srtp_replay++;
  else
    ms->rx.stats.srtp_auth_fail++;
  if (!ms->traced_auth_fail) {
    ms->traced_auth_fail = TRUE;
    sim_trace("media", "%s %s discarded: %s (first)", ms->name, rtcp ? "srtcp" : "srtp",
              srtp_status_name(st));
  }
}

static void
rtcp_input(MediaStream *ms, const guint8 *data, gsize len, SimAddr from)
{
  guint8 buf[MAX_PKT];
  if (len > sizeof buf) {
    ms->rx.stats.rtcp_malformed++;
    return;
  }
  memcpy(buf, data, len);
  if (ms->srtp_rx) {
    SrtpStatus st = srtcp_unprotect(ms->srtp_rx, buf, len, &len);
    if (st != SRTP_OK) {
      if (st == SRTP_ERR_MALFORMED)
        ms->rx.stats.rtcp_malformed++;
      else
        srtp_failed(ms, st, TRUE);
      return;
    }
  }
  RtcpCompound c;
  if (rtcp_parse_compound(buf, len, &c) != 1) {
    ms->rx.stats.rtcp_malformed++;
    return;
  }
  ms->rx.stats.rtcp_received++;
  if (ms->p.latch != MEDIA_LATCH_OFF && !ms->rtcp_latched) {
    ms->remote_rtcp = from;
    ms->rtcp_latched = TRUE;
  }
  SimTime now = sim_now();
  for (guint i = 0; i < c.n; i++) {
    const RtcpPacket *pk = &c.pkts[i];
    if (pk->type == RTCP_SR || pk->type == RTCP_RR) {
      if (pk->type == RTCP_SR) {
        ms->rx.stats.sr_received++;
        MediaSource *s = media_recv_lookup(&ms->rx, pk->ssrc);
        if (s) {
          s->lsr = rtp_ntp_middle(pk->ntp);
          s->lsr_arrival = now;
        }
      } else {
        ms->rx.stats.rr_received++;
      }
      for (guint k = 0; k < pk->n_reports; k++) {
        const RtcpReportBlock *rb = &pk->reports[k];
        if (rb->ssrc != ms->ssrc)
          continue;
        ms->peer_rb = *rb;
        ms->have_peer_rb = TRUE;
        if (rb->lsr) {
          /* §6.4.1: RTT = A - LSR - DLSR, in 1/65536 s. */
          guint32 a = rtp_ntp_middle(rtp_ntp_from_time(now));
          guint32 rtt = a - rb->lsr - rb->dlsr;
          ms->rtt_ms = rtt * 1000.0 / 65536.0;
        }
      }
    } else if (pk->type == RTCP_BYE) {
      if (ms->rx.stats.bye_received++ == 0) {
        ms->rx.stats.bye_time = now;
        char a[22];
        sim_trace("media", "%s bye from %s", ms->name, fmt_addr(from, a));
      }
    }
  }
}

/* RFC 7983 §7: a first byte below 128 is not RTP or RTCP (0-3 STUN, 20-63 DTLS, 64-79 TURN
 * ChannelData): the datagram hook (ICE, a STUN client) may take it. */
static gboolean
to_dgram_hook(MediaStream *ms, guint component, const guint8 *data, gsize len, SimAddr from)
{
  return ms->dgram && len > 0 && data[0] < 128 && ms->dgram(ms->dgram_ctx, ms, component, data, len, from);
}

static void
rtp_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  MediaStream *ms = ctx;
  if (to_dgram_hook(ms, 1, data, len, from))
    return;
  RtpKind kind = rtp_classify(data, len);
  if (kind == RTP_KIND_RTCP) {
    rtcp_input(ms, data, len, from); /* RTP and RTCP on one port (RFC 5761) */
    return;
  }
  RtpHeader h;
  if (kind != RTP_KIND_RTP || len > MAX_PKT) {
    if (rtp_parse(data, len, &h) < 0)
      ms->rx.stats.malformed++;
    else
      ms->rx.stats.non_rtp++;
    return;
  }
  guint8 buf[MAX_PKT];
  memcpy(buf, data, len);
  if (ms->srtp_rx) {
    SrtpStatus st = srtp_unprotect(ms->srtp_rx, buf, len, &len);
    if (st != SRTP_OK) {
      if (st == SRTP_ERR_MALFORMED)
        ms->rx.stats.malformed++;
      else
        srtp_failed(ms, st, FALSE);
      return;
    }
  }
  int r = rtp_parse(buf, len, &h);
  if (r <= 0) {
    if (r < 0)
      ms->rx.stats.malformed++;
    else
      ms->rx.stats.non_rtp++;
    return;
  }
  if (!accept_source(ms, from))
    return;
  MediaSource *prev = ms->rx.cur;
  if (!media_recv_packet(&ms->rx, &h, buf, sim_now()))
    return;
  if (prev && prev != ms->rx.cur)
    sim_trace("media", "%s ssrc change %08x -> %08x", ms->name, prev->ssrc, h.ssrc);
  if (ms->hook)
    ms->hook(ms->hook_ctx, ms, buf, len, from);
}

static void
rtcp_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  MediaStream *ms = ctx;
  if (to_dgram_hook(ms, 2, data, len, from))
    return;
  rtcp_input(ms, data, len, from);
}

static void
send_port_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  MediaStream *ms = ctx;
  ms->rx.stats.wrong_port++; /* the phone does not listen where it sends from */
}

/* ---- Lifecycle and controls ------------------------------------------------------------------- */

MediaStream *
media_stream_new(SimNode host, const MediaStreamParams *p, GError **error)
{
  g_return_val_if_fail(p != NULL, NULL);
  if (p->local.port == 0 || p->local.port % 2 != 0 || p->local.port == 65535) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID,
                "media: RTP port %u must be even and not 0 (RFC 3550 §11)", p->local.port);
    return NULL;
  }
  if (p->ptime_ms == 0 || p->clock_rate == 0 ||
      (guint64)p->ptime_ms * p->clock_rate / 1000 + RTP_HEADER_LEN + SRTP_OVERHEAD > MAX_PKT ||
      p->rtcp_interval <= 0) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID,
                "media: ptime %u ms at %u Hz or the RTCP interval is out of range", p->ptime_ms,
                p->clock_rate);
    return NULL;
  }
  static const SimSockOps rtp_ops = {.recv = rtp_recv};
  static const SimSockOps rtcp_ops = {.recv = rtcp_recv};
  static const SimSockOps send_ops = {.recv = send_port_recv};
  MediaStream *ms = g_new0(MediaStream, 1);
  ms->p = *p;
  ms->name = g_strdup(p->name ? p->name : "media");
  ms->p.name = ms->name;
  ms->host = host;
  ms->rtp_sock = ms->rtcp_sock = ms->send_sock = -1;
  ms->rtp_sock = sim_udp_open(host, p->local, &rtp_ops, ms, error);
  if (ms->rtp_sock < 0)
    goto fail;
  ms->rtcp_sock = sim_udp_open(host, (SimAddr){p->local.addr, (guint16)(p->local.port + 1)},
                               &rtcp_ops, ms, error);
  if (ms->rtcp_sock < 0)
    goto fail;
  if (p->send_port && p->send_port != p->local.port) {
    ms->send_sock = sim_udp_open(host, (SimAddr){p->local.addr, p->send_port}, &send_ops, ms,
                                 error);
    if (ms->send_sock < 0)
      goto fail;
  }
  ms->local = p->local;
  char a[22];
  ms->cname = p->cname ? g_strdup(p->cname)
                       : g_strdup_printf("%s@%s", ms->name,
                                         sim_addr_format(p->local.addr, (char[16]){0}));
  ms->p.cname = ms->cname;
  ms->rand = sim_rand_new(SIM_STREAM_MEDIA + p->index);
  ms->ssrc = g_rand_int(ms->rand);
  ms->seq = (guint16)g_rand_int_range(ms->rand, 0, 65536);
  ms->ts = g_rand_int(ms->rand);
  ms->samples = p->ptime_ms * p->clock_rate / 1000;
  ms->dir = MEDIA_SENDRECV;
  ms->tx.first = ms->tx.last = -1;
  ms->rtt_ms = -1;
  media_recv_init(&ms->rx, p->clock_rate);
  if (p->tos)
    media_stream_set_tos(ms, p->tos);
  sim_trace("media", "%s open local=%s ssrc=%08x seq=%u ts=%u", ms->name,
            fmt_addr(p->local, a), ms->ssrc, ms->seq, ms->ts);
  return ms;
fail:
  media_stream_free(ms);
  return NULL;
}

void
media_stream_free(MediaStream *ms)
{
  if (!ms)
    return;
  if (sim_is_setup()) {
    sim_cancel(ms->rtp_ev);
    sim_cancel(ms->rtcp_ev);
    if (ms->rtp_sock >= 0)
      sim_sock_close(ms->rtp_sock);
    if (ms->rtcp_sock >= 0)
      sim_sock_close(ms->rtcp_sock);
    if (ms->send_sock >= 0)
      sim_sock_close(ms->send_sock);
  }
  if (ms->rand)
    g_rand_free(ms->rand);
  srtp_context_free(ms->srtp_tx);
  srtp_context_free(ms->srtp_rx);
  media_recv_clear(&ms->rx);
  g_free(ms->name);
  g_free(ms->cname);
  g_free(ms);
}

void
media_stream_set_remote(MediaStream *ms, SimAddr rtp, SimAddr rtcp)
{
  g_return_if_fail(ms != NULL);
  ms->remote_rtp = rtp;
  ms->remote_rtcp = rtcp.port ? rtcp : (SimAddr){rtp.addr, (guint16)(rtp.port + 1)};
  ms->have_remote = rtp.addr != 0 && rtp.port != 0;
  /* A new offer/answer restarts latching: the next packet is learned again. */
  ms->latched = FALSE;
  ms->rtcp_latched = FALSE;
  ms->cand_count = 0;
  char a[22], b[22];
  sim_trace("media", "%s remote rtp=%s rtcp=%s", ms->name, fmt_addr(ms->remote_rtp, a),
            fmt_addr(ms->remote_rtcp, b));
}

void
media_stream_start(MediaStream *ms)
{
  g_return_if_fail(ms != NULL);
  if (ms->running)
    return;
  ms->running = TRUE;
  ms->talking = FALSE;
  ms->start_time = sim_now();
  ms->ts0 = ms->ts;
  ms->rtp_ev = sim_schedule(0, rtp_tick, ms);
  ms->rtcp_ev = sim_schedule(rtcp_delay(ms, TRUE), rtcp_tick, ms);
  sim_trace("media", "%s start %s", ms->name, media_direction_name(ms->dir));
}

void
media_stream_stop(MediaStream *ms)
{
  g_return_if_fail(ms != NULL);
  if (!ms->running)
    return;
  ms->running = FALSE;
  sim_cancel(ms->rtp_ev);
  sim_cancel(ms->rtcp_ev);
  ms->rtp_ev = ms->rtcp_ev = 0;
  send_rtcp(ms, TRUE);
  sim_trace("media", "%s stop sent=%" G_GUINT64_FORMAT, ms->name, ms->tx.packets);
}

void
media_stream_set_direction(MediaStream *ms, MediaDirection dir)
{
  g_return_if_fail(ms != NULL && dir <= MEDIA_INACTIVE);
  if (ms->dir == dir)
    return;
  ms->dir = dir;
  sim_trace("media", "%s direction %s", ms->name, media_direction_name(dir));
}

void
media_stream_set_srtp(MediaStream *ms, const SrtpKeys *tx, const SrtpKeys *rx)
{
  g_return_if_fail(ms != NULL);
  srtp_context_free(ms->srtp_tx);
  srtp_context_free(ms->srtp_rx);
  ms->srtp_tx = tx ? srtp_context_new(tx) : NULL;
  ms->srtp_rx = rx ? srtp_context_new(rx) : NULL;
}

gboolean
media_stream_set_tos(MediaStream *ms, guint8 tos)
{
  g_return_val_if_fail(ms != NULL, FALSE);
  gboolean ok = sim_sock_set_tos(ms->rtp_sock, tos) && sim_sock_set_tos(ms->rtcp_sock, tos);
  if (ms->send_sock >= 0)
    ok = sim_sock_set_tos(ms->send_sock, tos) && ok;
  ms->p.tos = tos;
  return ok;
}

void
media_stream_set_rtp_hook(MediaStream *ms, MediaRtpHook fn, void *ctx)
{
  g_return_if_fail(ms != NULL);
  ms->hook = fn;
  ms->hook_ctx = ctx;
}

gboolean
media_stream_send_rtp_raw(MediaStream *ms, const guint8 *rtp, gsize len)
{
  g_return_val_if_fail(ms != NULL && rtp != NULL, FALSE);
  RtpHeader h;
  if (!ms->have_remote || len > MAX_PKT - SRTP_OVERHEAD || rtp_parse(rtp, len, &h) != 1)
    return FALSE;
  guint8 buf[MAX_PKT];
  memcpy(buf, rtp, len);
  if (ms->srtp_tx)
    len = srtp_protect(ms->srtp_tx, buf, len, sizeof buf);
  SimSock s = ms->send_sock >= 0 ? ms->send_sock : ms->rtp_sock;
  if (!emit(ms, 1, s, ms->remote_rtp, buf, len)) {
    ms->tx.send_failed++;
    return FALSE;
  }
  ms->tx.packets++;
  ms->tx.octets += h.payload_len;
  if (ms->tx.first < 0)
    ms->tx.first = sim_now();
  ms->tx.last = sim_now();
  return TRUE;
}

void
media_stream_set_datagram_hook(MediaStream *ms, MediaDatagramHook fn, void *ctx)
{
  g_return_if_fail(ms != NULL);
  ms->dgram = fn;
  ms->dgram_ctx = ctx;
}

void
media_stream_set_transmit(MediaStream *ms, MediaTransmitFn fn, void *ctx)
{
  g_return_if_fail(ms != NULL);
  ms->transmit = fn;
  ms->transmit_ctx = ctx;
}

gboolean
media_stream_send_datagram(MediaStream *ms, guint component, SimAddr to, const guint8 *buf, gsize len)
{
  g_return_val_if_fail(ms != NULL && buf != NULL && (component == 1 || component == 2), FALSE);
  return sim_udp_send(component == 1 ? ms->rtp_sock : ms->rtcp_sock, to, buf, len);
}

void
media_stream_inject(MediaStream *ms, guint component, const guint8 *buf, gsize len, SimAddr from)
{
  g_return_if_fail(ms != NULL && buf != NULL && (component == 1 || component == 2));
  if (component == 1)
    rtp_recv(ms, ms->rtp_sock, buf, len, from);
  else
    rtcp_recv(ms, ms->rtcp_sock, buf, len, from);
}

const char *
media_direction_name(MediaDirection dir)
{
  static const char *const names[] = {"sendrecv", "sendonly", "recvonly", "inactive"};
  return (guint)dir < G_N_ELEMENTS(names) ? names[dir] : "?";
}

/* ---- Accessors -------------------------------------------------------------------------------- */

SimAddr
media_stream_local(const MediaStream *ms)
{
  return ms->local;
}

SimAddr
media_stream_remote(const MediaStream *ms)
{
  return ms->remote_rtp;
}

SimAddr
media_stream_remote_rtcp(const MediaStream *ms)
{
  return ms->remote_rtcp;
}

guint32
media_stream_ssrc(const MediaStream *ms)
{
  return ms->ssrc;
}

MediaDirection
media_stream_direction(const MediaStream *ms)
{
  return ms->dir;
}

gboolean
media_stream_running(const MediaStream *ms)
{
  return ms->running;
}

const MediaSendStats *
media_stream_send_stats(const MediaStream *ms)
{
  return &ms->tx;
}

const MediaRecvStats *
media_stream_recv_stats(MediaStream *ms)
{
  media_recv_refresh(&ms->rx);
  ms->rx.stats.have_peer_report = ms->have_peer_rb;
  return &ms->rx.stats;
}

const RtcpReportBlock *
media_stream_peer_report(const MediaStream *ms)
{
  return ms->have_peer_rb ? &ms->peer_rb : NULL;
}

double
media_stream_rtt_ms(const MediaStream *ms)
{
  return ms->rtt_ms;
}

/* First index in the ascending arrivals with time >= t. */
static guint
lower_bound(const GArray *a, SimTime t)
{
  guint lo = 0, hi = a->len;
  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;
    if (g_array_index(a, SimTime, mid) < t)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

guint64
media_stream_received_between(const MediaStream *ms, SimTime t1, SimTime t2)
{
  if (t2 <= t1)
    return 0;
  return lower_bound(ms->rx.arrivals, t2) - lower_bound(ms->rx.arrivals, t1);
}

SimTime
media_stream_longest_gap(const MediaStream *ms, SimTime t1, SimTime t2)
{
  if (t2 <= t1)
    return 0;
  const GArray *a = ms->rx.arrivals;
  SimTime prev = t1, gap = 0;
  for (guint i = lower_bound(a, t1); i < a->len; i++) {
    SimTime t = g_array_index(a, SimTime, i);
    if (t > t2)
      break;
    gap = MAX(gap, t - prev);
    prev = t;
  }
  return MAX(gap, t2 - prev);
}

double
media_recv_loss_percent(const MediaRecvStats *s)
{
  if (s->expected == 0 || s->lost <= 0)
    return 0;
  return 100.0 * (double)s->lost / (double)s->expected;
}

double
media_recv_burst_r(const MediaRecvStats *s)
{
  if (s->lost <= 0 || s->loss_runs == 0 || s->received == 0)
    return 1.0;
  double p = (double)s->loss_runs / (double)s->received; /* found -> lost */
  double q = (double)s->loss_runs / (double)s->lost;     /* lost -> found */
  return 1.0 / (p + q);
}

gboolean
media_heard(guint64 sent, guint64 received, double threshold)
{
  return sent > 0 && (double)received >= threshold * (double)sent;
}

double
media_stream_mos(MediaStream *ms, const EmodelParams *e)
{
  const MediaRecvStats *s = media_stream_recv_stats(ms);
  if (s->received == 0)
    return 1.0;
  return emodel_mos(emodel_r(e, s->delay_mean_ms, media_recv_loss_percent(s)));
}
