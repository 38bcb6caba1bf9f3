/* rtp.h — RTP and RTCP packet codec on raw bytes (RFC 3550 §5.1 and §6), and a cheap classifier.
 *
 * Parsers return 1 (parsed), 0 (not this protocol: the first bytes say it is something else, e.g.
 * STUN sharing the port, RFC 7983 §7) or -1 (claims to be RTP/RTCP but is malformed).  They never
 * read past `len` and keep offsets into the caller's buffer instead of copies.  Builders write
 * into a caller buffer and return the length written, or 0 when it does not fit.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RTP_VERSION 2
#define RTP_HEADER_LEN 12 /* fixed header without CSRCs (RFC 3550 §5.1) */
#define RTP_MAX_CSRC 15   /* CC is four bits */
#define RTP_PT_PCMU 0     /* G.711 mu-law, 8000 Hz (RFC 3551 §6, Table 4) */
#define RTP_PT_PCMA 8     /* G.711 A-law, 8000 Hz */

/* ---- RTP -------------------------------------------------------------------------------------- */

typedef struct {
  gboolean padding;       /* P bit */
  gboolean extension;     /* X bit */
  guint8 csrc_count;      /* CC */
  gboolean marker;        /* M bit */
  guint8 payload_type;    /* PT, 7 bits */
  guint16 seq;            /* sequence number */
  guint32 timestamp;      /* RTP timestamp */
  guint32 ssrc;           /* synchronization source */
  guint32 csrc[RTP_MAX_CSRC]; /* contributing sources (csrc_count of them) */
  guint16 ext_profile;    /* extension: profile-defined 16 bits (§5.3.1) */
  gsize ext_off;          /* extension data offset (after its 4-byte header); 0 if none */
  gsize ext_len;          /* extension data length in bytes */
  gsize payload_off;      /* payload offset */
  gsize payload_len;      /* payload length without padding */
  guint8 padding_len;     /* padding bytes at the end, including the count octet */
} RtpHeader;

/* Parse an RTP packet (RFC 3550 §5.1, validity checks of Appendix A.1 that need no state). */
int rtp_parse(const guint8 *data, gsize len, RtpHeader *out);

/* Build header (with h->csrc_count CSRCs; no extension, no padding) followed by the payload.
 * h->padding, h->extension and the offsets are ignored. */
gsize rtp_build(const RtpHeader *h, const guint8 *payload, gsize payload_len, guint8 *buf,
                gsize cap);

/* ---- RTCP ------------------------------------------------------------------------------------- */

enum {
  RTCP_SR = 200,   /* sender report (§6.4.1) */
  RTCP_RR = 201,   /* receiver report (§6.4.2) */
  RTCP_SDES = 202, /* source description (§6.5) */
  RTCP_BYE = 203,  /* goodbye (§6.6) */
  RTCP_APP = 204,  /* application-defined (§6.7) */
};

#define RTCP_HEADER_LEN 8     /* common header + SSRC/first word */
#define RTCP_MAX_REPORTS 31   /* RC is five bits */
#define RTCP_MAX_PACKETS 8    /* packets of a compound kept by rtcp_parse_compound() */
#define RTCP_SDES_CNAME 1     /* SDES item type CNAME (§6.5.1) */

typedef struct {
  guint32 ssrc;          /* source this block reports on */
  guint8 fraction_lost;  /* fraction lost since the last report, /256 */
  gint32 cumulative_lost; /* 24-bit signed cumulative number of packets lost */
  guint32 highest_seq;   /* extended highest sequence number received */
  guint32 jitter;        /* interarrival jitter, timestamp units */
  guint32 lsr;           /* middle 32 bits of the last SR's NTP timestamp */
  guint32 dlsr;          /* delay since last SR, 1/65536 s */
} RtcpReportBlock;

