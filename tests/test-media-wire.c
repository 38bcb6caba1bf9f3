/* test-media-wire.c — MediaStream endpoints and what they put on the wire: SRTP over the network
 * with a byte flipped on the way, DSCP marks, a relaying media server that keeps SSRC and the
 * end-to-end delay, the sockets shared with ICE and TURN, and tshark's RTP analysis agreeing with
 * our receive statistics. */
#include <glib/gstdio.h>
#include <string.h>

#include "router.h"
#include "test-media-util.h"
#include "topology.h"

/* ---- Sharing the sockets with ICE and TURN --------------------------------------------------------- */

typedef struct {
  guint stun[3];        /* datagrams the hook took, per component */
  MediaStream *peer;    /* transmit: inject here (a relay in one step) */
  guint relayed[3];     /* datagrams handed to the transmit function, per component */
} Shared;

static gboolean
take_stun(void *ctx, MediaStream *ms, guint component, const guint8 *buf, gsize len, SimAddr from)
{
  Shared *sh = ctx;
  if (buf[0] > 3)
    return FALSE; /* not STUN (RFC 7983 §7): leave it to the stream */
  sh->stun[component]++;
  return TRUE;
}

static gboolean
relay_to_peer(void *ctx, MediaStream *ms, guint component, SimAddr to, const guint8 *buf, gsize len)
{
  Shared *sh = ctx;
  sh->relayed[component]++;
  media_stream_inject(sh->peer, component, buf, len, (SimAddr){ip("198.51.100.11"), 50000});
  return TRUE;
}

/* The datagram hook takes STUN from both sockets before the stream sees it; send_datagram()
 * sends from the component's socket; with a transmit function every RTP and RTCP packet goes
 * through it (nothing leaves the sockets) and inject() delivers to the far stream. */
static void
test_shared_sockets_for_ice(void)
{
  Direct d;
  direct_world(&d, 29, 0);
  g_autoptr(MediaStream) a = stream(d.a, d.ip_a, 6000, "a", 1, NULL);
  g_autoptr(MediaStream) b = stream(d.b, d.ip_b, 7000, "b", 2, NULL);
  Shared sh = {.peer = b};
  media_stream_set_datagram_hook(b, take_stun, &sh);
  static const guint8 stun[20] = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42};
  static const guint8 dtls[13] = {22, 0xfe, 0xfd}; /* 20-63: not STUN, the hook declines */
  g_assert_true(media_stream_send_datagram(a, 1, (SimAddr){d.ip_b, 7000}, stun, sizeof stun));
  g_assert_true(media_stream_send_datagram(a, 2, (SimAddr){d.ip_b, 7001}, stun, sizeof stun));
  g_assert_true(media_stream_send_datagram(a, 1, (SimAddr){d.ip_b, 7000}, dtls, sizeof dtls));
  sim_run(SIM_S(1));
  g_assert_cmpuint(sh.stun[1], ==, 1);
  g_assert_cmpuint(sh.stun[2], ==, 1);
  g_assert_cmpuint(media_stream_recv_stats(b)->non_rtp + media_stream_recv_stats(b)->malformed, ==, 1);
  /* Relayed media: 10 s of RTP from a reaches b only through the transmit function. */
  media_stream_set_transmit(a, relay_to_peer, &sh);
  media_stream_set_remote(a, (SimAddr){ip("203.0.113.99"), 9000}, (SimAddr){0, 0}); /* unreachable */
  media_stream_start(a);
  sim_run(SIM_S(11));
  media_stream_stop(a);
  sim_run(SIM_S(12));
  const MediaSendStats *tx = media_stream_send_stats(a);
  g_assert_cmpuint(tx->packets, >=, 500); /* 1 s .. 11 s at 20 ms, both ends included */
  g_assert_cmpuint(tx->packets, <=, 501);
  g_assert_cmpuint(sh.relayed[1], ==, tx->packets);
  g_assert_cmpuint(sh.relayed[2], ==, tx->rtcp_packets);
  g_assert_cmpuint(media_stream_recv_stats(b)->received, ==, tx->packets);
  g_assert_cmpuint(media_stream_recv_stats(b)->rtcp_received, ==, tx->rtcp_packets);
  g_clear_pointer(&a, media_stream_free);
  g_clear_pointer(&b, media_stream_free);
  sim_reset();
}

