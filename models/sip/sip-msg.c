/* sip-msg.c — SIP message framing and parsing (RFC 3261 §7, §18.3, §20.14) and header access.
 *
 * A message is a start line, header lines and an optional body.  The head is scanned line by
 * line with bounded memchr(): lines may end in CRLF or a bare LF (the Linux helper,
 * nf_conntrack_sip.c, accepts both; we accept both and record which was used), a line starting
 * with SP/HTAB continues the previous header (§7.3.1 folding), NUL bytes and bare CRs in the head
 * are malformed.  Content-Length decides the body: over UDP a missing one means "to the end of
 * the datagram", a larger one is an error and a smaller one leaves the rest ignored (§18.3); over
 * a stream it is mandatory and marks where the next message starts.  sip_msg_validate() applies
 * the request/response rules that a transaction layer needs (§8.1.1 mandatory headers).
 */
#include "sip/sip-private.h"

#include <string.h>

/* Result of scanning one line. */
typedef struct {
  guint content_end; /* end of the line's content (before CR LF / LF) */
  guint next;        /* first byte after the line end */
  gboolean bare_lf;  /* the line ended in LF without CR */
} SipLine;

/* Find the end of the line starting at pos.  1 found, 0 no LF before end (incomplete),
 * -1 a NUL or a CR not followed by LF inside the line. */
static int
scan_line(const guint8 *buf, guint pos, guint end, SipLine *line, const char **reason)
{
  const guint8 *lf = memchr(buf + pos, '\n', end - pos);
  guint lf_off = lf ? (guint) (lf - buf) : end;
  for (guint i = pos; i < lf_off; i++) {
    if (buf[i] == '\0') {
      *reason = "NUL byte in header section";
      return -1;
    }
    if (buf[i] == '\r' && i + 1 != lf_off) {
      if (i + 1 == end)
        return 0; /* CR at the very end: the LF may follow */
      *reason = "bare CR in header section";
      return -1;
    }
  }
  if (!lf)
    return 0;
  line->bare_lf = !(lf_off > pos && buf[lf_off - 1] == '\r');
  line->content_end = line->bare_lf ? lf_off : lf_off - 1;
  line->next = lf_off + 1;
  return 1;
}

/* "SIP/" 1*DIGIT "." 1*DIGIT (RFC 3261 §7.1, §25.1 SIP-Version). */
static gboolean
version_ok(const guint8 *buf, guint start, guint end)
{
  if (end - start < 7 || g_ascii_strncasecmp((const char *) buf + start, "SIP/", 4) != 0)
    return FALSE;
  guint i = start + 4, d1 = 0, d2 = 0;
  while (i < end && g_ascii_isdigit(buf[i]))
    i++, d1++;
  if (i >= end || buf[i] != '.')
    return FALSE;
  for (i++; i < end && g_ascii_isdigit(buf[i]); i++)
    d2++;
  return i == end && d1 > 0 && d2 > 0;
}

/* Request-Line or Status-Line in [pos, end). Runs of SP are tolerated between elements (RFC 4475
 * §3.1.2.11 leaves that to the implementation); whitespace inside the Request-URI is not. */
