/* test-queue.c — unit tests of the uplink queues (models/qos/queue.c, fq_codel.c): drop-tail
 * limits and order, strict priority by DSCP and by LAN host, fq_codel flow isolation, CoDel's
 * drop state machine (RFC 8289), limits and counters, and malformed packets.  Packets are raw
 * IPv4/UDP bytes built here; time is passed explicitly, so no simulation runs. */
#include <string.h>

#include "qos/queue.h"
#include "test-util.h"

#define LAN_A 0xc0a80132u /* 192.168.1.50 */
#define LAN_B 0xc0a80164u /* 192.168.1.100 */
#define SERVER 0xc6336410u /* 198.51.100.16 */

/* A g_malloc'd IPv4/UDP packet of `len` bytes (>= 32) whose payload starts with `tag`. */
static guint8 *
udp_packet(guint32 src, guint16 sport, guint16 dport, guint8 dscp, gsize len, guint32 tag)
{
  g_assert_cmpuint(len, >=, 32);
  guint8 *p = g_malloc0(len);
  p[0] = 0x45;
  p[1] = (guint8)(dscp << 2);
  p[2] = (guint8)(len >> 8);
  p[3] = (guint8)len;
  p[8] = 64;
  p[9] = 17;
  for (int i = 0; i < 4; i++) {
    p[12 + i] = (guint8)(src >> (24 - 8 * i));
    p[16 + i] = (guint8)(SERVER >> (24 - 8 * i));
  }
  p[20] = (guint8)(sport >> 8);
  p[21] = (guint8)sport;
  p[22] = (guint8)(dport >> 8);
  p[23] = (guint8)dport;
  p[24] = (guint8)((len - 20) >> 8);
  p[25] = (guint8)(len - 20);
  for (int i = 0; i < 4; i++)
    p[28 + i] = (guint8)(tag >> (24 - 8 * i));
  return p;
}

static guint32
packet_tag(const guint8 *p)
{
  return (guint32)p[28] << 24 | (guint32)p[29] << 16 | (guint32)p[30] << 8 | p[31];
}

/* Dequeue one packet and return its tag, or -1 if the queue was empty. */
static gint64
pop_tag(Queue *q, SimTime now)
{
  gsize len = 0;
  g_autofree guint8 *p = queue_dequeue(q, &len, now);
  if (!p)
    return -1;
  g_assert_cmpuint(len, >=, 32);
  return packet_tag(p);
}

static QueueParams
params(QueueKind kind, guint32 limit_pkts, guint32 limit_bytes)
{
  QueueParams p = {.kind = kind, .limit_pkts = limit_pkts, .limit_bytes = limit_bytes};
  return p;
}

/* ---- FIFO ------------------------------------------------------------------------------------ */

static void
test_fifo_order_and_packet_limit(void)
{
  tu_world(1);
  QueueParams p = params(QUEUE_FIFO, 5, 0);
  Queue *q = queue_new(&p);
  for (guint32 i = 0; i < 8; i++) {
    gboolean ok = queue_enqueue(q, udp_packet(LAN_A, 1000, 2000, 0, 100, i), 100, LAN_A, 0);
    g_assert_cmpint(ok, ==, i < 5);
  }
  g_assert_cmpuint(queue_len_pkts(q), ==, 5);
  g_assert_cmpuint(queue_len_bytes(q), ==, 500);
  for (guint32 i = 0; i < 5; i++)
    g_assert_cmpint(pop_tag(q, 0), ==, i);
  g_assert_cmpint(pop_tag(q, 0), ==, -1);
  const QueueStats *s = queue_stats(q);
  g_assert_cmpuint(s->enqueued, ==, 5);
  g_assert_cmpuint(s->dequeued, ==, 5);
  g_assert_cmpuint(s->dropped_full, ==, 3);
  g_assert_cmpuint(s->dropped_codel, ==, 0);
  g_assert_cmpuint(s->max_pkts, ==, 5);
  g_assert_cmpuint(s->max_bytes, ==, 500);
  queue_free(q);
}

