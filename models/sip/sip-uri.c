/* sip-uri.c — SIP header values: parameters, URIs, name-addr, Via, CSeq and friends.
 *
 * Grammar from RFC 3261 §19.1.1 (SIP-URI), §20.10/§20.20/§20.39 (name-addr, header parameters),
 * §20.42 (Via, with LWS allowed around "/" and ":"), §20.16 (CSeq), RFC 3581 (rport) and RFC 3966
 * (tel).  Every function returns 1 found / 0 absent / -1 malformed and spans into the caller's
 * buffer; nothing here copies except sip_unescape().
 */
#include "sip/sip-private.h"

#include <string.h>

/* Characters that end a parameter name or an unquoted value. */
static gboolean
param_stop(guint8 c)
{
  return c == ';' || c == '=' || c == ',' || c == '?' || c == '>' || sip_is_wsp(c) || c == '\r' ||
         c == '\n' || c == '"' || c == '<';
}

int
sip_param_find(const guint8 *buf, SipSpan params, const char *name, SipSpan *value,
               gboolean *has_value)
{
  guint end = sip_span_end(params), i = params.off;
  gsize nlen = strlen(name);
  int found = 0;
  while (i < end) {
    i = sip_skip_lws(buf, i, end);
    if (i < end && buf[i] == ';')
      i = sip_skip_lws(buf, i + 1, end);
    if (i >= end)
      break;
    guint ns = i;
    while (i < end && !param_stop(buf[i]))
      i++;
    if (i == ns)
      return -1; /* empty name, or a stray character */
    guint ne = i;
    SipSpan v = {i, 0};
    gboolean hv = FALSE;
    i = sip_skip_lws(buf, i, end);
    if (i < end && buf[i] == '=') {
      hv = TRUE;
      i = sip_skip_lws(buf, i + 1, end);
      guint vs = i;
      if (i < end && buf[i] == '"') {
        i = sip_skip_quoted(buf, i, end);
        if (i == G_MAXUINT)
          return -1;
      } else if (i < end && buf[i] == '[') { /* IPv6 reference as a value (received, maddr) */
        const guint8 *rb = memchr(buf + i, ']', end - i);
        if (!rb)
          return -1;
        i = (guint) (rb - buf) + 1;
      } else {
        while (i < end && !param_stop(buf[i]))
          i++;
      }
      v = sip_span(vs, i);
      i = sip_skip_lws(buf, i, end);
    }
    if (i < end && buf[i] != ';')
      return -1;
    if (!found && ne - ns == nlen && g_ascii_strncasecmp((const char *) buf + ns, name, nlen) == 0) {
      if (value)
        *value = v;
      if (has_value)
        *has_value = hv;
      found = 1; /* keep going so a malformed tail is still reported */
    }
  }
  return found;
}

/* The whole parameter list is well-formed (no name is empty, so "" never matches). */
static gboolean
params_ok(const guint8 *buf, SipSpan params)
{
  return sip_param_find(buf, params, "", NULL, NULL) >= 0;
}

/* host = hostname / IPv4address / IPv6reference (§25.1).  Returns the offset after the host or
 * G_MAXUINT. */
static guint
scan_host(const guint8 *buf, guint i, guint end, SipSpan *host)
{
  guint hs = i;
  if (i < end && buf[i] == '[') {
    for (i++; i < end && (g_ascii_isxdigit(buf[i]) || buf[i] == ':' || buf[i] == '.'); i++)
      ;
    if (i >= end || buf[i] != ']' || i == hs + 1)
      return G_MAXUINT;
    i++;
  } else {
    while (i < end && (g_ascii_isalnum(buf[i]) || buf[i] == '-' || buf[i] == '.'))
      i++;
    if (i == hs)
      return G_MAXUINT;
  }
  *host = sip_span(hs, i);
  return i;
}

/* port = 1*DIGIT, at most 65535.  i is after the ':'. */
static guint
scan_port(const guint8 *buf, guint i, guint end, SipSpan *span, guint16 *port)
{
  guint ps = i;
  while (i < end && g_ascii_isdigit(buf[i]))
    i++;
  guint32 v;
  if (i == ps || sip_span_uint(buf, sip_span(ps, i), 65535, &v) != 1)
    return G_MAXUINT;
  *span = sip_span(ps, i);
  *port = (guint16) v;
  return i;
}

/* A character allowed in a URI outside the host (no whitespace, controls, quotes or angles);
 * '%' must start an escape %HH (§25.1 escaped). */