static int
parse_start_line(const guint8 *buf, guint pos, guint end, SipMsg *msg, const char **reason)
{
  msg->start_line = sip_span(pos, end);
  guint i = pos;
  while (i < end && !sip_is_wsp(buf[i]))
    i++;
  guint first_end = i;
  while (i < end && sip_is_wsp(buf[i]))
    i++;
  if (first_end == pos || i == end) {
    *reason = "bad start line";
    return -1;
  }
  if (first_end - pos >= 4 && g_ascii_strncasecmp((const char *) buf + pos, "SIP/", 4) == 0) {
    /* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (§7.2). */
    if (!version_ok(buf, pos, first_end) || end - i < 3 || !g_ascii_isdigit(buf[i]) ||
        !g_ascii_isdigit(buf[i + 1]) || !g_ascii_isdigit(buf[i + 2]) ||
        (i + 3 < end && !sip_is_wsp(buf[i + 3]))) {
      *reason = "bad status line";
      return -1;
    }
    msg->is_request = FALSE;
    msg->version = sip_span(pos, first_end);
    msg->status = (buf[i] - '0') * 100 + (buf[i + 1] - '0') * 10 + (buf[i + 2] - '0');
    if (msg->status < 100 || msg->status > 699) {
      *reason = "status code out of range";
      return -1;
    }
    guint r = i + 3;
    while (r < end && sip_is_wsp(buf[r]))
      r++;
    msg->reason = sip_span(r, sip_trim_end(buf, r, end));
    return 1;
  }
  /* Request-Line = Method SP Request-URI SP SIP-Version (§7.1). */
  for (guint k = pos; k < first_end; k++) {
    if (!sip_is_token(buf[k])) {
      *reason = "bad method token";
      return -1;
    }
  }
  guint uri_start = i;
  while (i < end && !sip_is_wsp(buf[i]))
    i++;
  guint uri_end = i;
  while (i < end && sip_is_wsp(buf[i]))
    i++;
  guint vend = sip_trim_end(buf, i, end);
  guint v = i;
  while (v < vend && !sip_is_wsp(buf[v]))
    v++;
  if (uri_end == uri_start || i == end || v != vend || !version_ok(buf, i, vend)) {
    *reason = "bad request line";
    return -1;
  }
  msg->is_request = TRUE;
  msg->method = sip_span(pos, first_end);
  msg->method_id = sip_method_lookup(buf + pos, first_end - pos);
  msg->ruri = sip_span(uri_start, uri_end);
  msg->version = sip_span(i, vend);
  return 1;
}

/* Parse the head of the message starting at buf[0].  1 parsed (msg->head_len set), 0 the head
 * is incomplete (no blank line yet; *reason says where), -1 malformed, 2 only CR/LF bytes. */
static int
parse_head(const guint8 *buf, guint len, SipMsg *msg, const char **reason)
{
  guint pos = 0;
  gboolean saw_crlf = FALSE, saw_lf = FALSE;
  /* RFC 3261 §7.5: CRLFs before the start line are ignored (and are keepalives, RFC 5626 §3.5.1). */
  while (pos < len && (buf[pos] == '\r' || buf[pos] == '\n'))
    pos++;
  if (pos == len) {
    *reason = "no message (CRLF keepalive or empty)";
    return 2;
  }
  SipLine line;
  int r = scan_line(buf, pos, len, &line, reason);
  if (r <= 0) {
    if (r == 0)
      *reason = "start line not terminated";
    return r;
  }
  *(line.bare_lf ? &saw_lf : &saw_crlf) = TRUE;
  if (parse_start_line(buf, pos, line.content_end, msg, reason) < 0)
    return -1;
  pos = line.next;
  for (;;) {
    if (pos >= len) {
      *reason = "header section not terminated";
      return 0;
    }
    if (buf[pos] == '\n' || buf[pos] == '\r') {
      if (buf[pos] == '\r' && pos + 1 >= len) {
        *reason = "header section not terminated";
        return 0;
      }
      if (buf[pos] == '\r' && buf[pos + 1] != '\n') {
        *reason = "bare CR in header section";
        return -1;
      }
      *(buf[pos] == '\n' ? &saw_lf : &saw_crlf) = TRUE;
      msg->head_len = pos + (buf[pos] == '\n' ? 1 : 2);
      break;
    }
    if (sip_is_wsp(buf[pos])) {
      *reason = "continuation line without a header";
      return -1;
    }
    guint name_start = pos;
    while (pos < len && sip_is_token(buf[pos]))
      pos++;
    guint name_end = pos;
    while (pos < len && sip_is_wsp(buf[pos]))
      pos++;
    if (pos >= len) {
      *reason = "header section not terminated";
      return 0;
    }
    if (name_end == name_start || buf[pos] != ':') {
      *reason = name_end == name_start ? "bad header name" : "header line without colon";
      return -1;
    }
    guint value_start = pos + 1;
    /* The value runs to the end of the line and over any continuation lines (§7.3.1). */
    guint at = value_start, value_end;
    for (;;) {
      r = scan_line(buf, at, len, &line, reason);
      if (r <= 0) {
        if (r == 0)
          *reason = "header section not terminated";
        return r;
      }
      *(line.bare_lf ? &saw_lf : &saw_crlf) = TRUE;
      value_end = line.content_end;
      at = line.next;
      if (at < len && sip_is_wsp(buf[at]))
        continue;
      if (at >= len) {
        *reason = "header section not terminated";
        return 0;
      }
      break;
    }
    if (msg->n_headers == SIP_MAX_HEADERS) {
      *reason = "too many headers";
      return -1;
    }
    SipHeader *h = &msg->headers[msg->n_headers++];
    h->id = sip_hdr_lookup(buf + name_start, name_end - name_start);
    h->name = sip_span(name_start, name_end);
    h->value = sip_span_trim(buf, value_start, value_end);
    h->line = sip_span(name_start, at);
    pos = at;
  }
  msg->eol = saw_lf ? (saw_crlf ? SIP_EOL_MIXED : SIP_EOL_LF) : SIP_EOL_CRLF;
  return 1;
}

