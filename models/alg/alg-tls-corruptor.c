/* alg-tls-corruptor.c — hypothesis (seed guide, "most router implementations corrupt the packet,
 * alter the port number incorrectly, or block it outright" when SIP is encrypted): an ALG that
 * tries to parse SIP/TLS on alg.tls_port as text and "fixes" it, changing one byte of every TLS
 * record it sees at the start of a segment.  The TCP stream stays consistent (same length, the
 * checksum recomputed by nat_alg_mangle), so the damage surfaces at the TLS layer: the record's
 * MAC fails and the receiver closes with a bad_record_mac alert (RFC 8446 §5.2, RFC 5246 §7.2.2).
 * Plain SIP is handled correctly (the ideal ALG).
 */
#include "alg-arch-private.h"

extern const CfgKeyDef alg_tls_keys[];

static NatAlgVerdict
corruptor_packet(gpointer state, NatAlgPacket *p)
{
  ArchTls *a = state;
  if (!(p->proto == NET_PROTO_TCP && arch_flow_port(p, a->port)))
    return arch_base_packet(&a->base, p);
  const guint8 *b = p->pkt->data + p->payload_off;
  /* A TLS application_data record (type 23, legacy version 3.x, RFC 8446 §5.1) with a body: flip
   * the last byte of the first fragment in this segment (inside the MAC-protected ciphertext). */
  if (p->payload_len > 5 && b[0] == 23 && b[1] == 3) {
    gsize off = p->payload_len - 1;
    guint8 flipped = b[off] ^ 0x20;
    if (nat_alg_mangle(p, off, 1, &flipped, 1))
      sim_trace("alg", "tls-corruptor flipped a byte of a TLS record to port %u", a->port);
  }
  return NAT_ALG_PASS;
}

const AlgOps alg_tls_corruptor_ops = {
  .name = "tls-corruptor",
  .summary = "Hypothesis: plain SIP handled correctly, one byte of each TLS application-data record "
             "on alg.tls_port changed (the TLS peer closes with bad_record_mac)",
  .source = "hypothesis from the seed guide's \"corrupt the packet\" (reference/seed-guide.txt)",
  .keys = alg_tls_keys,
  .create = arch_tls_create,
  .destroy = arch_tls_destroy,
  .packet = corruptor_packet,
};
