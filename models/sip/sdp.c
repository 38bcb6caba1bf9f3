/* sdp.c — SDP parsing, accessors, building and edits (RFC 8866 §5, RFC 3264 offer/answer, RFC 3605 a=rtcp,
 * RFC 8839 ICE candidates).
 *
 * The description is split into "<type>=<value>" lines ending in CRLF or a bare LF (RFC 8866 §5
 * asks for CRLF; parsers are told to accept LF too).  v=0 must come first and o= must parse;
 * everything else is kept even when this code does not know it.  Lines before the first m= are
 * the session section; c= and direction attributes at media level override the session's
 * (RFC 8866 §5.7, RFC 3264 §5.1, default sendrecv).
 *
 * The builder writes one G.711 audio stream (RFC 3551 §6: PCMU is static payload 0 at 8000 Hz)
 * with optional telephone-event on dynamic payload 101 (RFC 4733 §7.1.1), in the line order of
 * RFC 8866 §5 (v o s c t m a).  The edit helpers add byte splices to a SipEdits list: bump the
 * o= sess-version (RFC 3264 §8: "incremented by one" for each new offer), rewrite a c= address
 * or an m= port (what an ALG does, nf_nat_sip.c nf_nat_sdp_addr()/nf_nat_sdp_port()), or set an
 * m= section's direction (RFC 3264 §8.4 hold).
 */
#include "sip/sdp.h"
#include "sip/sip-private.h"

#include <string.h>

/* Split the next SP-separated field of [*i, end) (runs of SP/HTAB tolerated). */
static gboolean
next_field(const guint8 *buf, guint *i, guint end, SipSpan *f)
{
  guint k = *i;
  while (k < end && sip_is_wsp(buf[k]))
    k++;
  guint s = k;
  while (k < end && !sip_is_wsp(buf[k]))
    k++;
  *f = sip_span(s, k);
  *i = k;
  return k > s;
}

static int
span_u64(const guint8 *buf, SipSpan s, guint64 *out)
{
  if (s.len == 0 || s.len > 20)
    return -1;
  guint64 v = 0;
  for (guint i = s.off; i < sip_span_end(s); i++) {
    if (!g_ascii_isdigit(buf[i]))
      return -1;
    guint64 d = buf[i] - '0';
    if (v > (G_MAXUINT64 - d) / 10)
      return -1;
    v = v * 10 + d;
  }
  *out = v;
  return 1;
}

/* c=<nettype> <addrtype> <connection-address> (RFC 8866 §5.7). */
static int
parse_conn(const guint8 *buf, SipSpan v, guint line, SdpConn *c)
{
  guint i = v.off, end = sip_span_end(v);
  SipSpan rest;
  memset(c, 0, sizeof *c);
  if (!next_field(buf, &i, end, &c->nettype) || !next_field(buf, &i, end, &c->addrtype) ||
      !next_field(buf, &i, end, &c->addr) || next_field(buf, &i, end, &rest))
    return -1;
  const guint8 *slash = memchr(buf + c->addr.off, '/', c->addr.len);
  if (slash)
    c->addr.len = (guint) (slash - buf) - c->addr.off; /* multicast /ttl[/n] suffix */
  c->present = TRUE;
  c->line = line;
  if (sip_span_case_eq(buf, c->addrtype, "IP4") && sip_host_ipv4(buf, c->addr, &c->v4) == 1) {
    c->is_v4 = TRUE;
    c->hold = c->v4 == 0;
  }
  return 1;
}

/* o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address> (§5.2). */
static int
parse_origin(const guint8 *buf, SipSpan v, Sdp *sdp)
{
  guint i = v.off, end = sip_span_end(v);
  SipSpan extra;
  if (!next_field(buf, &i, end, &sdp->o_user) || !next_field(buf, &i, end, &sdp->o_sess_id) ||
      !next_field(buf, &i, end, &sdp->o_sess_version) || !next_field(buf, &i, end, &sdp->o_nettype) ||
      !next_field(buf, &i, end, &sdp->o_addrtype) || !next_field(buf, &i, end, &sdp->o_addr) ||
      next_field(buf, &i, end, &extra))
    return -1;
  if (span_u64(buf, sdp->o_sess_id, &sdp->sess_id) != 1 ||
      span_u64(buf, sdp->o_sess_version, &sdp->sess_version) != 1)
    return -1;
  return 1;
}