/* Content-Length: 1*DIGIT (§20.14).  All Content-Length headers must agree. 1 present, 0 absent,
 * -1 malformed. */
static int
content_length(const SipMsg *msg, guint *out, const char **reason)
{
  gboolean found = FALSE;
  for (guint i = 0; i < msg->n_headers; i++) {
    if (msg->headers[i].id != SIP_HDR_CONTENT_LENGTH)
      continue;
    guint32 v;
    if (sip_span_uint(msg->buf, msg->headers[i].value, G_MAXINT32, &v) != 1) {
      *reason = "bad Content-Length";
      return -1;
    }
    if (found && v != *out) {
      *reason = "conflicting Content-Length headers";
      return -1;
    }
    *out = v;
    found = TRUE;
  }
  return found ? 1 : 0;
}

int
sip_msg_parse(const guint8 *buf, gsize len, SipTransport tp, SipMsg *msg, const char **reason)
{
  const char *dummy;
  if (!reason)
    reason = &dummy;
  g_return_val_if_fail(msg != NULL, -1);
  memset(msg, 0, offsetof(SipMsg, headers));
  *reason = NULL;
  msg->buf = buf;
  msg->len = len;
  msg->transport = tp;
  if (len > G_MAXUINT32 / 2) {
    *reason = "message too large";
    return -1;
  }
  int r = parse_head(buf, (guint) len, msg, reason);
  if (r == 2)
    return 0;
  if (r <= 0)
    return -1;
  guint rest = (guint) len - msg->head_len, cl = 0;
  r = content_length(msg, &cl, reason);
  if (r < 0)
    return -1;
  if (r == 0) {
    if (tp == SIP_TP_STREAM) {
      *reason = "Content-Length missing on a stream transport"; /* §18.3, §20.14 */
      return -1;
    }
    msg->cl_state = SIP_CL_ABSENT;
    msg->body = sip_span(msg->head_len, (guint) len);
  } else {
    if (cl > rest) {
      *reason = "Content-Length exceeds the data (truncated)"; /* §18.3 */
      return -1;
    }
    msg->content_length = cl;
    msg->cl_state = cl == rest ? SIP_CL_EXACT : SIP_CL_SHORTER;
    msg->body = sip_span(msg->head_len, msg->head_len + cl);
  }
  msg->msg_len = sip_span_end(msg->body);
  return 1;
}

int
sip_stream_frame(const guint8 *buf, gsize len, gsize *msg_len, const char **reason)
{
  const char *dummy;
  if (!reason)
    reason = &dummy;
  *reason = NULL;
  *msg_len = 0;
  if (len == 0) {
    *reason = "need more bytes";
    return 0;
  }
  /* A run of CR/LF before a start line is a keepalive (RFC 5626 §3.5.1, RFC 3261 §7.5): it is a
   * frame of its own, which sip_msg_parse() reports as "no message". */
  gsize i = 0;
  while (i < len && (buf[i] == '\r' || buf[i] == '\n'))
    i++;
  if (i > 0) {
    *msg_len = i;
    return 1;
  }
  gsize scan = MIN(len, (gsize) SIP_MAX_HEAD_LEN);
  SipMsg *msg = g_new(SipMsg, 1);
  memset(msg, 0, offsetof(SipMsg, headers));
  msg->buf = buf;
  msg->len = scan;
  int r = parse_head(buf, (guint) scan, msg, reason);
  if (r == 0 && len > SIP_MAX_HEAD_LEN) {
    *reason = "header section too large";
    r = -1;
  } else if (r == 0) {
    *reason = "need more bytes";
  }
  if (r != 1) {
    g_free(msg);
    return r;
  }
  guint cl = 0;
  r = content_length(msg, &cl, reason);
  if (r == 0) {
    *reason = "Content-Length missing on a stream transport"; /* §18.3 */
    r = -1;
  }
  if (r == 1) {
    if ((gsize) msg->head_len + cl > len) {
      *reason = "need more bytes";
      r = 0;
    } else {
      *msg_len = (gsize) msg->head_len + cl;
    }
  }
  g_free(msg);
  return r;
}

