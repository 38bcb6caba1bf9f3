/* test-media.c — MediaStream endpoints talking over simulated links: exact counts, zero jitter and
 * the link's one-way delay on a clean link, loss equal to what a middlebox dropped, the wire
 * format (marker, sequence, timestamp, RTCP SR/SDES/BYE), remote changes mid-call, hold, latching
 * strict vs handover across a NAT rebinding, asymmetric send ports, unexpected sources, malformed
 * input, and determinism (test-media-wire.c: SRTP, DSCP, relaying, sockets shared with ICE, tshark). */
#include <glib/gstdio.h>
#include <string.h>

#include "router.h"
#include "test-media-util.h"
#include "topology.h"

/* ---- Clean link ------------------------------------------------------------------------------- */

static void
test_clean_link_exact(void)
{
  Direct d;
  direct_world(&d, 7, 0);
  g_autoptr(MediaStream) a = stream(d.a, d.ip_a, 4000, "a", 0, NULL);
  g_autoptr(MediaStream) b = stream(d.b, d.ip_b, 6000, "b", 1, NULL);
  media_stream_set_remote(a, (SimAddr){d.ip_b, 6000}, (SimAddr){0, 0});
  media_stream_set_remote(b, (SimAddr){d.ip_a, 4000}, (SimAddr){0, 0});
  call_window(a);
  call_window(b);
  sim_run(SIM_S(12));
  SimTime one_way = LINK_DELAY + tx_ns(12 + 160, RATE_BPS);
  MediaStream *ends[] = {a, b};
  for (guint i = 0; i < 2; i++) {
    const MediaSendStats *tx = media_stream_send_stats(ends[i]);
    const MediaRecvStats *rx = media_stream_recv_stats(ends[1 - i]);
    g_assert_cmpuint(tx->packets, ==, 500);
    g_assert_cmpuint(tx->octets, ==, 500 * 160);
    g_assert_cmpuint(rx->received, ==, 500);
    g_assert_cmpuint(rx->expected, ==, 500);
    g_assert_cmpint(rx->lost, ==, 0);
    g_assert_cmpuint(rx->duplicates + rx->unexpected + rx->malformed + rx->non_rtp, ==, 0);
    g_assert_cmpfloat(rx->jitter_ts, ==, 0);
    g_assert_cmpuint(rx->timed, ==, 500);
    g_assert_cmpfloat_with_epsilon(rx->delay_min_ms, one_way / 1e6, 1e-9);
    g_assert_cmpfloat_with_epsilon(rx->delay_max_ms, one_way / 1e6, 1e-9);
    g_assert_cmpint(rx->first, ==, SIM_S(1) + one_way);
    /* 50 packets per second in any whole-second window. */
    g_assert_cmpuint(media_stream_received_between(ends[1 - i], SIM_S(3), SIM_S(4)), ==, 50);
    g_assert_cmpint(media_stream_longest_gap(ends[1 - i], SIM_S(2), SIM_S(10)), ==, SIM_MS(20));
    /* RTCP: reports both ways, a BYE at the end, the peer saw no loss, RTT of two link delays. */
    g_assert_cmpuint(tx->rtcp_packets, >=, 2);
    g_assert_cmpuint(rx->rtcp_received, ==, media_stream_send_stats(ends[i])->rtcp_packets);
    g_assert_cmpuint(rx->sr_received, >=, 1);
    g_assert_cmpuint(rx->bye_received, ==, 1);
    const RtcpReportBlock *rb = media_stream_peer_report(ends[i]);
    g_assert_nonnull(rb);
    g_assert_cmpint(rb->cumulative_lost, ==, 0);
    g_assert_cmpuint(rb->jitter, ==, 0);
    double rtt = media_stream_rtt_ms(ends[i]);
    g_test_message("rtt %.3f ms", rtt);
    g_assert_cmpfloat(rtt, >=, 19.9);
    g_assert_cmpfloat(rtt, <=, 20.2);
  }
  g_assert_cmphex(media_stream_ssrc(a), !=, media_stream_ssrc(b));
  EmodelParams e;
  emodel_params_default(&e);
  /* 10.016 ms + 60 ms codec delay, no loss: R = 93.2 - 0.024 * 70.016 = 91.52. */
  g_assert_cmpfloat_with_epsilon(media_stream_mos(a, &e), emodel_mos(93.2 - 0.024 * (60 + one_way / 1e6)), 1e-9);
  g_clear_pointer(&a, media_stream_free);
  g_clear_pointer(&b, media_stream_free);
  sim_reset();
}