/* m=<media> <port>[/<number of ports>] <proto> <fmt> ... (§5.14). */
static int
parse_media(const guint8 *buf, SipSpan v, SdpMedia *m)
{
  guint i = v.off, end = sip_span_end(v);
  SipSpan port;
  if (!next_field(buf, &i, end, &m->media) || !next_field(buf, &i, end, &port) ||
      !next_field(buf, &i, end, &m->proto))
    return -1;
  const guint8 *slash = memchr(buf + port.off, '/', port.len);
  guint32 p, count = 0;
  m->port_span = slash ? sip_span(port.off, (guint) (slash - buf)) : port;
  if (sip_span_uint(buf, m->port_span, 65535, &p) != 1)
    return -1;
  if (slash && (sip_span_uint(buf, sip_span((guint) (slash - buf) + 1, sip_span_end(port)), 65535,
                              &count) != 1 || count == 0))
    return -1;
  m->port = (guint16) p;
  m->count = count;
  guint fs = i;
  while (fs < end && sip_is_wsp(buf[fs]))
    fs++;
  m->fmts = sip_span(fs, end);
  SipSpan f;
  guint nf = 0;
  while (next_field(buf, &i, end, &f)) {
    guint32 pt;
    nf++;
    if (sip_span_uint(buf, f, 127, &pt) == 1 && m->n_fmts < SDP_MAX_FMTS)
      m->fmt[m->n_fmts++] = pt;
  }
  return nf > 0 ? 1 : -1;
}

static SdpDir
dir_of(const guint8 *buf, SipSpan v)
{
  static const char *const names[] = {NULL, "sendrecv", "sendonly", "recvonly", "inactive"};
  for (guint d = SDP_DIR_SENDRECV; d <= SDP_DIR_INACTIVE; d++)
    if (sip_span_eq(buf, v, names[d]))
      return (SdpDir) d;
  return SDP_DIR_NONE;
}

/* a=rtcp:<port> [<nettype> <addrtype> <connection-address>] (RFC 3605 §2.1). */
static int
parse_rtcp(const guint8 *buf, SipSpan v, SdpMedia *m)
{
  guint i = v.off, end = sip_span_end(v);
  SipSpan port, nt, at, addr;
  guint32 p;
  if (!next_field(buf, &i, end, &port) || sip_span_uint(buf, port, 65535, &p) != 1)
    return -1;
  m->has_rtcp = TRUE;
  m->rtcp_port = (guint16) p;
  m->rtcp_port_span = port;
  if (next_field(buf, &i, end, &nt)) {
    if (!next_field(buf, &i, end, &at) || !next_field(buf, &i, end, &addr))
      return -1;
    m->rtcp_addr = addr;
  }
  return 1;
}

/* Split "name:value" of an a= line. */
static void
attr_split(const guint8 *buf, SipSpan v, SipSpan *name, SipSpan *value)
{
  const guint8 *colon = memchr(buf + v.off, ':', v.len);
  if (!colon) {
    *name = v;
    *value = sip_span(sip_span_end(v), sip_span_end(v));
    return;
  }
  guint c = (guint) (colon - buf);
  *name = sip_span(v.off, c);
  *value = sip_span(c + 1, sip_span_end(v));
}

