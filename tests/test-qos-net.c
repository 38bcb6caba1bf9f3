/* test-qos-net.c — the uplink queue and cross traffic through the whole topology: a voice probe's
 * upstream delay under a saturating TCP bulk upload on a 1 Mbit/s access link, with a large FIFO
 * (bufferbloat), strict priority by DSCP, and fq_codel; plus the cross-traffic generators on their
 * own (UDP up, down through the NAT, on/off; TCP download) and their configuration errors. */
#include <string.h>

#include "qos/cross.h"
#include "qos/queue.h"
#include "test-util.h"
#include "topology.h"

/* One run: the assignments in `sets` (NULL-terminated) on top of a 1 Mbit/s up, 10 Mbit/s down
 * access link with short propagation delays, run until `until_s`. */
typedef struct {
  CrossFlowStats flows[CROSS_N_FLOWS]; /* copies of every flow's statistics at the end */
  char *trace_hash;                    /* hash of the whole trace */
} RunResult;

static void
run_result_clear(RunResult *r)
{
  g_free(r->trace_hash);
}

static void
run(guint64 seed, const char *const *sets, double until_s, RunResult *out)
{
  tu_world(seed);
  g_autoptr(Config) cfg = tu_config("access.up_kbps=1000", "access.down_kbps=10000",
                                    "access.up_delay_ms=5", "access.down_delay_ms=5",
                                    "core.delay_ms=5", NULL);
  g_autoptr(GError) error = NULL;
  for (guint i = 0; sets && sets[i]; i++)
    g_assert_true(cfg_set_arg(cfg, sets[i], &error));
  Topology *topo = topology_build(cfg, &error);
  g_assert_no_error(error);
  CrossTraffic *ct = cross_start(cfg, topo, &error);
  g_assert_no_error(error);
  sim_run(SIM_TIME_FROM_S(until_s));
  for (guint i = 0; i < CROSS_N_FLOWS; i++)
    out->flows[i] = *cross_stats(ct, (CrossFlowId)i);
  out->trace_hash = sim_trace_hash();
  cross_free(ct);
  topology_free(topo);
  sim_reset();
}

static void
print_flow(const char *label, const CrossFlowStats *s)
{
  g_test_message("%s %s: tx %" G_GUINT64_FORMAT " B, rx %" G_GUINT64_FORMAT " B, goodput %.0f "
                 "kbit/s, pkts %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT ", loss %.3f, delay mean "
                 "%.1f ms max %.1f ms",
                 label, s->name, s->tx_bytes, s->rx_bytes, s->goodput_bps / 1e3, s->rx_pkts,
                 s->tx_pkts, s->loss_ratio, s->delay_mean_ms, s->delay_max_ms);
}

/* The probe starts once the upload has filled the buffer, and both stop at 20 s. */
#define LOADED(queue)                                                                        \
  (const char *const[])                                                                      \
  {                                                                                          \
    "router.uplink_queue=" queue, "cross.bulk_upload=true", "cross.bulk_upload_stop_s=20",  \
      "cross.voice_probe=true", "cross.voice_probe_start_s=5", "cross.voice_probe_stop_s=20", \
      NULL                                                                                   \
  }