/* ---- Wire format ------------------------------------------------------------------------------ */

typedef struct {
  GPtrArray *rtp;  /* GBytes of RTP datagrams received */
  GPtrArray *rtcp; /* GBytes of RTCP datagrams received */
} Capture;

static void
cap_rtp(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  g_ptr_array_add(((Capture *)ctx)->rtp, g_bytes_new(data, len));
}

static void
cap_rtcp(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  g_ptr_array_add(((Capture *)ctx)->rtcp, g_bytes_new(data, len));
}

static void
test_wire_format(void)
{
  Direct d;
  direct_world(&d, 3, 0);
  Capture cap = {g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref),
                 g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref)};
  static const SimSockOps rops = {.recv = cap_rtp}, cops = {.recv = cap_rtcp};
  g_autoptr(GError) error = NULL;
  SimSock s1 = sim_udp_open(d.b, (SimAddr){d.ip_b, 6000}, &rops, &cap, &error);
  SimSock s2 = sim_udp_open(d.b, (SimAddr){d.ip_b, 6001}, &cops, &cap, &error);
  g_assert_no_error(error);
  g_autoptr(MediaStream) a = stream(d.a, d.ip_a, 4000, "a", 0, NULL);
  media_stream_set_remote(a, (SimAddr){d.ip_b, 6000}, (SimAddr){0, 0});
  call_window(a);
  sim_run(SIM_S(12));
  g_assert_cmpuint(cap.rtp->len, ==, 500);
  RtpHeader first = {0};
  for (guint i = 0; i < cap.rtp->len; i++) {
    gsize len;
    const guint8 *p = g_bytes_get_data(cap.rtp->pdata[i], &len);
    RtpHeader h;
    g_assert_cmpint(rtp_parse(p, len, &h), ==, 1);
    g_assert_cmpuint(len, ==, 172);
    g_assert_cmpuint(h.payload_type, ==, RTP_PT_PCMU);
    g_assert_cmpuint(h.payload_len, ==, 160);
    g_assert_cmpint(h.marker, ==, i == 0); /* RFC 3551 §4.1: first packet of the talkspurt */
    if (i == 0)
      first = h;
    g_assert_cmphex(h.ssrc, ==, media_stream_ssrc(a));
    g_assert_cmpuint(h.seq, ==, (guint16)(first.seq + i));
    g_assert_cmpuint(h.timestamp, ==, first.timestamp + 160u * i);
  }
  /* RTCP: every compound starts with SR (we send) and carries the CNAME; the last has a BYE. */
  g_assert_cmpuint(cap.rtcp->len, >=, 2);
  for (guint i = 0; i < cap.rtcp->len; i++) {
    gsize len;
    const guint8 *p = g_bytes_get_data(cap.rtcp->pdata[i], &len);
    RtcpCompound c;
    g_assert_cmpint(rtcp_parse_compound(p, len, &c), ==, 1);
    g_assert_cmpuint(c.pkts[0].type, ==, RTCP_SR);
    g_assert_cmphex(c.pkts[0].ssrc, ==, media_stream_ssrc(a));
    g_assert_cmpuint(c.pkts[1].type, ==, RTCP_SDES);
    g_assert_cmpmem(p + c.pkts[1].cname_off, c.pkts[1].cname_len, "a@10.0.0.1", 10);
    g_assert_cmpint(c.n == 3 && c.pkts[2].type == RTCP_BYE, ==, i == cap.rtcp->len - 1);
  }
  sim_sock_close(s1);
  sim_sock_close(s2);
  g_ptr_array_unref(cap.rtp);
  g_ptr_array_unref(cap.rtcp);
  g_clear_pointer(&a, media_stream_free);
  sim_reset();
}

