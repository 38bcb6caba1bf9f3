/* alg-wrong-media-port.c — an ALG that rewrites the SDP of outgoing SIP correctly in its address
 * (c= and o= name the router's public address) but wrongly in its port: the m= port becomes the
 * phone's port plus alg.wrong_media_port_offset, a port with no mapping and no pinhole.  The far
 * end sends its RTP there and the NAT drops it: one-way audio, the phone hears nothing.
 *
 * Source: the seed guide's "one-way audio: the ALG rewrites the SDP media port wrongly" (design.md
 * §1); field-notes.md §4 A1/A2 show ALGs that do rewrite the m= port (nf_nat_sip when the port is
 * busy; the proxy-style CPE trace 4731 -> 7070).  A port rewritten to one that maps to nothing is
 * a hypothesis for the mechanism, not a captured trace.
 */
#include "alg-edit.h"

const CfgKeyDef alg_wrong_media_port_keys[] = {
  { "alg.wrong_media_port_offset", CFG_INT, "ports", "36000", "1..60000",
    "wrong-media-port ALG: added to the SDP m= port (4000 -> 40000), which then maps to nothing "
    "(hypothesis for the guide's one-way-audio mechanism)." },
  { "alg.wrong_media_sip_port", CFG_INT, "", "5060", "1..65535",
    "wrong-media-port ALG: the UDP port whose traffic it treats as SIP." },
  { NULL },
};

typedef struct {
  guint offset;   /* alg.wrong_media_port_offset */
  guint16 sip;    /* alg.wrong_media_sip_port */
} WrongMediaAlg;

static NatAlgVerdict
wrong_media_packet(gpointer state, NatAlgPacket *p)
{
  WrongMediaAlg *a = state;
  if (p->dir != NAT_DIR_OUT || !ae_is_sip_udp(p, a->sip) || ae_body(p) < 0)
    return NAT_ALG_PASS;
  const NatTuple *t = nat_binding_tuple(p->binding);
  /* The address right: c= and o= name the public address (RFC 4566 §5.7, §5.2). */
  guint n = ae_sdp_replace_addr(p, 'c', t->internal.addr, t->external.addr);
  n += ae_sdp_replace_addr(p, 'o', t->internal.addr, t->external.addr);
  /* The port wrong: every m= port moved by the offset, with no pinhole behind it. */
  guint port;
  gsize off, len;
  for (guint m = 0; ae_sdp_media_port(p, m, &port, &off, &len); m++) {
    if (port == 0)
      continue; /* a disabled stream (RFC 3264 §6) */
    char text[8];
    g_snprintf(text, sizeof text, "%u", (port + a->offset) % 65536);
    if (ae_replace(p, off, len, text)) {
      sim_trace("alg", "wrong-media-port m= %u -> %s (no mapping)", port, text);
      n++;
    }
  }
  if (n)
    ae_fix_content_length(p);
  return NAT_ALG_PASS;
}

static gpointer
wrong_media_create(const Config *cfg, Nat *nat, GError **error)
{
  (void)nat;
  (void)error;
  WrongMediaAlg *a = g_new0(WrongMediaAlg, 1);
  a->offset = (guint)cfg_int(cfg, "alg.wrong_media_port_offset");
  a->sip = (guint16)cfg_int(cfg, "alg.wrong_media_sip_port");
  return a;
}

const AlgOps alg_wrong_media_port_ops = {
  .name = "wrong-media-port",
  .summary = "Rewrites SDP c=/o= to the public address but the m= port to one with no mapping "
             "(alg.wrong_media_port_offset): one-way audio; seed guide, hypothesis for the mechanism",
  .source = "seed guide's one-way-audio claim (design.md §1); hypothesis for the mechanism",
  .keys = alg_wrong_media_port_keys,
  .create = wrong_media_create,
  .destroy = g_free,
  .packet = wrong_media_packet,
};