int
sdp_parse(const guint8 *buf, SipSpan body, Sdp *sdp, const char **reason)
{
  const char *dummy;
  if (!reason)
    reason = &dummy;
  memset(sdp, 0, offsetof(Sdp, lines));
  sdp->n_media = 0;
  sdp->buf = buf;
  sdp->body = body;
  *reason = NULL;
  guint i = body.off, end = sip_span_end(body);
  gboolean have_o = FALSE;
  gint cur = -1;
  while (i < end) {
    const guint8 *lf = memchr(buf + i, '\n', end - i);
    guint next = lf ? (guint) (lf - buf) + 1 : end;
    guint ce = lf ? (guint) (lf - buf) : end;
    if (lf && ce > i && buf[ce - 1] == '\r')
      ce--;
    else if (lf)
      sdp->bare_lf = TRUE;
    if (ce == i) { /* blank line: tolerated (trailing CRLFs are common) */
      i = next;
      continue;
    }
    if (ce - i < 2 || !g_ascii_islower(buf[i]) || buf[i + 1] != '=') {
      *reason = "SDP line is not <type>=<value>";
      return -1;
    }
    if (memchr(buf + i, '\0', ce - i) || memchr(buf + i, '\r', ce - i)) {
      *reason = "control character in SDP line";
      return -1;
    }
    if (sdp->n_lines == SDP_MAX_LINES) {
      *reason = "too many SDP lines";
      return -1;
    }
    guint idx = sdp->n_lines++;
    SdpLine *l = &sdp->lines[idx];
    l->type = (char) buf[i];
    l->value = sip_span(i + 2, ce);
    l->line = sip_span(i, next);
    i = next;
    if (idx == 0 && (l->type != 'v' || !sip_span_eq(buf, l->value, "0"))) {
      *reason = "SDP does not start with v=0"; /* RFC 8866 §5.1 */
      return -1;
    }
    if (l->type == 'm') {
      if (sdp->n_media == SDP_MAX_MEDIA) {
        *reason = "too many m= lines";
        return -1;
      }
      if (cur >= 0)
        sdp->media[cur].end_line = idx;
      cur = (gint) sdp->n_media++;
      SdpMedia *m = &sdp->media[cur];
      memset(m, 0, sizeof *m);
      m->line = idx;
      if (parse_media(buf, l->value, m) != 1) {
        *reason = "bad m= line";
        return -1;
      }
    }
    l->media = cur;
    SdpMedia *m = cur >= 0 ? &sdp->media[cur] : NULL;
    switch (l->type) {
    case 'o':
      if (cur >= 0 || have_o || parse_origin(buf, l->value, sdp) != 1) {
        *reason = "bad o= line";
        return -1;
      }
      have_o = TRUE;
      break;
    case 's':
      if (cur < 0)
        sdp->session_name = l->value;
      break;
    case 'c':
      if (parse_conn(buf, l->value, idx, m ? &m->conn : &sdp->conn) != 1) {
        *reason = "bad c= line";
        return -1;
      }
      break;
    case 'a': {
      SipSpan name, value;
      attr_split(buf, l->value, &name, &value);
      SdpDir d = value.off == sip_span_end(name) ? dir_of(buf, name) : SDP_DIR_NONE; /* no ':' */
      if (d != SDP_DIR_NONE) {
        if (m) {
          m->dir = d;
          m->dir_line = idx;
        } else {
          sdp->dir = d;
        }
      } else if (m && sip_span_eq(buf, name, "rtcp") && parse_rtcp(buf, value, m) != 1) {
        *reason = "bad a=rtcp line";
        return -1;
      }
      break;
    }
    default:
      break; /* kept verbatim in lines[] */
    }
  }
  if (cur >= 0)
    sdp->media[cur].end_line = sdp->n_lines;
  if (sdp->n_lines == 0) {
    *reason = "empty SDP";
    return -1;
  }
  if (!have_o) {
    *reason = "SDP without o= line"; /* RFC 8866 §5.2: required */
    return -1;
  }
  return 1;
}

const SdpConn *
sdp_media_conn(const Sdp *sdp, guint m)
{
  g_return_val_if_fail(m < sdp->n_media, NULL);
  if (sdp->media[m].conn.present)
    return &sdp->media[m].conn;
  return sdp->conn.present ? &sdp->conn : NULL;
}

SdpDir
sdp_media_dir(const Sdp *sdp, guint m)
{
  g_return_val_if_fail(m < sdp->n_media, SDP_DIR_SENDRECV);
  if (sdp->media[m].dir != SDP_DIR_NONE)
    return sdp->media[m].dir;
  return sdp->dir != SDP_DIR_NONE ? sdp->dir : SDP_DIR_SENDRECV; /* RFC 3264 §5.1 default */
}