static void
test_voice_delay_under_upload_by_queue(void)
{
  RunResult fifo = {0}, prio = {0}, fq = {0}, idle = {0};
  run(11, LOADED("fifo"), 22, &fifo);
  run(11, LOADED("priority"), 22, &prio);
  run(11, LOADED("fq_codel"), 22, &fq);
  run(11,
      (const char *const[]){"cross.voice_probe=true", "cross.voice_probe_start_s=5",
                            "cross.voice_probe_stop_s=20", NULL},
      22, &idle);
  RunResult *all[] = {&fifo, &prio, &fq, &idle};
  const char *labels[] = {"fifo", "priority", "fq_codel", "idle"};
  for (guint i = 0; i < G_N_ELEMENTS(all); i++) {
    print_flow(labels[i], &all[i]->flows[CROSS_FLOW_BULK_UPLOAD]);
    print_flow(labels[i], &all[i]->flows[CROSS_FLOW_VOICE_UP]);
    print_flow(labels[i], &all[i]->flows[CROSS_FLOW_VOICE_DOWN]);
  }
  const CrossFlowStats *vf = &fifo.flows[CROSS_FLOW_VOICE_UP];
  const CrossFlowStats *vp = &prio.flows[CROSS_FLOW_VOICE_UP];
  const CrossFlowStats *vq = &fq.flows[CROSS_FLOW_VOICE_UP];
  const CrossFlowStats *vi = &idle.flows[CROSS_FLOW_VOICE_UP];

  /* Unloaded: propagation (0.1 + 5 + 5 ms) plus serialisation; nothing lost. */
  g_assert_cmpfloat(vi->delay_mean_ms, >, 10.0);
  g_assert_cmpfloat(vi->delay_max_ms, <, 20.0);
  g_assert_cmpuint(vi->rx_pkts, ==, vi->tx_pkts);
  g_assert_cmpuint(vi->tx_pkts, >=, 749);

  /* Bufferbloat: the upload's window sits in the 1000-packet FIFO in front of the voice. */
  g_assert_cmpfloat(vf->delay_mean_ms, >, 200.0);
  /* Strict priority and fq_codel keep the voice near its unloaded delay: at most a full-size
   * packet's transmission time (12 ms at 1 Mbit/s) or two ahead of it. */
  g_assert_cmpfloat(vp->delay_mean_ms, <, 30.0);
  g_assert_cmpfloat(vq->delay_mean_ms, <, 30.0);
  g_assert_cmpfloat(vf->delay_mean_ms, >, 5 * MAX(vp->delay_mean_ms, vq->delay_mean_ms));
  g_assert_cmpfloat(vp->delay_max_ms, <, 60.0);
  g_assert_cmpfloat(vq->delay_max_ms, <, 60.0);
  /* The voice is not lost either way with QoS; the downstream is unaffected by the upload. */
  g_assert_cmpfloat(vp->loss_ratio, <, 0.01);
  g_assert_cmpfloat(vq->loss_ratio, <, 0.01);
  g_assert_cmpuint(vp->rx_pkts, >=, 700);
  g_assert_cmpuint(vq->rx_pkts, >=, 700);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpfloat(all[i]->flows[CROSS_FLOW_VOICE_DOWN].delay_mean_ms, <, 30.0);

  /* The upload still gets most of the link (voice takes about 90 kbit/s with PPP framing). */
  for (guint i = 0; i < 3; i++)
    g_assert_cmpfloat(all[i]->flows[CROSS_FLOW_BULK_UPLOAD].goodput_bps, >, 650e3);
  for (guint i = 0; i < G_N_ELEMENTS(all); i++)
    run_result_clear(all[i]);
}

static void
test_udp_streams_and_bulk_download(void)
{
  RunResult up = {0}, down = {0}, bulk = {0};
  /* 400 kbit/s of 1000-byte datagrams up a 1 Mbit/s link: every datagram arrives. */
  run(12, (const char *const[]){"cross.udp_rate_kbps=400", "cross.udp_packet_bytes=1000",
                                "cross.udp_start_s=1", "cross.udp_stop_s=11", "cross.udp_dscp=10",
                                NULL},
      12, &up);
  const CrossFlowStats *u = &up.flows[CROSS_FLOW_UDP];
  print_flow("up", u);
  g_assert_true(u->enabled && u->upstream);
  g_assert_cmpuint(u->tx_pkts, ==, 500); /* 10 s at 50 datagrams/s */
  g_assert_cmpuint(u->rx_pkts, ==, u->tx_pkts);
  g_assert_cmpuint(u->lost, ==, 0);
  g_assert_cmpfloat(u->goodput_bps, >, 0.9 * 400e3 * 972 / 1000);

  /* Downstream through the NAT: the LAN host's hello opens the binding, the server latches. */
  run(12, (const char *const[]){"cross.udp_rate_kbps=2000", "cross.udp_direction=down",
                                "cross.udp_stop_s=10", NULL},
      11, &down);
  const CrossFlowStats *d = &down.flows[CROSS_FLOW_UDP];
  print_flow("down", d);
  g_assert_false(d->upstream);
  g_assert_cmpuint(d->rx_pkts, >, 0.95 * d->tx_pkts);
  g_assert_cmpuint(d->tx_pkts, >, 2000);
  g_assert_cmpfloat(d->delay_mean_ms, <, 30.0);

  run(12, (const char *const[]){"cross.bulk_download=true", "cross.bulk_download_start_s=1",
                                "cross.bulk_download_stop_s=11", NULL},
      13, &bulk);
  const CrossFlowStats *b = &bulk.flows[CROSS_FLOW_BULK_DOWNLOAD];
  print_flow("bulk", b);
  g_assert_false(b->upstream);
  g_assert_cmpfloat(b->goodput_bps, >, 0.7 * 10e6);
  g_assert_cmpfloat(b->goodput_bps, <, 10e6);
  g_assert_cmpuint(b->rx_bytes, <=, b->tx_bytes);
  run_result_clear(&up);
  run_result_clear(&down);
  run_result_clear(&bulk);
}

