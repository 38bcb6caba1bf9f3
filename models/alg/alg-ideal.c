/* alg-ideal.c — a correct SIP ALG, the control against which the faulty ones are measured.
 *
 * What a SIP-aware NAT has to do for a phone behind it (RFC 3261, RFC 3581, RFC 4566, and the
 * failure list of reference/linux-alg.md read backwards): outbound messages get every Contact URI
 * and the SDP connection (c=), origin (o=) and a=rtcp addresses that name the phone rewritten to
 * the public mapping, with the real mapped port; Content-Length is set to the real body length;
 * Via, From, To, Call-ID and everything inbound are left alone (rport/received, RFC 3581, tell
 * the phone its public address).  Each offered RTP stream and its RTCP port get a pinhole from
 * any address and port, as media servers are often not the signalling peer, open until the
 * dialog's BYE or a failed INVITE (not single use, not 180 s).  The signalling flow's timeout
 * is raised to alg.ideal_sip_timeout_s so a registration outlives the NAT's UDP timer.
 */
#include "alg-arch-private.h"
#include "alg-linux-private.h"

#include <stdlib.h>
#include <string.h>

const CfgKeyDef alg_ideal_keys[] = {
  { "alg.ideal_helper_ports", CFG_STRING, "", "5060", NULL,
    "Comma list of UDP/TCP destination ports carrying SIP that the ideal ALG handles." },
  { "alg.ideal_sip_timeout_s", CFG_INT, "s", "3600", "1..",
    "Idle timeout of a SIP signalling flow under the ideal ALG (longer than any registration)." },
  { "alg.ideal_media_timeout_s", CFG_INT, "s", "7200", "1..",
    "Lifetime of a media pinhole when no BYE closes it." },
  { NULL },
};

typedef struct {
  Nat *nat;                 /* the NAT */
  guint16 ports[16];        /* alg.ideal_helper_ports */
  guint n_ports;            /* entries used */
  SimTime sip_timeout;      /* alg.ideal_sip_timeout_s */
  SimTime media_timeout;    /* alg.ideal_media_timeout_s */
  /* The hold-releaser archetype (alg-hold-releaser.c): */
  gboolean release_on_hold; /* a held stream's pinholes and translations are freed */
  GHashTable *streams;      /* arch_ep_key of the phone's RTP endpoint -> HoldStream* */
} IdealAlg;

/* A phone media stream as the hold releaser tracks it. */
typedef struct {
  guint16 ext;              /* public port last announced in the SDP */
  gboolean released;        /* held: its translations are gone */
} HoldStream;

/* Per-flow state: whether it is SIP, and the media pinholes it opened. */
typedef struct {
  gboolean sip;             /* a SIP flow */
  GPtrArray *expects;       /* NatExpect * (owned by the NAT; removed by us on BYE/failure) */
  GArray *expires;          /* SimTime per expectation: do not touch one past its life */
} IdealFlow;

static void
flow_free(gpointer p)
{
  IdealFlow *f = p;
  g_ptr_array_unref(f->expects);
  g_array_unref(f->expires);
  g_free(f);
}

static void
close_media(IdealAlg *a, IdealFlow *f, SimTime now)
{
  for (guint i = 0; i < f->expects->len; i++)
    if (now < g_array_index(f->expires, SimTime, i))
      nat_expect_remove(a->nat, f->expects->pdata[i]);
  g_ptr_array_set_size(f->expects, 0);
  g_array_set_size(f->expires, 0);
}

/* One message being rewritten. */
typedef struct {
  NatAlgPacket *p; /* packet */
  gsize off;       /* message start in the payload */
  gsize len;       /* message length */
} Msg;

static const char *
mbuf(const Msg *m)
{
  return (const char *)m->p->pkt->data + m->p->payload_off + m->off;
}

static gboolean
mangle(Msg *m, gsize off, gsize del, const char *text)
{
  gsize n = strlen(text);
  if (!nat_alg_mangle(m->p, m->off + off, del, (const guint8 *)text, n))
    return FALSE;
  m->len = m->len - del + n;
  return TRUE;
}

/* Every Contact URI naming the phone's SIP endpoint becomes the public mapping. */
static void
rewrite_contacts(Msg *m, const NatTuple *t)
{
  gsize coff = 0, moff, mlen;
  int in_header = 0;
  guint32 addr;
  guint16 port;
  while (lx_parse_header_uri(mbuf(m), &coff, m->len, LX_HDR_CONTACT, &in_header, &moff, &mlen, &addr,
                             &port) > 0) {
    if (addr != t->internal.addr || port != t->internal.port)
      continue;
    char text[32];
    lx_fmt_addr(text, sizeof text, t->external.addr, t->external.port);
    gsize before = m->len;
    if (!mangle(m, moff, mlen, text))
      return;
    coff = coff + m->len - before;
  }
}

