/* alg-proxy-style.c — the proxy-style CPE ALG of the ibc/sip-alg-detector trace: the router acts
 * like a half-proxy on UDP SIP.  On outgoing requests it inserts its own Via on top (sent-by: the
 * public address and the phone's mapped port; its branch derived from the phone's, so that
 * retransmissions and the ACK of a failed INVITE keep matching, RFC 3261 §17.2.3) and decrements
 * Max-Forwards (§16.6 step 3); in the SDP of outgoing messages it rewrites o= and c= to the public
 * address and every m= port to a public port it maps for the phone, opening a pinhole there for
 * RTP and RTCP (alg.proxy_media_port_base; the trace shows 4731 -> 7070, but our NAT maps the
 * phone's own outgoing RTP by port preservation, so a fixed base clashes with it: default 0); it re-pads
 * Content-Length to the new body length.  It leaves Contact private (so a PBX that trusts the
 * Contact cannot reach the phone), removes its own Via from incoming responses (§16.7 step 3),
 * and touches no TCP (SIP over TCP passes untouched, private SDP and all).
 *
 * Source: field-notes.md §4 A2, ibc/sip-alg-detector README trace (Via added, Max-Forwards 70 ->
 * 69, SDP o=/c= and m= 4731 -> 7070 rewritten, Contact private, Content-Length re-padded, UDP
 * only).  Pinhole lifetime and port choice beyond the trace's one example are assumptions.
 */
#include "alg-edit.h"

#include <stdlib.h>
#include <string.h>

const CfgKeyDef alg_proxy_style_keys[] = {
  { "alg.proxy_media_port_base", CFG_INT, "", "0", "0..65000",
    "proxy-style ALG (A2): first public port it maps SDP m= ports to, in steps of 2 (the ibc/sip-alg-detector "
    "trace shows 7070); 0 takes the phone's own media mapping, which the phone's outgoing RTP also uses." },
  { "alg.proxy_media_timeout_s", CFG_INT, "s", "3600", "1..",
    "proxy-style ALG (A2): lifetime of a media pinhole it opened (assumption: the trace does not show it)." },
  { "alg.proxy_sip_port", CFG_INT, "", "5060", "1..65535",
    "proxy-style ALG (A2): the UDP port whose traffic it treats as SIP (TCP is never touched)." },
  { NULL },
};

typedef struct {
  Nat *nat;             /* the NAT */
  guint16 base;         /* alg.proxy_media_port_base */
  SimTime media_life;   /* alg.proxy_media_timeout_s */
  guint16 sip;          /* alg.proxy_sip_port */
  guint next;           /* media streams mapped so far */
} ProxyAlg;

/* A media endpoint it mapped, kept in the signalling binding's ALG data (a table keyed by the
 * phone's "ip:port"), so that a re-INVITE or resume reuses the port while the pinhole lives and a
 * reboot (nat_flush) or the binding's expiry forgets it with the pinholes. */
typedef struct {
  guint16 ext;    /* public port */
  SimTime until;  /* the pinhole's end of life */
} ProxyMapped;

#define OUR_BRANCH "z9hG4bK-alg-"

/* The public port for the phone's media endpoint, opening RTP and RTCP pinholes the first time. */
static guint16
map_media(ProxyAlg *a, NatAlgPacket *p, guint32 phone, guint16 port)
{
  GHashTable *mapped = nat_binding_get_alg_data(p->binding);
  if (!mapped) {
    mapped = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    nat_binding_set_alg_data(p->binding, mapped, (GDestroyNotify)g_hash_table_unref);
  }
  char key[24];
  ae_fmt_endpoint(key, (SimAddr){ phone, port });
  ProxyMapped *known = g_hash_table_lookup(mapped, key);
  if (known && p->now < known->until)
    return known->ext;
  guint16 ext = 0;
  for (guint k = 0; k < 2; k++) {
    NatExpectParams ep = {
      .proto = NET_PROTO_UDP,
      .remote = { 0, 0 },
      .ext_port = k == 0 ? (a->base ? (guint16)(a->base + 2 * a->next) : 0) : (ext ? (guint16)(ext + 1) : 0),
      .target = { phone, (guint16)(port + k) },
      .lifetime = a->media_life,
      .single_use = FALSE,
      .owner = p->binding,
      .tag = "proxy-media",
    };
    NatExpect *e = nat_expect_add(a->nat, &ep, p->now, NULL);
    if (!e && k == 0) {
      ep.ext_port = 0; /* taken: let the NAT pick */
      e = nat_expect_add(a->nat, &ep, p->now, NULL);
    }
    if (k == 0 && e)
      ext = nat_expect_ext_port(e);
  }
  if (ext) {
    a->next++;
    ProxyMapped *m = g_new(ProxyMapped, 1);
    *m = (ProxyMapped){ ext, p->now + a->media_life };
    g_hash_table_replace(mapped, g_strdup(key), m);
  }
  return ext;
}