/* ---- header access ------------------------------------------------------------------------ */

guint
sip_msg_count(const SipMsg *msg, SipHdr id)
{
  guint n = 0;
  for (guint i = 0; i < msg->n_headers; i++)
    n += msg->headers[i].id == id;
  return n;
}

const SipHeader *
sip_msg_header(const SipMsg *msg, SipHdr id, guint n)
{
  for (guint i = 0; i < msg->n_headers; i++)
    if (msg->headers[i].id == id && n-- == 0)
      return &msg->headers[i];
  return NULL;
}

const SipHeader *
sip_msg_header_named(const SipMsg *msg, const char *name, guint n)
{
  SipHdr id = sip_hdr_lookup((const guint8 *) name, strlen(name));
  if (id != SIP_HDR_OTHER)
    return sip_msg_header(msg, id, n);
  for (guint i = 0; i < msg->n_headers; i++)
    if (msg->headers[i].id == SIP_HDR_OTHER && sip_span_case_eq(msg->buf, msg->headers[i].name, name) &&
        n-- == 0)
      return &msg->headers[i];
  return NULL;
}

int
sip_list_next(const guint8 *buf, SipSpan list, guint *pos, SipSpan *elem)
{
  guint end = sip_span_end(list);
  guint i = list.off + *pos;
  for (;;) {
    i = sip_skip_lws(buf, i, end);
    if (i < end && buf[i] == ',') {
      i++; /* empty elements are skipped (RFC 3261 §7.3.1 tolerates "null elements") */
      continue;
    }
    break;
  }
  if (i >= end) {
    *pos = end - list.off;
    return 0;
  }
  guint start = i;
  while (i < end && buf[i] != ',') {
    if (buf[i] == '"') {
      i = sip_skip_quoted(buf, i, end);
      if (i == G_MAXUINT) {
        *pos = end - list.off;
        return -1;
      }
    } else if (buf[i] == '<') {
      const guint8 *gt = memchr(buf + i, '>', end - i);
      if (!gt) {
        *pos = end - list.off;
        return -1;
      }
      i = (guint) (gt - buf) + 1;
    } else {
      i++;
    }
  }
  *elem = sip_span(start, sip_trim_end(buf, start, i));
  *pos = i - list.off;
  return 1;
}

int
sip_msg_value(const SipMsg *msg, SipHdr id, guint n, SipSpan *value)
{
  for (guint i = 0; i < msg->n_headers; i++) {
    const SipHeader *h = &msg->headers[i];
    if (h->id != id)
      continue;
    if (!sip_hdr_is_list(id)) {
      if (n-- == 0) {
        *value = h->value;
        return 1;
      }
      continue;
    }
    guint pos = 0;
    SipSpan e;
    int r;
    while ((r = sip_list_next(msg->buf, h->value, &pos, &e)) == 1)
      if (n-- == 0) {
        *value = e;
        return 1;
      }
    if (r < 0)
      return -1;
  }
  return 0;
}

guint
sip_msg_value_count(const SipMsg *msg, SipHdr id)
{
  guint n = 0;
  SipSpan v;
  while (sip_msg_value(msg, id, n, &v) == 1)
    n++;
  return n;
}

/* ---- validation (RFC 3261 §8.1.1, §8.2.2, §20) -------------------------------------------- */

