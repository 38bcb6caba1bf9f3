/* alg-linux-nat.c — the NAT half of Linux's SIP ALG, following nf_nat_sip.c: the exact-match rule
 * (map_addr: an address:port is rewritten only when it equals this flow's own endpoint, and is
 * then always written as "a.b.c.d:port", which inserts ":5060" into a URI without a port, corpus
 * #01), the header set (Request-URI, top Via with maddr=/received=/rport=, every Contact, the
 * first From and To), the Cisco forced destination port (#27), the SDP owner and connection
 * rewrite (nf_nat_sdp_session: o= takes whatever media address was chosen, #12, #24) and the
 * Content-Length rule (mangle_content_len: bytes from "v=" to the end of the message, wrong for
 * multipart bodies, #19).
 */
#include "alg-linux-private.h"

#include <string.h>



gsize
lx_fmt_addr(char *buf, gsize size, guint32 addr, gint port)
{
  if (port >= 0)
    return (gsize)g_snprintf(buf, size, "%u.%u.%u.%u:%d", addr >> 24, (addr >> 16) & 0xff,
                             (addr >> 8) & 0xff, addr & 0xff, port);
  return (gsize)g_snprintf(buf, size, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff,
                           (addr >> 8) & 0xff, addr & 0xff);
}

gboolean
lx_mangle(LxMsg *m, gsize off, gsize del, const char *text, gsize text_len)
{
  if (off > m->len || del > m->len - off)
    return FALSE;
  if (!nat_alg_mangle(m->p, m->off + off, del, (const guint8 *)text, text_len))
    return FALSE;
  m->len = m->len - del + text_len;
  return TRUE;
}

guint16
lx_forced_dport(const LxMsg *m)
{
  return m->flow ? m->flow->forced_dport : 0;
}

/* map_addr(): FALSE only when the packet cannot be mangled. */
static gboolean
map_addr(LxMsg *m, gsize moff, gsize mlen, guint32 addr, guint16 port)
{
  SimAddr n;
  if (addr == m->dir_src.addr && port == m->dir_src.port) {
    n = m->rev_dst;
  } else if (addr == m->dir_dst.addr && port == m->dir_dst.port) {
    n = m->rev_src;
    guint16 fd = lx_forced_dport(m);
    if (fd)
      n.port = fd;
  } else {
    return TRUE;
  }
  if (n.addr == addr && n.port == port)
    return TRUE;
  char text[32];
  gsize tl = lx_fmt_addr(text, sizeof text, n.addr, n.port);
  return lx_mangle(m, moff, mlen, text, tl);
}

static gboolean
map_sip_addr(LxMsg *m, LxHdr h)
{
  gsize moff, mlen;
  guint32 addr;
  guint16 port;
  if (lx_parse_header_uri(lx_msg_buf(m), NULL, m->len, h, NULL, &moff, &mlen, &addr, &port) <= 0)
    return TRUE;
  return map_addr(m, moff, mlen, addr, port);
}

