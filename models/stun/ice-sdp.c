/* ice-sdp.c — ICE in SDP (RFC 8839): a=candidate, a=ice-ufrag, a=ice-pwd, a=ice-lite and
 * a=ice-mismatch, and the check that the default destination is a candidate.
 *
 * Candidates are written as RFC 8839 §5.1 specifies ("a=candidate:<foundation> <component> UDP
 * <priority> <address> <port> typ <type>", with "raddr <addr> rport <port>" for server-reflexive,
 * peer-reflexive and relayed candidates) and read through the SDP parser's sdp_candidate_parse().
 * Lines this model cannot use (TCP, IPv6, FQDN, unknown types) are ignored as §5.1 asks.  RFC 8839
 * §4.2.5 lets ICE proceed only if, for each component, the default destination (the c= address and
 * m= port for RTP, a=rtcp for RTCP) appears in a candidate line; the 0.0.0.0:9 placeholder is no
 * mismatch.  An answerer that finds a mismatch answers with a=ice-mismatch (§5.3) and no ICE.
 */
#include <string.h>

#include "ice-private.h"

void
ice_sdp_append_candidate(GString *out, const IceCandidate *c)
{
  char ip[16];
  g_string_append_printf(out, "a=candidate:%s %u UDP %u %s %u typ %s", c->foundation, c->component,
                         c->priority, sim_addr_format(c->addr.addr, ip), c->addr.port,
                         ice_candidate_type_name(c->type));
  if (c->type != ICE_CAND_HOST) /* RFC 8839 §5.1: rel-addr/rel-port for all but host */
    g_string_append_printf(out, " raddr %s rport %u", sim_addr_format(c->related.addr, ip),
                           c->related.port);
  g_string_append(out, "\r\n");
}