typedef struct {
  guint8 type;           /* RTCP_SR ... RTCP_APP */
  guint8 count;          /* RC / SC / subtype (5 bits) */
  gboolean padding;      /* P bit */
  gsize off;             /* offset of this packet in the compound */
  gsize len;             /* its length in bytes, (length field + 1) * 4 */
  guint32 ssrc;          /* sender SSRC (SR, RR, APP), first chunk's SSRC (SDES), first (BYE) */
  /* SR sender info (§6.4.1) */
  guint64 ntp;           /* NTP timestamp, 32.32 fixed point */
  guint32 rtp_ts;        /* RTP timestamp of the same instant */
  guint32 packet_count;  /* sender's packet count */
  guint32 octet_count;   /* sender's payload octet count */
  /* SR / RR report blocks, parsed (up to RTCP_MAX_REPORTS). */
  guint n_reports;       /* report blocks */
  RtcpReportBlock reports[RTCP_MAX_REPORTS]; /* the blocks */
  /* SDES: the CNAME of the first chunk, as an offset into the compound. */
  gboolean has_cname;    /* a CNAME item was found in the first chunk */
  gsize cname_off;       /* its text offset */
  guint8 cname_len;      /* its length */
  /* BYE: the SSRCs are count words after the header; an optional reason follows. */
  gsize reason_off;      /* reason text offset, 0 if none */
  guint8 reason_len;     /* reason length */
} RtcpPacket;

typedef struct {
  guint n;                              /* packets stored in pkts */
  guint total;                          /* packets in the compound (may exceed n) */
  RtcpPacket pkts[RTCP_MAX_PACKETS];    /* the first RTCP_MAX_PACKETS packets */
} RtcpCompound;

/* Parse one RTCP packet at *off (advanced past it): 1, 0 at the end of the buffer, -1 malformed. */
int rtcp_next(const guint8 *data, gsize len, gsize *off, RtcpPacket *out);
/* Parse a compound packet with the validity checks of RFC 3550 §6.1 and Appendix A.2: version 2,
 * first packet SR or RR, padding only on the last, lengths adding up to the datagram length. */
int rtcp_parse_compound(const guint8 *data, gsize len, RtcpCompound *out);

/* Append packets to a compound being built in buf.  On overflow the writer remembers it and
 * rtcp_writer_finish() returns 0. */
typedef struct {
  guint8 *buf;       /* destination */
  gsize cap;         /* its size */
  gsize len;         /* bytes written */
  gboolean overflow; /* a packet did not fit */
} RtcpWriter;

void rtcp_writer_init(RtcpWriter *w, guint8 *buf, gsize cap);
void rtcp_write_sr(RtcpWriter *w, guint32 ssrc, guint64 ntp, guint32 rtp_ts, guint32 packets,
                   guint32 octets, const RtcpReportBlock *blocks, guint n_blocks);
void rtcp_write_rr(RtcpWriter *w, guint32 ssrc, const RtcpReportBlock *blocks, guint n_blocks);
void rtcp_write_sdes_cname(RtcpWriter *w, guint32 ssrc, const char *cname);
void rtcp_write_bye(RtcpWriter *w, const guint32 *ssrcs, guint n_ssrcs, const char *reason);
gsize rtcp_writer_finish(RtcpWriter *w);

/* ---- Classifier ------------------------------------------------------------------------------- */

typedef enum {
  RTP_KIND_OTHER, /* neither */
  RTP_KIND_RTP,   /* version 2, at least 12 bytes, PT not in the RTCP range */
  RTP_KIND_RTCP,  /* version 2, at least 8 bytes, PT 200..204 */
} RtpKind;

/* A cheap look at the first two bytes, for middleboxes (RFC 5761 §4, RFC 7983 §7). */
RtpKind rtp_classify(const guint8 *data, gsize len);

/* 64-bit NTP timestamp (32.32) of a simulation time; middle 32 bits as used by LSR. */
guint64 rtp_ntp_from_time(gint64 t_ns);
static inline guint32
rtp_ntp_middle(guint64 ntp)
{
  return (guint32)(ntp >> 16);
}

G_END_DECLS