/* ---- SRTP over the network ------------------------------------------------------------------- */

static void
test_srtp_call_and_flipped_byte(void)
{
  /* Three runs: SRTP clean, SRTP with a byte of the RTP timestamp changed in 1 of 10 packets (as
   * a rewriting middlebox would), and plain RTP with the same change (nobody notices). */
  for (int run = 0; run < 3; run++) {
    gboolean srtp = run < 2, flip = run > 0;
    Mb m;
    mb_world(&m, 23);
    if (flip) {
      m.flip_mod = 10; /* #7, #17, ..., #497: 50 packets */
      m.flip_off = 6;  /* a timestamp byte: header, covered by the tag */
    }
    g_autoptr(MediaStream) a = stream(m.a, m.ip_a, 4000, "a", 0, NULL);
    g_autoptr(MediaStream) b = stream(m.b, m.ip_b, 6000, "b", 1, NULL);
    media_stream_set_remote(a, (SimAddr){m.ip_b, 6000}, (SimAddr){0, 0});
    media_stream_set_remote(b, (SimAddr){m.ip_a, 4000}, (SimAddr){0, 0});
    if (srtp) {
      SrtpKeys ka, kb;
      GRand *r = sim_rand_new(SIM_STREAM_MEDIA_KEYS);
      srtp_keys_generate(r, &ka);
      srtp_keys_generate(r, &kb);
      g_rand_free(r);
      /* SDES: each side sends with its own key and receives with the peer's (RFC 4568 §6.1). */
      g_autofree char *offer = srtp_crypto_attr_format(1, &ka);
      SrtpKeys parsed;
      guint tag;
      g_assert_cmpint(srtp_crypto_attr_parse(offer, strlen(offer), &tag, &parsed), ==, 1);
      media_stream_set_srtp(a, &ka, &kb);
      media_stream_set_srtp(b, &kb, &parsed);
    }
    call_window(a);
    call_window(b);
    sim_run(SIM_S(12));
    const MediaRecvStats *rb = media_stream_recv_stats(b);
    const MediaRecvStats *ra = media_stream_recv_stats(a);
    g_assert_cmpuint(m.flipped, ==, flip ? 50 : 0);
    g_assert_cmpuint(ra->received, ==, 500);
    g_assert_cmpuint(ra->srtp_auth_fail + ra->srtcp_auth_fail, ==, 0);
    g_assert_cmpuint(rb->srtcp_auth_fail, ==, 0);
    g_assert_cmpuint(rb->rtcp_received, >=, 2);
    if (srtp && flip) {
      g_assert_cmpuint(rb->srtp_auth_fail, ==, 50);
      g_assert_cmpuint(rb->received, ==, 450);
      g_assert_cmpint(rb->lost, ==, 50);
    } else {
      g_assert_cmpuint(rb->srtp_auth_fail, ==, 0);
      g_assert_cmpuint(rb->received, ==, 500);
    }
    /* The send-time stamp survives encryption: delay is measured under SRTP too. */
    g_assert_cmpuint(rb->timed, ==, rb->received);
    g_clear_pointer(&a, media_stream_free);
    g_clear_pointer(&b, media_stream_free);
    sim_reset();
  }
}

static void
ef_params(MediaStreamParams *p)
{
  p->tos = 46 << 2; /* DSCP EF (RFC 3246) */
}

static void
test_dscp_marking(void)
{
  Mb m;
  mb_world(&m, 29);
  g_autoptr(MediaStream) a = stream(m.a, m.ip_a, 4000, "a", 0, ef_params);
  media_stream_set_remote(a, (SimAddr){m.ip_b, 6000}, (SimAddr){0, 0});
  call_window(a);
  sim_run(SIM_S(2));
  g_assert_cmpuint(m.rtp_from_a, >, 0);
  g_assert_cmphex(m.tos_seen, ==, 0xb8);
  g_clear_pointer(&a, media_stream_free);
  sim_reset();
}

/* ---- Relay ----------------------------------------------------------------------------------- */

