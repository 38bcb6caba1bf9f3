/* alg-linux.c — the conntrack half of Linux's SIP ALG, following nf_conntrack_sip.c (Linux 6.18)
 * and the measured corpus (reference/linux-alg.md): which flows get the helper (destination port
 * in the helper ports, or created by a signalling expectation), the per-packet entry for UDP and
 * for TCP segments (only complete messages inside one segment are parsed: numeric Content-Length
 * and CRLFCRLF, #30, #41), the method table with its CSeq rule (a missing or non-numeric CSeq
 * drops the message, #47), SDP processing (up to three audio/video/image m= lines, port < 1024
 * drops, #45; direct-media and external-media rules, #24-#26, #43, #44), media expectations (an
 * RTP/RTCP pair, single use, 180 s, class limits with eviction of the oldest, #33; flushed by
 * INVITE, BYE and a non-2xx final answer, #06, #07, #50), registration expectations (inactive
 * until a 2xx, then the granted expiry, #01, #02, #49; from the registrar only unless
 * sip_direct_signalling = 0, #36, #37) and the sip_timeout of the signalling flow (#38).
 * On a flow that is not NATed (a route-only router, the testbed's --no-nat) the nf_nat_sip half
 * is skipped as the kernel skips it without IPS_NAT_MASK: nothing is rewritten, expectations name
 * the addresses as written, and an identical expectation of another flow is no drop (-EALREADY);
 * measured in tests/data/alg-nonat.
 */
#include "alg-linux-private.h"

#include <stdlib.h>
#include <string.h>

const CfgKeyDef alg_linux_keys[] = {
  { "alg.linux_helper_ports", CFG_STRING, "", "5060", NULL,
    "Comma list of UDP/TCP destination ports whose new flows get the sip helper (the nft 'ct "
    "helper set' rule of the testbed; 'none' = no helper, #52); nf_conntrack_sip 'ports'." },
  { "alg.linux_sip_timeout_s", CFG_INT, "s", "3600", "1..",
    "nf_conntrack_sip sip_timeout: 'timeout for the master SIP session', refreshed by every SIP "
    "packet (default 3600, #38)." },
  { "alg.linux_sip_direct_signalling", CFG_BOOL, "", "true", NULL,
    "nf_conntrack_sip sip_direct_signalling: 'expect incoming calls from registrar only' "
    "(default 1, #36, #37)." },
  { "alg.linux_sip_direct_media", CFG_BOOL, "", "true", NULL,
    "nf_conntrack_sip sip_direct_media: 'Expect Media streams between signalling endpoints only' "
    "(default 1, #24-#26, #43)." },
  { "alg.linux_sip_external_media", CFG_BOOL, "", "false", NULL,
    "nf_conntrack_sip sip_external_media: 'Expect Media streams between external endpoints' "
    "(default 0; with direct media off, no pinhole for media routed out the packet's own "
    "interface, #44)." },
  { NULL },
};

#define SIP_EXPECT_TIMEOUT SIM_S(180) /* sip_exp_policy[].timeout = 3 * 60 */
static const guint class_max[LX_EXP_N] = { 1, 4, 4, 2 }; /* sip_exp_policy[].max_expected */
static const char *const class_tag[LX_EXP_N] = { "sip-signalling", "sip-audio", "sip-video",
                                                 "sip-image" };

