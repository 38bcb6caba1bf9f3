/* rtp.c — RTP and RTCP parse/build on raw bytes: the RTP fixed header (RFC 3550 §5.1), the header
 * extension (§5.3.1), padding, the RTCP SR/RR/SDES/BYE/APP packets (§6.4–§6.7), compound packet
 * validity (§6.1 and Appendix A.2), and the RTP/RTCP demultiplexing rule of RFC 5761 §4.
 */
#include "media/rtp.h"

#include <string.h>

#include "net/ipv4.h"

/* ---- RTP -------------------------------------------------------------------------------------- */

/* RTCP packet types 200..204 read as an RTP header have M=1 and PT 72..76 (RFC 5761 §4). */
static gboolean
second_byte_is_rtcp(guint8 b)
{
  return b >= RTCP_SR && b <= RTCP_APP;
}

int
rtp_parse(const guint8 *data, gsize len, RtpHeader *out)
{
  g_return_val_if_fail(out != NULL, -1);
  memset(out, 0, sizeof *out);
  if (!data || len < 1 || (data[0] >> 6) != RTP_VERSION)
    return 0; /* not RTP: STUN, DTLS, ZRTP start differently (RFC 7983 §7) */
  if (len >= 2 && second_byte_is_rtcp(data[1]))
    return 0; /* RTCP on a muxed port */
  if (len < RTP_HEADER_LEN)
    return -1;
  out->padding = (data[0] & 0x20) != 0;
  out->extension = (data[0] & 0x10) != 0;
  out->csrc_count = data[0] & 0x0f;
  out->marker = (data[1] & 0x80) != 0;
  out->payload_type = data[1] & 0x7f;
  out->seq = net_get16(data + 2);
  out->timestamp = net_get32(data + 4);
  out->ssrc = net_get32(data + 8);
  gsize off = RTP_HEADER_LEN;
  if (len - off < 4u * out->csrc_count)
    return -1;
  for (guint i = 0; i < out->csrc_count; i++, off += 4)
    out->csrc[i] = net_get32(data + off);
  if (out->extension) {
    /* §5.3.1: 16 bits profile-defined, 16 bits length in 32-bit words, then the data. */
    if (len - off < 4)
      return -1;
    out->ext_profile = net_get16(data + off);
    gsize ext_len = 4u * net_get16(data + off + 2);
    off += 4;
    if (len - off < ext_len)
      return -1;
    out->ext_off = off;
    out->ext_len = ext_len;
    off += ext_len;
  }
  gsize end = len;
  if (out->padding) {
    /* §5.1: the last octet counts the padding octets, itself included. */
    guint8 pad = data[len - 1];
    if (pad == 0 || pad > len - off)
      return -1;
    out->padding_len = pad;
    end -= pad;
  }
  out->payload_off = off;
  out->payload_len = end - off;
  return 1;
}

gsize
rtp_build(const RtpHeader *h, const guint8 *payload, gsize payload_len, guint8 *buf, gsize cap)
{
  g_return_val_if_fail(h != NULL && buf != NULL, 0);
  g_return_val_if_fail(h->csrc_count <= RTP_MAX_CSRC, 0);
  gsize hdr = RTP_HEADER_LEN + 4u * h->csrc_count;
  if (cap < hdr || cap - hdr < payload_len)
    return 0;
  buf[0] = (guint8)((RTP_VERSION << 6) | h->csrc_count);
  buf[1] = (guint8)((h->marker ? 0x80 : 0) | (h->payload_type & 0x7f));
  net_put16(buf + 2, h->seq);
  net_put32(buf + 4, h->timestamp);
  net_put32(buf + 8, h->ssrc);
  for (guint i = 0; i < h->csrc_count; i++)
    net_put32(buf + RTP_HEADER_LEN + 4 * i, h->csrc[i]);
  if (payload_len)
    memcpy(buf + hdr, payload, payload_len);
  return hdr + payload_len;
}

/* ---- RTCP parsing ----------------------------------------------------------------------------- */