static void
relay_hook(void *ctx, MediaStream *ms, const guint8 *rtp, gsize len, SimAddr from)
{
  g_assert_true(media_stream_send_rtp_raw(ctx, rtp, len));
}

static void
test_relay_keeps_ssrc_and_end_to_end_delay(void)
{
  /* A (10.0.1.1) -- P (10.0.1.2 | 10.0.2.2) -- B (10.0.2.1), 5 ms per link.  P relays between
   * two legs as a PBX media server does; A's leg is SRTP, B's leg plain RTP. */
  tu_world(37);
  g_autoptr(GError) error = NULL;
  SimNode na = sim_host_new("a", &error), np = sim_host_new("p", &error), nb = sim_host_new("b", &error);
  SimLinkParams lp = {.rate_ab_bps = RATE_BPS, .rate_ba_bps = RATE_BPS, .delay = SIM_MS(5)};
  SimDev da, dpa, dpb, db;
  g_assert_true(sim_link_new(na, np, &lp, &da, &dpa, &error));
  g_assert_true(sim_link_new(np, nb, &lp, &dpb, &db, &error));
  guint32 ia = ip("10.0.1.1"), ipa = ip("10.0.1.2"), ipb = ip("10.0.2.2"), ib = ip("10.0.2.1");
  g_assert_true(sim_host_add_address(da, ia, 24, &error));
  g_assert_true(sim_host_add_address(dpa, ipa, 24, &error));
  g_assert_true(sim_host_add_address(dpb, ipb, 24, &error));
  g_assert_true(sim_host_add_address(db, ib, 24, &error));
  g_assert_true(sim_host_add_route(na, 0, 0, 0, da, &error));
  g_assert_true(sim_host_add_route(nb, 0, 0, 0, db, &error));
  g_assert_no_error(error);
  g_autoptr(MediaStream) a = stream(na, ia, 4000, "a", 0, NULL);
  g_autoptr(MediaStream) b = stream(nb, ib, 6000, "b", 1, NULL);
  g_autoptr(MediaStream) leg_a = stream(np, ipa, 20000, "leg-a", 2, NULL);
  g_autoptr(MediaStream) leg_b = stream(np, ipb, 20002, "leg-b", 3, NULL);
  media_stream_set_remote(a, (SimAddr){ipa, 20000}, (SimAddr){0, 0});
  media_stream_set_remote(leg_a, (SimAddr){ia, 4000}, (SimAddr){0, 0});
  media_stream_set_remote(leg_b, (SimAddr){ib, 6000}, (SimAddr){0, 0});
  media_stream_set_remote(b, (SimAddr){ipb, 20002}, (SimAddr){0, 0});
  SrtpKeys ka, kp;
  GRand *r = sim_rand_new(SIM_STREAM_MEDIA_KEYS);
  srtp_keys_generate(r, &ka);
  srtp_keys_generate(r, &kp);
  g_rand_free(r);
  media_stream_set_srtp(a, &ka, &kp);
  media_stream_set_srtp(leg_a, &kp, &ka);
  media_stream_set_rtp_hook(leg_a, relay_hook, leg_b);
  media_stream_set_rtp_hook(leg_b, relay_hook, leg_a);
  call_window(a);
  call_window(b);
  sim_run(SIM_S(12));
  SimTime two_hops = 2 * (SIM_MS(5) + tx_ns(12 + 160, RATE_BPS));
  SimTime two_hops_srtp = SIM_MS(10) + tx_ns(12 + 160 + 10, RATE_BPS) + tx_ns(12 + 160, RATE_BPS);
  const MediaRecvStats *rb = media_stream_recv_stats(b);
  const MediaRecvStats *ra = media_stream_recv_stats(a);
  g_assert_cmpuint(rb->received, ==, 500);
  g_assert_cmpuint(ra->received, ==, 500);
  g_assert_cmpint(rb->lost + ra->lost, ==, 0);
  g_assert_cmpuint(ra->srtp_auth_fail, ==, 0);
  g_assert_cmpuint(media_stream_recv_stats(leg_a)->srtp_auth_fail, ==, 0);
  g_assert_cmpuint(media_stream_send_stats(leg_b)->packets, ==, 500);
  /* The SSRC is A's, and the delay is measured from A's send time. */
  g_assert_cmpuint(rb->sources, ==, 1);
  g_assert_cmpfloat_with_epsilon(rb->delay_min_ms, two_hops_srtp / 1e6, 1e-9);
  g_assert_cmpfloat_with_epsilon(rb->delay_max_ms, two_hops_srtp / 1e6, 1e-9);
  g_assert_cmpfloat(rb->delay_min_ms, >, two_hops / 1e6);
  g_assert_cmpfloat(rb->jitter_ts, ==, 0);
  g_clear_pointer(&a, media_stream_free);
  g_clear_pointer(&b, media_stream_free);
  g_clear_pointer(&leg_a, media_stream_free);
  g_clear_pointer(&leg_b, media_stream_free);
  sim_reset();
}

