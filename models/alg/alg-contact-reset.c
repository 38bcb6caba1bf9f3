/* alg-contact-reset.c — an ALG that "resets the Contact header to the wrong value": every Contact
 * naming the phone in outgoing SIP becomes the router's public address with port
 * alg.contact_reset_port, which the NAT has not mapped (the phone's mapping uses another port);
 * incoming Contacts naming that value are turned back into the phone's own, so the phone still
 * finds its binding in the 200 to REGISTER (RFC 3261 §10.2.4) and does not notice.  A registrar
 * that trusts the Contact (RFC 3261 §10.3, no NAT fix-up) sends inbound INVITEs there and the NAT
 * drops them: inbound calls fail while outbound calls work.  A NAT-aware registrar that uses the
 * REGISTER's source flow (Kamailio fix_nated_register) is not fooled.
 *
 * Source: the seed guide's "reset the contact header to the wrong value"; the port chosen is a
 * hypothesis.
 */
#include "alg-edit.h"

const CfgKeyDef alg_contact_reset_keys[] = {
  { "alg.contact_reset_port", CFG_INT, "", "5070", "1..65535",
    "contact-reset ALG: the port written into Contact with the public address; it must not be the "
    "phone's mapped port (hypothesis for the guide's wrong Contact)." },
  { "alg.contact_reset_sip_port", CFG_INT, "", "5060", "1..65535",
    "contact-reset ALG: the UDP port whose traffic it treats as SIP." },
  { NULL },
};

typedef struct {
  guint16 port; /* alg.contact_reset_port */
  guint16 sip;  /* alg.contact_reset_sip_port */
} ContactReset;

static NatAlgVerdict
contact_reset_packet(gpointer state, NatAlgPacket *p)
{
  ContactReset *a = state;
  if (!ae_is_sip_udp(p, a->sip))
    return NAT_ALG_PASS;
  const NatTuple *t = nat_binding_tuple(p->binding);
  char priv[24], wrong[24];
  ae_fmt_endpoint(priv, t->internal);
  ae_fmt_endpoint(wrong, (SimAddr){ t->external.addr, a->port });
  guint n = p->dir == NAT_DIR_OUT ? ae_replace_in_headers(p, "Contact", 'm', priv, wrong)
                                  : ae_replace_in_headers(p, "Contact", 'm', wrong, priv);
  if (n)
    sim_trace("alg", "contact-reset contact %s -> %s", p->dir == NAT_DIR_OUT ? priv : wrong,
              p->dir == NAT_DIR_OUT ? wrong : priv);
  return NAT_ALG_PASS;
}

static gpointer
contact_reset_create(const Config *cfg, Nat *nat, GError **error)
{
  (void)nat;
  (void)error;
  ContactReset *a = g_new0(ContactReset, 1);
  a->port = (guint16)cfg_int(cfg, "alg.contact_reset_port");
  a->sip = (guint16)cfg_int(cfg, "alg.contact_reset_sip_port");
  return a;
}

const AlgOps alg_contact_reset_ops = {
  .name = "contact-reset",
  .summary = "Rewrites Contact to the public address with a port that maps to nothing "
             "(alg.contact_reset_port): a Contact-trusting PBX cannot call the phone; seed guide, hypothesis",
  .source = "seed guide's \"reset the contact header to the wrong value\"; hypothesis for the port",
  .keys = alg_contact_reset_keys,
  .create = contact_reset_create,
  .destroy = g_free,
  .packet = contact_reset_packet,
};