/* ---- Loss ------------------------------------------------------------------------------------- */

static void
test_loss_equals_dropped(void)
{
  Mb m;
  mb_world(&m, 11);
  m.drop_mod = 10;
  m.drop_rem = 3;     /* #3, #13, ..., #493: 50 packets */
  m.burst_from = 200; /* #200..#209 except #203 (already counted above): 9 more */
  m.burst_to = 210;
  g_autoptr(MediaStream) a = stream(m.a, m.ip_a, 4000, "a", 0, NULL);
  g_autoptr(MediaStream) b = stream(m.b, m.ip_b, 6000, "b", 1, NULL);
  media_stream_set_remote(a, (SimAddr){m.ip_b, 6000}, (SimAddr){0, 0});
  media_stream_set_remote(b, (SimAddr){m.ip_a, 4000}, (SimAddr){0, 0});
  call_window(a);
  call_window(b);
  sim_run(SIM_S(12));
  g_assert_cmpuint(m.rtp_from_a, ==, 500);
  g_assert_cmpuint(m.dropped, ==, 59);
  g_assert_cmpuint(m.send_fail, ==, 0);
  const MediaRecvStats *rx = media_stream_recv_stats(b);
  g_assert_cmpuint(rx->received, ==, 500 - 59);
  g_assert_cmpuint(rx->expected, ==, 500);
  g_assert_cmpint(rx->lost, ==, 59);
  /* 49 single losses and one run of 10 (#200..#209). */
  g_assert_cmpuint(rx->loss_runs, ==, 50);
  g_assert_cmpfloat_with_epsilon(media_recv_loss_percent(rx), 11.8, 1e-9);
  /* BurstR = 1 / (p + q), p = 50 runs / 441 received, q = 50 runs / 59 lost = 1.04076. */
  g_assert_cmpfloat_with_epsilon(media_recv_burst_r(rx), 1.0 / (50.0 / 441 + 50.0 / 59), 1e-9);
  g_assert_true(media_heard(500, rx->received, 0.9) == FALSE); /* 441 < 450 */
  g_assert_true(media_heard(500, rx->received, 0.8));
  g_assert_false(media_heard(0, 0, 0.9));
  /* The other direction is untouched. */
  g_assert_cmpint(media_stream_recv_stats(a)->lost, ==, 0);
  /* The peer's RTCP report says the same. */
  const RtcpReportBlock *rb = media_stream_peer_report(a);
  g_assert_nonnull(rb);
  g_assert_cmpint(rb->cumulative_lost, >, 0);
  g_assert_cmpint(rb->cumulative_lost, <=, 59);
  /* Drop detection: the burst shows as a 220 ms gap around t = 1 + 200 * 20 ms. */
  g_assert_cmpint(media_stream_longest_gap(b, SIM_S(1), SIM_S(11)), ==, SIM_MS(220));
  g_assert_cmpuint(media_stream_received_between(b, SIM_S(5), SIM_MS(5200)), ==, 0);
  EmodelParams e;
  emodel_params_default(&e);
  g_assert_cmpfloat(media_stream_mos(b, &e), <, media_stream_mos(a, &e));
  g_clear_pointer(&a, media_stream_free);
  g_clear_pointer(&b, media_stream_free);
  sim_reset();
}

static void
test_ns3_link_loss(void)
{
  Direct d;
  direct_world(&d, 5, 0.05);
  g_autoptr(MediaStream) a = stream(d.a, d.ip_a, 4000, "a", 0, NULL);
  g_autoptr(MediaStream) b = stream(d.b, d.ip_b, 6000, "b", 1, NULL);
  media_stream_set_remote(a, (SimAddr){d.ip_b, 6000}, (SimAddr){0, 0});
  call_window(a);
  sim_run(SIM_S(12));
  const MediaRecvStats *rx = media_stream_recv_stats(b);
  guint64 sent = media_stream_send_stats(a)->packets;
  g_test_message("sent %" G_GUINT64_FORMAT " received %" G_GUINT64_FORMAT " lost %" G_GINT64_FORMAT,
                 sent, rx->received, rx->lost);
  g_assert_cmpuint(sent, ==, 500);
  g_assert_cmpint(rx->lost, >, 5);
  g_assert_cmpint(rx->lost, <, 60);
  g_assert_cmpint((gint64)rx->expected - (gint64)rx->received, ==, rx->lost);
  /* Losses after the last received packet are not visible to the receiver (RFC 3550 A.3). */
  g_assert_cmpint(rx->lost, <=, (gint64)(sent - rx->received));
  g_assert_cmpfloat(rx->jitter_ts, ==, 0); /* what arrives arrives with the same delay */
  g_clear_pointer(&a, media_stream_free);
  g_clear_pointer(&b, media_stream_free);
  sim_reset();
}

