/* media-stream.h — one G.711 RTP/RTCP endpoint on a simulated host, with receive statistics.
 *
 * A MediaStream owns the UDP ports P (RTP, even) and P+1 (RTCP) on a host (RFC 3550 §11), sends
 * a 20 ms G.711 packet every ptime while started and its direction allows sending, an RTCP
 * compound about every 5 s, and measures what it receives: counts, loss, duplicates, RFC 3550
 * interarrival jitter, one-way delay, arrivals per time window, packets from unexpected sources,
 * SRTP failures.  It can latch its remote address onto the first (or latest) source it hears
 * ("comedia", as SBCs do), send from another port than it listens on, and carry SRTP.
 *
 * One-way delay: each payload begins with the 4 bytes "algs" and the sender's send time as 64-bit
 * big-endian nanoseconds (the rest is 0xff, PCMU silence).  The bytes are real payload, so they
 * travel through relays and SRTP unchanged and need no side table; a payload without the tag is
 * counted but not timed.
 */
#pragma once

#include "config.h"
#include "media/emodel.h"
#include "media/rtp.h"
#include "media/srtp.h"
#include "sim.h"

G_BEGIN_DECLS

typedef enum {
  MEDIA_SENDRECV, /* a=sendrecv */
  MEDIA_SENDONLY, /* a=sendonly (the side putting the other on hold) */
  MEDIA_RECVONLY, /* a=recvonly */
  MEDIA_INACTIVE, /* a=inactive */
} MediaDirection;

typedef enum {
  MEDIA_LATCH_OFF,      /* send to the configured remote address only */
  MEDIA_LATCH_STRICT,   /* learn the remote from the first RTP source, then never move */
  MEDIA_LATCH_HANDOVER, /* also move to a new source after latch_probation packets in a row */
} MediaLatch;

typedef struct {
  const char *name;           /* trace label, e.g. "phone0", "pbx-media" (copied) */
  guint32 index;              /* random stream SIM_STREAM_MEDIA + index; unique per stream */
  SimAddr local;              /* RTP address (port even, not 0); RTCP uses port + 1 */
  guint16 send_port;          /* 0: symmetric RTP (RFC 4961); else send RTP from this port */
  guint8 payload_type;        /* RTP_PT_PCMU */
  guint clock_rate;           /* 8000 Hz */
  guint ptime_ms;             /* packetization, media.ptime_ms */
  SimTime rtcp_interval;      /* mean RTCP interval, media.rtcp_interval_s */
  guint8 tos;                 /* IP TOS byte (DSCP << 2) for RTP and RTCP; 0 leaves it */
  MediaLatch latch;           /* comedia latching */
  guint latch_probation;      /* handover after this many in a row (media.latch_probation_pkts) */
  gboolean accept_unexpected; /* count packets from other sources and still use them */
  const char *cname;          /* RTCP CNAME (copied); NULL: "<name>@<local addr>" */
} MediaStreamParams;

/* What was sent. */
typedef struct {
  guint64 packets;      /* RTP packets sent */
  guint64 octets;       /* RTP payload octets sent */
  guint64 rtcp_packets; /* RTCP compounds sent */
  guint64 send_failed;  /* sends the socket refused */
  SimTime first;        /* time of the first RTP packet, -1 if none */
  SimTime last;         /* time of the last RTP packet, -1 if none */
} MediaSendStats;

