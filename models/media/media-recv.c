/* media-recv.c — RTP receive statistics of a media stream, after RFC 3550 Appendix A: sequence
 * number maintenance (A.1), expected and lost packets and the report-block arithmetic (A.3), and
 * the interarrival jitter (A.8); plus duplicates, one-way delay from the payload's send-time stamp,
 * and the arrival times that answer "how many packets arrived between t1 and t2".
 */
#include "media/media-private.h"

#include <string.h>

#include "net/ipv4.h"

#define RTP_SEQ_MOD (1u << 16)
#define MAX_DROPOUT 3000 /* A.1 */
#define MAX_MISORDER 100 /* A.1 */
#define NO_BAD_SEQ (RTP_SEQ_MOD + 1)

static const guint8 stamp_magic[4] = {'a', 'l', 'g', 's'};

void
media_payload_fill(guint8 *payload, gsize len, SimTime now)
{
  memset(payload, 0xff, len); /* PCMU silence (G.711 mu-law 0xff) */
  if (len < MEDIA_STAMP_LEN)
    return;
  memcpy(payload, stamp_magic, sizeof stamp_magic);
  net_put32(payload + 4, (guint32)((guint64)now >> 32));
  net_put32(payload + 8, (guint32)(guint64)now);
}

gboolean
media_payload_stamp(const guint8 *payload, gsize len, SimTime *sent)
{
  if (len < MEDIA_STAMP_LEN || memcmp(payload, stamp_magic, sizeof stamp_magic) != 0)
    return FALSE;
  *sent = (SimTime)(((guint64)net_get32(payload + 4) << 32) | net_get32(payload + 8));
  return TRUE;
}

void
media_recv_init(MediaRecv *r, guint clock_rate)
{
  memset(r, 0, sizeof *r);
  r->clock_rate = clock_rate;
  r->sources = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
  r->arrivals = g_array_new(FALSE, FALSE, sizeof(SimTime));
  r->stats.first = -1;
  r->stats.last = -1;
  r->stats.bye_time = -1;
}

void
media_recv_clear(MediaRecv *r)
{
  if (r->sources)
    g_hash_table_destroy(r->sources);
  if (r->arrivals)
    g_array_free(r->arrivals, TRUE);
  r->sources = NULL;
  r->arrivals = NULL;
  r->cur = NULL;
}

MediaSource *
media_recv_lookup(MediaRecv *r, guint32 ssrc)
{
  return g_hash_table_lookup(r->sources, GUINT_TO_POINTER(ssrc));
}

static guint64
source_expected(const MediaSource *s)
{
  return s->cycles + s->max_seq - s->base_seq + 1;
}

/* A.1 init_seq(). */
static void
init_seq(MediaSource *s, guint16 seq)
{
  s->base_seq = seq;
  s->max_seq = seq;
  s->bad_seq = NO_BAD_SEQ;
  s->cycles = 0;
  s->received = 0;
  s->received_prior = 0;
  s->expected_prior = 0;
  memset(s->seen, 0, sizeof s->seen);
}

/* A.1 update_seq() without probation.  Returns FALSE for a packet to discard; sets *ext to its
 * extended sequence number otherwise. */
static gboolean
update_seq(MediaRecv *r, MediaSource *s, guint16 seq, guint64 *ext)
{
  guint16 udelta = (guint16)(seq - s->max_seq);
  if (udelta < MAX_DROPOUT) {
    /* In order, with a permissible gap. */
    if (seq < s->max_seq)
      s->cycles += RTP_SEQ_MOD;
    if (udelta > 1)
      r->stats.loss_runs++;
    s->max_seq = seq;
    *ext = s->cycles + seq;
  } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
    /* A very large jump: two sequential packets mean the sender restarted. */
    if (seq != s->bad_seq) {
      s->bad_seq = (seq + 1) & (RTP_SEQ_MOD - 1);
      r->stats.seq_jumps++;
      return FALSE;
    }
    s->received_folded += s->received;
    s->expected_folded += source_expected(s);
    init_seq(s, seq);
    *ext = seq;
  } else {
    /* Duplicate or reordered packet, older than max_seq. */
    if (seq <= s->max_seq)
      *ext = s->cycles + seq;
    else if (s->cycles >= RTP_SEQ_MOD)
      *ext = s->cycles - RTP_SEQ_MOD + seq;
    else
      *ext = seq; /* from before the first packet, across a wrap: not tracked */
    if (*ext < s->base_seq) {
      if (s->base_seq - *ext > MAX_MISORDER)
        return FALSE;
      s->base_seq = *ext; /* a late packet from before the first one we saw */
    }
    guint32 tag = (guint32)(*ext + 1);
    if (s->seen[*ext % MEDIA_DUP_WINDOW] != tag)
      r->stats.reordered++;
  }
  return TRUE;
}