static void
test_duplicates_and_reordering(void)
{
  Mb m;
  mb_world(&m, 31);
  m.dup_mod = 50;  /* #5, #55, ...: 10 duplicates */
  m.swap_mod = 25; /* #1 behind #2, #26 behind #27, ...: 20 reorderings */
  g_autoptr(MediaStream) a = stream(m.a, m.ip_a, 4000, "a", 0, NULL);
  g_autoptr(MediaStream) b = stream(m.b, m.ip_b, 6000, "b", 1, NULL);
  media_stream_set_remote(a, (SimAddr){m.ip_b, 6000}, (SimAddr){0, 0});
  call_window(a);
  sim_run(SIM_S(12));
  g_assert_cmpuint(m.duplicated, ==, 10);
  g_assert_cmpuint(m.swapped, ==, 20);
  g_assert_cmpuint(m.send_fail, ==, 0);
  const MediaRecvStats *rx = media_stream_recv_stats(b);
  g_assert_cmpuint(rx->received, ==, 500);
  g_assert_cmpuint(rx->expected, ==, 500);
  g_assert_cmpint(rx->lost, ==, 0);
  g_assert_cmpuint(rx->duplicates, ==, 10);
  g_assert_cmpuint(rx->reordered, ==, 20);
  g_assert_cmpfloat(rx->jitter_ts, >, 0); /* a packet held 20 ms moves its transit time */
  g_assert_cmpfloat_with_epsilon(rx->jitter_ms, rx->jitter_ts / 8.0, 1e-9);
  g_clear_pointer(&a, media_stream_free);
  g_clear_pointer(&b, media_stream_free);
  sim_reset();
}

/* ---- Remote changes, hold ------------------------------------------------------------------- */

typedef struct {
  MediaStream *ms; /* stream to redirect */
  SimAddr to;      /* new remote */
} Redirect;

static void
redirect_cb(void *data)
{
  Redirect *r = data;
  media_stream_set_remote(r->ms, r->to, (SimAddr){0, 0});
}

static void
test_remote_change_mid_call(void)
{
  Direct d;
  direct_world(&d, 9, 0);
  g_autoptr(MediaStream) a = stream(d.a, d.ip_a, 4000, "a", 0, NULL);
  g_autoptr(MediaStream) b1 = stream(d.b, d.ip_b, 6000, "b1", 1, NULL);
  g_autoptr(MediaStream) b2 = stream(d.b, d.ip_b, 7000, "b2", 2, NULL);
  media_stream_set_remote(a, (SimAddr){d.ip_b, 6000}, (SimAddr){0, 0});
  call_window(a);
  /* A re-INVITE at 5 s moves the media to b2: ticks 1.000..4.980 go to b1, 5.000..10.980 to b2. */
  Redirect r = {a, {d.ip_b, 7000}};
  sim_schedule_at(SIM_S(5), redirect_cb, &r);
  sim_run(SIM_S(12));
  g_assert_cmpuint(media_stream_recv_stats(b1)->received, ==, 200);
  g_assert_cmpuint(media_stream_recv_stats(b2)->received, ==, 300);
  g_assert_cmpuint(media_stream_recv_stats(b2)->lost, ==, 0);
  g_assert_cmpuint(media_stream_recv_stats(b1)->rtcp_received, >=, 1);
  g_assert_cmpuint(media_stream_recv_stats(b2)->bye_received, ==, 1);
  g_assert_cmpuint(media_stream_remote(a).port, ==, 7000);
  g_assert_cmpuint(media_stream_remote_rtcp(a).port, ==, 7001);
  g_clear_pointer(&a, media_stream_free);
  g_clear_pointer(&b1, media_stream_free);
  g_clear_pointer(&b2, media_stream_free);
  sim_reset();
}