static void
rewrite_sdp(ProxyAlg *a, NatAlgPacket *p, const NatTuple *t)
{
  guint n = ae_sdp_replace_addr(p, 'o', t->internal.addr, t->external.addr);
  n += ae_sdp_replace_addr(p, 'c', t->internal.addr, t->external.addr);
  guint port;
  gsize off, len;
  for (guint m = 0; ae_sdp_media_port(p, m, &port, &off, &len); m++) {
    if (port == 0 || port > 65534)
      continue;
    guint16 ext = map_media(a, p, t->internal.addr, (guint16)port);
    if (!ext || ext == port)
      continue;
    char text[8];
    g_snprintf(text, sizeof text, "%u", ext);
    if (ae_replace(p, off, len, text)) {
      sim_trace("alg", "proxy-style m= %u -> %u", port, ext);
      n++;
    }
  }
  if (n)
    ae_fix_content_length(p);
}

/* Our Via on top and Max-Forwards - 1 (requests going out). */
static void
proxy_request(NatAlgPacket *p, const NatTuple *t)
{
  gsize off, len;
  if (!ae_header(p, "Via", 'v', 0, &off, &len))
    return;
  const char *b = ae_buf(p);
  gssize br = ae_find(p, off, len, ";branch=");
  g_autofree char *phone_branch = NULL;
  if (br >= 0) {
    gsize s = (gsize)br + 8, e = s;
    while (e < off + len && b[e] != ';' && b[e] != ',' && b[e] != ' ')
      e++;
    phone_branch = g_strndup(b + s, e - s);
  }
  const char *suffix = phone_branch && g_str_has_prefix(phone_branch, "z9hG4bK") ? phone_branch + 7 : "0";
  gsize line = off;
  while (line > 0 && b[line - 1] != '\n')
    line--;
  char pub[24];
  ae_fmt_endpoint(pub, t->external);
  g_autofree char *via = g_strdup_printf("Via: SIP/2.0/UDP %s;branch=" OUR_BRANCH "%s\r\n", pub, suffix);
  ae_replace(p, line, 0, via);
  if (ae_header(p, "Max-Forwards", 0, 0, &off, &len) && len > 0 && len < 6) {
    char num[8];
    memcpy(num, ae_buf(p) + off, len);
    num[len] = 0;
    long mf = strtol(num, NULL, 10);
    g_snprintf(num, sizeof num, "%ld", mf > 0 ? mf - 1 : 0);
    ae_replace(p, off, len, num);
  }
}

/* Remove our Via from the top of a response coming back. */
static void
strip_our_via(NatAlgPacket *p)
{
  gsize off, len;
  if (!ae_header(p, "Via", 'v', 0, &off, &len) || ae_find(p, off, len, ";branch=" OUR_BRANCH) < 0)
    return;
  const char *b = ae_buf(p);
  gsize line = off, end = off + len;
  while (line > 0 && b[line - 1] != '\n')
    line--;
  while (end < p->payload_len && b[end] != '\n')
    end++;
  if (end < p->payload_len)
    end++;
  ae_replace(p, line, end - line, "");
}

static NatAlgVerdict
proxy_packet(gpointer state, NatAlgPacket *p)
{
  ProxyAlg *a = state;
  if (!ae_is_sip_udp(p, a->sip)) /* UDP only: TCP passes untouched */
    return NAT_ALG_PASS;
  const NatTuple *t = nat_binding_tuple(p->binding);
  gboolean response = ae_is_response(p);
  if (p->dir == NAT_DIR_IN) {
    if (response)
      strip_our_via(p);
    return NAT_ALG_PASS;
  }
  if (!response)
    proxy_request(p, t);
  if (ae_body(p) >= 0)
    rewrite_sdp(a, p, t);
  return NAT_ALG_PASS;
}

static gpointer
proxy_create(const Config *cfg, Nat *nat, GError **error)
{
  (void)error;
  ProxyAlg *a = g_new0(ProxyAlg, 1);
  a->nat = nat;
  a->base = (guint16)cfg_int(cfg, "alg.proxy_media_port_base");
  a->media_life = SIM_S(cfg_int(cfg, "alg.proxy_media_timeout_s"));
  a->sip = (guint16)cfg_int(cfg, "alg.proxy_sip_port");
  return a;
}

const AlgOps alg_proxy_style_ops = {
  .name = "proxy-style",
  .summary = "Proxy-style CPE ALG (A2): own Via, Max-Forwards - 1, SDP o=/c= and m= port mapped with "
             "pinholes, Contact left private, Content-Length re-padded, UDP only (ibc/sip-alg-detector trace)",
  .source = "field-notes.md §4 A2: ibc/sip-alg-detector README trace",
  .keys = alg_proxy_style_keys,
  .create = proxy_create,
  .destroy = g_free,
  .packet = proxy_packet,
};