static void
lx_trace(const LxMsg *m, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
lx_trace(const LxMsg *m, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *text = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  sim_trace("alg", "linux binding %" G_GUINT64_FORMAT " %s %s", nat_binding_id(m->p->binding),
            m->p->dir == NAT_DIR_OUT ? "out" : "in", text);
}

/* ---- Expectation records ------------------------------------------------------------------------ */

static gboolean
rec_live(const LxExpect *x, SimTime now)
{
  return !x->used && now < x->expires;
}

static void
rec_free(LinuxAlg *alg, LxExpect *x, gboolean remove_nat, SimTime now)
{
  if (remove_nat && x->e && rec_live(x, now))
    nat_expect_remove(alg->nat, x->e);
  g_queue_remove(&alg->all, x);
  g_queue_remove(&x->flow->expects, x);
  g_free(x);
}

static void
flow_prune(LxFlow *f, SimTime now)
{
  for (GList *l = f->expects.head; l;) {
    LxExpect *x = l->data;
    l = l->next;
    if (!rec_live(x, now))
      rec_free(f->alg, x, FALSE, now);
  }
}

/* flush_expectations(): media (every class but signalling) or the signalling one. */
static void
flush_expectations(LxFlow *f, gboolean media, SimTime now)
{
  flow_prune(f, now);
  for (GList *l = f->expects.head; l;) {
    LxExpect *x = l->data;
    l = l->next;
    if ((x->cls != LX_EXP_SIGNALLING) != media)
      continue;
    rec_free(f->alg, x, TRUE, now);
    if (!media)
      break;
  }
}

static void flow_free(gpointer data);

static LxFlow *
flow_new(LinuxAlg *alg, NatBinding *b, gboolean helper, gboolean expected)
{
  LxFlow *f = g_new0(LxFlow, 1);
  f->alg = alg;
  f->binding = b;
  f->helper = helper;
  f->expected = expected;
  g_queue_init(&f->expects);
  nat_binding_set_alg_data(b, f, flow_free);
  return f;
}

/* The NAT has already removed the binding's expectations when this runs. */
static void
flow_free(gpointer data)
{
  LxFlow *f = data;
  while (f->expects.head) {
    LxExpect *x = f->expects.head->data;
    g_queue_remove(&f->alg->all, x);
    g_queue_pop_head(&f->expects);
    g_free(x);
  }
  g_free(f);
}

/* nf_nat_sip_expected(): the new flow of an expectation; signalling flows get the helper. */
static void
on_expect_match(void *ctx, Nat *nat, NatBinding *child, const NatExpect *e)
{
  (void)nat;
  (void)e;
  LxExpect *x = ctx;
  if (x->cls != LX_EXP_SIGNALLING)
    x->used = TRUE; /* single use: the NAT removes it after this call */
  flow_new(x->flow->alg, child, x->cls == LX_EXP_SIGNALLING, TRUE);
}

/* Install the NAT expectation of a record (only ones that admit inbound flows). */
static gboolean
rec_install(LxMsg *m, LxExpect *x, gboolean single_use, SimTime lifetime)
{
  NatExpectParams ep = {
    .proto = x->cls == LX_EXP_SIGNALLING ? m->p->proto : NET_PROTO_UDP,
    .remote = { x->src, 0 },
    .ext_port = x->dst.port,
    .target = x->target,
    .lifetime = lifetime,
    .single_use = single_use,
    .owner = m->p->binding,
    .tag = class_tag[x->cls],
    .on_match = on_expect_match,
    .ctx = x,
  };
  g_autoptr(GError) error = NULL;
  x->e = nat_expect_add(m->p->nat, &ep, m->p->now, &error);
  return x->e != NULL;
}

/* nf_ct_expect_related() for one record: an identical live tuple of this flow and class is
 * replaced, of another flow or class refused; a full class evicts its oldest. */
static LxExpect *
rec_add(LxMsg *m, LxClass cls, guint32 src, SimAddr dst, SimAddr target)
{
  LinuxAlg *alg = m->alg;
  SimTime now = m->p->now;
  for (GList *l = alg->all.head; l;) {
    LxExpect *o = l->data;
    l = l->next;
    if (!rec_live(o, now) || o->dst.addr != dst.addr || o->dst.port != dst.port || o->src != src)
      continue;
    if (o->flow != m->flow || o->cls != cls)
      return NULL;
    rec_free(alg, o, TRUE, now);
  }
  flow_prune(m->flow, now);
  guint n = 0;
  for (GList *l = m->flow->expects.head; l; l = l->next)
    n += ((LxExpect *)l->data)->cls == cls;
  if (n >= class_max[cls]) {
    for (GList *l = m->flow->expects.head; l; l = l->next) {
      LxExpect *o = l->data;
      if (o->cls == cls) {
        rec_free(alg, o, TRUE, now);
        break;
      }
    }
  }
  LxExpect *x = g_new0(LxExpect, 1);
  x->flow = m->flow;
  x->cls = cls;
  x->src = src;
  x->dst = dst;
  x->target = target;
  x->expires = now + SIP_EXPECT_TIMEOUT;
  g_queue_push_tail(&m->flow->expects, x);
  g_queue_push_tail(&alg->all, x);
  return x;
}

/* ---- SDP (process_sdp, set_expected_rtp_rtcp) ------------------------------------------------ */

typedef enum { LX_ACCEPT, LX_DROP } LxRet;

static LxRet
drop(LxMsg *m, const char *why)
{
  if (why)
    lx_trace(m, "drop %s", why);
  else
    lx_trace(m, "drop (silent)");
  return LX_DROP;
}

/* Does `addr` route out of the interface this packet leaves by?  (sip_external_media) */
static gboolean
routes_out_same_side(const LxMsg *m, guint32 addr)
{
  const NatTuple *t = nat_binding_tuple(m->p->binding);
  gboolean lan = (addr & 0xffffff00u) == (t->internal.addr & 0xffffff00u);
  return m->p->dir == NAT_DIR_OUT ? !lan : lan;
}

static LxRet
set_expected_rtp_rtcp(LxMsg *m, guint32 *daddr, guint port, LxClass cls)
{
  LinuxAlg *alg = m->alg;
  guint32 src = 0;
  if (alg->direct_media) {
    if (*daddr != m->dir_src.addr)
      return LX_ACCEPT; /* media of somebody else: no pinhole, no rewrite (#24) */
    src = m->rev_src.addr;
  } else if (alg->external_media && routes_out_same_side(m, *daddr)) {
    return LX_ACCEPT; /* #44 */
  }
  guint16 base = (guint16)(port & ~1u);
  if (!m->nat) {
    /* Not NATed: plain nf_ct_expect_related() for the addresses as written.  An identical
     * expectation of another flow is found first and skipped, or answered -EALREADY, which the
     * helper takes as done: never a drop (6.18, fixture x1-second-call-same-rtp-port).  Nothing
     * to install: the route-only NAT admits every inbound flow anyway. */
    SimAddr rtp = { *daddr, base }, rtcp = { *daddr, (guint16)(base + 1) };
    if (rec_add(m, cls, src, rtp, rtp))
      rec_add(m, cls, src, rtcp, rtcp);
    lx_trace(m, "expect %s %u/%u from %u.%u.%u.%u (not NATed)", class_tag[cls], base, base + 1,
             src >> 24, (src >> 16) & 0xff, (src >> 8) & 0xff, src & 0xff);
    return LX_ACCEPT;
  }
  guint32 dst_addr = *daddr;
  /* nf_nat_sdp_media: the connection comes from the reply side */
  dst_addr = m->dir_src.addr == m->rev_dst.addr ? *daddr : m->rev_dst.addr;
  SimAddr rtp = { dst_addr, base }, rtcp = { dst_addr, (guint16)(base + 1) };
  LxExpect *a = rec_add(m, cls, src, rtp, (SimAddr){ *daddr, base });
  LxExpect *b = a ? rec_add(m, cls, src, rtcp, (SimAddr){ *daddr, (guint16)(base + 1) }) : NULL;
  gboolean inbound = dst_addr != *daddr;
  if (a && b && inbound &&
      (!rec_install(m, a, TRUE, SIP_EXPECT_TIMEOUT) || !rec_install(m, b, TRUE, SIP_EXPECT_TIMEOUT))) {
    if (a->e)
      nat_expect_remove(alg->nat, a->e);
    a->e = NULL;
    b->e = NULL;
    rec_free(alg, a, FALSE, m->p->now);
    rec_free(alg, b, FALSE, m->p->now);
    a = b = NULL;
  } else if (a && !b) {
    rec_free(alg, a, TRUE, m->p->now);
    a = NULL;
  }
  if (!a) {
    drop(m, "all ports in use for SDP media");
    return LX_DROP;
  }
  lx_trace(m, "expect %s %u/%u from %u.%u.%u.%u", class_tag[cls], base, base + 1, src >> 24,
           (src >> 16) & 0xff, (src >> 8) & 0xff, src & 0xff);
  *daddr = dst_addr;
  return LX_ACCEPT;
}

static const struct {
  const char *name; /* "audio " */
  LxClass cls;      /* its class */
} media_types[] = {
  { "audio ", LX_EXP_AUDIO },
  { "video ", LX_EXP_VIDEO },
  { "image ", LX_EXP_IMAGE },
};

static LxRet
process_sdp(LxMsg *m)
{
  gssize body = lx_body_start(lx_msg_buf(m), m->len);
  gsize sdpoff, ml, coff, clen, mediaoff, medialen;
  if (body < 0 || lx_get_sdp_header(lx_msg_buf(m), (gsize)body - 1, m->len, LX_SDP_VERSION,
                                    LX_SDP_UNSPEC, &sdpoff, &ml) <= 0)
    return LX_ACCEPT;
  guint32 caddr = 0, maddr, rtp_addr = 0;
  gboolean have_caddr = lx_parse_sdp_addr(lx_msg_buf(m), sdpoff, m->len, LX_SDP_CONNECTION,
                                          LX_SDP_MEDIA, &coff, &clen, &caddr) > 0;
  gboolean have_rtp = FALSE;
  mediaoff = sdpoff;
  for (guint i = 0; i < G_N_ELEMENTS(media_types);) {
    if (lx_get_sdp_header(lx_msg_buf(m), mediaoff, m->len, LX_SDP_MEDIA, LX_SDP_UNSPEC, &mediaoff,
                          &medialen) <= 0)
      break;
    const char *buf = lx_msg_buf(m);
    int t = -1;
    for (guint k = 0; k < G_N_ELEMENTS(media_types); k++) {
      gsize tl = strlen(media_types[k].name);
      if (medialen >= tl && strncmp(buf + mediaoff, media_types[k].name, tl) == 0)
        t = (int)k;
    }
    if (t < 0) {
      mediaoff += medialen;
      continue;
    }
    mediaoff += strlen(media_types[t].name);
    guint port = lx_strtoul(buf, mediaoff, m->len, NULL);
    if (port == 0)
      continue;
    if (port < 1024 || port > 65535) {
      g_autofree char *why = g_strdup_printf("wrong port %u", port);
      return drop(m, why);
    }
    gboolean have_maddr = lx_parse_sdp_addr(buf, mediaoff, m->len, LX_SDP_CONNECTION, LX_SDP_MEDIA,
                                            &coff, &clen, &maddr) > 0;
    if (have_maddr)
      rtp_addr = maddr;
    else if (have_caddr)
      rtp_addr = caddr;
    else
      return drop(m, "cannot parse SDP message");
    have_rtp = TRUE;
    if (set_expected_rtp_rtcp(m, &rtp_addr, port, media_types[t].cls) != LX_ACCEPT)
      return drop(m, "cannot add expectation for voice");
    if (have_maddr && m->nat && !lx_nat_sdp_addr(m, mediaoff, rtp_addr))
      return drop(m, "cannot mangle SDP");
    i++;
  }
  /* Linux 6.18 rewrites o= and the session c= only when a media line was processed (#13). */
  if (m->nat && have_rtp && !lx_nat_sdp_session(m, sdpoff, rtp_addr))
    return drop(m, NULL); /* e.g. no numeric Content-Length: dropped without a log (#20, #21) */
  return LX_ACCEPT;
}

/* ---- Requests and responses -------------------------------------------------------------------- */

static LxRet
invite_request(LxMsg *m, guint32 cseq)
{
  flush_expectations(m->flow, TRUE, m->p->now);
  LxRet r = process_sdp(m);
  if (r == LX_ACCEPT)
    m->flow->invite_cseq = cseq;
  return r;
}

static LxRet
sdp_request(LxMsg *m, guint32 cseq)
{
  (void)cseq;
  return process_sdp(m);
}

static LxRet
bye_request(LxMsg *m, guint32 cseq)
{
  (void)cseq;
  flush_expectations(m->flow, TRUE, m->p->now);
  return LX_ACCEPT;
}

static LxRet
register_request(LxMsg *m, guint32 cseq)
{
  LxFlow *f = m->flow;
  if (f->expected)
    return LX_ACCEPT; /* expected connections cannot register again */
  const char *buf = lx_msg_buf(m);
  gsize moff, mlen;
  guint expires = 0;
  if (lx_get_header(buf, 0, m->len, LX_HDR_EXPIRES, &moff, &mlen) > 0)
    expires = lx_strtoul(buf, moff, m->len, NULL);
  guint32 daddr;
  guint16 port;
  int ret = lx_parse_header_uri(buf, NULL, m->len, LX_HDR_CONTACT, NULL, &moff, &mlen, &daddr,
                                &port);
  if (ret < 0)
    return drop(m, "cannot parse contact");
  if (ret == 0 || daddr != m->dir_src.addr)
    return LX_ACCEPT; /* no third-party registrations */
  guint8 proto;
  if (!lx_parse_transport(buf, moff + mlen, m->len, m->p->proto, &proto))
    return LX_ACCEPT;
  if (lx_parse_numerical_param(buf, moff + mlen, m->len, "expires=", NULL, NULL, &expires) < 0)
    return drop(m, "cannot parse expires");
  if (expires == 0) {
    f->register_cseq = cseq;
    return LX_ACCEPT;
  }
  guint32 src = m->alg->direct_signalling ? m->rev_src.addr : 0;
  SimAddr dst = { daddr, port }, target = { daddr, port };
  if (m->nat) { /* nf_nat_sip_expect */
    dst.addr = m->dir_src.addr == m->rev_dst.addr ? daddr : m->rev_dst.addr;
    guint16 srcport = f->forced_dport ? f->forced_dport : m->dir_src.port;
    dst.port = port == srcport ? m->rev_dst.port : port;
  }
  flush_expectations(f, FALSE, m->p->now); /* max_expected 1: the new one replaces it */
  LxExpect *x = rec_add(m, LX_EXP_SIGNALLING, src, dst, target);
  if (!x)
    return drop(m, "all ports in use for SIP");
  x->inactive = TRUE;
  lx_trace(m, "expect sip-signalling %u inactive", dst.port);
  if (m->nat && (dst.addr != daddr || dst.port != port)) {
    char text[32];
    gsize tl = lx_fmt_addr(text, sizeof text, dst.addr, dst.port);
    if (!lx_mangle(m, moff, mlen, text, tl))
      return drop(m, "cannot mangle packet");
  }
  f->register_cseq = cseq;
  return LX_ACCEPT;
}

static LxRet
invite_response(LxMsg *m, guint32 cseq, guint code)
{
  if (code >= 100 && code <= 299)
    return process_sdp(m);
  if (m->flow->invite_cseq == cseq)
    flush_expectations(m->flow, TRUE, m->p->now);
  return LX_ACCEPT;
}

/* refresh_signalling_expectation(): activate the registration the 2xx confirms. */
static gboolean
refresh_signalling(LxMsg *m, guint32 addr, guint8 proto, guint16 port, guint expires)
{
  SimTime now = m->p->now;
  for (GList *l = m->flow->expects.head; l; l = l->next) {
    LxExpect *x = l->data;
    if (x->cls != LX_EXP_SIGNALLING || x->dst.addr != addr || x->dst.port != port ||
        proto != m->p->proto || !rec_live(x, now))
      continue;
    if (x->e)
      nat_expect_remove(m->alg->nat, x->e);
    x->e = NULL;
    x->inactive = FALSE;
    x->expires = now + SIM_S(expires);
    if (!rec_install(m, x, FALSE, SIM_S(expires)))
      x->expires = now; /* the port went to somebody else: nothing admitted */
    lx_trace(m, "expect sip-signalling %u active %u s", port, expires);
    return TRUE;
  }
  return FALSE;
}

static LxRet
register_response(LxMsg *m, guint32 cseq, guint code)
{
  LxFlow *f = m->flow;
  if (f->register_cseq != cseq || (code >= 100 && code <= 199))
    return LX_ACCEPT;
  if (code >= 200 && code <= 299) {
    const char *buf = lx_msg_buf(m);
    gsize moff, mlen, coff = 0;
    guint expires = 0;
    if (lx_get_header(buf, 0, m->len, LX_HDR_EXPIRES, &moff, &mlen) > 0)
      expires = lx_strtoul(buf, moff, m->len, NULL);
    int in_contact = 0;
    for (;;) {
      guint c_expires = expires;
      guint32 addr;
      guint16 port;
      int ret = lx_parse_header_uri(buf, &coff, m->len, LX_HDR_CONTACT, &in_contact, &moff, &mlen,
                                    &addr, &port);
      if (ret < 0)
        return drop(m, "cannot parse contact");
      if (ret == 0)
        break;
      if (addr != m->dir_dst.addr)
        continue;
      guint8 proto;
      if (!lx_parse_transport(buf, moff + mlen, m->len, m->p->proto, &proto))
        continue;
      if (lx_parse_numerical_param(buf, moff + mlen, m->len, "expires=", NULL, NULL, &c_expires) < 0)
        return drop(m, "cannot parse expires");
      if (c_expires == 0)
        break;
      if (refresh_signalling(m, addr, proto, port, c_expires))
        return LX_ACCEPT;
    }
  }
  flush_expectations(f, FALSE, m->p->now);
  return LX_ACCEPT;
}

typedef struct {
  const char *method;                                  /* "INVITE" */
  LxRet (*request)(LxMsg *m, guint32 cseq);            /* or NULL */
  LxRet (*response)(LxMsg *m, guint32 cseq, guint code); /* or NULL */
} LxHandler;

/* sip_handlers[] */
static const LxHandler handlers[] = {
  { "INVITE", invite_request, invite_response },
  { "UPDATE", sdp_request, invite_response },
  { "ACK", sdp_request, NULL },
  { "PRACK", sdp_request, invite_response },
  { "BYE", bye_request, NULL },
  { "REGISTER", register_request, register_response },
};

/* CSeq as the kernel reads it: -1 if missing or not a number. */
static gint64
get_cseq(LxMsg *m, gsize *end)
{
  gsize moff, mlen;
  const char *buf = lx_msg_buf(m);
  if (lx_get_header(buf, 0, m->len, LX_HDR_CSEQ, &moff, &mlen) <= 0)
    return -1;
  *end = moff + mlen;
  return lx_strtoul(buf, moff, m->len, NULL);
}

static LxRet
process_request(LxMsg *m)
{
  const char *buf = lx_msg_buf(m);
  gsize moff, mlen;
  guint32 addr;
  guint16 port;
  /* Cisco phones: remember the Via port when it differs from the source port (#27). */
  if (lx_parse_header_uri(buf, NULL, m->len, LX_HDR_VIA_UDP, NULL, &moff, &mlen, &addr, &port) > 0 &&
      port != m->dir_src.port && addr == m->dir_src.addr)
    m->flow->forced_dport = port;
  for (guint i = 0; i < G_N_ELEMENTS(handlers); i++) {
    const LxHandler *h = &handlers[i];
    gsize n = strlen(h->method);
    if (!h->request || m->len < n + 2 || g_ascii_strncasecmp(buf, h->method, n) != 0)
      continue;
    if (buf[n] != ' ' || !g_ascii_isalpha(buf[n + 1]))
      continue;
    gsize end;
    gint64 cseq = get_cseq(m, &end);
    if (cseq < 0)
      return drop(m, "cannot parse cseq");
    return h->request(m, (guint32)cseq);
  }
  return LX_ACCEPT;
}

static LxRet
process_response(LxMsg *m)
{
  const char *buf = lx_msg_buf(m);
  if (m->len < strlen("SIP/2.0 200"))
    return LX_ACCEPT;
  guint code = lx_strtoul(buf, 8, m->len, NULL);
  if (!code)
    return drop(m, "cannot get code");
  gsize end;
  gint64 cseq = get_cseq(m, &end);
  if (cseq < 0)
    return drop(m, "cannot parse cseq");
  gsize mend = end + 1;
  for (guint i = 0; i < G_N_ELEMENTS(handlers); i++) {
    const LxHandler *h = &handlers[i];
    gsize n = strlen(h->method);
    if (!h->response || m->len < mend + n || g_ascii_strncasecmp(buf + mend, h->method, n) != 0)
      continue;
    return h->response(m, (guint32)cseq, code);
  }
  return LX_ACCEPT;
}

/* process_sip_msg(): the conntrack handlers, then the NAT rewrite of the headers. */
static LxRet
process_msg(LxMsg *m)
{
  gboolean response = m->len >= 8 && g_ascii_strncasecmp(lx_msg_buf(m), "SIP/2.0 ", 8) == 0;
  LxRet r = response ? process_response(m) : process_request(m);
  if (r == LX_ACCEPT && m->nat) {
    const char *why = NULL;
    if (!lx_nat_msg(m, &why)) {
      drop(m, why);
      drop(m, "cannot NAT SIP message");
      return LX_DROP;
    }
  }
  return r;
}

/* ---- Packets -------------------------------------------------------------------------------------- */

static gboolean
is_helper_port(const LinuxAlg *alg, guint16 port)
{
  for (guint i = 0; i < alg->n_helper_ports; i++)
    if (alg->helper_ports[i] == port)
      return TRUE;
  return FALSE;
}

static void
msg_init(LxMsg *m, LinuxAlg *alg, LxFlow *f, NatAlgPacket *p)
{
  const NatTuple *t = nat_binding_tuple(p->binding);
  m->p = p;
  m->alg = alg;
  m->flow = f;
  /* ct->status & IPS_NAT_MASK: FALSE only behind a route-only router (the testbed's --no-nat),
   * where every nf_nat_sip hook is skipped; parsing, drops and expectations stay. */
  m->nat = nat_binding_translated(p->binding);
  if (p->dir == NAT_DIR_OUT) {
    m->dir_src = t->internal;
    m->dir_dst = t->remote;
    m->rev_src = t->remote;
    m->rev_dst = t->external;
  } else {
    m->dir_src = t->remote;
    m->dir_dst = t->external;
    m->rev_src = t->internal;
    m->rev_dst = t->remote;
  }
}

/* sip_help_tcp(): each complete message in the segment (numeric Content-Length, CRLFCRLF, whole
 * body inside the segment), else the segment passes unchanged (#30). */
static LxRet
help_tcp(LxMsg *m)
{
  gsize total = m->p->payload_len;
  while (m->off < total) {
    const char *buf = lx_msg_buf(m);
    gsize avail = total - m->off, moff, mlen;
    if (avail < strlen("SIP/2.0 200"))
      break;
    if (lx_get_header(buf, 0, avail, LX_HDR_CONTENT_LENGTH, &moff, &mlen) <= 0)
      break;
    gsize end;
    guint clen = lx_strtoul(buf, moff, avail, &end);
    if (end == moff)
      break;
    gboolean term = FALSE;
    for (; end + 4 <= avail; end++)
      if (memcmp(buf + end, "\r\n\r\n", 4) == 0) {
        term = TRUE;
        break;
      }
    if (!term)
      break;
    gsize msglen = end + 4 + clen;
    if (msglen > avail)
      return LX_ACCEPT;
    m->len = msglen;
    if (process_msg(m) != LX_ACCEPT)
      return LX_DROP;
    m->off += m->len;
    total = m->p->payload_len;
  }
  return LX_ACCEPT;
}

static NatAlgVerdict
linux_packet(gpointer state, NatAlgPacket *p)
{
  LinuxAlg *alg = state;
  LxFlow *f = nat_binding_get_alg_data(p->binding);
  if (!f) {
    /* The nft rule "udp/tcp dport { ports } ct helper set" on the flow's first packet. */
    const NatTuple *t = nat_binding_tuple(p->binding);
    guint16 dport = p->dir == NAT_DIR_OUT ? t->remote.port : t->external.port;
    f = flow_new(alg, p->binding, is_helper_port(alg, dport), FALSE);
  }
  if (!f->helper || p->payload_len == 0)
    return NAT_ALG_PASS;
  nat_binding_set_timeout(p->binding, alg->sip_timeout, p->now);
  LxMsg m = { 0 };
  msg_init(&m, alg, f, p);
  LxRet r;
  if (p->proto == NET_PROTO_TCP) {
    r = help_tcp(&m);
  } else {
    if (p->payload_len < strlen("SIP/2.0 200"))
      return NAT_ALG_PASS;
    m.len = p->payload_len;
    r = process_msg(&m);
  }
  return r == LX_ACCEPT ? NAT_ALG_PASS : NAT_ALG_DROP;
}

/* ---- Lifecycle ------------------------------------------------------------------------------------ */

static gboolean
parse_ports(LinuxAlg *alg, const char *text, GError **error)
{
  if (g_ascii_strcasecmp(text, "none") == 0 || !*text)
    return TRUE;
  g_auto(GStrv) parts = g_strsplit(text, ",", -1);
  for (guint i = 0; parts[i]; i++) {
    char *end;
    long v = strtol(g_strstrip(parts[i]), &end, 10);
    if (*end || v < 1 || v > 65535 || alg->n_helper_ports >= G_N_ELEMENTS(alg->helper_ports)) {
      g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE,
                  "[alg] linux_helper_ports: expected 'none' or up to 16 ports 1..65535 separated by "
                  "commas, got '%s'", text);
      return FALSE;
    }
    alg->helper_ports[alg->n_helper_ports++] = (guint16)v;
  }
  return TRUE;
}