typedef struct {
  MediaStream *ms;     /* stream */
  MediaDirection dir;  /* direction to set */
} DirChange;

static void
dir_cb(void *data)
{
  DirChange *c = data;
  media_stream_set_direction(c->ms, c->dir);
}

static void
test_hold_and_resume(void)
{
  Direct d;
  direct_world(&d, 4, 0);
  g_autoptr(MediaStream) a = stream(d.a, d.ip_a, 4000, "a", 0, NULL);
  g_autoptr(MediaStream) b = stream(d.b, d.ip_b, 6000, "b", 1, NULL);
  media_stream_set_remote(a, (SimAddr){d.ip_b, 6000}, (SimAddr){0, 0});
  media_stream_set_remote(b, (SimAddr){d.ip_a, 4000}, (SimAddr){0, 0});
  call_window(a);
  call_window(b);
  /* a=inactive from 5 s to 7 s: a sends nothing (100 ticks), b keeps sending. */
  DirChange hold = {a, MEDIA_INACTIVE}, resume = {a, MEDIA_SENDRECV};
  sim_schedule_at(SIM_S(5), dir_cb, &hold);
  sim_schedule_at(SIM_S(7), dir_cb, &resume);
  sim_run(SIM_S(12));
  g_assert_cmpuint(media_stream_send_stats(a)->packets, ==, 400);
  const MediaRecvStats *rb = media_stream_recv_stats(b);
  g_assert_cmpuint(rb->received, ==, 400);
  g_assert_cmpint(rb->lost, ==, 0); /* sequence numbers continue across the hold */
  g_assert_cmpuint(media_stream_received_between(b, SIM_MS(5100), SIM_S(7)), ==, 0);
  g_assert_cmpint(media_stream_longest_gap(b, SIM_S(1), SIM_S(11)), ==, SIM_MS(2020));
  g_assert_cmpuint(media_stream_recv_stats(a)->received, ==, 500);
  g_clear_pointer(&a, media_stream_free);
  g_clear_pointer(&b, media_stream_free);
  sim_reset();
}

/* ---- Latching across a NAT rebinding ------------------------------------------------------- */

static MediaLatch latch_mode;

static void
pbx_params(MediaStreamParams *p)
{
  p->latch = latch_mode;
}

static void
reboot_cb(void *data)
{
  router_reboot(data);
}

typedef struct {
  guint64 phone_rx_after;  /* phone: packets received in [6 s, 11 s) */
  guint64 pbx_latch_moves; /* PBX: latch set or moved */
  guint64 pbx_unexpected;  /* PBX: packets from another source */
  guint16 first_port;      /* PBX remote port after the first latch */
  guint16 final_port;      /* PBX remote port at the end */
  guint64 pbx_rx;          /* PBX: packets received */
} LatchResult;

static void
run_latch(MediaLatch mode, LatchResult *res)
{
  tu_world(21);
  g_autoptr(Config) cfg = tu_config("topology.phones=1", "nat.port_alloc=random", NULL);
  g_autoptr(GError) error = NULL;
  Topology *t = topology_build(cfg, &error);
  g_assert_no_error(error);
  latch_mode = mode;
  g_autoptr(MediaStream) phone = stream(t->phones[0].node, t->phones[0].addr, 4000, "phone", 0, NULL);
  g_autoptr(MediaStream) pbx = stream(t->pbx.node, t->pbx.addr2, 10000, "pbx", 1, pbx_params);
  media_stream_set_remote(phone, (SimAddr){t->pbx.addr2, 10000}, (SimAddr){0, 0});
  /* The PBX only knows the private address from the SDP: latching must find the public one. */
  media_stream_set_remote(pbx, (SimAddr){t->phones[0].addr, 4000}, (SimAddr){0, 0});
  call_window(phone);
  call_window(pbx);
  sim_schedule_at(SIM_S(3), reboot_cb, t->home); /* NAT state lost: a new external port */
  sim_run(SIM_MS(2500));
  res->first_port = media_stream_remote(pbx).port;
  sim_run(SIM_S(12));
  res->phone_rx_after = media_stream_received_between(phone, SIM_S(6), SIM_S(11));
  const MediaRecvStats *rx = media_stream_recv_stats(pbx);
  res->pbx_latch_moves = rx->latch_moves;
  res->pbx_unexpected = rx->unexpected;
  res->pbx_rx = rx->received;
  res->final_port = media_stream_remote(pbx).port;
  g_clear_pointer(&phone, media_stream_free);
  g_clear_pointer(&pbx, media_stream_free);
  topology_free(t);
  sim_reset();
}

