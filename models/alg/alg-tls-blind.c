/* alg-tls-blind.c — archetype A7 of field-notes §4, "TLS-blind": a SIP ALG that handles plain SIP
 * correctly (the ideal ALG) but cannot read SIP over TLS, so a call signalled on 5061 passes
 * uninspected and gets no media pinholes.  Check Point's R80.20 VoIP guide: SIP over TLS is not
 * inspected and "requires that you open the media ports manually".  Behind address-and-port-
 * dependent filtering the far end's RTP then only gets in through the phone's own outbound RTP
 * (a latching far end), never to the private address a naive PBX reads from the SDP.
 *
 * The alg.tls_port key is shared by the four TLS archetypes (alg-tls-*.c).
 */
#include "alg-arch-private.h"

const CfgKeyDef alg_tls_keys[] = {
  { "alg.tls_port", CFG_INT, "", "5061", "1..65535",
    "The SIP-over-TLS port the TLS archetypes (tls-blind, tls-corruptor, tls-blocker, "
    "tls-reporter) act on (RFC 3261 §26.2: sips default 5061)." },
  { NULL },
};

static NatAlgVerdict
blind_packet(gpointer state, NatAlgPacket *p)
{
  ArchTls *a = state;
  /* Encrypted: nothing to read, nothing opened (Check Point R80.20). */
  if (p->proto == NET_PROTO_TCP && arch_flow_port(p, a->port))
    return NAT_ALG_PASS;
  return arch_base_packet(&a->base, p);
}

const AlgOps alg_tls_blind_ops = {
  .name = "tls-blind",
  .summary = "A7 TLS-blind: plain SIP handled correctly, SIP/TLS on alg.tls_port passed uninspected "
             "with no media pinholes",
  .source = "Check Point R80.20 VoIP guide (field-notes §4 A7): TLS not inspected, media ports "
            "must be opened by hand",
  .keys = alg_tls_keys,
  .create = arch_tls_create,
  .destroy = arch_tls_destroy,
  .packet = blind_packet,
};