/* Open a pinhole to phone:port from anywhere, on public port `ext` (0: the NAT's choice), pinned
 * for the phone's own outbound flows if `pin`; the public port, 0 if none. */
static guint16
open_pinhole_on(IdealAlg *a, IdealFlow *f, NatAlgPacket *p, guint32 phone, guint16 port, guint16 ext,
                gboolean pin)
{
  NatExpectParams ep = {
    .proto = NET_PROTO_UDP,
    .remote = { 0, 0 },
    .ext_port = ext,
    .pin_outbound = pin,
    .target = { phone, port },
    .lifetime = a->media_timeout,
    .single_use = FALSE,
    .owner = p->binding,
    .tag = "ideal-media",
  };
  NatExpect *e = nat_expect_add(a->nat, &ep, p->now, NULL);
  if (!e)
    return 0;
  g_ptr_array_add(f->expects, e);
  SimTime until = p->now + a->media_timeout;
  g_array_append_val(f->expires, until);
  return nat_expect_ext_port(e);
}

static guint16
open_pinhole(IdealAlg *a, IdealFlow *f, NatAlgPacket *p, guint32 phone, guint16 port)
{
  return open_pinhole_on(a, f, p, phone, port, 0, FALSE);
}

/* Close this flow's pinholes to phone:port (the hold releaser's stream, RTP or RTCP). */
static void
close_target(IdealAlg *a, IdealFlow *f, guint32 phone, guint16 port, SimTime now)
{
  for (guint i = f->expects->len; i-- > 0;) {
    NatExpect *e = f->expects->pdata[i];
    if (now >= g_array_index(f->expires, SimTime, i))
      continue; /* gone by itself: do not touch */
    const NatExpectParams *ep = nat_expect_params(e);
    if (ep->target.addr != phone || ep->target.port != port)
      continue;
    nat_expect_remove(a->nat, e);
    g_ptr_array_remove_index(f->expects, i);
    g_array_remove_index(f->expires, i);
  }
}

/* Hold releaser (field-notes §4 A4, Juniper's SIP ALG without retain-hold-resource): a hold
 * frees the stream's pinholes and NAT translations; the resume is given a new public port,
 * pinned for the phone's own RTP too, though the phone's SDP did not change.  Returns the
 * public port to write into m=, 0 to leave it. */
static guint16
hold_release(IdealAlg *a, IdealFlow *f, NatAlgPacket *p, guint32 phone, guint16 port, gboolean held)
{
  guint64 key = arch_ep_key(phone, port);
  HoldStream *h = g_hash_table_lookup(a->streams, &key);
  char ep[22];
  net_endpoint_format(phone, port, ep);
  if (held) {
    if (h && !h->released) {
      for (guint16 q = port; q <= port + 1; q++) {
        close_target(a, f, phone, q, p->now);
        nat_release_endpoint(a->nat, NET_PROTO_UDP, (SimAddr){ phone, q }, "binding-released", p->now);
      }
      h->released = TRUE;
      sim_trace("alg", "hold-releaser hold: freed the translations of %s (public port %u)", ep, h->ext);
    }
    return h ? h->ext : 0;
  }
  if (!h || !h->released) {
    guint16 ext = open_pinhole(a, f, p, phone, port);
    open_pinhole(a, f, p, phone, (guint16)(port + 1));
    if (!h) {
      h = g_new0(HoldStream, 1);
      g_hash_table_insert(a->streams, g_memdup2(&key, sizeof key), h);
    }
    h->ext = ext;
    return ext;
  }
  /* Resume: whatever the phone sent while held mapped again; free it, then a new port. */
  for (guint16 q = port; q <= port + 1; q++)
    nat_release_endpoint(a->nat, NET_PROTO_UDP, (SimAddr){ phone, q }, "binding-released", p->now);
  const NatParams *np = nat_params(a->nat);
  guint16 old = h->ext, ext = 0;
  guint32 span = (guint32)(np->port_max - np->port_min + 1);
  for (guint32 i = 1; i < span / 2 && !ext; i++) {
    guint32 cand = np->port_min + ((guint32)old - np->port_min + 2 * i) % span;
    if (cand + 1 > np->port_max || cand == old)
      continue;
    ext = open_pinhole_on(a, f, p, phone, port, (guint16)cand, TRUE);
  }
  if (!ext)
    return 0;
  open_pinhole_on(a, f, p, phone, (guint16)(port + 1), (guint16)(ext + 1), TRUE);
  h->ext = ext;
  h->released = FALSE;
  sim_trace("alg", "hold-releaser resume: %s gets public port %u (was %u), SDP unchanged", ep, ext, old);
  return ext;
}

