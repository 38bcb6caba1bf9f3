/* alg-edit.c — SIP text edits shared by the field-archetype ALGs (alg-edit.h): message kind,
 * header lookup by name (RFC 3261 §7.3, compact forms §7.3.3), SDP lines (RFC 4566 §5), text
 * replacement through nat_alg_mangle() and the Content-Length fix (RFC 3261 §20.14).  Nothing
 * here reads past the payload: every scan is bounded by payload_len.
 */
#include "alg-edit.h"

#include <string.h>

gboolean
ae_is_response(const NatAlgPacket *p)
{
  return p->payload_len >= 8 && memcmp(ae_buf(p), "SIP/2.0 ", 8) == 0;
}

guint
ae_status(const NatAlgPacket *p)
{
  if (!ae_is_response(p) || p->payload_len < 11)
    return 0;
  const char *b = ae_buf(p);
  guint code = 0;
  for (gsize i = 8; i < 11; i++) {
    if (!g_ascii_isdigit(b[i]))
      return 0;
    code = code * 10 + (guint)(b[i] - '0');
  }
  return code;
}

gboolean
ae_is_request(const NatAlgPacket *p, const char *method)
{
  gsize n = strlen(method);
  return p->payload_len > n && memcmp(ae_buf(p), method, n) == 0 && ae_buf(p)[n] == ' ';
}

gboolean
ae_is_sip_udp(const NatAlgPacket *p, guint16 port)
{
  if (p->proto != NET_PROTO_UDP || p->payload_len < 12)
    return FALSE;
  const NatTuple *t = nat_binding_tuple(p->binding);
  if (t->remote.port != port && t->internal.port != port)
    return FALSE;
  if (ae_is_response(p))
    return TRUE;
  /* A request line: a token, a space, and "SIP/2.0" at the end of the first line. */
  const char *b = ae_buf(p);
  gsize i = 0;
  while (i < p->payload_len && g_ascii_isupper(b[i]))
    i++;
  if (i == 0 || i >= p->payload_len || b[i] != ' ')
    return FALSE;
  while (i < p->payload_len && b[i] != '\r' && b[i] != '\n')
    i++;
  return i >= 7 && memcmp(b + i - 7, "SIP/2.0", 7) == 0;
}

gssize
ae_body(const NatAlgPacket *p)
{
  const char *b = ae_buf(p);
  for (gsize i = 0; i + 3 < p->payload_len; i++)
    if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n')
      return (gssize)(i + 4);
  return -1;
}

/* End of the header section (the blank line), or the payload's end. */
static gsize
headers_end(const NatAlgPacket *p)
{
  gssize body = ae_body(p);
  return body < 0 ? p->payload_len : (gsize)body - 2;
}

gboolean
ae_header(const NatAlgPacket *p, const char *name, char compact, guint n, gsize *voff, gsize *vlen)
{
  const char *b = ae_buf(p);
  gsize end = headers_end(p), nlen = strlen(name);
  gsize i = 0;
  while (i < end && b[i] != '\n') /* skip the start line */
    i++;
  for (i++; i < end; i++) {
    gsize line = i, j;
    while (i < end && b[i] != '\n')
      i++;
    gsize eol = i > line && b[i - 1] == '\r' ? i - 1 : i;
    if (eol - line > nlen && g_ascii_strncasecmp(b + line, name, nlen) == 0)
      j = line + nlen;
    else if (compact && eol - line > 1 && g_ascii_tolower(b[line]) == compact)
      j = line + 1;
    else
      continue;
    while (j < eol && (b[j] == ' ' || b[j] == '\t'))
      j++;
    if (j >= eol || b[j] != ':')
      continue;
    if (n-- > 0)
      continue;
    j++;
    while (j < eol && (b[j] == ' ' || b[j] == '\t'))
      j++;
    gsize e = eol;
    while (e > j && (b[e - 1] == ' ' || b[e - 1] == '\t'))
      e--;
    *voff = j;
    *vlen = e - j;
    return TRUE;
  }
  return FALSE;
}

gboolean
ae_cseq_is(const NatAlgPacket *p, const char *method)
{
  gsize off, len, n = strlen(method);
  if (!ae_header(p, "CSeq", 0, 0, &off, &len) || len <= n)
    return FALSE;
  const char *b = ae_buf(p);
  return memcmp(b + off + len - n, method, n) == 0 && b[off + len - n - 1] == ' ';
}

