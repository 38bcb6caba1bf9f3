/* alg-fragment-dropper.c — archetype A8 of field-notes §4, "fragment dropper": a box whose SIP
 * inspection refuses fragmented UDP, so a UDP INVITE bigger than one Ethernet frame (a long
 * Request-URI, many codecs, ICE candidates, an Authorization header) never arrives and the call
 * fails at Timer B.  Cisco BroadWorks KB and the sample report "Fragmented UDP traffic is blocked"
 * (field-notes §4 A8); Evaristesys' "SIP header diet".  RFC 3261 §18.1.1 is the cure the phone
 * can apply: a request within 200 bytes of the path MTU (or over 1300 bytes) goes over TCP, which
 * segments instead of fragmenting, and passes.
 *
 * The router reassembles fragments before NAT (router.fragments = reassemble, as Linux's
 * nf_defrag_ipv4), so the hook sees whole datagrams: a UDP datagram longer than
 * alg.fragment_mtu_bytes cannot have crossed an Ethernet of that MTU unfragmented, and is dropped.
 * Everything else is the ideal ALG.
 */
#include "alg-arch-private.h"

const CfgKeyDef alg_fragment_dropper_keys[] = {
  { "alg.fragment_mtu_bytes", CFG_INT, "bytes", "1500", "68..65535",
    "The fragment-dropper ALG drops UDP datagrams longer than this (they crossed a link of this "
    "MTU as fragments; Ethernet 1500, RFC 894)." },
  { NULL },
};

typedef struct {
  ArchBase base; /* the ideal ALG */
  guint mtu;     /* alg.fragment_mtu_bytes */
} FragDropper;

static gpointer
fd_create(const Config *cfg, Nat *nat, GError **error)
{
  FragDropper *a = g_new0(FragDropper, 1);
  a->mtu = (guint)cfg_int(cfg, "alg.fragment_mtu_bytes");
  if (!arch_base_init(&a->base, cfg, nat, error)) {
    g_free(a);
    return NULL;
  }
  return a;
}

static void
fd_destroy(gpointer state)
{
  FragDropper *a = state;
  arch_base_clear(&a->base);
  g_free(a);
}

static NatAlgVerdict
fd_packet(gpointer state, NatAlgPacket *p)
{
  FragDropper *a = state;
  if (p->proto == NET_PROTO_UDP && p->pkt->len > a->mtu) {
    sim_trace("alg", "fragment-dropper dropped a fragmented UDP datagram of %u bytes to port %u",
              (guint)p->pkt->len, nat_binding_tuple(p->binding)->remote.port);
    return NAT_ALG_DROP;
  }
  return arch_base_packet(&a->base, p);
}

const AlgOps alg_fragment_dropper_ops = {
  .name = "fragment-dropper",
  .summary = "A8: ideal ALG that drops fragmented UDP (datagrams over alg.fragment_mtu_bytes): a "
             "large UDP INVITE never arrives, over TCP it passes",
  .source = "Cisco BroadWorks KB; \"Fragmented UDP traffic is blocked\" report (field-notes §4 A8)",
  .keys = alg_fragment_dropper_keys,
  .create = fd_create,
  .destroy = fd_destroy,
  .packet = fd_packet,
};