static void
test_onoff_source_is_seeded_and_halves_the_rate(void)
{
  const char *const sets[] = {"cross.udp_rate_kbps=200", "cross.udp_on_s=0.5", "cross.udp_off_s=0.5",
                              "cross.udp_stop_s=60", NULL};
  RunResult a = {0}, b = {0}, c = {0};
  run(21, sets, 61, &a);
  run(21, sets, 61, &b);
  run(22, sets, 61, &c);
  const CrossFlowStats *s = &a.flows[CROSS_FLOW_UDP];
  print_flow("onoff", s);
  /* Same seed: byte-identical traces; another seed: other on/off periods. */
  g_assert_cmpstr(a.trace_hash, ==, b.trace_hash);
  g_assert_cmpstr(a.trace_hash, !=, c.trace_hash);
  g_assert_cmpuint(a.flows[CROSS_FLOW_UDP].tx_pkts, ==, b.flows[CROSS_FLOW_UDP].tx_pkts);
  /* Always on would be 60 s x 25 datagrams/s = 1500; on half the time on average. */
  g_assert_cmpuint(s->tx_pkts, >, 500);
  g_assert_cmpuint(s->tx_pkts, <, 1000);
  g_assert_cmpuint(s->rx_pkts, ==, s->tx_pkts);
  run_result_clear(&a);
  run_result_clear(&b);
  run_result_clear(&c);
}

static void
test_cross_config_errors_name_the_key(void)
{
  static const struct {
    const char *set;  /* the bad assignment */
    const char *key;  /* expected in the message */
  } cases[] = {
    {"cross.voice_probe_server=192.0.2.99", "voice_probe_server"},
    {"cross.bulk_upload_stop_s=0.5", "bulk_upload_stop_s"},
    {"cross.udp_on_s=1", "udp_off_s"},
    {"cross.voice_probe_phone=3", "voice_probe_phone"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    tu_world(1);
    g_autoptr(Config) cfg = tu_config("cross.voice_probe=true", "cross.bulk_upload=true",
                                      "cross.bulk_upload_start_s=1", "cross.udp_rate_kbps=10",
                                      cases[i].set, NULL);
    g_autoptr(GError) error = NULL;
    Topology *topo = topology_build(cfg, &error);
    g_assert_no_error(error);
    CrossTraffic *ct = cross_start(cfg, topo, &error);
    g_assert_null(ct);
    g_assert_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE);
    g_test_message("%s -> %s", cases[i].set, error->message);
    g_assert_nonnull(strstr(error->message, cases[i].key));
    topology_free(topo);
    sim_reset();
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/qos/net/voice-delay-under-upload-bloats-with-fifo-not-with-qos",
                  test_voice_delay_under_upload_by_queue);
  g_test_add_func("/qos/net/udp-up-down-and-tcp-download-deliver",
                  test_udp_streams_and_bulk_download);
  g_test_add_func("/qos/net/onoff-udp-is-seeded-and-on-half-the-time",
                  test_onoff_source_is_seeded_and_halves_the_rate);
  g_test_add_func("/qos/net/cross-config-errors-name-the-key",
                  test_cross_config_errors_name_the_key);
  return g_test_run();
}