/* SDP: c=/o=/a=rtcp naming the phone become the public address; m= ports get pinholes. */
static void
rewrite_sdp(IdealAlg *a, IdealFlow *f, Msg *m, const NatTuple *t, gsize body)
{
  gboolean held = a->release_on_hold && arch_sdp_held(mbuf(m), body, m->len);
  char pub[16];
  lx_fmt_addr(pub, sizeof pub, t->external.addr, -1);
  gsize off = body - 1, moff, mlen;
  /* Addresses first (c= and o= lines anywhere in the body). */
  for (LxSdp h = LX_SDP_OWNER; h <= LX_SDP_CONNECTION; h++) {
    gsize from = off;
    guint32 addr;
    while (lx_parse_sdp_addr(mbuf(m), from, m->len, h, LX_SDP_UNSPEC, &moff, &mlen, &addr) > 0) {
      from = moff;
      if (addr == t->internal.addr) {
        gsize alen = 0;
        lx_parse_addr(mbuf(m), moff, m->len, &addr, &alen);
        if (!mangle(m, moff, alen - moff, pub))
          return;
      }
    }
  }
  /* Media ports: a pinhole for RTP and for RTCP (port + 1, or a=rtcp's port). */
  gsize from = off;
  while (lx_get_sdp_header(mbuf(m), from, m->len, LX_SDP_MEDIA, LX_SDP_UNSPEC, &moff, &mlen) > 0) {
    from = moff;
    const char *b = mbuf(m);
    gsize sp = moff;
    while (sp < moff + mlen && b[sp] != ' ')
      sp++;
    gsize pend;
    guint port = lx_strtoul(b, sp + 1, m->len, &pend);
    if (port == 0 || port > 65534)
      continue;
    guint16 ext;
    if (a->release_on_hold) {
      ext = hold_release(a, f, m->p, t->internal.addr, (guint16)port, held);
    } else {
      ext = open_pinhole(a, f, m->p, t->internal.addr, (guint16)port);
      open_pinhole(a, f, m->p, t->internal.addr, (guint16)(port + 1));
    }
    if (ext && ext != port) {
      char text[8];
      g_snprintf(text, sizeof text, "%u", ext);
      mangle(m, sp + 1, pend - sp - 1, text);
    }
  }
  /* a=rtcp:PORT IN IP4 <phone> -> the public address. */
  for (gsize i = off; i + 7 < m->len; i++) {
    const char *b = mbuf(m);
    if (b[i] != '\n' || strncmp(b + i + 1, "a=rtcp:", 7) != 0)
      continue;
    gsize j = i + 8;
    while (j < m->len && b[j] != '\r' && b[j] != '\n' && b[j] != 'I')
      j++;
    guint32 addr;
    gsize end;
    if (j + 7 <= m->len && strncmp(b + j, "IN IP4 ", 7) == 0 &&
        lx_parse_addr(b, j + 7, m->len, &addr, &end) && addr == t->internal.addr)
      mangle(m, j + 7, end - j - 7, pub);
  }
}

/* Content-Length = the real body length. */
static void
fix_content_length(Msg *m, gsize body)
{
  gsize moff, mlen;
  if (lx_get_header(mbuf(m), 0, m->len, LX_HDR_CONTENT_LENGTH, &moff, &mlen) <= 0)
    return;
  char text[16];
  g_snprintf(text, sizeof text, "%" G_GSIZE_FORMAT, m->len - body);
  if (moff < body)
    mangle(m, moff, mlen, text);
}

static void
handle_msg(IdealAlg *a, IdealFlow *f, Msg *m)
{
  const NatTuple *t = nat_binding_tuple(m->p->binding);
  const char *b = mbuf(m);
  gboolean response = m->len >= 8 && strncmp(b, "SIP/2.0 ", 8) == 0;
  if (!response && m->len >= 4 && strncmp(b, "BYE ", 4) == 0)
    close_media(a, f, m->p->now);
  if (response) {
    guint code = lx_strtoul(b, 8, m->len, NULL);
    gsize moff, mlen;
    /* The CSeq span is its number; " INVITE" must follow it, read within the packet. */
    if (code >= 300 && lx_get_header(b, 0, m->len, LX_HDR_CSEQ, &moff, &mlen) > 0 &&
        moff + mlen + 7 <= m->len && memcmp(b + moff + mlen, " INVITE", 7) == 0)
      close_media(a, f, m->p->now); /* a failed INVITE opens no call */
  }
  if (m->p->dir != NAT_DIR_OUT)
    return;
  gssize body = lx_body_start(mbuf(m), m->len);
  if (body < 0)
    return;
  gsize hdr_end = (gsize)body;
  gsize before = m->len;
  rewrite_contacts(m, t);
  body = (gssize)(hdr_end + m->len - before);
  if (!response && m->len >= 7 && strncmp(mbuf(m), "INVITE ", 7) == 0)
    close_media(a, f, m->p->now); /* a re-INVITE replaces the streams */
  rewrite_sdp(a, f, m, t, (gsize)body);
  fix_content_length(m, (gsize)body);
}