static void
parse_report_block(const guint8 *p, RtcpReportBlock *rb)
{
  rb->ssrc = net_get32(p);
  rb->fraction_lost = p[4];
  guint32 lost = ((guint32)p[5] << 16) | ((guint32)p[6] << 8) | p[7];
  rb->cumulative_lost = (lost & 0x800000) ? (gint32)(lost | 0xff000000u) : (gint32)lost;
  rb->highest_seq = net_get32(p + 8);
  rb->jitter = net_get32(p + 12);
  rb->lsr = net_get32(p + 16);
  rb->dlsr = net_get32(p + 20);
}

/* SDES chunks (§6.5): SSRC, items (type, length, text), a null item, padding to 32 bits. */
static gboolean
parse_sdes(const guint8 *data, gsize start, gsize end, guint count, RtcpPacket *out)
{
  gsize off = start;
  for (guint c = 0; c < count; c++) {
    if (end - off < 4)
      return FALSE;
    if (c == 0)
      out->ssrc = net_get32(data + off);
    off += 4;
    for (;;) {
      if (off >= end)
        return FALSE; /* no terminating null item */
      guint8 type = data[off];
      if (type == 0) {
        off++;
        /* Skip to the next 32-bit boundary of the packet; those octets must be null too. */
        while ((off - out->off) % 4 != 0) {
          if (off >= end || data[off] != 0)
            return FALSE;
          off++;
        }
        break;
      }
      if (end - off < 2)
        return FALSE;
      guint8 ilen = data[off + 1];
      if (end - off - 2 < ilen)
        return FALSE;
      if (c == 0 && type == RTCP_SDES_CNAME && !out->has_cname) {
        out->has_cname = TRUE;
        out->cname_off = off + 2;
        out->cname_len = ilen;
      }
      off += 2u + ilen;
    }
  }
  return TRUE; /* octets after the last chunk are tolerated (profile padding) */
}

int
rtcp_next(const guint8 *data, gsize len, gsize *off, RtcpPacket *out)
{
  g_return_val_if_fail(off != NULL && out != NULL, -1);
  memset(out, 0, sizeof *out);
  if (!data || *off >= len)
    return 0;
  const guint8 *p = data + *off;
  gsize avail = len - *off;
  if (avail < 4 || (p[0] >> 6) != RTP_VERSION)
    return -1;
  out->off = *off;
  out->padding = (p[0] & 0x20) != 0;
  out->count = p[0] & 0x1f;
  out->type = p[1];
  gsize plen = 4u * ((gsize)net_get16(p + 2) + 1);
  if (plen > avail)
    return -1;
  out->len = plen;
  if (out->type < 192 || out->type > 223)
    return -1; /* not an RTCP packet type (RFC 5761 §4 reserves 192..223) */
  gsize end = *off + plen;
  if (out->padding) {
    guint8 pad = data[end - 1];
    if (pad == 0 || pad > plen - 4)
      return -1;
    end -= pad;
  }
  gsize body = *off + 4;
  gsize blen = end - body; /* bytes after the common header, padding excluded */
  switch (out->type) {
  case RTCP_SR:
  case RTCP_RR: {
    gsize fixed = out->type == RTCP_SR ? 24 : 4;
    if (blen < fixed + 24u * out->count)
      return -1;
    out->ssrc = net_get32(data + body);
    if (out->type == RTCP_SR) {
      out->ntp = ((guint64)net_get32(data + body + 4) << 32) | net_get32(data + body + 8);
      out->rtp_ts = net_get32(data + body + 12);
      out->packet_count = net_get32(data + body + 16);
      out->octet_count = net_get32(data + body + 20);
    }
    out->n_reports = out->count;
    for (guint i = 0; i < out->count; i++)
      parse_report_block(data + body + fixed + 24u * i, &out->reports[i]);
    break;
  }
  case RTCP_SDES:
    if (!parse_sdes(data, body, end, out->count, out))
      return -1;
    break;
  case RTCP_BYE: {
    if (blen < 4u * out->count)
      return -1;
    if (out->count > 0)
      out->ssrc = net_get32(data + body);
    gsize r = body + 4u * out->count;
    if (r < end) {
      guint8 rlen = data[r];
      if (end - r - 1 < rlen)
        return -1;
      out->reason_off = r + 1;
      out->reason_len = rlen;
    }
    break;
  }
  case RTCP_APP:
    if (blen < 8)
      return -1; /* SSRC and a four-octet name (§6.7) */
    out->ssrc = net_get32(data + body);
    break;
  default:
    /* Feedback, XR and others: kept as opaque packets (§6.1: ignore unknown types). */
    if (blen >= 4)
      out->ssrc = net_get32(data + body);
    break;
  }
  *off += plen;
  return 1;
}