/* What was received, summed over every SSRC heard (RFC 3550 Appendix A.1, A.3, A.8). */
typedef struct {
  guint64 received;          /* RTP packets accepted, duplicates excluded */
  guint64 expected;          /* per source: extended highest seq - base seq + 1 */
  gint64 lost;               /* expected - received */
  guint64 duplicates;        /* sequence number already received (under SRTP: srtp_replay) */
  guint64 reordered;         /* packets older than the highest received */
  guint64 seq_jumps;         /* discarded by the A.1 large-jump rule (a restart takes two) */
  guint64 loss_runs;         /* runs of consecutive lost packets (for BurstR) */
  guint64 sources;           /* SSRCs heard */
  guint64 unexpected;        /* RTP from another address than the remote */
  guint64 ignored;           /* unexpected packets dropped (accept_unexpected off) */
  guint64 non_rtp;           /* datagrams on the RTP port that are not RTP (e.g. STUN) */
  guint64 malformed;         /* claimed to be RTP but did not parse */
  guint64 srtp_auth_fail;    /* SRTP packets discarded: authentication failed */
  guint64 srtp_replay;       /* SRTP packets discarded: replayed or too old */
  guint64 wrong_port;        /* datagrams arriving at the separate send port */
  guint64 latch_moves;       /* times the latched remote address was set or moved */
  double jitter_ts;          /* interarrival jitter of the current source, timestamp units */
  double jitter_ms;          /* the same in milliseconds */
  guint64 timed;             /* packets with a send time in the payload */
  double delay_mean_ms;      /* mean one-way delay of timed packets */
  double delay_min_ms;       /* smallest one-way delay */
  double delay_max_ms;       /* largest one-way delay */
  SimTime first;             /* first accepted packet, -1 if none */
  SimTime last;              /* last accepted packet, -1 if none */
  /* RTCP */
  guint64 rtcp_received;     /* compounds that parsed */
  guint64 rtcp_malformed;    /* compounds that did not */
  guint64 srtcp_auth_fail;   /* SRTCP compounds failing authentication or replay */
  guint64 sr_received;       /* sender reports */
  guint64 rr_received;       /* receiver reports */
  guint64 bye_received;      /* BYE packets */
  gboolean have_peer_report; /* a report block about our SSRC arrived */
  SimTime bye_time;          /* when the first BYE arrived, -1 if none */
} MediaRecvStats;

void media_stream_params_default(MediaStreamParams *p);
/* Defaults, then media.ptime_ms, media.rtcp_interval_s and media.latch_probation_pkts. */
void media_stream_params_from_config(const Config *cfg, MediaStreamParams *p);

typedef struct MediaStream MediaStream;

/* Open the RTP and RTCP sockets (and the send port, if any); needs sim_setup(). */
MediaStream *media_stream_new(SimNode host, const MediaStreamParams *p, GError **error);
void media_stream_free(MediaStream *ms);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MediaStream, media_stream_free)

/* Where to send.  rtcp.port 0 means rtp.port + 1.  May change at any time (re-INVITE).  With
 * latching on it is used until the first packet arrives, and each call restarts latching. */
void media_stream_set_remote(MediaStream *ms, SimAddr rtp, SimAddr rtcp);
/* Start the 20 ms clock and the RTCP timer; the first packet goes now, with the marker bit. */
void media_stream_start(MediaStream *ms);
/* Stop sending: an RTCP BYE goes out; receiving goes on until media_stream_free(). */
void media_stream_stop(MediaStream *ms);
/* Hold/resume: RTP is sent only in SENDRECV and SENDONLY; the RTP clock keeps running. */
void media_stream_set_direction(MediaStream *ms, MediaDirection dir);
/* SRTP with SDES keys: tx protects what we send, rx checks what we receive; NULL turns it off. */
void media_stream_set_srtp(MediaStream *ms, const SrtpKeys *tx, const SrtpKeys *rx);
gboolean media_stream_set_tos(MediaStream *ms, guint8 tos);

/* Relaying (a PBX media server forwarding between two legs): the hook sees every accepted RTP
 * packet, decrypted, after the statistics; send_rtp_raw() sends a whole RTP packet (header kept:
 * SSRC, sequence, timestamp, and the send-time stamp, so delay stays end to end) to this
 * stream's remote, from its send port, SRTP-protected if this stream has a tx key. */
typedef void (*MediaRtpHook)(void *ctx, MediaStream *ms, const guint8 *rtp, gsize len,
                             SimAddr from);