static void
test_fifo_byte_limit(void)
{
  tu_world(1);
  QueueParams p = params(QUEUE_FIFO, 0, 1000);
  Queue *q = queue_new(&p);
  g_assert_true(queue_enqueue(q, udp_packet(LAN_A, 1, 2, 0, 300, 0), 300, 0, 0));
  g_assert_true(queue_enqueue(q, udp_packet(LAN_A, 1, 2, 0, 300, 1), 300, 0, 0));
  g_assert_true(queue_enqueue(q, udp_packet(LAN_A, 1, 2, 0, 300, 2), 300, 0, 0));
  g_assert_false(queue_enqueue(q, udp_packet(LAN_A, 1, 2, 0, 300, 3), 300, 0, 0));
  /* bfifo semantics: backlog + len <= limit is accepted, exactly filling the buffer. */
  g_assert_true(queue_enqueue(q, udp_packet(LAN_A, 1, 2, 0, 100, 4), 100, 0, 0));
  g_assert_false(queue_enqueue(q, udp_packet(LAN_A, 1, 2, 0, 40, 5), 40, 0, 0));
  g_assert_cmpuint(queue_len_bytes(q), ==, 1000);
  g_assert_cmpuint(queue_stats(q)->dropped_full, ==, 2);
  guint32 want[] = {0, 1, 2, 4};
  for (guint i = 0; i < G_N_ELEMENTS(want); i++)
    g_assert_cmpint(pop_tag(q, 0), ==, want[i]);
  g_assert_cmpuint(queue_len_bytes(q), ==, 0);
  queue_free(q);
}

static void
test_fifo_default_config_is_1000_packets(void)
{
  tu_world(1);
  g_autoptr(Config) cfg = tu_config(NULL, NULL);
  g_autoptr(GError) error = NULL;
  QueueParams p;
  g_assert_true(queue_params_from_config(cfg, &p, &error));
  g_assert_cmpint(p.kind, ==, QUEUE_FIFO);
  Queue *q = queue_new(&p);
  guint accepted = 0;
  for (guint32 i = 0; i < 1200; i++)
    accepted += queue_enqueue(q, udp_packet(LAN_A, 1, 2, 0, 1500, i), 1500, 0, 0);
  g_assert_cmpuint(accepted, ==, 1000);
  /* 1000 full-size packets at 1 Mbit/s are 12 s of queueing: bufferbloat. */
  g_assert_cmpuint(queue_len_bytes(q) * 8 / 1000000, ==, 12);
  queue_free(q);
}

/* ---- Strict priority ------------------------------------------------------------------------- */