void
ice_sdp_append_media_attrs(GString *out, const IceAgent *a)
{
  g_string_append_printf(out, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n", a->lufrag, a->lpwd);
  for (guint i = 0; i < a->locals->len; i++) {
    const IceCandidate *c = a->locals->pdata[i];
    if (c->type != ICE_CAND_PRFLX) /* learnt ones are not offered (RFC 8839 §4.4.1.2.1: MAY) */
      ice_sdp_append_candidate(out, c);
  }
}

static gboolean
span_text(const guint8 *buf, SipSpan s, char *out, gsize size)
{
  if (s.len == 0 || s.len >= size)
    return FALSE;
  memcpy(out, buf + s.off, s.len);
  out[s.len] = '\0';
  return TRUE;
}

int
ice_sdp_candidate_from_sdp(const guint8 *buf, const SdpCandidate *sc, IceCandidate *out)
{
  memset(out, 0, sizeof *out);
  char text[64];
  if (!span_text(buf, sc->transport, text, sizeof text) || g_ascii_strcasecmp(text, "UDP") != 0)
    return 0;
  if (!ice_candidate_type_parse((const char *)buf + sc->type.off, sc->type.len, &out->type))
    return 0;
  if (!span_text(buf, sc->addr, text, sizeof text) || !sim_addr_parse(text, &out->addr.addr))
    return 0; /* IPv6 or FQDN: ignored (RFC 8839 §5.1) */
  if (sc->foundation.len == 0 || sc->foundation.len > ICE_FOUNDATION_MAX)
    return -1;
  for (guint i = 0; i < sc->foundation.len; i++) {
    char ch = (char)buf[sc->foundation.off + i];
    if (!g_ascii_isalnum(ch) && ch != '+' && ch != '/')
      return -1; /* foundation = 1*32ice-char */
  }
  memcpy(out->foundation, buf + sc->foundation.off, sc->foundation.len);
  if (sc->component < 1 || sc->priority == 0 || sc->port == 0)
    return -1;
  out->component = sc->component;
  out->priority = sc->priority;
  out->addr.port = sc->port;
  out->base = out->addr;
  if (sc->has_raddr && span_text(buf, sc->raddr, text, sizeof text) &&
      sim_addr_parse(text, &out->related.addr))
    out->related.port = sc->rport;
  return 1;
}

void
ice_sdp_remote_clear(IceSdpRemote *r)
{
  g_clear_pointer(&r->ufrag, g_free);
  g_clear_pointer(&r->pwd, g_free);
  g_clear_pointer(&r->candidates, g_ptr_array_unref);
}

static char *
attr_value(const Sdp *sdp, guint m, const char *name)
{
  SipSpan v;
  if (sdp_attr(sdp, (gint)m, name, 0, &v) != 1 && sdp_attr(sdp, -1, name, 0, &v) != 1)
    return NULL;
  return g_strndup((const char *)sdp->buf + v.off, v.len);
}

int
ice_sdp_read_remote(const Sdp *sdp, guint m, IceSdpRemote *out, const char **reason)
{
  g_return_val_if_fail(sdp != NULL && out != NULL && m < sdp->n_media, -1);
  memset(out, 0, sizeof *out);
  SipSpan v;
  out->lite = sdp_attr(sdp, -1, "ice-lite", 0, &v) == 1;         /* RFC 8839 §5.3 */
  out->mismatch = sdp_attr(sdp, (gint)m, "ice-mismatch", 0, &v) == 1;
  out->ufrag = attr_value(sdp, m, "ice-ufrag"); /* media level wins (RFC 8839 §5.4) */
  out->pwd = attr_value(sdp, m, "ice-pwd");
  out->candidates = g_ptr_array_new_with_free_func(g_free);
  if (out->ufrag == NULL || out->pwd == NULL)
    return 0;
  for (guint n = 0; sdp_attr(sdp, (gint)m, "candidate", n, &v) == 1; n++) {
    SdpCandidate sc;
    IceCandidate c;
    int r = sdp_candidate_parse(sdp->buf, v, &sc);
    if (r == 1)
      r = ice_sdp_candidate_from_sdp(sdp->buf, &sc, &c);
    if (r < 0) {
      if (reason != NULL)
        *reason = "malformed a=candidate line (RFC 8839 §5.1)";
      return -1;
    }
    if (r == 1)
      g_ptr_array_add(out->candidates, g_memdup2(&c, sizeof c));
  }
  return 1;
}

/* Is addr:port the address of a UDP candidate of this component in m= section m? */
static gboolean
is_candidate(const Sdp *sdp, guint m, guint component, guint32 addr, guint16 port)
{
  SipSpan v;
  for (guint n = 0; sdp_attr(sdp, (gint)m, "candidate", n, &v) == 1; n++) {
    SdpCandidate sc;
    IceCandidate c;
    if (sdp_candidate_parse(sdp->buf, v, &sc) == 1 &&
        ice_sdp_candidate_from_sdp(sdp->buf, &sc, &c) == 1 && c.component == component &&
        c.addr.addr == addr && c.addr.port == port)
      return TRUE;
  }
  return FALSE;
}

gboolean
ice_sdp_default_matches(const Sdp *sdp, guint m, const char **reason)
{
  g_return_val_if_fail(sdp != NULL && m < sdp->n_media, FALSE);
  const SdpConn *conn = sdp_media_conn(sdp, m);
  const SdpMedia *md = &sdp->media[m];
  if (conn == NULL) {
    if (reason != NULL)
      *reason = "no c= line for the default destination";
    return FALSE;
  }
  if (!conn->is_v4)
    return TRUE; /* an FQDN (or IPv6) default destination is no ICE failure (§4.2.5 item 4) */
  if (conn->v4 == 0 && md->port == 9)
    return TRUE; /* the 0.0.0.0:9 placeholder (§4.2.5 item 2) */
  if (!is_candidate(sdp, m, 1, conn->v4, md->port)) {
    if (reason != NULL)
      *reason = "ice-mismatch: c=/m= default destination is not a candidate of component 1";
    return FALSE;
  }
  if (md->has_rtcp) {
    guint32 raddr = conn->v4;
    char text[64];
    if (md->rtcp_addr.len > 0 &&
        (!span_text(sdp->buf, md->rtcp_addr, text, sizeof text) || !sim_addr_parse(text, &raddr)))
      return TRUE; /* not an IPv4 a=rtcp address: not ours to judge */
    if (!is_candidate(sdp, m, 2, raddr, md->rtcp_port)) {
      if (reason != NULL)
        *reason = "ice-mismatch: a=rtcp default destination is not a candidate of component 2";
      return FALSE;
    }
  }
  return TRUE;
}