static gboolean
is_port(const IdealAlg *a, guint16 port)
{
  for (guint i = 0; i < a->n_ports; i++)
    if (a->ports[i] == port)
      return TRUE;
  return FALSE;
}

static NatAlgVerdict
ideal_packet(gpointer state, NatAlgPacket *p)
{
  IdealAlg *a = state;
  IdealFlow *f = nat_binding_get_alg_data(p->binding);
  if (!f) {
    const NatTuple *t = nat_binding_tuple(p->binding);
    f = g_new0(IdealFlow, 1);
    f->sip = is_port(a, p->dir == NAT_DIR_OUT ? t->remote.port : t->external.port) ||
             is_port(a, t->internal.port);
    f->expects = g_ptr_array_new();
    f->expires = g_array_new(FALSE, FALSE, sizeof(SimTime));
    nat_binding_set_alg_data(p->binding, f, flow_free);
  }
  if (!f->sip || p->payload_len == 0)
    return NAT_ALG_PASS;
  nat_binding_set_timeout(p->binding, a->sip_timeout, p->now);
  /* Whole messages only (a stream reassembler is beyond a control ALG: TCP segments that do not
   * hold whole messages pass untouched). */
  Msg m = { p, 0, p->payload_len };
  while (m.off < p->payload_len) {
    m.len = p->payload_len - m.off;
    gssize body = lx_body_start(mbuf(&m), m.len);
    gsize moff, mlen;
    if (body < 0)
      break;
    guint clen = 0;
    if (lx_get_header(mbuf(&m), 0, m.len, LX_HDR_CONTENT_LENGTH, &moff, &mlen) > 0 && (gssize)moff < body)
      clen = lx_strtoul(mbuf(&m), moff, m.len, NULL);
    else if (p->proto == NET_PROTO_TCP)
      break;
    if (p->proto == NET_PROTO_TCP) {
      if ((gsize)body + clen > m.len)
        break;
      m.len = (gsize)body + clen;
    }
    handle_msg(a, f, &m);
    m.off += m.len;
    if (p->proto != NET_PROTO_TCP)
      break;
  }
  return NAT_ALG_PASS;
}

static gpointer
ideal_create(const Config *cfg, Nat *nat, GError **error)
{
  IdealAlg *a = g_new0(IdealAlg, 1);
  a->nat = nat;
  a->sip_timeout = SIM_S(cfg_int(cfg, "alg.ideal_sip_timeout_s"));
  a->media_timeout = SIM_S(cfg_int(cfg, "alg.ideal_media_timeout_s"));
  const char *text = cfg_str(cfg, "alg.ideal_helper_ports");
  g_auto(GStrv) parts = g_strsplit(text, ",", -1);
  for (guint i = 0; parts[i] && *text && g_ascii_strcasecmp(text, "none") != 0; i++) {
    char *end;
    long v = strtol(g_strstrip(parts[i]), &end, 10);
    if (*end || v < 1 || v > 65535 || a->n_ports >= G_N_ELEMENTS(a->ports)) {
      g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE,
                  "[alg] ideal_helper_ports: expected 'none' or up to 16 ports 1..65535 separated by "
                  "commas, got '%s'", text);
      g_free(a);
      return NULL;
    }
    a->ports[a->n_ports++] = (guint16)v;
  }
  return a;
}

static void
ideal_destroy(gpointer state)
{
  IdealAlg *a = state;
  if (a->streams)
    g_hash_table_unref(a->streams);
  g_free(a);
}

void
alg_ideal_set_release_on_hold(gpointer state)
{
  IdealAlg *a = state;
  a->release_on_hold = TRUE;
  a->streams = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
}

const AlgOps alg_ideal_ops = {
  .name = "ideal",
  .summary = "A correct ALG (control): Contact and SDP c=/o=/a=rtcp mapped with real ports, exact "
             "Content-Length, media pinholes from anywhere until BYE",
  .source = "RFC 3261, RFC 3581, RFC 4566; reference/linux-alg.md's failure list, avoided",
  .keys = alg_ideal_keys,
  .create = ideal_create,
  .destroy = ideal_destroy,
  .packet = ideal_packet,
};
