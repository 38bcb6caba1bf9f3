/* alg-register-mangler.c — an ALG that "normalises" the Request-URI of every outgoing REGISTER
 * to the address and port it is sent to (sip:pbx.example.net -> sip:203.0.113.10:5060) and, with
 * alg.register_mangle_to, the To URI's host too.  The phone computed its digest response over
 * the URI it wrote (RFC 2617 §3.2.2 digest-uri); the registrar checks that digest-uri names the
 * Request-URI (§3.2.2.5) and rejects the credentials with a new 401, again and again: the
 * registration fails, and an unregistered phone cannot make or receive calls.
 *
 * Source: design.md §1 "Failed registrations: ALG modifies REGISTER so the registrar rejects it
 * (digest auth over a rewritten URI)"; field-notes.md §4 A9 (a carrier ALG rewriting REGISTER).
 * The exact rewrite is a hypothesis.
 */
#include "alg-edit.h"

#include <string.h>

const CfgKeyDef alg_register_mangler_keys[] = {
  { "alg.register_mangle_to", CFG_BOOL, "", "false", NULL,
    "register-mangler ALG: also rewrite the To URI's host to the registrar's address (the AOR then "
    "names another domain; hypothesis)." },
  { "alg.register_mangler_sip_port", CFG_INT, "", "5060", "1..65535",
    "register-mangler ALG: the UDP port whose traffic it treats as SIP." },
  { NULL },
};

typedef struct {
  gboolean to;  /* alg.register_mangle_to */
  guint16 sip;  /* alg.register_mangler_sip_port */
} RegisterMangler;

/* The host[:port] part of a SIP URI starting at off (after "sip:" and any "user@"). */
static gboolean
uri_host(const NatAlgPacket *p, gsize off, gsize end, gsize *hoff, gsize *hlen)
{
  const char *b = ae_buf(p);
  gssize s = ae_find(p, off, end - off, "sip:");
  if (s < 0)
    return FALSE;
  gsize h = (gsize)s + 4, e = h;
  while (e < end && b[e] != ';' && b[e] != '>' && b[e] != ' ' && b[e] != '?') {
    if (b[e] == '@')
      h = e + 1;
    e++;
  }
  *hoff = h;
  *hlen = e - h;
  return e > h;
}

static NatAlgVerdict
register_mangler_packet(gpointer state, NatAlgPacket *p)
{
  RegisterMangler *a = state;
  if (p->dir != NAT_DIR_OUT || !ae_is_sip_udp(p, a->sip) || !ae_is_request(p, "REGISTER"))
    return NAT_ALG_PASS;
  const NatTuple *t = nat_binding_tuple(p->binding);
  char dst[24];
  ae_fmt_endpoint(dst, t->remote);
  const char *b = ae_buf(p);
  gsize eol = 0;
  while (eol < p->payload_len && b[eol] != '\r' && b[eol] != '\n')
    eol++;
  gsize hoff, hlen;
  if (uri_host(p, 0, eol, &hoff, &hlen) && (hlen != strlen(dst) || memcmp(b + hoff, dst, hlen) != 0)) {
    ae_replace(p, hoff, hlen, dst);
    sim_trace("alg", "register-mangler request-uri -> sip:%s", dst);
  }
  gsize voff, vlen;
  if (a->to && ae_header(p, "To", 't', 0, &voff, &vlen) && uri_host(p, voff, voff + vlen, &hoff, &hlen)) {
    char ip[16];
    ae_replace(p, hoff, hlen, sim_addr_format(t->remote.addr, ip));
  }
  return NAT_ALG_PASS;
}

static gpointer
register_mangler_create(const Config *cfg, Nat *nat, GError **error)
{
  (void)nat;
  (void)error;
  RegisterMangler *a = g_new0(RegisterMangler, 1);
  a->to = cfg_bool(cfg, "alg.register_mangle_to");
  a->sip = (guint16)cfg_int(cfg, "alg.register_mangler_sip_port");
  return a;
}

const AlgOps alg_register_mangler_ops = {
  .name = "register-mangler",
  .summary = "Rewrites the REGISTER Request-URI (and optionally To) to the registrar's address: the "
             "digest no longer matches, 401 loop, registration fails; design.md §1, hypothesis",
  .source = "design.md §1 failed registrations (digest auth over a rewritten URI); hypothesis for "
            "the exact rewrite",
  .keys = alg_register_mangler_keys,
  .create = register_mangler_create,
  .destroy = g_free,
  .packet = register_mangler_packet,
};
