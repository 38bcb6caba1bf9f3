/* media-private.h — internals shared by media-stream.c and media-recv.c: the per-SSRC receive
 * state of RFC 3550 Appendix A.1/A.3/A.8 and the payload's send-time stamp. */
#pragma once

#include "media/media-stream.h"
#include "media/rtp.h"

#define MEDIA_DUP_WINDOW 1024 /* duplicate detection covers this many sequence numbers */
#define MEDIA_STAMP_LEN 12    /* "algs" + 64-bit send time */

/* One sender heard by a stream.  Sequence state is Appendix A.1's (max_seq, cycles, base_seq,
 * bad_seq) without the probation of MIN_SEQUENTIAL packets: every packet counts, so that what a
 * sender sent and what a receiver counted can be compared exactly.  Counts from before a
 * sequence restart are folded into the *_folded fields. */
typedef struct {
  guint32 ssrc;                    /* the source */
  guint16 max_seq;                 /* highest sequence number seen */
  guint64 cycles;                  /* shifted count of sequence number wraps */
  guint64 base_seq;                /* first sequence number (extended) */
  guint32 bad_seq;                 /* last 'bad' sequence number + 1 (65537: none) */
  guint64 received;                /* packets received since the last restart */
  guint64 received_folded;         /* received before restarts */
  guint64 expected_folded;         /* expected before restarts */
  guint64 expected_prior;          /* expected at the last report (A.3) */
  guint64 received_prior;          /* received at the last report (A.3) */
  guint32 seen[MEDIA_DUP_WINDOW];  /* extended seq + 1 of received packets, by seq modulo */
  SimTime first_arrival;           /* arrival of the first packet (jitter reference) */
  guint32 first_ts;                /* its RTP timestamp */
  gboolean have_transit;           /* last_transit is set */
  gint64 last_transit;             /* relative transit time of the previous packet, ns */
  double jitter_ns;                /* A.8 interarrival jitter, ns */
  guint32 lsr;                     /* middle 32 bits of the last SR's NTP time, 0 if none */
  SimTime lsr_arrival;             /* when that SR arrived */
} MediaSource;

/* The receive side of a stream. */
typedef struct {
  guint clock_rate;        /* RTP clock, Hz */
  GHashTable *sources;     /* SSRC -> MediaSource */
  MediaSource *cur;        /* source of the last accepted packet, NULL before any */
  GArray *arrivals;        /* SimTime of every accepted packet, ascending */
  double delay_sum_ms;     /* sum of one-way delays of timed packets */
  MediaRecvStats stats;    /* counters; sums refreshed by media_recv_refresh() */
} MediaRecv;

void media_recv_init(MediaRecv *r, guint clock_rate);
void media_recv_clear(MediaRecv *r);
/* Account for an RTP packet that passed the source and SRTP checks.  FALSE if it was a duplicate
 * or discarded by the sequence rules. */
gboolean media_recv_packet(MediaRecv *r, const RtpHeader *h, const guint8 *pkt, SimTime now);
MediaSource *media_recv_lookup(MediaRecv *r, guint32 ssrc);
void media_recv_refresh(MediaRecv *r);
/* Fill a report block about the current source (A.3); FALSE if nothing was received. */
gboolean media_recv_report_block(MediaRecv *r, SimTime now, RtcpReportBlock *rb);

/* Write the send-time stamp and PCMU silence into a payload of len bytes. */
void media_payload_fill(guint8 *payload, gsize len, SimTime now);
/* Read the stamp: TRUE and *sent if present. */
gboolean media_payload_stamp(const guint8 *payload, gsize len, SimTime *sent);
