/* alg-tls-reporter.c — hypothesis (seed guide: SIP ALGs that meet encrypted SIP "alter the port
 * number incorrectly"): the ALG "re-ports" the phone's connection to alg.tls_port, rewriting the
 * destination port of the outbound SYN to alg.tls_wrong_port.  Only the SYN is touched, which is
 * the faithful way to re-port a TCP stream without breaking TCP itself: the server answers (SYN-ACK
 * or RST, RFC 9293 §3.10.7.1) from the wrong port, which the NAT has no binding for and drops
 * (RFC 5382 REQ-4 filtering), so the phone's connection attempt times out as if blocked — but the
 * trace shows packets arriving at the server's other port.  Plain SIP is handled correctly.
 */
#include "alg-arch-private.h"

const CfgKeyDef alg_tls_reporter_keys[] = {
  { "alg.tls_wrong_port", CFG_INT, "", "5060", "1..65535",
    "The port the tls-reporter ALG wrongly rewrites SIP/TLS connection attempts to (hypothesis)." },
  { NULL },
};

static NatAlgVerdict
reporter_packet(gpointer state, NatAlgPacket *p)
{
  ArchTls *a = state;
  if (!(p->proto == NET_PROTO_TCP && arch_flow_port(p, a->port)))
    return arch_base_packet(&a->base, p);
  guint8 *tcp = p->pkt->data + p->l4_off;
  gboolean syn_only = p->l4_off + 14 <= p->pkt->len && (tcp[13] & 0x12) == 0x02; /* SYN, no ACK */
  if (p->dir == NAT_DIR_OUT && syn_only && ((tcp[2] << 8) | tcp[3]) == a->port) {
    tcp[2] = (guint8)(a->wrong >> 8); /* destination port (RFC 9293 §3.1) */
    tcp[3] = (guint8)(a->wrong & 0xff);
    nat_alg_fix_packet(p);
    sim_trace("alg", "tls-reporter rewrote a SYN's destination port %u -> %u", a->port, a->wrong);
  }
  return NAT_ALG_PASS;
}

const AlgOps alg_tls_reporter_ops = {
  .name = "tls-reporter",
  .summary = "Hypothesis: plain SIP handled correctly, SYNs to alg.tls_port re-ported to "
             "alg.tls_wrong_port (the answer comes from a port the NAT drops)",
  .source = "hypothesis from the seed guide's \"alter the port number incorrectly\" "
            "(reference/seed-guide.txt)",
  .keys = alg_tls_reporter_keys,
  .create = arch_tls_create,
  .destroy = arch_tls_destroy,
  .packet = reporter_packet,
};