/* A.8: J += (|D(i-1,i)| - J) / 16, with transit times in ns relative to the first packet, so that a
 * constant delay gives exactly 0. */
static void
update_jitter(MediaRecv *r, MediaSource *s, guint32 ts, SimTime now)
{
  gint64 rel_ts = (gint64)(gint32)(ts - s->first_ts);
  gint64 transit = (now - s->first_arrival) - rel_ts * 1000000000LL / (gint64)r->clock_rate;
  if (s->have_transit) {
    gint64 d = transit - s->last_transit;
    if (d < 0)
      d = -d;
    s->jitter_ns += ((double)d - s->jitter_ns) / 16.0;
  }
  s->last_transit = transit;
  s->have_transit = TRUE;
}

gboolean
media_recv_packet(MediaRecv *r, const RtpHeader *h, const guint8 *pkt, SimTime now)
{
  MediaSource *s = media_recv_lookup(r, h->ssrc);
  if (!s) {
    s = g_new0(MediaSource, 1);
    s->ssrc = h->ssrc;
    init_seq(s, h->seq);
    s->first_arrival = now;
    s->first_ts = h->timestamp;
    g_hash_table_insert(r->sources, GUINT_TO_POINTER(h->ssrc), s);
    r->stats.sources++;
  }
  guint64 ext = 0;
  if (!update_seq(r, s, h->seq, &ext))
    return FALSE;
  guint32 tag = (guint32)(ext + 1);
  if (s->seen[ext % MEDIA_DUP_WINDOW] == tag) {
    r->stats.duplicates++;
    return FALSE;
  }
  s->seen[ext % MEDIA_DUP_WINDOW] = tag;
  s->received++;
  r->cur = s;
  update_jitter(r, s, h->timestamp, now);
  SimTime sent;
  if (media_payload_stamp(pkt + h->payload_off, h->payload_len, &sent) && sent <= now) {
    double d = (double)(now - sent) / 1e6;
    if (r->stats.timed == 0 || d < r->stats.delay_min_ms)
      r->stats.delay_min_ms = d;
    if (r->stats.timed == 0 || d > r->stats.delay_max_ms)
      r->stats.delay_max_ms = d;
    r->stats.timed++;
    r->delay_sum_ms += d;
  }
  if (r->stats.first < 0)
    r->stats.first = now;
  r->stats.last = now;
  g_array_append_val(r->arrivals, now);
  return TRUE;
}

void
media_recv_refresh(MediaRecv *r)
{
  MediaRecvStats *st = &r->stats;
  st->received = 0;
  st->expected = 0;
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, r->sources);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    MediaSource *s = v;
    st->received += s->received + s->received_folded;
    st->expected += source_expected(s) + s->expected_folded;
  }
  st->lost = (gint64)st->expected - (gint64)st->received;
  st->jitter_ms = r->cur ? r->cur->jitter_ns / 1e6 : 0;
  st->jitter_ts = r->cur ? r->cur->jitter_ns * r->clock_rate / 1e9 : 0;
  st->delay_mean_ms = st->timed ? r->delay_sum_ms / (double)st->timed : 0;
}

gboolean
media_recv_report_block(MediaRecv *r, SimTime now, RtcpReportBlock *rb)
{
  MediaSource *s = r->cur;
  if (!s)
    return FALSE;
  memset(rb, 0, sizeof *rb);
  guint64 expected = source_expected(s);
  gint64 lost = (gint64)expected - (gint64)s->received;
  /* A.3: fraction lost over the interval since the last report. */
  guint64 exp_int = expected - s->expected_prior;
  guint64 rec_int = s->received - s->received_prior;
  s->expected_prior = expected;
  s->received_prior = s->received;
  gint64 lost_int = (gint64)exp_int - (gint64)rec_int;
  rb->ssrc = s->ssrc;
  rb->fraction_lost =
    (exp_int == 0 || lost_int <= 0) ? 0 : (guint8)MIN(255, (lost_int << 8) / (gint64)exp_int);
  rb->cumulative_lost = (gint32)CLAMP(lost, -0x800000, 0x7fffff);
  rb->highest_seq = (guint32)(s->cycles + s->max_seq);
  rb->jitter = (guint32)(s->jitter_ns * r->clock_rate / 1e9);
  if (s->lsr) {
    rb->lsr = s->lsr;
    rb->dlsr = (guint32)((now - s->lsr_arrival) * 65536 / 1000000000LL); /* 1/65536 s */
  }
  return TRUE;
}