static gboolean
uri_chars_ok(const guint8 *buf, guint i, guint end)
{
  for (; i < end; i++) {
    guint8 c = buf[i];
    if (c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\')
      return FALSE;
    if (c == '%' && (end - i < 3 || !g_ascii_isxdigit(buf[i + 1]) || !g_ascii_isxdigit(buf[i + 2])))
      return FALSE;
  }
  return TRUE;
}

int
sip_uri_parse(const guint8 *buf, SipSpan s, SipUri *uri)
{
  memset(uri, 0, sizeof *uri);
  guint i = s.off, end = sip_span_end(s);
  if (s.len == 0)
    return 0;
  if (!g_ascii_isalpha(buf[i]))
    return -1;
  while (i < end && (g_ascii_isalnum(buf[i]) || buf[i] == '+' || buf[i] == '-' || buf[i] == '.'))
    i++;
  if (i >= end || buf[i] != ':')
    return -1;
  uri->scheme_span = sip_span(s.off, i);
  uri->rest = sip_span(i + 1, end);
  if (!uri_chars_ok(buf, i + 1, end))
    return -1;
  if (sip_span_case_eq(buf, uri->scheme_span, "sip"))
    uri->scheme = SIP_URI_SIP;
  else if (sip_span_case_eq(buf, uri->scheme_span, "sips"))
    uri->scheme = SIP_URI_SIPS;
  else if (sip_span_case_eq(buf, uri->scheme_span, "tel"))
    uri->scheme = SIP_URI_TEL;
  else
    return uri->rest.len > 0 ? 1 : -1; /* absoluteURI (§25.1): kept opaque */
  i++;
  if (uri->scheme == SIP_URI_TEL) {
    /* telephone-subscriber = number *( ";" par ) (RFC 3966 §3). */
    guint ns = i;
    while (i < end && buf[i] != ';')
      i++;
    if (i == ns)
      return -1;
    uri->user = sip_span(ns, i);
    uri->params = sip_span(i, end);
    return 1;
  }
  /* userinfo "@" — '@' cannot appear unescaped after the userinfo (§25.1), so the first is it. */
  const guint8 *at = memchr(buf + i, '@', end - i);
  if (at) {
    guint at_off = (guint) (at - buf);
    const guint8 *colon = memchr(buf + i, ':', at_off - i);
    guint user_end = colon ? (guint) (colon - buf) : at_off;
    if (user_end == i)
      return -1;
    uri->user = sip_span(i, user_end);
    if (colon)
      uri->password = sip_span(user_end + 1, at_off);
    i = at_off + 1;
  }
  i = scan_host(buf, i, end, &uri->host);
  if (i == G_MAXUINT)
    return -1;
  if (i < end && buf[i] == ':') {
    i = scan_port(buf, i + 1, end, &uri->port_span, &uri->port);
    if (i == G_MAXUINT)
      return -1;
  }
  if (i < end && buf[i] != ';' && buf[i] != '?')
    return -1;
  const guint8 *q = memchr(buf + i, '?', end - i);
  guint q_off = q ? (guint) (q - buf) : end;
  uri->params = sip_span(i, q_off);
  if (q)
    uri->headers = sip_span(q_off + 1, end);
  if (uri->params.len > 0 && !params_ok(buf, uri->params))
    return -1;
  return 1;
}

int
sip_host_ipv4(const guint8 *buf, SipSpan host, guint32 *addr)
{
  guint i = host.off, end = sip_span_end(host);
  guint32 a = 0;
  for (int part = 0; part < 4; part++) {
    guint ds = i, v = 0;
    while (i < end && g_ascii_isdigit(buf[i]) && i - ds < 3)
      v = v * 10 + (buf[i++] - '0');
    if (i == ds || v > 255)
      return 0;
    a = (a << 8) | v;
    if (part < 3) {
      if (i >= end || buf[i] != '.')
        return 0;
      i++;
    }
  }
  if (i != end)
    return 0;
  *addr = a;
  return 1;
}

char *
sip_unescape(const guint8 *buf, SipSpan s)
{
  GString *out = g_string_sized_new(s.len);
  for (guint i = s.off; i < sip_span_end(s); i++) {
    if (buf[i] == '%' && i + 2 < sip_span_end(s) && g_ascii_isxdigit(buf[i + 1]) &&
        g_ascii_isxdigit(buf[i + 2])) {
      g_string_append_c(out, (char) (g_ascii_xdigit_value(buf[i + 1]) * 16 +
                                     g_ascii_xdigit_value(buf[i + 2])));
      i += 2;
    } else {
      g_string_append_c(out, (char) buf[i]);
    }
  }
  return g_string_free(out, FALSE);
}

gboolean
sip_branch_has_cookie(const guint8 *buf, SipSpan branch)
{
  /* RFC 3261 §8.1.1.7: branches of RFC 3261 elements start with the magic cookie "z9hG4bK". */
  return branch.len > 7 && memcmp(buf + branch.off, "z9hG4bK", 7) == 0;
}

int
sip_name_addr_parse(const guint8 *buf, SipSpan s, SipNameAddr *na)
{
  memset(na, 0, sizeof *na);
  guint end = sip_span_end(s);
  guint i = sip_skip_lws(buf, s.off, end);
  end = sip_trim_end(buf, i, end);
  if (i >= end)
    return 0;
  if (end - i == 1 && buf[i] == '*') {
    na->star = TRUE; /* Contact: * (§10.2.2) */
    return 1;
  }
  guint ds = i;
  if (buf[i] == '"') {
    guint q = sip_skip_quoted(buf, i, end);
    if (q == G_MAXUINT)
      return -1;
    na->quoted = TRUE;
    na->display = sip_span(i + 1, q - 1);
    i = sip_skip_lws(buf, q, end);
    if (i >= end || buf[i] != '<')
      return -1;
  } else {
    /* display-name = *(token LWS): scan tokens; a '<' makes it a name-addr. */
    guint k = i;
    while (k < end && (sip_is_token(buf[k]) || sip_is_wsp(buf[k]) || buf[k] == '\r' || buf[k] == '\n'))
      k++;
    if (k < end && buf[k] == '<') {
      na->display = sip_span(ds, sip_trim_end(buf, ds, k));
      i = k;
    }
  }
  if (buf[i] == '<') {
    const guint8 *gt = memchr(buf + i, '>', end - i);
    if (!gt)
      return -1;
    guint gt_off = (guint) (gt - buf);
    na->angle = TRUE;
    na->uri = sip_span(i + 1, gt_off);
    i = sip_skip_lws(buf, gt_off + 1, end);
    if (i < end && buf[i] != ';')
      return -1;
  } else {
    /* addr-spec: parameters after it are header parameters (§20.10). */
    guint us = i;
    while (i < end && buf[i] != ';' && !sip_is_wsp(buf[i]))
      i++;
    na->uri = sip_span(us, i);
    i = sip_skip_lws(buf, i, end);
    if (i < end && buf[i] != ';')
      return -1;
  }
  na->params = sip_span(i, end);
  SipUri uri;
  if (sip_uri_parse(buf, na->uri, &uri) != 1)
    return -1;
  if (na->params.len > 0 && !params_ok(buf, na->params))
    return -1;
  return 1;
}

int
sip_via_parse(const guint8 *buf, SipSpan s, SipVia *via)
{
  memset(via, 0, sizeof *via);
  guint end = sip_span_end(s), i = sip_skip_lws(buf, s.off, end);
  if (i >= end)
    return 0;
  /* sent-protocol = protocol-name SLASH protocol-version SLASH transport (§20.42). */
  guint ps = i, ts = 0, te = 0;
  for (int part = 0; part < 3; part++) {
    guint tok = i;
    while (i < end && sip_is_token(buf[i]))
      i++;
    if (i == tok)
      return -1;
    ts = tok;
    te = i;
    if (part < 2) {
      i = sip_skip_lws(buf, i, end);
      if (i >= end || buf[i] != '/')
        return -1;
      i = sip_skip_lws(buf, i + 1, end);
    }
  }
  via->protocol = sip_span(ps, te);
  via->transport = sip_span(ts, te);
  guint after = sip_skip_lws(buf, i, end);
  if (after == i)
    return -1; /* LWS is required before sent-by */
  i = scan_host(buf, after, end, &via->host);
  if (i == G_MAXUINT)
    return -1;
  i = sip_skip_lws(buf, i, end);
  if (i < end && buf[i] == ':') {
    i = scan_port(buf, sip_skip_lws(buf, i + 1, end), end, &via->port_span, &via->port);
    if (i == G_MAXUINT)
      return -1;
    i = sip_skip_lws(buf, i, end);
  }
  if (i < end && buf[i] != ';')
    return -1;
  via->params = sip_span(i, end);
  if (via->params.len == 0)
    return 1;
  if (sip_param_find(buf, via->params, "branch", &via->branch, NULL) < 0)
    return -1;
  sip_param_find(buf, via->params, "received", &via->received, NULL);
  sip_param_find(buf, via->params, "maddr", &via->maddr, NULL);
  sip_param_find(buf, via->params, "ttl", &via->ttl, NULL);
  gboolean has_value = FALSE;
  if (sip_param_find(buf, via->params, "rport", &via->rport, &has_value) == 1) {
    via->has_rport = TRUE; /* RFC 3581 §3: empty in requests, the source port in responses */
    if (has_value) {
      guint32 v;
      if (sip_span_uint(buf, via->rport, 65535, &v) != 1)
        return -1;
      via->rport_port = (guint16) v;
    }
  }
  return 1;
}

/* ---- message-level accessors -------------------------------------------------------------- */

int
sip_msg_via(const SipMsg *msg, guint n, SipVia *via)
{
  SipSpan v;
  int r = sip_msg_value(msg, SIP_HDR_VIA, n, &v);
  if (r != 1)
    return r;
  return sip_via_parse(msg->buf, v, via);
}

int
sip_msg_cseq(const SipMsg *msg, guint32 *num, SipMethod *method, SipSpan *method_span)
{
  const SipHeader *h = sip_msg_header(msg, SIP_HDR_CSEQ, 0);
  if (!h)
    return 0;
  const guint8 *buf = msg->buf;
  guint i = h->value.off, end = sip_span_end(h->value), ns = i;
  while (i < end && g_ascii_isdigit(buf[i]))
    i++;
  guint32 v;
  /* §8.1.1.5: the sequence number MUST be expressible as a 32-bit unsigned integer and less
   * than 2**31. */
  if (sip_span_uint(buf, sip_span(ns, i), G_MAXINT32, &v) != 1)
    return -1;
  guint ms = sip_skip_lws(buf, i, end);
  if (ms == i)
    return -1;
  i = ms;
  while (i < end && sip_is_token(buf[i]))
    i++;
  if (i == ms || i != end)
    return -1;
  if (num)
    *num = v;
  if (method_span)
    *method_span = sip_span(ms, i);
  if (method)
    *method = sip_method_lookup(buf + ms, i - ms);
  return 1;
}

int
sip_msg_call_id(const SipMsg *msg, SipSpan *call_id)
{
  const SipHeader *h = sip_msg_header(msg, SIP_HDR_CALL_ID, 0);
  if (!h)
    return 0;
  /* Call-ID = word [ "@" word ] (§25.1): no whitespace inside. */
  if (h->value.len == 0)
    return -1;
  for (guint i = h->value.off; i < sip_span_end(h->value); i++)
    if (msg->buf[i] <= 0x20 || msg->buf[i] >= 0x7f)
      return -1;
  *call_id = h->value;
  return 1;
}

int
sip_msg_from(const SipMsg *msg, SipNameAddr *na)
{
  const SipHeader *h = sip_msg_header(msg, SIP_HDR_FROM, 0);
  return h ? sip_name_addr_parse(msg->buf, h->value, na) : 0;
}

int
sip_msg_to(const SipMsg *msg, SipNameAddr *na)
{
  const SipHeader *h = sip_msg_header(msg, SIP_HDR_TO, 0);
  return h ? sip_name_addr_parse(msg->buf, h->value, na) : 0;
}

int
sip_msg_tag(const SipMsg *msg, SipHdr id, SipSpan *tag)
{
  g_return_val_if_fail(id == SIP_HDR_FROM || id == SIP_HDR_TO, -1);
  SipNameAddr na;
  int r = id == SIP_HDR_FROM ? sip_msg_from(msg, &na) : sip_msg_to(msg, &na);
  if (r != 1)
    return r == 0 ? 0 : -1;
  gboolean hv = FALSE;
  r = sip_param_find(msg->buf, na.params, "tag", tag, &hv);
  if (r == 1 && (!hv || tag->len == 0))
    return -1;
  return r;
}

int
sip_msg_contact(const SipMsg *msg, guint n, SipNameAddr *na)
{
  SipSpan v;
  int r = sip_msg_value(msg, SIP_HDR_CONTACT, n, &v);
  if (r != 1)
    return r;
  return sip_name_addr_parse(msg->buf, v, na);
}

int
sip_msg_max_forwards(const SipMsg *msg, guint *hops)
{
  const SipHeader *h = sip_msg_header(msg, SIP_HDR_MAX_FORWARDS, 0);
  if (!h)
    return 0;
  guint32 v;
  if (sip_span_uint(msg->buf, h->value, 255, &v) != 1) /* §20.22: 0-255 */
    return -1;
  *hops = v;
  return 1;
}

int
sip_msg_expires(const SipMsg *msg, guint32 *secs)
{
  const SipHeader *h = sip_msg_header(msg, SIP_HDR_EXPIRES, 0);
  if (!h)
    return 0;
  if (h->value.len == 0)
    return -1;
  guint64 v = 0;
  for (guint i = h->value.off; i < sip_span_end(h->value); i++) {
    if (!g_ascii_isdigit(msg->buf[i]))
      return -1;
    /* §20.19, §25.1 delta-seconds: larger values are treated as 2**32-1. */
    v = MIN(v * 10 + (msg->buf[i] - '0'), (guint64) G_MAXUINT32);
  }
  *secs = (guint32) v;
  return 1;
}
