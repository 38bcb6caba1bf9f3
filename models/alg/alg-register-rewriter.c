/* alg-register-rewriter.c — an ALG that hides the NAT from the server: every Contact naming the
 * phone in outgoing SIP becomes the router's public address and the phone's mapped port, and the
 * Contacts of incoming SIP are turned back into the phone's own address (so the phone still
 * finds its binding in the 200 to REGISTER, RFC 3261 §10.2.4).  It opens no pinholes and does not
 * lengthen the signalling binding.  The registrar now sees a Contact equal to the REGISTER's
 * source — "not NATed" (Kamailio nat_uac_test) — so it sends no keepalive pings and forces no
 * short re-registration; unless the phone keeps the mapping alive itself, the NAT's UDP timer
 * (30-60 s on many routers) removes it and inbound calls find no binding, while outbound calls
 * still work.
 *
 * Source: field-notes.md §4 A3, voip-info "Routers SIP ALG" (copies: Lucid, ezyreseller,
 * shebangme): "the router rewrites the Contact to its public IP so the server thinks the phone is
 * not behind NAT and does not keep the binding alive".
 */
#include "alg-edit.h"

const CfgKeyDef alg_register_rewriter_keys[] = {
  { "alg.register_rewriter_sip_port", CFG_INT, "", "5060", "1..65535",
    "register-rewriter ALG (A3, voip-info \"Routers SIP ALG\"): the UDP port whose traffic it treats as SIP." },
  { NULL },
};

typedef struct {
  guint16 sip; /* alg.register_rewriter_sip_port */
} RegisterRewriter;

static NatAlgVerdict
register_rewriter_packet(gpointer state, NatAlgPacket *p)
{
  RegisterRewriter *a = state;
  if (!ae_is_sip_udp(p, a->sip))
    return NAT_ALG_PASS;
  const NatTuple *t = nat_binding_tuple(p->binding);
  char priv[24], pub[24];
  ae_fmt_endpoint(priv, t->internal);
  ae_fmt_endpoint(pub, t->external);
  guint n = p->dir == NAT_DIR_OUT ? ae_replace_in_headers(p, "Contact", 'm', priv, pub)
                                  : ae_replace_in_headers(p, "Contact", 'm', pub, priv);
  if (n)
    sim_trace("alg", "register-rewriter contact %s -> %s", p->dir == NAT_DIR_OUT ? priv : pub,
              p->dir == NAT_DIR_OUT ? pub : priv);
  return NAT_ALG_PASS;
}

static gpointer
register_rewriter_create(const Config *cfg, Nat *nat, GError **error)
{
  (void)nat;
  (void)error;
  RegisterRewriter *a = g_new0(RegisterRewriter, 1);
  a->sip = (guint16)cfg_int(cfg, "alg.register_rewriter_sip_port");
  return a;
}

const AlgOps alg_register_rewriter_ops = {
  .name = "register-rewriter",
  .summary = "Rewrites Contact to the public address and mapped port so the registrar sees no NAT: "
             "no server keepalive, the binding dies, inbound calls fail (A3, voip-info \"Routers SIP ALG\")",
  .source = "field-notes.md §4 A3: voip-info \"Routers SIP ALG\" (copies: Lucid, ezyreseller, shebangme)",
  .keys = alg_register_rewriter_keys,
  .create = register_rewriter_create,
  .destroy = g_free,
  .packet = register_rewriter_packet,
};