static gpointer
linux_create(const Config *cfg, Nat *nat, GError **error)
{
  LinuxAlg *alg = g_new0(LinuxAlg, 1);
  alg->nat = nat;
  g_queue_init(&alg->all);
  if (!parse_ports(alg, cfg_str(cfg, "alg.linux_helper_ports"), error)) {
    g_free(alg);
    return NULL;
  }
  alg->sip_timeout = SIM_S(cfg_int(cfg, "alg.linux_sip_timeout_s"));
  alg->direct_signalling = cfg_bool(cfg, "alg.linux_sip_direct_signalling");
  alg->direct_media = cfg_bool(cfg, "alg.linux_sip_direct_media");
  alg->external_media = cfg_bool(cfg, "alg.linux_sip_external_media");
  return alg;
}

static void
linux_destroy(gpointer state)
{
  LinuxAlg *alg = state;
  g_queue_clear(&alg->all); /* the records belong to flows, freed with the NAT's bindings */
  g_free(alg);
}

const AlgOps alg_linux_ops = {
  .name = "linux",
  .summary = "Linux nf_conntrack_sip + nf_nat_sip (6.18, measured): exact-match header NAT, SDP "
             "o=/c= rewrite, Content-Length from v=, single-use media and registration pinholes",
  .source = "net/netfilter/nf_conntrack_sip.c, nf_nat_sip.c; corpus/linux-alg (reference/linux-alg.md)",
  .keys = alg_linux_keys,
  .create = linux_create,
  .destroy = linux_destroy,
  .packet = linux_packet,
};