/* ---- Cross-check with Wireshark -------------------------------------------------------------- */

/* tshark's RTP stream analysis of our pcap agrees with our receivers: 500 packets each way, no
 * loss, 20 ms spacing, zero jitter, no problems flagged.  Skipped when tshark is absent. */
static void
test_tshark_agrees(void)
{
  if (!tu_have_tshark()) {
    g_test_skip("tshark not installed");
    return;
  }
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp("media-XXXXXX", &error);
  g_assert_no_error(error);
  g_autofree char *pcap = g_build_filename(dir, "a.pcap", NULL);
  Direct d;
  direct_world(&d, 41, 0);
  g_autoptr(MediaStream) a = stream(d.a, d.ip_a, 4000, "a", 0, NULL);
  g_autoptr(MediaStream) b = stream(d.b, d.ip_b, 6000, "b", 1, NULL);
  media_stream_set_remote(a, (SimAddr){d.ip_b, 6000}, (SimAddr){0, 0});
  media_stream_set_remote(b, (SimAddr){d.ip_a, 4000}, (SimAddr){0, 0});
  g_assert_true(sim_pcap_enable(d.dev_a, pcap, &error));
  call_window(a);
  call_window(b);
  sim_run(SIM_S(12));
  g_clear_pointer(&a, media_stream_free);
  g_clear_pointer(&b, media_stream_free);
  sim_reset(); /* closes the pcap */
  g_autofree char *args = g_strdup_printf("-r '%s' -d udp.port==4000,rtp -d udp.port==6000,rtp -d udp.port==4001,rtcp "
                                          "-d udp.port==6001,rtcp -q -z rtp,streams", pcap);
  g_autofree char *out = tu_tshark(args);
  g_test_message("%s", out);
  g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
  guint streams = 0;
  for (char **l = lines; *l; l++) {
    if (!strstr(*l, "g711U"))
      continue;
    g_auto(GStrv) f = g_strsplit_set(g_strstrip(*l), " ", -1);
    GPtrArray *cols = g_ptr_array_new();
    for (char **c = f; *c; c++)
      if (**c)
        g_ptr_array_add(cols, *c);
    /* start end src sport dst dport ssrc payload pkts lost (pct) mindelta meandelta maxdelta
     * minjitter meanjitter maxjitter [problems] */
    g_assert_cmpuint(cols->len, ==, 17);
    g_assert_cmpstr(cols->pdata[8], ==, "500");
    g_assert_cmpstr(cols->pdata[9], ==, "0");
    g_assert_cmpstr(cols->pdata[11], ==, "20.000");
    g_assert_cmpstr(cols->pdata[13], ==, "20.000");
    g_assert_cmpstr(cols->pdata[16], ==, "0.000");
    g_ptr_array_free(cols, TRUE);
    streams++;
  }
  g_assert_cmpuint(streams, ==, 2);
  g_remove(pcap);
  g_rmdir(dir);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/media/ice/shared-sockets-hook-send-transmit-inject", test_shared_sockets_for_ice);
  g_test_add_func("/media/srtp/round-trip-and-flipped-byte-discarded", test_srtp_call_and_flipped_byte);
  g_test_add_func("/media/dscp/ef-marking-on-the-wire", test_dscp_marking);
  g_test_add_func("/media/relay/keeps-ssrc-and-end-to-end-delay", test_relay_keeps_ssrc_and_end_to_end_delay);
  g_test_add_func("/media/tshark/rtp-stream-analysis-agrees", test_tshark_agrees);
  return g_test_run();
}