int
sip_msg_validate(const SipMsg *msg, const char **reason)
{
  const char *dummy;
  if (!reason)
    reason = &dummy;
  static const struct {
    SipHdr id;           /* mandatory header */
    gboolean request_only; /* only requests must carry it */
    const char *missing; /* reason when absent (NULL: absence is tolerated) */
    const char *dup;     /* reason when repeated */
  } mandatory[] = {
    {SIP_HDR_VIA, FALSE, "missing Via", NULL},
    {SIP_HDR_TO, FALSE, "missing To", "duplicate To"},
    {SIP_HDR_FROM, FALSE, "missing From", "duplicate From"},
    {SIP_HDR_CALL_ID, FALSE, "missing Call-ID", "duplicate Call-ID"},
    {SIP_HDR_CSEQ, FALSE, "missing CSeq", "duplicate CSeq"},
    /* §8.1.1 requires Max-Forwards, but §16.3 step 3 lets a request without one pass, and real
     * UAs omit it (corpus 08-compact-headers): absence is accepted, a bad value is not. */
    {SIP_HDR_MAX_FORWARDS, TRUE, NULL, "duplicate Max-Forwards"},
  };
  if (!sip_span_case_eq(msg->buf, msg->version, "SIP/2.0")) {
    *reason = "unsupported SIP version"; /* §8.2.2: 505 */
    return -1;
  }
  for (guint i = 0; i < G_N_ELEMENTS(mandatory); i++) {
    if (mandatory[i].request_only && !msg->is_request)
      continue;
    guint n = sip_msg_count(msg, mandatory[i].id);
    if (n == 0 && mandatory[i].missing) {
      *reason = mandatory[i].missing;
      return -1;
    }
    if (n > 1 && mandatory[i].dup) {
      *reason = mandatory[i].dup;
      return -1;
    }
  }
  guint32 num;
  SipMethod m;
  SipSpan mspan;
  if (sip_msg_cseq(msg, &num, &m, &mspan) != 1) {
    *reason = "bad CSeq";
    return -1;
  }
  if (msg->is_request && (mspan.len != msg->method.len ||
                          memcmp(msg->buf + mspan.off, msg->buf + msg->method.off, mspan.len) != 0)) {
    *reason = "CSeq method does not match the request"; /* §8.1.1.5 */
    return -1;
  }
  SipSpan cid;
  if (sip_msg_call_id(msg, &cid) != 1) {
    *reason = "bad Call-ID";
    return -1;
  }
  SipVia via;
  if (sip_msg_via(msg, 0, &via) != 1) {
    *reason = "bad Via";
    return -1;
  }
  SipNameAddr na;
  if (sip_msg_from(msg, &na) != 1) {
    *reason = "bad From";
    return -1;
  }
  if (sip_msg_to(msg, &na) != 1) {
    *reason = "bad To";
    return -1;
  }
  if (msg->is_request) {
    guint hops;
    if (sip_msg_max_forwards(msg, &hops) < 0) {
      *reason = "bad Max-Forwards";
      return -1;
    }
    SipUri uri;
    if (sip_uri_parse(msg->buf, msg->ruri, &uri) != 1) {
      *reason = "bad Request-URI";
      return -1;
    }
  }
  if (msg->body.len > 0 && sip_msg_count(msg, SIP_HDR_CONTENT_TYPE) == 0) {
    *reason = "body without Content-Type"; /* §20.15 */
    return -1;
  }
  *reason = NULL;
  return 1;
}

/* ---- span helpers ------------------------------------------------------------------------- */

gboolean
sip_span_eq(const guint8 *buf, SipSpan s, const char *text)
{
  gsize n = strlen(text);
  return s.len == n && memcmp(buf + s.off, text, n) == 0;
}

gboolean
sip_span_case_eq(const guint8 *buf, SipSpan s, const char *text)
{
  gsize n = strlen(text);
  return s.len == n && g_ascii_strncasecmp((const char *) buf + s.off, text, n) == 0;
}

char *
sip_span_dup(const guint8 *buf, SipSpan s)
{
  return g_strndup((const char *) buf + s.off, s.len);
}

int
sip_span_uint(const guint8 *buf, SipSpan s, guint32 max, guint32 *out)
{
  if (s.len == 0)
    return 0;
  guint64 v = 0;
  for (guint i = 0; i < s.len; i++) {
    guint8 c = buf[s.off + i];
    if (!g_ascii_isdigit(c))
      return -1;
    v = v * 10 + (c - '0');
    if (v > max)
      return -1;
  }
  *out = (guint32) v;
  return 1;
}