int
rtcp_parse_compound(const guint8 *data, gsize len, RtcpCompound *out)
{
  g_return_val_if_fail(out != NULL, -1);
  out->n = 0;
  out->total = 0;
  if (!data || len < 2 || (data[0] >> 6) != RTP_VERSION)
    return 0;
  /* Appendix A.2: the first packet is an SR or RR, without padding. */
  if (data[1] != RTCP_SR && data[1] != RTCP_RR)
    return second_byte_is_rtcp(data[1]) ? -1 : 0;
  if (len % 4 != 0)
    return -1;
  gsize off = 0;
  RtcpPacket tmp;
  gboolean padded = FALSE;
  for (;;) {
    RtcpPacket *pkt = out->n < RTCP_MAX_PACKETS ? &out->pkts[out->n] : &tmp;
    int r = rtcp_next(data, len, &off, pkt);
    if (r == 0)
      break;
    if (r < 0 || padded)
      return -1; /* padding is allowed on the last packet only */
    padded = pkt->padding;
    if (out->n < RTCP_MAX_PACKETS)
      out->n++;
    out->total++;
  }
  return out->total > 0 ? 1 : -1;
}

/* ---- RTCP building ---------------------------------------------------------------------------- */

void
rtcp_writer_init(RtcpWriter *w, guint8 *buf, gsize cap)
{
  w->buf = buf;
  w->cap = cap;
  w->len = 0;
  w->overflow = FALSE;
}

/* Reserve `bytes` (a multiple of 4) and write the common header; NULL on overflow. */
static guint8 *
begin_packet(RtcpWriter *w, guint8 count, guint8 type, gsize bytes)
{
  g_assert(bytes % 4 == 0 && bytes >= 4);
  if (w->overflow || w->cap - w->len < bytes || bytes / 4 - 1 > G_MAXUINT16) {
    w->overflow = TRUE;
    return NULL;
  }
  guint8 *p = w->buf + w->len;
  memset(p, 0, bytes);
  p[0] = (guint8)((RTP_VERSION << 6) | (count & 0x1f));
  p[1] = type;
  net_put16(p + 2, (guint16)(bytes / 4 - 1));
  w->len += bytes;
  return p;
}

static void
put_report_block(guint8 *p, const RtcpReportBlock *rb)
{
  net_put32(p, rb->ssrc);
  gint32 lost = CLAMP(rb->cumulative_lost, -0x800000, 0x7fffff); /* 24-bit signed */
  guint32 l = (guint32)lost & 0xffffff;
  p[4] = rb->fraction_lost;
  p[5] = (guint8)(l >> 16);
  p[6] = (guint8)(l >> 8);
  p[7] = (guint8)l;
  net_put32(p + 8, rb->highest_seq);
  net_put32(p + 12, rb->jitter);
  net_put32(p + 16, rb->lsr);
  net_put32(p + 20, rb->dlsr);
}