/* The top Via of this transport, and its maddr=, received= and rport= parameters. */
static gboolean
nat_via(LxMsg *m, gboolean request, const char **why)
{
  LxHdr h = m->p->proto == NET_PROTO_TCP ? LX_HDR_VIA_TCP : LX_HDR_VIA_UDP;
  gsize moff, mlen, poff, plen;
  guint32 addr;
  guint16 port;
  if (lx_parse_header_uri(lx_msg_buf(m), NULL, m->len, h, NULL, &moff, &mlen, &addr, &port) <= 0)
    return TRUE;
  /* Only a Via naming this flow's own endpoint: a request's sender, a response's receiver (the
   * kernel compares the packet's source for requests, its destination for responses). */
  SimAddr own = request ? m->dir_src : m->dir_dst;
  if (addr != own.addr || port != own.port)
    return TRUE;
  gsize olen = m->len;
  if (!map_addr(m, moff, mlen, addr, port)) {
    *why = "cannot mangle Via header";
    return FALSE;
  }
  gsize matchend = moff + mlen + m->len - olen;
  char text[32];
  if (lx_parse_address_param(lx_msg_buf(m), matchend, m->len, "maddr=", &poff, &plen, &addr) > 0 &&
      addr == m->dir_src.addr && addr != m->rev_dst.addr) {
    gsize tl = lx_fmt_addr(text, sizeof text, m->rev_dst.addr, -1);
    if (!lx_mangle(m, poff, plen, text, tl)) {
      *why = "cannot mangle maddr";
      return FALSE;
    }
  }
  if (lx_parse_address_param(lx_msg_buf(m), matchend, m->len, "received=", &poff, &plen, &addr) > 0 &&
      addr == m->dir_dst.addr && addr != m->rev_src.addr) {
    gsize tl = lx_fmt_addr(text, sizeof text, m->rev_src.addr, -1);
    if (!lx_mangle(m, poff, plen, text, tl)) {
      *why = "cannot mangle received";
      return FALSE;
    }
  }
  guint n;
  if (lx_parse_numerical_param(lx_msg_buf(m), matchend, m->len, "rport=", &poff, &plen, &n) > 0 &&
      n == m->dir_dst.port && n != m->rev_src.port) {
    gsize tl = (gsize)g_snprintf(text, sizeof text, "%u", m->rev_src.port);
    if (!lx_mangle(m, poff, plen, text, tl)) {
      *why = "cannot mangle rport";
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
lx_nat_msg(LxMsg *m, const char **why)
{
  gsize moff, mlen;
  guint32 addr;
  guint16 port;
  gboolean request = !(m->len >= 7 && g_ascii_strncasecmp(lx_msg_buf(m), "SIP/2.0", 7) == 0);
  if (request) {
    if (lx_parse_request(lx_msg_buf(m), m->len, &moff, &mlen, &addr, &port) > 0 &&
        !map_addr(m, moff, mlen, addr, port)) {
      *why = "cannot mangle SIP message";
      return FALSE;
    }
  }
  if (!nat_via(m, request, why))
    return FALSE;
  /* Every Contact URI, comma lists included.  Like the kernel, the search position is not moved
   * by the length change of a rewrite. */
  gsize coff = 0;
  int in_header = 0;
  while (lx_parse_header_uri(lx_msg_buf(m), &coff, m->len, LX_HDR_CONTACT, &in_header, &moff, &mlen,
                             &addr, &port) > 0) {
    if (!map_addr(m, moff, mlen, addr, port)) {
      *why = "cannot mangle contact";
      return FALSE;
    }
  }
  if (!map_sip_addr(m, LX_HDR_FROM) || !map_sip_addr(m, LX_HDR_TO)) {
    *why = "cannot mangle SIP from/to";
    return FALSE;
  }
  /* Cisco phones: replies go to the port their Via named (nf_nat_sip forced_dport). */
  guint16 fd = lx_forced_dport(m);
  if (m->p->dir == NAT_DIR_IN && fd && m->p->proto == NET_PROTO_UDP) {
    guint8 *udp = m->p->pkt->data + m->p->l4_off;
    udp[2] = (guint8)(fd >> 8);
    udp[3] = (guint8)(fd & 0xff);
    nat_alg_fix_packet(m->p);
  }
  return TRUE;
}

/* mangle_content_len(): Content-Length = bytes from "v=" to the end of the message. */
static gboolean
content_len(LxMsg *m)
{
  gssize body = lx_body_start(lx_msg_buf(m), m->len);
  gsize voff, vlen, coff, clen;
  if (body < 0 || lx_get_sdp_header(lx_msg_buf(m), (gsize)body - 1, m->len, LX_SDP_VERSION,
                                    LX_SDP_UNSPEC, &voff, &vlen) <= 0)
    return FALSE;
  gsize c_len = m->len - voff + 2;
  if (lx_get_header(lx_msg_buf(m), 0, m->len, LX_HDR_CONTENT_LENGTH, &coff, &clen) <= 0)
    return FALSE; /* missing or non-numeric: the message is dropped (#20, #21) */
  char text[16];
  gsize tl = (gsize)g_snprintf(text, sizeof text, "%" G_GSIZE_FORMAT, c_len);
  return lx_mangle(m, coff, clen, text, tl);
}

/* mangle_sdp_packet(): the first `h` line from off before a `term` line. */
static int
mangle_sdp(LxMsg *m, gsize off, LxSdp h, LxSdp term, guint32 addr)
{
  gsize moff, mlen;
  int ret = lx_get_sdp_header(lx_msg_buf(m), off, m->len, h, term, &moff, &mlen);
  if (ret == 0)
    return -1; /* -ENOENT */
  if (ret < 0)
    return -2; /* -EINVAL */
  char text[16];
  gsize tl = lx_fmt_addr(text, sizeof text, addr, -1);
  return lx_mangle(m, moff, mlen, text, tl) ? 0 : -2;
}

gboolean
lx_nat_sdp_addr(LxMsg *m, gsize mediaoff, guint32 addr)
{
  if (mangle_sdp(m, mediaoff, LX_SDP_CONNECTION, LX_SDP_MEDIA, addr) != 0)
    return FALSE;
  return content_len(m);
}

gboolean
lx_nat_sdp_session(LxMsg *m, gsize sdpoff, guint32 addr)
{
  if (mangle_sdp(m, sdpoff, LX_SDP_OWNER, LX_SDP_MEDIA, addr) != 0)
    return FALSE;
  int r = mangle_sdp(m, sdpoff, LX_SDP_CONNECTION, LX_SDP_MEDIA, addr);
  if (r == -2)
    return FALSE; /* a session c= is optional (RFC 2327) */
  return content_len(m);
}