static void
test_latch_strict_vs_handover(void)
{
  LatchResult strict, handover, off;
  run_latch(MEDIA_LATCH_STRICT, &strict);
  run_latch(MEDIA_LATCH_HANDOVER, &handover);
  run_latch(MEDIA_LATCH_OFF, &off);
  /* Without latching the PBX sends to the private address from the SDP: nothing arrives. */
  g_assert_cmpuint(off.phone_rx_after, ==, 0);
  g_assert_cmpuint(off.first_port, ==, 4000);
  /* Strict: latched once onto the first public port; after the rebinding its packets go to a
   * dead binding, so the phone hears nothing, while the PBX still hears the phone. */
  g_assert_cmpuint(strict.pbx_latch_moves, ==, 1);
  g_assert_cmpuint(strict.first_port, ==, strict.final_port);
  g_assert_cmpuint(strict.phone_rx_after, ==, 0);
  g_assert_cmpuint(strict.pbx_unexpected, >, 0);
  g_assert_cmpuint(strict.pbx_rx, ==, 500);
  /* Handover: after 4 packets from the new port the PBX follows it; the phone hears it again. */
  g_assert_cmpuint(handover.pbx_latch_moves, ==, 2);
  g_assert_cmpuint(handover.first_port, ==, strict.first_port);
  g_assert_cmpuint(handover.final_port, !=, handover.first_port);
  g_assert_cmpuint(handover.pbx_unexpected, ==, 4);
  g_assert_cmpuint(handover.phone_rx_after, ==, 250);
}

/* ---- Send port, unexpected sources, malformed input ------------------------------------------ */

static void
asym_params(MediaStreamParams *p)
{
  p->send_port = 4010;
}

static void
strict_params(MediaStreamParams *p)
{
  p->latch = MEDIA_LATCH_STRICT;
}

static void
test_asymmetric_send_port_breaks_latching(void)
{
  for (int asym = 0; asym < 2; asym++) {
    Direct d;
    direct_world(&d, 13, 0);
    g_autoptr(MediaStream) phone = stream(d.a, d.ip_a, 4000, "phone", 0, asym ? asym_params : NULL);
    g_autoptr(MediaStream) pbx = stream(d.b, d.ip_b, 10000, "pbx", 1, strict_params);
    media_stream_set_remote(phone, (SimAddr){d.ip_b, 10000}, (SimAddr){0, 0});
    call_window(phone);
    call_window(pbx);
    sim_run(SIM_S(12));
    const MediaRecvStats *prx = media_stream_recv_stats(phone);
    g_assert_cmpuint(media_stream_recv_stats(pbx)->received, ==, 500);
    /* The PBX latched onto where the phone sends from; the phone listens on 4000 only. */
    g_assert_cmpuint(media_stream_remote(pbx).port, ==, asym ? 4010 : 4000);
    /* The PBX knows no remote until the phone's first packet arrives (1.010 s), so it skips its
     * 1.000 s tick and sends 499 packets. */
    g_assert_cmpuint(media_stream_send_stats(pbx)->packets, ==, 499);
    g_assert_cmpuint(prx->received, ==, asym ? 0 : 499);
    g_assert_cmpuint(prx->wrong_port, ==, asym ? 499 : 0);
    g_clear_pointer(&phone, media_stream_free);
    g_clear_pointer(&pbx, media_stream_free);
    sim_reset();
  }
}

