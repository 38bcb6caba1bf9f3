/* sip-body.c — SIP message bodies: Content-Type, multipart parts (RFC 2046 §5.1.1, RFC 5621)
 * and finding the part of a given type, e.g. the application/sdp offer inside multipart/mixed
 * (corpus case 19-multipart-sdp; the Linux helper ignores Content-Type and just searches for
 * "v=", this code follows the MIME structure).
 *
 * A delimiter is "--" boundary at the start of the body or of a line; the close delimiter adds
 * "--".  The CRLF (or LF) before a delimiter belongs to the delimiter, not to the part.  Bytes
 * before the first delimiter (preamble) and after the close one (epilogue) are ignored.
 */
#include "sip/sip-private.h"

#include <string.h>

/* ---- Content-Type (RFC 3261 §20.15, RFC 2045 §5.1) ---------------------------------------- */

int
sip_msg_content_type(const SipMsg *msg, SipSpan *type, SipSpan *params)
{
  const SipHeader *h = sip_msg_header(msg, SIP_HDR_CONTENT_TYPE, 0);
  if (!h)
    return 0;
  guint end = sip_span_end(h->value);
  const guint8 *semi = memchr(msg->buf + h->value.off, ';', h->value.len);
  guint te = semi ? (guint) (semi - msg->buf) : end;
  SipSpan t = sip_span(h->value.off, sip_trim_end(msg->buf, h->value.off, te));
  if (t.len == 0 || !memchr(msg->buf + t.off, '/', t.len))
    return -1;
  if (type)
    *type = t;
  if (params)
    *params = sip_span(te, end);
  return 1;
}

gboolean
sip_content_type_is(const guint8 *buf, SipSpan type, const char *want)
{
  /* media-type = m-type SLASH m-subtype, case-insensitive (§20.15, RFC 2045 §5.1); LWS around
   * the slash is allowed. */
  gsize w = 0, wl = strlen(want);
  for (guint i = type.off; i < sip_span_end(type); i++) {
    guint8 c = buf[i];
    if (sip_is_wsp(c) || c == '\r' || c == '\n')
      continue;
    if (w >= wl || g_ascii_tolower(c) != g_ascii_tolower((guint8) want[w]))
      return FALSE;
    w++;
  }
  return w == wl;
}

/* ---- multipart ---------------------------------------------------------------------------- */

/* Find the next delimiter "--boundary" at a line start in [from, end); G_MAXUINT if none. */
static guint
find_delim(const guint8 *buf, guint body_off, guint from, guint end, const guint8 *b, guint blen)
{
  while (from + 2 + blen <= end) {
    const guint8 *p = memmem(buf + from, end - from, "--", 2);
    if (!p)
      return G_MAXUINT;
    guint at = (guint) (p - buf);
    if (at + 2 + blen > end)
      return G_MAXUINT;
    if ((at == body_off || buf[at - 1] == '\n') && memcmp(buf + at + 2, b, blen) == 0)
      return at;
    from = at + 1;
  }
  return G_MAXUINT;
}

int
sip_multipart_next(const guint8 *buf, SipSpan body, SipSpan boundary, guint *pos, SipPart *part)
{
  guint end = sip_span_end(body);
  const guint8 *b = buf + boundary.off;
  guint blen = boundary.len;
  if (blen == 0 || blen > 70) /* RFC 2046 §5.1.1: 1 to 70 characters */
    return -1;
  if (*pos > body.len)
    return 0;
  guint d = find_delim(buf, body.off, body.off + *pos, end, b, blen);
  if (d == G_MAXUINT)
    return -1; /* no (further) delimiter: the close delimiter is missing */
  guint i = d + 2 + blen;
  if (i + 2 <= end && buf[i] == '-' && buf[i + 1] == '-') {
    *pos = body.len + 1; /* close delimiter: done */
    return 0;
  }
  /* Transport padding, then the line end (RFC 2046 §5.1.1). */
  while (i < end && sip_is_wsp(buf[i]))
    i++;
  if (i < end && buf[i] == '\r')
    i++;
  if (i >= end || buf[i] != '\n')
    return -1;
  guint ps = i + 1;
  guint next = find_delim(buf, body.off, ps, end, b, blen);
  if (next == G_MAXUINT)
    return -1;
  guint pe = next;
  if (pe > ps && buf[pe - 1] == '\n')
    pe--;
  if (pe > ps && buf[pe - 1] == '\r')
    pe--;
  memset(part, 0, sizeof *part);
  part->part = sip_span(ps, pe);
  /* Part headers up to a blank line; none at all when the part starts with a blank line. */
  guint k = ps;
  for (;;) {
    if (k >= pe) {
      part->body = sip_span(pe, pe);
      break;
    }
    if (buf[k] == '\n' || (buf[k] == '\r' && k + 1 < pe && buf[k + 1] == '\n')) {
      guint bs = k + (buf[k] == '\n' ? 1 : 2);
      part->body = sip_span(MIN(bs, pe), pe);
      break;
    }
    const guint8 *lf = memchr(buf + k, '\n', pe - k);
    guint le = lf ? (guint) (lf - buf) : pe;
    const guint8 *colon = memchr(buf + k, ':', le - k);
    if (!colon)
      return -1;
    guint c = (guint) (colon - buf);
    SipSpan name = sip_span(k, sip_trim_end(buf, k, c));
    if (sip_span_case_eq(buf, name, "Content-Type"))
      part->content_type = sip_span_trim(buf, c + 1, le);
    k = lf ? le + 1 : pe;
  }
  *pos = next - body.off;
  return 1;
}

int
sip_msg_find_body(const SipMsg *msg, const char *want_type, SipSpan *out)
{
  SipSpan type, params;
  int r = sip_msg_content_type(msg, &type, &params);
  if (r <= 0 || msg->body.len == 0)
    return r < 0 ? -1 : 0;
  if (sip_content_type_is(msg->buf, type, want_type)) {
    *out = msg->body;
    return 1;
  }
  if (type.len < 10 || g_ascii_strncasecmp((const char *) msg->buf + type.off, "multipart/", 10) != 0)
    return 0;
  SipSpan boundary;
  gboolean hv = FALSE;
  if (sip_param_find(msg->buf, params, "boundary", &boundary, &hv) != 1 || !hv)
    return -1;
  if (boundary.len >= 2 && msg->buf[boundary.off] == '"') {
    boundary.off++;
    boundary.len -= 2;
  }
  guint pos = 0;
  SipPart part;
  while ((r = sip_multipart_next(msg->buf, msg->body, boundary, &pos, &part)) == 1) {
    SipSpan pt = part.content_type;
    const guint8 *semi = pt.len ? memchr(msg->buf + pt.off, ';', pt.len) : NULL;
    if (semi)
      pt = sip_span(pt.off, sip_trim_end(msg->buf, pt.off, (guint) (semi - msg->buf)));
    if (pt.len && sip_content_type_is(msg->buf, pt, want_type)) {
      *out = part.body;
      return 1;
    }
  }
  return r;
}