const char *
sdp_dir_name(SdpDir dir)
{
  switch (dir) {
  case SDP_DIR_SENDRECV: return "sendrecv";
  case SDP_DIR_SENDONLY: return "sendonly";
  case SDP_DIR_RECVONLY: return "recvonly";
  case SDP_DIR_INACTIVE: return "inactive";
  default: return NULL;
  }
}

int
sdp_attr(const Sdp *sdp, gint media, const char *name, guint n, SipSpan *value)
{
  for (guint i = 0; i < sdp->n_lines; i++) {
    const SdpLine *l = &sdp->lines[i];
    if (l->type != 'a' || l->media != media)
      continue;
    SipSpan an, av;
    attr_split(sdp->buf, l->value, &an, &av);
    if (sip_span_eq(sdp->buf, an, name) && n-- == 0) {
      if (value)
        *value = av;
      return 1;
    }
  }
  return 0;
}

int
sdp_rtpmap(const Sdp *sdp, guint m, guint pt, SipSpan *encoding, guint *clock)
{
  g_return_val_if_fail(m < sdp->n_media, -1);
  SipSpan v;
  /* a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>] (§6.6). */
  for (guint n = 0; sdp_attr(sdp, (gint) m, "rtpmap", n, &v) == 1; n++) {
    guint i = v.off, end = sip_span_end(v);
    SipSpan f_pt, f_enc;
    guint32 p;
    if (!next_field(sdp->buf, &i, end, &f_pt) || sip_span_uint(sdp->buf, f_pt, 127, &p) != 1)
      return -1;
    if (p != pt)
      continue;
    if (!next_field(sdp->buf, &i, end, &f_enc))
      return -1;
    const guint8 *slash = memchr(sdp->buf + f_enc.off, '/', f_enc.len);
    if (!slash)
      return -1;
    guint so = (guint) (slash - sdp->buf);
    const guint8 *slash2 = memchr(slash + 1, '/', sip_span_end(f_enc) - so - 1);
    guint ce = slash2 ? (guint) (slash2 - sdp->buf) : sip_span_end(f_enc);
    guint32 rate;
    if (so == f_enc.off || sip_span_uint(sdp->buf, sip_span(so + 1, ce), G_MAXINT32, &rate) != 1)
      return -1;
    if (encoding)
      *encoding = sip_span(f_enc.off, so);
    if (clock)
      *clock = rate;
    return 1;
  }
  return 0;
}

int
sdp_candidate_parse(const guint8 *buf, SipSpan value, SdpCandidate *c)
{
  /* candidate-attribute = "candidate" ":" foundation SP component-id SP transport SP priority SP
   * connection-address SP port SP cand-type [SP rel-addr] [SP rel-port] *(SP extension)
   * (RFC 8839 §5.1).  The value may still carry the "candidate:" prefix. */
  guint i = value.off, end = sip_span_end(value);
  if (value.len >= 10 && memcmp(buf + i, "candidate:", 10) == 0)
    i += 10;
  memset(c, 0, sizeof *c);
  SipSpan comp, prio, port, typ, k, v;
  guint32 n;
  if (!next_field(buf, &i, end, &c->foundation) || !next_field(buf, &i, end, &comp) ||
      !next_field(buf, &i, end, &c->transport) || !next_field(buf, &i, end, &prio) ||
      !next_field(buf, &i, end, &c->addr) || !next_field(buf, &i, end, &port) ||
      !next_field(buf, &i, end, &typ) || !next_field(buf, &i, end, &c->type))
    return -1;
  if (sip_span_uint(buf, comp, 256, &n) != 1 || n == 0)
    return -1;
  c->component = n;
  if (sip_span_uint(buf, prio, G_MAXUINT32, &c->priority) != 1)
    return -1;
  if (sip_span_uint(buf, port, 65535, &n) != 1)
    return -1;
  c->port = (guint16) n;
  if (!sip_span_eq(buf, typ, "typ"))
    return -1;
  while (next_field(buf, &i, end, &k)) {
    if (!next_field(buf, &i, end, &v))
      return -1; /* extension attributes come in name/value pairs */
    if (sip_span_eq(buf, k, "raddr")) {
      c->has_raddr = TRUE;
      c->raddr = v;
    } else if (sip_span_eq(buf, k, "rport")) {
      if (sip_span_uint(buf, v, 65535, &n) != 1)
        return -1;
      c->rport = (guint16) n;
    }
  }
  return 1;
}