static void
reject_params(MediaStreamParams *p)
{
  p->accept_unexpected = FALSE;
}

static void
test_unexpected_source_ignored_or_accepted(void)
{
  for (int accept = 0; accept < 2; accept++) {
    Direct d;
    direct_world(&d, 17, 0);
    g_autoptr(MediaStream) a = stream(d.a, d.ip_a, 4000, "a", 0, NULL);
    g_autoptr(MediaStream) intruder = stream(d.a, d.ip_a, 5000, "x", 2, NULL);
    g_autoptr(MediaStream) b = stream(d.b, d.ip_b, 6000, "b", 1, accept ? NULL : reject_params);
    media_stream_set_remote(a, (SimAddr){d.ip_b, 6000}, (SimAddr){0, 0});
    media_stream_set_remote(intruder, (SimAddr){d.ip_b, 6000}, (SimAddr){0, 0});
    media_stream_set_remote(b, (SimAddr){d.ip_a, 4000}, (SimAddr){0, 0});
    call_window(a);
    call_window(intruder);
    sim_run(SIM_S(12));
    const MediaRecvStats *rx = media_stream_recv_stats(b);
    g_assert_cmpuint(rx->unexpected, ==, 500);
    g_assert_cmpuint(rx->ignored, ==, accept ? 0 : 500);
    g_assert_cmpuint(rx->received, ==, accept ? 1000 : 500);
    g_assert_cmpuint(rx->sources, ==, accept ? 2 : 1);
    g_assert_cmpint(rx->lost, ==, 0);
    g_clear_pointer(&a, media_stream_free);
    g_clear_pointer(&intruder, media_stream_free);
    g_clear_pointer(&b, media_stream_free);
    sim_reset();
  }
}

typedef struct {
  SimSock sock;        /* raw sender */
  SimAddr to;          /* the stream's RTP address */
  const guint8 *data;  /* bytes */
  gsize len;           /* length */
} Junk;

static void
junk_cb(void *data)
{
  Junk *j = data;
  g_assert_true(sim_udp_send(j->sock, j->to, j->data, j->len));
}

static void
test_malformed_and_non_rtp_counted(void)
{
  Direct d;
  direct_world(&d, 19, 0);
  g_autoptr(MediaStream) b = stream(d.b, d.ip_b, 6000, "b", 1, NULL);
  static const SimSockOps nops = {0};
  g_autoptr(GError) error = NULL;
  SimSock s = sim_udp_open(d.a, (SimAddr){d.ip_a, 9}, &nops, NULL, &error);
  g_assert_no_error(error);
  static const guint8 stun[20] = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42};
  static const guint8 short_rtp[12] = {0x8f, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}; /* CC=15 */
  static const guint8 bad_rtcp[8] = {0x80, 201, 0, 9, 0, 0, 0, 1};             /* length past end */
  Junk j[] = {
    {s, {d.ip_b, 6000}, stun, sizeof stun},
    {s, {d.ip_b, 6000}, short_rtp, sizeof short_rtp},
    {s, {d.ip_b, 6000}, short_rtp, sizeof short_rtp},
    {s, {d.ip_b, 6001}, bad_rtcp, sizeof bad_rtcp},
    {s, {d.ip_b, 6000}, bad_rtcp, sizeof bad_rtcp}, /* RTCP on the RTP port (RFC 5761) */
  };
  for (guint i = 0; i < G_N_ELEMENTS(j); i++)
    sim_schedule_at(SIM_MS(100 * (i + 1)), junk_cb, &j[i]);
  sim_run(SIM_S(2));
  const MediaRecvStats *rx = media_stream_recv_stats(b);
  g_assert_cmpuint(rx->non_rtp, ==, 1);
  g_assert_cmpuint(rx->malformed, ==, 2);
  g_assert_cmpuint(rx->rtcp_malformed, ==, 2);
  g_assert_cmpuint(rx->received, ==, 0);
  sim_sock_close(s);
  g_clear_pointer(&b, media_stream_free);
  sim_reset();
}

