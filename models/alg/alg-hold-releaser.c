/* alg-hold-releaser.c — archetype A4 of field-notes §4, "hold releaser": when a call goes on hold
 * the ALG frees the media stream's pinholes and NAT translations; when it resumes, the resume's
 * SDP is translated afresh onto a *new* public port, though the phone's SDP did not change.  A far
 * end that keeps the media address of the call's first SDP (pbx.reinvite_media = keep) and does
 * not latch goes on sending to the old port, which now maps to nothing: after the resume the
 * phone hears nothing (one-way audio).  A far end that adopts the re-INVITE's SDP (RFC 3264 §8.3.1)
 * or re-latches onto the new source port (handover) is unaffected.
 *
 * Source: Juniper's SIP ALG "retain-hold-resource" option, whose default releases the resources
 * of a held call (field-notes §4 A4).  Everything else is the ideal ALG (alg-ideal.c, which holds
 * the mechanism: the stream table and the new port, pinned for the phone's outbound RTP too).
 */
#include "alg-arch-private.h"

static gpointer
hold_create(const Config *cfg, Nat *nat, GError **error)
{
  ArchBase *b = g_new0(ArchBase, 1);
  if (!arch_base_init(b, cfg, nat, error)) {
    g_free(b);
    return NULL;
  }
  alg_ideal_set_release_on_hold(b->ideal);
  return b;
}

static void
hold_destroy(gpointer state)
{
  arch_base_clear(state);
  g_free(state);
}

static NatAlgVerdict
hold_packet(gpointer state, NatAlgPacket *p)
{
  return arch_base_packet(state, p);
}

const AlgOps alg_hold_releaser_ops = {
  .name = "hold-releaser",
  .summary = "A4: ideal ALG that frees a held call's media translations and gives the resume a new "
             "public port with the SDP otherwise unchanged (one-way after resume if the far end "
             "keeps the old SDP)",
  .source = "Juniper SIP ALG retain-hold-resource (field-notes §4 A4)",
  .create = hold_create,
  .destroy = hold_destroy,
  .packet = hold_packet,
};