void
rtcp_write_sr(RtcpWriter *w, guint32 ssrc, guint64 ntp, guint32 rtp_ts, guint32 packets,
              guint32 octets, const RtcpReportBlock *blocks, guint n_blocks)
{
  g_return_if_fail(n_blocks <= RTCP_MAX_REPORTS);
  guint8 *p = begin_packet(w, (guint8)n_blocks, RTCP_SR, 28 + 24u * n_blocks);
  if (!p)
    return;
  net_put32(p + 4, ssrc);
  net_put32(p + 8, (guint32)(ntp >> 32));
  net_put32(p + 12, (guint32)ntp);
  net_put32(p + 16, rtp_ts);
  net_put32(p + 20, packets);
  net_put32(p + 24, octets);
  for (guint i = 0; i < n_blocks; i++)
    put_report_block(p + 28 + 24 * i, &blocks[i]);
}

void
rtcp_write_rr(RtcpWriter *w, guint32 ssrc, const RtcpReportBlock *blocks, guint n_blocks)
{
  g_return_if_fail(n_blocks <= RTCP_MAX_REPORTS);
  guint8 *p = begin_packet(w, (guint8)n_blocks, RTCP_RR, 8 + 24u * n_blocks);
  if (!p)
    return;
  net_put32(p + 4, ssrc);
  for (guint i = 0; i < n_blocks; i++)
    put_report_block(p + 8 + 24 * i, &blocks[i]);
}

void
rtcp_write_sdes_cname(RtcpWriter *w, guint32 ssrc, const char *cname)
{
  gsize n = cname ? MIN(strlen(cname), 255u) : 0;
  /* header 4, SSRC 4, item 2 + n, at least one null octet, padded to 32 bits. */
  gsize bytes = (4 + 4 + 2 + n + 1 + 3) & ~(gsize)3;
  guint8 *p = begin_packet(w, 1, RTCP_SDES, bytes);
  if (!p)
    return;
  net_put32(p + 4, ssrc);
  p[8] = RTCP_SDES_CNAME;
  p[9] = (guint8)n;
  if (n)
    memcpy(p + 10, cname, n);
}

void
rtcp_write_bye(RtcpWriter *w, const guint32 *ssrcs, guint n_ssrcs, const char *reason)
{
  g_return_if_fail(n_ssrcs <= 31);
  gsize rlen = reason ? MIN(strlen(reason), 255u) : 0;
  gsize bytes = 4 + 4u * n_ssrcs + (reason ? (1 + rlen + 3) & ~(gsize)3 : 0);
  guint8 *p = begin_packet(w, (guint8)n_ssrcs, RTCP_BYE, bytes);
  if (!p)
    return;
  for (guint i = 0; i < n_ssrcs; i++)
    net_put32(p + 4 + 4 * i, ssrcs[i]);
  if (reason) {
    p[4 + 4 * n_ssrcs] = (guint8)rlen;
    memcpy(p + 5 + 4 * n_ssrcs, reason, rlen);
  }
}

gsize
rtcp_writer_finish(RtcpWriter *w)
{
  return w->overflow ? 0 : w->len;
}

/* ---- Classifier and clocks -------------------------------------------------------------------- */

RtpKind
rtp_classify(const guint8 *data, gsize len)
{
  if (!data || len < RTCP_HEADER_LEN || (data[0] >> 6) != RTP_VERSION)
    return RTP_KIND_OTHER;
  if (second_byte_is_rtcp(data[1]))
    return RTP_KIND_RTCP;
  return len >= RTP_HEADER_LEN ? RTP_KIND_RTP : RTP_KIND_OTHER;
}

/* NTP seconds at simulation time 0: 2026-01-01T00:00:00Z (Unix 1767225600 + 2208988800), so that
 * an SR timestamp is never 0 (LSR 0 means "no SR received", RFC 3550 §6.4.1). */
#define NTP_EPOCH_OFFSET G_GUINT64_CONSTANT(3976214400)

guint64
rtp_ntp_from_time(gint64 t_ns)
{
  if (t_ns < 0)
    t_ns = 0;
  guint64 secs = (guint64)t_ns / 1000000000u + NTP_EPOCH_OFFSET;
  guint64 frac = (((guint64)t_ns % 1000000000u) << 32) / 1000000000u;
  return (secs << 32) | frac;
}