static void
test_priority_dscp_classes(void)
{
  static const struct {
    guint8 dscp;   /* DSCP of the packet */
    gboolean high; /* expected in the high band */
    const char *ref;
  } cases[] = {
    {46, TRUE, "EF, RFC 3246"},       {40, TRUE, "CS5, RFC 2474"},
    {48, TRUE, "CS6"},                {56, TRUE, "CS7"},
    {0, FALSE, "default"},            {34, FALSE, "AF41 video"},
    {26, FALSE, "AF31"},              {8, FALSE, "CS1 lower effort"},
    {47, FALSE, "not EF"},            {45, FALSE, "not EF"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    tu_world(1);
    QueueParams p = params(QUEUE_PRIORITY, 100, 0);
    Queue *q = queue_new(&p);
    /* Three best-effort packets first, then the packet under test. */
    for (guint32 k = 0; k < 3; k++)
      g_assert_true(queue_enqueue(q, udp_packet(LAN_B, 1, 2, 0, 1500, k), 1500, LAN_B, 0));
    g_assert_true(queue_enqueue(q, udp_packet(LAN_A, 3, 4, cases[i].dscp, 200, 99), 200, LAN_A, 0));
    gint64 first = pop_tag(q, 0);
    g_test_message("DSCP %u (%s): first out %" G_GINT64_FORMAT, cases[i].dscp, cases[i].ref, first);
    g_assert_cmpint(first, ==, cases[i].high ? 99 : 0);
    queue_free(q);
  }
}

static void
test_priority_serves_high_band_first(void)
{
  tu_world(1);
  QueueParams p = params(QUEUE_PRIORITY, 100, 0);
  Queue *q = queue_new(&p);
  guint8 dscps[] = {0, 0, 46, 0, 48, 46};
  for (guint32 i = 0; i < G_N_ELEMENTS(dscps); i++)
    g_assert_true(queue_enqueue(q, udp_packet(LAN_A, 1, 2, dscps[i], 200, i), 200, LAN_A, 0));
  /* High band in arrival order, then best effort in arrival order. */
  guint32 want[] = {2, 4, 5, 0, 1, 3};
  for (guint i = 0; i < G_N_ELEMENTS(want); i++)
    g_assert_cmpint(pop_tag(q, 0), ==, want[i]);
  g_assert_cmpint(pop_tag(q, 0), ==, -1);
  queue_free(q);
}

static void
test_priority_by_host(void)
{
  tu_world(1);
  g_autoptr(Config) cfg = tu_config("router.uplink_queue=priority", "queue.priority_by=host",
                                    "queue.priority_hosts=192.168.1.50", NULL);
  g_autoptr(GError) error = NULL;
  QueueParams p;
  g_assert_true(queue_params_from_config(cfg, &p, &error));
  g_assert_no_error(error);
  Queue *q = queue_new(&p);
  /* DSCP does not matter here: only the LAN source does.  Tag 2 has no lan_src, so the packet's
   * own source address decides. */
  g_assert_true(queue_enqueue(q, udp_packet(SERVER, 1, 2, 46, 200, 0), 200, LAN_B, 0));
  g_assert_true(queue_enqueue(q, udp_packet(SERVER, 1, 2, 0, 200, 1), 200, LAN_A, 0));
  g_assert_true(queue_enqueue(q, udp_packet(LAN_A, 1, 2, 0, 200, 2), 200, 0, 0));
  g_assert_true(queue_enqueue(q, udp_packet(LAN_B, 1, 2, 0, 200, 3), 200, 0, 0));
  guint32 want[] = {1, 2, 0, 3};
  for (guint i = 0; i < G_N_ELEMENTS(want); i++)
    g_assert_cmpint(pop_tag(q, 0), ==, want[i]);
  queue_free(q);
}

static void
test_priority_limits_per_band(void)
{
  tu_world(1);
  QueueParams p = params(QUEUE_PRIORITY, 2, 0);
  Queue *q = queue_new(&p);
  g_assert_true(queue_enqueue(q, udp_packet(LAN_B, 1, 2, 0, 1500, 0), 1500, 0, 0));
  g_assert_true(queue_enqueue(q, udp_packet(LAN_B, 1, 2, 0, 1500, 1), 1500, 0, 0));
  g_assert_false(queue_enqueue(q, udp_packet(LAN_B, 1, 2, 0, 1500, 2), 1500, 0, 0));
  /* A full best-effort band does not shut out voice. */
  g_assert_true(queue_enqueue(q, udp_packet(LAN_A, 3, 4, 46, 200, 3), 200, 0, 0));
  g_assert_cmpuint(queue_len_pkts(q), ==, 3);
  g_assert_cmpuint(queue_stats(q)->dropped_full, ==, 1);
  g_assert_cmpint(pop_tag(q, 0), ==, 3);
  queue_free(q);
}

/* ---- fq_codel -------------------------------------------------------------------------------- */

static void
test_fq_codel_sparse_flow_overtakes_fat_backlog(void)
{
  tu_world(7);
  QueueParams p = params(QUEUE_FQ_CODEL, 1000, 0);
  Queue *q = queue_new(&p);
  for (guint32 i = 0; i < 100; i++)
    g_assert_true(queue_enqueue(q, udp_packet(LAN_B, 5001, 5201, 0, 1500, i), 1500, 0, 0));
  /* The bulk flow has been served for a while and used up its quantum: it is an old flow. */
  for (guint32 i = 0; i < 3; i++)
    g_assert_cmpint(pop_tag(q, SIM_MS(1)), ==, i);
  g_assert_true(queue_enqueue(q, udp_packet(LAN_A, 10000, 5302, 46, 200, 1000), 200, 0, SIM_MS(1)));
  /* RFC 8290 §4.2: the new, sparse flow is served before the bulk flow's 97-packet backlog. */
  g_assert_cmpint(pop_tag(q, SIM_MS(2)), ==, 1000);
  g_assert_cmpint(pop_tag(q, SIM_MS(2)), ==, 3);
  queue_free(q);
}

static void
test_fq_codel_round_robin_between_bulk_flows(void)
{
  tu_world(7);
  QueueParams p = params(QUEUE_FQ_CODEL, 1000, 0);
  Queue *q = queue_new(&p);
  for (guint32 i = 0; i < 10; i++) {
    g_assert_true(queue_enqueue(q, udp_packet(LAN_A, 1111, 80, 0, 1500, 100 + i), 1500, 0, 0));
    g_assert_true(queue_enqueue(q, udp_packet(LAN_B, 2222, 80, 0, 1500, 200 + i), 1500, 0, 0));
  }
  /* With a 1514-byte quantum, two equal bulk flows share the link: neither gets two packets
   * ahead of the other over a run. */
  int a = 0, b = 0;
  for (int i = 0; i < 20; i++) {
    gint64 t = pop_tag(q, SIM_MS(1));
    if (t >= 200)
      b++;
    else
      a++;
    g_assert_cmpint(ABS(a - b), <=, 2);
  }
  queue_free(q);
}

static void
test_fq_codel_overlimit_drops_from_fattest_flow(void)
{
  tu_world(7);
  QueueParams p = params(QUEUE_FQ_CODEL, 10, 0);
  Queue *q = queue_new(&p);
  for (guint32 i = 0; i < 10; i++)
    g_assert_true(queue_enqueue(q, udp_packet(LAN_B, 5001, 5201, 0, 1500, i), 1500, 0, 0));
  /* The eleventh packet, from a sparse flow, pushes the queue over its limit: the fat flow loses
   * half its backlog from the head (Linux fq_codel_drop), the newcomer stays. */
  g_assert_true(queue_enqueue(q, udp_packet(LAN_A, 10000, 5302, 46, 200, 1000), 200, 0, 0));
  const QueueStats *s = queue_stats(q);
  g_assert_cmpuint(s->dropped_full, ==, 5);
  g_assert_cmpuint(queue_len_pkts(q), ==, 6);
  g_assert_cmpuint(queue_len_bytes(q), ==, 5 * 1500 + 200);
  gboolean saw_sparse = FALSE;
  guint32 next_fat = 5;
  for (gint64 t; (t = pop_tag(q, 0)) >= 0;) {
    if (t == 1000)
      saw_sparse = TRUE;
    else
      g_assert_cmpint(t, ==, next_fat++);
  }
  g_assert_true(saw_sparse);
  g_assert_cmpuint(next_fat, ==, 10);
  queue_free(q);
}

/* Drive one flow: an arrival every `arrive` and a departure every `serve`, over [from, to). */
static void
drive(Queue *q, SimTime from, SimTime to, SimTime arrive, SimTime serve, guint32 *tag)
{
  for (SimTime t = from; t < to; t += SIM_US(100)) {
    if (arrive && (t - from) % arrive == 0)
      queue_enqueue(q, udp_packet(LAN_B, 5001, 5201, 0, 1000, (*tag)++), 1000, 0, t);
    if ((t - from) % serve == 0) {
      gsize len;
      g_free(queue_dequeue(q, &len, t));
    }
  }
}

static void
test_codel_drops_only_after_an_interval_above_target(void)
{
  tu_world(3);
  QueueParams p = params(QUEUE_FQ_CODEL, 10000, 0);
  Queue *q = queue_new(&p);
  const QueueStats *s = queue_stats(q);
  guint32 tag = 0;
  /* Twice as many arrivals as departures: the sojourn time passes 5 ms after about 10 ms, so the
   * first drop is due an interval later, at about 110 ms (RFC 8289 §3.3). */
  drive(q, 0, SIM_MS(105), SIM_MS(1), SIM_MS(2), &tag);
  g_assert_cmpuint(s->dropped_codel, ==, 0);
  drive(q, SIM_MS(105), SIM_MS(400), SIM_MS(1), SIM_MS(2), &tag);
  g_assert_cmpuint(s->dropped_codel, >, 0);
  guint64 early = s->dropped_codel;
  /* Drops speed up (control law interval/sqrt(count), §5.5) while the overload lasts. */
  drive(q, SIM_MS(400), SIM_MS(1000), SIM_MS(1), SIM_MS(2), &tag);
  g_assert_cmpuint(s->dropped_codel - early, >, 2 * early);
  /* Arrivals stop until three packets are left ... */
  SimTime t = SIM_MS(1000);
  while (queue_len_pkts(q) > 3) {
    gsize len;
    g_free(queue_dequeue(q, &len, t));
    t += SIM_MS(1);
  }
  /* ... then arrivals match departures: a standing queue of 3 ms, below target, is never
   * dropped from once the old packets have gone, although it is larger than one packet. */
  drive(q, t, t + SIM_MS(10), SIM_MS(1), SIM_MS(1), &tag);
  guint64 settled = s->dropped_codel;
  guint32 standing = queue_len_pkts(q);
  g_assert_cmpuint(standing, >=, 2); /* more than one maximum-size packet */
  drive(q, t + SIM_MS(10), t + SIM_MS(2000), SIM_MS(1), SIM_MS(1), &tag);
  g_assert_cmpuint(s->dropped_codel, ==, settled);
  g_assert_cmpuint(queue_len_pkts(q), ==, standing);
  /* Every accepted packet is accounted for exactly once. */
  g_assert_cmpuint(s->enqueued, ==, s->dequeued + s->dropped_codel + s->dropped_full +
                                      queue_len_pkts(q));
  g_assert_cmpuint(s->max_pkts, >, 100);
  queue_free(q);
}

static void
test_codel_tolerates_a_burst_shorter_than_an_interval(void)
{
  tu_world(3);
  QueueParams p = params(QUEUE_FQ_CODEL, 10000, 0);
  Queue *q = queue_new(&p);
  guint32 tag = 0;
  /* 60 packets at once, served one per millisecond: sojourn up to 60 ms, but above target for
   * less than 100 ms, so CoDel lets the burst through (RFC 8289 §3.2 "good queue"). */
  for (guint i = 0; i < 60; i++)
    queue_enqueue(q, udp_packet(LAN_B, 5001, 5201, 0, 1000, tag++), 1000, 0, 0);
  drive(q, 0, SIM_MS(200), 0, SIM_MS(1), &tag);
  g_assert_cmpuint(queue_stats(q)->dropped_codel, ==, 0);
  g_assert_cmpuint(queue_stats(q)->dequeued, ==, 60);
  queue_free(q);
}

/* ---- Common ---------------------------------------------------------------------------------- */

static void
test_malformed_packets_are_queued_without_harm(void)
{
  static const struct {
    const char *what;
    guint8 bytes[24];
    gsize len;
    gboolean malformed;
  } cases[] = {
    {"one byte", {0x45}, 1, TRUE},
    {"19 bytes", {0x45, 0xb8}, 19, TRUE},
    {"IPv6 version", {0x60, 0xb8}, 20, TRUE},
    {"IHL beyond the packet", {0x4f, 0xb8}, 24, TRUE},
    {"IHL below 5", {0x44, 0xb8}, 20, TRUE},
    {"UDP header cut short", {0x45, 0xb8, 0, 22, 0, 0, 0, 0, 64, 17}, 22, FALSE},
  };
  for (QueueKind kind = QUEUE_FIFO; kind <= QUEUE_FQ_CODEL; kind++) {
    tu_world(5);
    QueueParams p = params(kind, 100, 0);
    Queue *q = queue_new(&p);
    guint64 want_malformed = 0;
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
      /* Exactly len bytes on the heap, so an over-read shows under a sanitizer. */
      guint8 *b = g_memdup2(cases[i].bytes, cases[i].len);
      g_assert_true(queue_enqueue(q, b, cases[i].len, 0, 0));
      want_malformed += cases[i].malformed;
    }
    g_assert_false(queue_enqueue(q, NULL, 0, 0, 0));
    g_assert_cmpuint(queue_stats(q)->malformed, ==, want_malformed + 1);
    g_assert_cmpuint(queue_len_pkts(q), ==, G_N_ELEMENTS(cases));
    gsize total = 0, len;
    guint8 *b;
    while ((b = queue_dequeue(q, &len, SIM_MS(1)))) {
      total += len;
      g_free(b);
    }
    gsize want_total = 0;
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
      want_total += cases[i].len;
    g_assert_cmpuint(total, ==, want_total);
    queue_free(q);
  }
}