gssize
ae_find(const NatAlgPacket *p, gsize off, gsize len, const char *needle)
{
  gsize n = strlen(needle);
  const char *b = ae_buf(p);
  if (off > p->payload_len || len > p->payload_len - off)
    return -1;
  for (gsize i = off; i + n <= off + len; i++)
    if (memcmp(b + i, needle, n) == 0)
      return (gssize)i;
  return -1;
}

gboolean
ae_replace(NatAlgPacket *p, gsize off, gsize del, const char *text)
{
  return nat_alg_mangle(p, off, del, (const guint8 *)text, strlen(text));
}

guint
ae_replace_in_headers(NatAlgPacket *p, const char *name, char compact, const char *from, const char *to)
{
  guint count = 0;
  gsize off, len;
  for (guint n = 0; ae_header(p, name, compact, n, &off, &len); n++) {
    gssize at = ae_find(p, off, len, from);
    if (at >= 0 && ae_replace(p, (gsize)at, strlen(from), to))
      count++;
  }
  return count;
}

void
ae_fix_content_length(NatAlgPacket *p)
{
  gsize off, len;
  gssize body = ae_body(p);
  if (body < 0 || !ae_header(p, "Content-Length", 'l', 0, &off, &len))
    return;
  char text[16];
  g_snprintf(text, sizeof text, "%" G_GSIZE_FORMAT, p->payload_len - (gsize)body);
  if (len != strlen(text) || memcmp(ae_buf(p) + off, text, len) != 0)
    ae_replace(p, off, len, text);
}

void
ae_fmt_endpoint(char buf[24], SimAddr a)
{
  char ip[16];
  g_snprintf(buf, 24, "%s:%u", sim_addr_format(a.addr, ip), a.port);
}

gboolean
ae_sdp_line(const NatAlgPacket *p, char type, guint n, gsize *voff, gsize *vlen)
{
  gssize body = ae_body(p);
  if (body < 0)
    return FALSE;
  const char *b = ae_buf(p);
  for (gsize i = (gsize)body; i < p->payload_len; i++) {
    gsize line = i;
    while (i < p->payload_len && b[i] != '\n')
      i++;
    gsize eol = i > line && b[i - 1] == '\r' ? i - 1 : i;
    if (eol - line < 2 || b[line] != type || b[line + 1] != '=')
      continue;
    if (n-- > 0)
      continue;
    *voff = line + 2;
    *vlen = eol - line - 2;
    return TRUE;
  }
  return FALSE;
}

guint
ae_sdp_replace_addr(NatAlgPacket *p, char type, guint32 from, guint32 to)
{
  char a[16], b[16], needle[24];
  sim_addr_format(from, a);
  sim_addr_format(to, b);
  g_snprintf(needle, sizeof needle, "IN IP4 %s", a);
  guint count = 0;
  gsize off, len;
  for (guint n = 0; ae_sdp_line(p, type, n, &off, &len); n++) {
    gssize at = ae_find(p, off, len, needle);
    /* The whole address: "IN IP4 192.168.1.5" must not match "192.168.1.50". */
    gsize end = at < 0 ? 0 : (gsize)at + strlen(needle);
    if (at < 0 || (end < off + len && (g_ascii_isdigit(ae_buf(p)[end]) || ae_buf(p)[end] == '.')))
      continue;
    if (ae_replace(p, (gsize)at + 7, strlen(a), b))
      count++;
  }
  return count;
}

gboolean
ae_sdp_media_port(const NatAlgPacket *p, guint n, guint *port, gsize *poff, gsize *plen)
{
  gsize off, len;
  if (!ae_sdp_line(p, 'm', n, &off, &len))
    return FALSE;
  const char *b = ae_buf(p);
  gsize i = off;
  while (i < off + len && b[i] != ' ')
    i++;
  gsize d = ++i;
  guint v = 0;
  while (i < off + len && g_ascii_isdigit(b[i]) && v <= 65535)
    v = v * 10 + (guint)(b[i++] - '0');
  if (i == d || v > 65535)
    return FALSE;
  *port = v;
  *poff = d;
  *plen = i - d;
  return TRUE;
}
