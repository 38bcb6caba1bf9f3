/* alg-tls-blocker.c — hypothesis (seed guide: SIP ALGs that meet encrypted SIP "block it
 * outright"): every TCP segment of a flow on alg.tls_port is dropped, the SYN first, so the phone's
 * TLS connection never opens (its SYN retransmissions time out, RFC 6298 §5) and it cannot
 * register.  Plain SIP is handled correctly (the ideal ALG).
 */
#include "alg-arch-private.h"

extern const CfgKeyDef alg_tls_keys[];

static NatAlgVerdict
blocker_packet(gpointer state, NatAlgPacket *p)
{
  ArchTls *a = state;
  if (p->proto == NET_PROTO_TCP && arch_flow_port(p, a->port))
    return NAT_ALG_DROP;
  return arch_base_packet(&a->base, p);
}

const AlgOps alg_tls_blocker_ops = {
  .name = "tls-blocker",
  .summary = "Hypothesis: plain SIP handled correctly, every TCP segment on alg.tls_port dropped "
             "(the TLS connection never opens)",
  .source = "hypothesis from the seed guide's \"block it outright\" (reference/seed-guide.txt)",
  .keys = alg_tls_keys,
  .create = arch_tls_create,
  .destroy = arch_tls_destroy,
  .packet = blocker_packet,
};