static void
test_clear_empties_every_discipline(void)
{
  for (QueueKind kind = QUEUE_FIFO; kind <= QUEUE_FQ_CODEL; kind++) {
    tu_world(5);
    QueueParams p = params(kind, 100, 0);
    Queue *q = queue_new(&p);
    for (guint32 i = 0; i < 20; i++)
      queue_enqueue(q, udp_packet(i % 2 ? LAN_A : LAN_B, (guint16)i, 2, i % 3 ? 0 : 46, 300, i),
                    300, 0, 0);
    queue_clear(q);
    g_assert_cmpuint(queue_len_pkts(q), ==, 0);
    g_assert_cmpuint(queue_len_bytes(q), ==, 0);
    g_assert_cmpint(pop_tag(q, SIM_MS(1)), ==, -1);
    /* Usable again after a reboot. */
    g_assert_true(queue_enqueue(q, udp_packet(LAN_A, 1, 2, 0, 300, 77), 300, 0, SIM_MS(2)));
    g_assert_cmpint(pop_tag(q, SIM_MS(2)), ==, 77);
    queue_free(q);
  }
}

static void
test_config_reads_every_key(void)
{
  tu_world(1);
  g_autoptr(Config) cfg = tu_config(
    "router.uplink_queue=fq_codel", "queue.limit_pkts=500", "queue.limit_bytes=64000",
    "queue.priority_hosts= 192.168.1.50; 192.168.1.51,192.168.1.52 ,", "queue.codel_target_ms=10",
    "queue.codel_interval_ms=200", "queue.quantum_bytes=300", "queue.flows=64", NULL);
  g_autoptr(GError) error = NULL;
  QueueParams p;
  g_assert_true(queue_params_from_config(cfg, &p, &error));
  g_assert_no_error(error);
  g_assert_cmpint(p.kind, ==, QUEUE_FQ_CODEL);
  g_assert_cmpuint(p.limit_pkts, ==, 500);
  g_assert_cmpuint(p.limit_bytes, ==, 64000);
  g_assert_cmpuint(p.n_prio_hosts, ==, 3);
  g_assert_cmphex(p.prio_hosts[0], ==, 0xc0a80132);
  g_assert_cmphex(p.prio_hosts[2], ==, 0xc0a80134);
  g_assert_cmpint(p.codel_target, ==, SIM_MS(10));
  g_assert_cmpint(p.codel_interval, ==, SIM_MS(200));
  g_assert_cmpuint(p.quantum_bytes, ==, 300);
  g_assert_cmpuint(p.flows, ==, 64);
}

