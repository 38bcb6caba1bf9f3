/* ipv4.c — IPv4 header parsing and in-place rewriting (RFC 791), and the growable packet buffer.
 *
 * The parser checks what a router must check before touching a packet (RFC 1812 §5.2.2: length
 * at least 20, version 4, IHL at least 5, total length at least the header and within the bytes
 * received) and describes the header by value and offsets.  The header checksum is verified
 * separately (ipv4_header_checksum_ok) so that the caller decides and counts.  Rewriting helpers
 * update checksums incrementally (RFC 1624).
 */
#include "ipv4.h"

#include <string.h>

/* ---- NetBuf ------------------------------------------------------------------------------------ */

NetBuf *
netbuf_new(const guint8 *data, gsize len, gsize spare)
{
  NetBuf *b = g_new0(NetBuf, 1);
  b->cap = MAX(len + spare, 1);
  b->data = g_malloc(b->cap);
  if (len)
    memcpy(b->data, data, len);
  b->len = len;
  return b;
}

void
netbuf_free(NetBuf *b)
{
  if (!b)
    return;
  g_free(b->data);
  g_free(b);
}

guint8 *
netbuf_steal(NetBuf *b, gsize *len)
{
  guint8 *d = b->data;
  if (len)
    *len = b->len;
  g_free(b);
  return d;
}

void
netbuf_reserve(NetBuf *b, gsize cap)
{
  if (cap <= b->cap)
    return;
  gsize n = MAX(cap, b->cap * 2);
  b->data = g_realloc(b->data, n);
  b->cap = n;
}

void
netbuf_splice(NetBuf *b, gsize off, gsize del, const guint8 *ins, gsize ins_len)
{
  g_return_if_fail(off <= b->len && del <= b->len - off);
  gsize tail = b->len - off - del;
  gsize new_len = b->len - del + ins_len;
  netbuf_reserve(b, new_len);
  memmove(b->data + off + ins_len, b->data + off + del, tail);
  if (ins_len)
    memcpy(b->data + off, ins, ins_len);
  b->len = new_len;
}

/* ---- Parsing ----------------------------------------------------------------------------------- */

int
ipv4_parse(const guint8 *buf, gsize len, guint flags, Ipv4Info *out)
{
  memset(out, 0, sizeof *out);
  if (len == 0)
    return 0;
  if (len < IPV4_HDR_MIN || (buf[0] >> 4) != 4)
    return -1;
  gsize hdr_len = (gsize)(buf[0] & 0x0f) * 4;
  if (hdr_len < IPV4_HDR_MIN || hdr_len > len)
    return -1;
  gsize total = net_get16(buf + 2);
  if (total < hdr_len)
    return -1;
  if (total > len) {
    if (!(flags & IPV4_PARSE_QUOTED))
      return -1;
    out->truncated = TRUE;
  }
  guint16 fl = net_get16(buf + 6);
  if (fl & 0x8000)
    return -1; /* the reserved flag must be zero (RFC 791) */
  out->hdr_len = hdr_len;
  out->total_len = total;
  out->tos = buf[1];
  out->id = net_get16(buf + 4);
  out->df = (fl & 0x4000) != 0;
  out->mf = (fl & 0x2000) != 0;
  out->frag_off = (guint16)((fl & 0x1fff) * 8);
  out->ttl = buf[8];
  out->proto = buf[9];
  out->src = net_get32(buf + 12);
  out->dst = net_get32(buf + 16);
  if ((gsize)out->frag_off + (total - hdr_len) > IPV4_MAX_LEN)
    return -1; /* a fragment reaching past 65535 bytes (the "ping of death") */
  if (out->mf && (total - hdr_len) % 8 != 0 && !(flags & IPV4_PARSE_QUOTED))
    return -1; /* non-last fragments carry multiples of 8 bytes (RFC 791 §3.2) */
  return 1;
}

gsize
ipv4_payload_avail(const Ipv4Info *ip, gsize len)
{
  gsize end = MIN(ip->total_len, len);
  return end > ip->hdr_len ? end - ip->hdr_len : 0;
}

gboolean
ipv4_header_checksum_ok(const guint8 *buf, gsize hdr_len)
{
  return inet_fold(inet_sum(buf, hdr_len, 0)) == 0xffff;
}

void
ipv4_set_header_checksum(guint8 *buf)
{
  gsize hdr_len = (gsize)(buf[0] & 0x0f) * 4;
  net_put16(buf + 10, 0);
  net_put16(buf + 10, inet_checksum(buf, hdr_len));
}

void
ipv4_set_total_len(guint8 *buf, guint16 total_len)
{
  guint16 old = net_get16(buf + 2);
  net_put16(buf + 2, total_len);
  net_put16(buf + 10, csum_replace16(net_get16(buf + 10), old, total_len));
}

guint8
ipv4_dec_ttl(guint8 *buf)
{
  /* RFC 1624 §4 uses exactly this case: TTL shares a 16-bit word with the protocol. */
  guint16 old = net_get16(buf + 8);
  if (buf[8] > 0)
    buf[8]--;
  net_put16(buf + 10, csum_replace16(net_get16(buf + 10), old, net_get16(buf + 8)));
  return buf[8];
}

void
ipv4_set_addr(guint8 *buf, int which, guint32 addr, gsize l4_csum_off, gboolean udp)
{
  gsize off = which == 0 ? 12 : 16;
  guint32 old = net_get32(buf + off);
  if (old == addr)
    return;
  net_put32(buf + off, addr);
  net_put16(buf + 10, csum_replace32(net_get16(buf + 10), old, addr));
  /* The address is part of the UDP/TCP pseudo-header, so that checksum changes too. */
  l4_csum_adjust32(buf, l4_csum_off, udp, old, addr);
}

char *
net_endpoint_format(guint32 addr, guint16 port, char buf[22])
{
  g_snprintf(buf, 22, "%u.%u.%u.%u:%u", addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff,
             addr & 0xff, port);
  return buf;
}

const char *
net_proto_name(guint8 proto)
{
  switch (proto) {
  case NET_PROTO_UDP:
    return "udp";
  case NET_PROTO_TCP:
    return "tcp";
  case NET_PROTO_ICMP:
    return "icmp";
  default:
    return "ip";
  }
}

char *
net_packet_describe(const guint8 *buf, gsize len, char out[64])
{
  Ipv4Info ip;
  if (ipv4_parse(buf, len, IPV4_PARSE_QUOTED, &ip) != 1) {
    g_snprintf(out, 64, "len %" G_GSIZE_FORMAT, len);
    return out;
  }
  guint16 sp = 0, dp = 0;
  if (ip.frag_off == 0 && (ip.proto == NET_PROTO_UDP || ip.proto == NET_PROTO_TCP) &&
      ipv4_payload_avail(&ip, len) >= 4) {
    sp = net_get16(buf + ip.hdr_len);
    dp = net_get16(buf + ip.hdr_len + 2);
  }
  char s[22], d[22];
  g_snprintf(out, 64, "%s %s -> %s", net_proto_name(ip.proto), net_endpoint_format(ip.src, sp, s),
             net_endpoint_format(ip.dst, dp, d));
  return out;
}
