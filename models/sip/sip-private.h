/* sip-private.h — byte-class helpers shared by the SIP and SDP parsers (RFC 3261 §25.1).
 *
 * All helpers take an explicit end offset and never look at buf[end] or beyond.
 */
#pragma once

#include "sip/sip-msg.h"

/* SP or HTAB (RFC 3261 §25.1 WSP). */
static inline gboolean
sip_is_wsp(guint8 c)
{
  return c == ' ' || c == '\t';
}

/* RFC 3261 §25.1 token characters: alphanum and "-.!%*_+`'~". */
static inline gboolean
sip_is_token(guint8 c)
{
  return g_ascii_isalnum(c) || c == '-' || c == '.' || c == '!' || c == '%' || c == '*' ||
         c == '_' || c == '+' || c == '`' || c == '\'' || c == '~';
}

/* Skip LWS from pos: SP/HTAB, and a line break (CRLF or LF) only when SP/HTAB follows it
 * (RFC 3261 §25.1 LWS = [*WSP CRLF] 1*WSP). */
static inline guint
sip_skip_lws(const guint8 *buf, guint pos, guint end)
{
  while (pos < end) {
    if (sip_is_wsp(buf[pos])) {
      pos++;
    } else if (buf[pos] == '\r' && pos + 2 < end && buf[pos + 1] == '\n' && sip_is_wsp(buf[pos + 2])) {
      pos += 3;
    } else if (buf[pos] == '\n' && pos + 1 < end && sip_is_wsp(buf[pos + 1])) {
      pos += 2;
    } else {
      break;
    }
  }
  return pos;
}

/* Move end back over trailing SP/HTAB/CR/LF, not below start. */
static inline guint
sip_trim_end(const guint8 *buf, guint start, guint end)
{
  while (end > start && (sip_is_wsp(buf[end - 1]) || buf[end - 1] == '\r' || buf[end - 1] == '\n'))
    end--;
  return end;
}

/* pos is at '"': return the offset just past the closing quote, honouring quoted-pair escapes
 * (RFC 3261 §25.1), or G_MAXUINT when the string is not closed before end. */
static inline guint
sip_skip_quoted(const guint8 *buf, guint pos, guint end)
{
  for (pos++; pos < end; pos++) {
    if (buf[pos] == '\\') {
      pos++;
      continue;
    }
    if (buf[pos] == '"')
      return pos + 1;
  }
  return G_MAXUINT;
}

static inline SipSpan
sip_span(guint start, guint end)
{
  SipSpan s = {start, end - start};
  return s;
}

static inline guint
sip_span_end(SipSpan s)
{
  return s.off + s.len;
}

/* Trim LWS on both sides of [start, end). */
static inline SipSpan
sip_span_trim(const guint8 *buf, guint start, guint end)
{
  start = sip_skip_lws(buf, start, end);
  while (start < end && (buf[start] == '\r' || buf[start] == '\n'))
    start = sip_skip_lws(buf, start + 1, end);
  return sip_span(start, sip_trim_end(buf, start, end));
}