void media_stream_set_rtp_hook(MediaStream *ms, MediaRtpHook fn, void *ctx);
gboolean media_stream_send_rtp_raw(MediaStream *ms, const guint8 *rtp, gsize len);
/* Sharing the stream's sockets with ICE and TURN (RFC 8445 §12: checks and media on one port).
 * component: 1 = RTP, 2 = RTCP.  The datagram hook sees each datagram whose first byte is below
 * 128 (not RTP/RTCP, RFC 7983 §7: STUN 0-3) before the stream does; TRUE means it took it.
 * send_datagram() sends raw bytes from the RTP or RTCP socket (a connectivity check, a STUN
 * Binding).  With a transmit function set, RTP and RTCP go through it instead of the sockets (the
 * selected pair's local candidate is relayed: the owner hands them to its TURN client), and
 * inject() delivers a datagram as if it had arrived on the component's socket (data the TURN
 * client received from the peer). */
typedef gboolean (*MediaDatagramHook)(void *ctx, MediaStream *ms, guint component, const guint8 *buf, gsize len,
                                      SimAddr from);
typedef gboolean (*MediaTransmitFn)(void *ctx, MediaStream *ms, guint component, SimAddr to, const guint8 *buf,
                                    gsize len);
void media_stream_set_datagram_hook(MediaStream *ms, MediaDatagramHook fn, void *ctx);
void media_stream_set_transmit(MediaStream *ms, MediaTransmitFn fn, void *ctx);
gboolean media_stream_send_datagram(MediaStream *ms, guint component, SimAddr to, const guint8 *buf, gsize len);
void media_stream_inject(MediaStream *ms, guint component, const guint8 *buf, gsize len, SimAddr from);
/* "sendrecv", "sendonly", "recvonly", "inactive" (RFC 4566 §6). */
const char *media_direction_name(MediaDirection dir);

SimAddr media_stream_local(const MediaStream *ms);      /* RTP address */
SimAddr media_stream_remote(const MediaStream *ms);     /* current RTP destination */
SimAddr media_stream_remote_rtcp(const MediaStream *ms);
guint32 media_stream_ssrc(const MediaStream *ms);
MediaDirection media_stream_direction(const MediaStream *ms);
gboolean media_stream_running(const MediaStream *ms);

const MediaSendStats *media_stream_send_stats(const MediaStream *ms);
const MediaRecvStats *media_stream_recv_stats(MediaStream *ms); /* refreshed sums */
/* The last report block the peer sent about our stream (RTCP), NULL if none. */
const RtcpReportBlock *media_stream_peer_report(const MediaStream *ms);
/* Round-trip time from the last RR/SR with LSR/DLSR (RFC 3550 §6.4.1), ms; -1 if unknown. */
double media_stream_rtt_ms(const MediaStream *ms);

/* Accepted RTP packets that arrived in [t1, t2). */
guint64 media_stream_received_between(const MediaStream *ms, SimTime t1, SimTime t2);
/* Longest time in [t1, t2] without an accepted RTP packet (edges count as gaps). */
SimTime media_stream_longest_gap(const MediaStream *ms, SimTime t1, SimTime t2);
/* Loss percentage (lost / expected * 100, 0 when nothing expected). */
double media_recv_loss_percent(const MediaRecvStats *s);
/* BurstR estimated from the loss runs (G.107 §3.5: 1 / (p + q) of the two-state loss model);
 * 1 when nothing was lost. */
double media_recv_burst_r(const MediaRecvStats *s);
/* design.md §3: a direction counts as heard when it received at least threshold (media.
 * heard_threshold, 0.9) of what was sent; nothing sent is not heard. */
gboolean media_heard(guint64 sent, guint64 received, double threshold);
/* G.107 MOS of what this stream received: mean one-way delay, loss; 1.0 if nothing arrived. */
double media_stream_mos(MediaStream *ms, const EmodelParams *e);

G_END_DECLS