/* ---- building and editing (RFC 3264 §5, §8; nf_nat_sip.c nf_nat_sdp_addr/port) --------- */

char *
sdp_build_audio(const SdpAudio *a)
{
  g_return_val_if_fail(a != NULL && a->addr != NULL, NULL);
  GString *s = g_string_new("v=0\r\n");
  g_string_append_printf(s, "o=%s %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " IN IP4 %s\r\n",
                         a->user ? a->user : "-", a->sess_id, a->sess_version, a->addr);
  g_string_append(s, "s=-\r\n"); /* RFC 8866 §5.3: "-" when there is no name */
  g_string_append_printf(s, "c=IN IP4 %s\r\n", a->addr);
  g_string_append(s, "t=0 0\r\n"); /* RFC 8866 §5.9: unbounded session */
  g_string_append_printf(s, "m=audio %u RTP/AVP 0%s\r\n", a->port, a->telephone_event ? " 101" : "");
  g_string_append(s, "a=rtpmap:0 PCMU/8000\r\n");
  if (a->telephone_event) {
    g_string_append(s, "a=rtpmap:101 telephone-event/8000\r\n");
    g_string_append(s, "a=fmtp:101 0-16\r\n"); /* RFC 4733 §7.1.1: DTMF events 0-15 and flash */
  }
  if (a->ptime_ms)
    g_string_append_printf(s, "a=ptime:%u\r\n", a->ptime_ms);
  if (a->rtcp_port)
    g_string_append_printf(s, "a=rtcp:%u\r\n", a->rtcp_port);
  if (a->dir != SDP_DIR_NONE)
    g_string_append_printf(s, "a=%s\r\n", sdp_dir_name(a->dir));
  return g_string_free(s, FALSE);
}

gboolean
sdp_edit_bump_version(SipEdits *e, const Sdp *sdp)
{
  if (sdp->o_sess_version.len == 0 || sdp->sess_version == G_MAXUINT64)
    return FALSE;
  g_autofree char *v = g_strdup_printf("%" G_GUINT64_FORMAT, sdp->sess_version + 1);
  return sip_edits_replace_span(e, sdp->o_sess_version, v);
}

gboolean
sdp_edit_conn_addr(SipEdits *e, const Sdp *sdp, const SdpConn *conn, const char *addr)
{
  g_return_val_if_fail(conn != NULL && conn->present, FALSE);
  return sip_edits_replace_span(e, conn->addr, addr);
}

gboolean
sdp_edit_media_port(SipEdits *e, const Sdp *sdp, guint m, guint16 port)
{
  g_return_val_if_fail(m < sdp->n_media, FALSE);
  g_autofree char *p = g_strdup_printf("%u", port);
  return sip_edits_replace_span(e, sdp->media[m].port_span, p);
}

gboolean
sdp_edit_media_dir(SipEdits *e, const Sdp *sdp, guint m, SdpDir dir)
{
  g_return_val_if_fail(m < sdp->n_media && dir != SDP_DIR_NONE, FALSE);
  const SdpMedia *md = &sdp->media[m];
  if (md->dir != SDP_DIR_NONE)
    return sip_edits_replace_span(e, sdp->lines[md->dir_line].value, sdp_dir_name(dir));
  /* No attribute yet: append one as the section's last line. */
  const SdpLine *last = &sdp->lines[md->end_line - 1];
  guint at = sip_span_end(last->line);
  gboolean has_eol = last->line.len > 0 && sdp->buf[at - 1] == '\n';
  const char *eol = sdp->bare_lf ? "\n" : "\r\n";
  g_autofree char *t = has_eol ? g_strdup_printf("a=%s%s", sdp_dir_name(dir), eol)
                               : g_strdup_printf("%sa=%s", eol, sdp_dir_name(dir));
  return sip_edits_replace(e, at, 0, t);
}