/* ---- Determinism and parameters -------------------------------------------------------------- */

static char *
trace_of_call(guint64 seed, guint32 *ssrc)
{
  Direct d;
  direct_world(&d, seed, 0);
  g_autoptr(MediaStream) a = stream(d.a, d.ip_a, 4000, "a", 0, NULL);
  g_autoptr(MediaStream) b = stream(d.b, d.ip_b, 6000, "b", 1, NULL);
  media_stream_set_remote(a, (SimAddr){d.ip_b, 6000}, (SimAddr){0, 0});
  media_stream_set_remote(b, (SimAddr){d.ip_a, 4000}, (SimAddr){0, 0});
  call_window(a);
  call_window(b);
  sim_run(SIM_S(12));
  *ssrc = media_stream_ssrc(a);
  g_clear_pointer(&a, media_stream_free);
  g_clear_pointer(&b, media_stream_free);
  char *h = sim_trace_hash();
  sim_reset();
  return h;
}

static void
test_same_seed_same_trace(void)
{
  guint32 s1, s2, s3;
  g_autofree char *h1 = trace_of_call(100, &s1);
  g_autofree char *h2 = trace_of_call(100, &s2);
  g_autofree char *h3 = trace_of_call(101, &s3);
  g_assert_cmpstr(h1, ==, h2);
  g_assert_cmpuint(s1, ==, s2);
  g_assert_cmpstr(h1, !=, h3);
  g_assert_cmpuint(s1, !=, s3);
}

static void
test_params_and_errors(void)
{
  tu_world(1);
  g_autoptr(GError) error = NULL;
  SimNode h = sim_host_new("h", &error);
  g_autoptr(Config) cfg = tu_config("media.ptime_ms=30", "media.rtcp_interval_s=2.5", NULL);
  MediaStreamParams p;
  media_stream_params_from_config(cfg, &p);
  g_assert_cmpuint(p.ptime_ms, ==, 30);
  g_assert_cmpint(p.rtcp_interval, ==, SIM_MS(2500));
  g_assert_cmpuint(p.latch_probation, ==, 4);
  p.local = (SimAddr){0, 4001}; /* odd: RTP takes the even port (RFC 3550 §11) */
  g_assert_null(media_stream_new(h, &p, &error));
  g_assert_error(error, SIM_ERROR, SIM_ERROR_INVALID);
  g_clear_error(&error);
  p.local.port = 4000;
  MediaStream *ms = media_stream_new(h, &p, &error);
  g_assert_no_error(error);
  /* The ports are taken now. */
  g_assert_null(media_stream_new(h, &p, &error));
  g_assert_nonnull(error);
  media_stream_free(ms);
  sim_reset();
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/media/call/clean-link-500-each-way-jitter-0-delay-of-link", test_clean_link_exact);
  g_test_add_func("/media/call/wire-format-marker-seq-ts-rtcp", test_wire_format);
  g_test_add_func("/media/loss/measured-equals-dropped-by-middlebox", test_loss_equals_dropped);
  g_test_add_func("/media/loss/ns3-link-loss-consistent", test_ns3_link_loss);
  g_test_add_func("/media/stats/duplicates-and-reordering", test_duplicates_and_reordering);
  g_test_add_func("/media/remote/change-mid-call-moves-media", test_remote_change_mid_call);
  g_test_add_func("/media/hold/inactive-stops-sending-seq-continues", test_hold_and_resume);
  g_test_add_func("/media/latch/strict-vs-handover-after-nat-rebinding", test_latch_strict_vs_handover);
  g_test_add_func("/media/latch/asymmetric-send-port-gets-no-audio", test_asymmetric_send_port_breaks_latching);
  g_test_add_func("/media/source/unexpected-ignored-or-accepted", test_unexpected_source_ignored_or_accepted);
  g_test_add_func("/media/input/malformed-and-non-rtp-counted", test_malformed_and_non_rtp_counted);
  g_test_add_func("/media/determinism/same-seed-same-trace", test_same_seed_same_trace);
  g_test_add_func("/media/params/config-and-port-errors", test_params_and_errors);
  return g_test_run();
}