static void
test_config_rejects_bad_priority_hosts(void)
{
  static const struct {
    const char *hosts;  /* queue.priority_hosts */
    const char *names;  /* expected in the message */
  } cases[] = {
    {"192.168.1.50;192.168.1.300", "'192.168.1.300'"},
    {"phone", "'phone'"},
    {"192.168.1.50, 10.0.0", "'10.0.0'"},
    {"", "at least one"},
  };
  tu_world(1);
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *set = g_strdup_printf("queue.priority_hosts=%s", cases[i].hosts);
    g_autoptr(Config) cfg = tu_config("router.uplink_queue=priority", "queue.priority_by=host",
                                      set, NULL);
    g_autoptr(GError) error = NULL;
    QueueParams p;
    g_assert_false(queue_params_from_config(cfg, &p, &error));
    g_assert_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE);
    g_assert_nonnull(strstr(error->message, "priority_hosts"));
    g_assert_nonnull(strstr(error->message, cases[i].names));
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/qos/fifo/keeps-order-and-drops-arrivals-at-packet-limit",
                  test_fifo_order_and_packet_limit);
  g_test_add_func("/qos/fifo/drops-arrivals-at-byte-limit", test_fifo_byte_limit);
  g_test_add_func("/qos/fifo/default-holds-1000-packets", test_fifo_default_config_is_1000_packets);
  g_test_add_func("/qos/priority/dscp-ef-and-cs5-7-go-first", test_priority_dscp_classes);
  g_test_add_func("/qos/priority/serves-high-band-first-in-order",
                  test_priority_serves_high_band_first);
  g_test_add_func("/qos/priority/by-host-puts-listed-lan-host-first", test_priority_by_host);
  g_test_add_func("/qos/priority/limits-apply-per-band", test_priority_limits_per_band);
  g_test_add_func("/qos/fq_codel/sparse-flow-overtakes-fat-backlog",
                  test_fq_codel_sparse_flow_overtakes_fat_backlog);
  g_test_add_func("/qos/fq_codel/bulk-flows-share-round-robin",
                  test_fq_codel_round_robin_between_bulk_flows);
  g_test_add_func("/qos/fq_codel/over-limit-drops-head-of-fattest-flow",
                  test_fq_codel_overlimit_drops_from_fattest_flow);
  g_test_add_func("/qos/codel/drops-after-interval-above-target-and-stops-below",
                  test_codel_drops_only_after_an_interval_above_target);
  g_test_add_func("/qos/codel/lets-short-burst-through",
                  test_codel_tolerates_a_burst_shorter_than_an_interval);
  g_test_add_func("/qos/queue/malformed-packets-queued-without-harm",
                  test_malformed_packets_are_queued_without_harm);
  g_test_add_func("/qos/queue/clear-empties-every-discipline", test_clear_empties_every_discipline);
  g_test_add_func("/qos/config/reads-every-key", test_config_reads_every_key);
  g_test_add_func("/qos/config/names-bad-priority-host", test_config_rejects_bad_priority_hosts);
  return g_test_run();
}
