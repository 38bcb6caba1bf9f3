/* alg-mid-dialog-blocker.c — an ALG that lets calls set up but breaks the requests inside them:
 * every re-INVITE (an INVITE with a To tag, RFC 3261 §14) and every UPDATE (RFC 3311), in both
 * directions, is dropped (alg.mid_dialog_mode = drop) or has its To tag rewritten (mangle), so
 * the peer answers 481 (RFC 3261 §12.2.2).  Those are the session refreshes of RFC 4028: with
 * Session-Expires 90 the refresh goes at 45 s, and the call ends when it fails (481: at once,
 * §10) or when the other side's session expires (drop: 90 - 30 = 60 s after the last refresh).
 *
 * Source: the seed guide's "dropped calls after 30-60 seconds" and design.md §1 "ALG blocks or
 * mangles mid-dialog requests (re-INVITE/UPDATE session refresh)"; which requests a real router
 * blocks, and how it mangles them, is a hypothesis.
 */
#include "alg-edit.h"

const CfgKeyDef alg_mid_dialog_keys[] = {
  { "alg.mid_dialog_mode", CFG_ENUM, "", "drop", "drop|mangle",
    "mid-dialog-blocker ALG: drop re-INVITE and UPDATE, or mangle their To tag so the peer answers 481 "
    "(hypothesis for the guide's calls dropped after 30-60 s)." },
  { "alg.mid_dialog_sip_port", CFG_INT, "", "5060", "1..65535",
    "mid-dialog-blocker ALG: the UDP port whose traffic it treats as SIP." },
  { NULL },
};

typedef struct {
  gboolean mangle; /* alg.mid_dialog_mode = mangle */
  guint16 sip;     /* alg.mid_dialog_sip_port */
} MidDialogAlg;

/* The offset and length of the To header's tag value, FALSE if it has none. */
static gboolean
to_tag(const NatAlgPacket *p, gsize *off, gsize *len)
{
  gsize voff, vlen;
  if (!ae_header(p, "To", 't', 0, &voff, &vlen))
    return FALSE;
  gssize at = ae_find(p, voff, vlen, ";tag=");
  if (at < 0)
    return FALSE;
  const char *b = ae_buf(p);
  gsize s = (gsize)at + 5, e = s;
  while (e < voff + vlen && b[e] != ';' && b[e] != ' ' && b[e] != '>')
    e++;
  *off = s;
  *len = e - s;
  return e > s;
}

static NatAlgVerdict
mid_dialog_packet(gpointer state, NatAlgPacket *p)
{
  MidDialogAlg *a = state;
  if (!ae_is_sip_udp(p, a->sip))
    return NAT_ALG_PASS;
  gboolean reinvite = ae_is_request(p, "INVITE");
  if (!reinvite && !ae_is_request(p, "UPDATE"))
    return NAT_ALG_PASS;
  gsize off, len;
  if (!to_tag(p, &off, &len))
    return NAT_ALG_PASS; /* an initial INVITE: calls set up */
  const char *what = reinvite ? "re-INVITE" : "UPDATE";
  if (!a->mangle) {
    sim_trace("alg", "mid-dialog-blocker drop %s %s", what, p->dir == NAT_DIR_OUT ? "out" : "in");
    return NAT_ALG_DROP;
  }
  ae_replace(p, off, len, "alg0");
  sim_trace("alg", "mid-dialog-blocker mangle %s %s to-tag", what, p->dir == NAT_DIR_OUT ? "out" : "in");
  return NAT_ALG_PASS;
}

static gpointer
mid_dialog_create(const Config *cfg, Nat *nat, GError **error)
{
  (void)nat;
  (void)error;
  MidDialogAlg *a = g_new0(MidDialogAlg, 1);
  a->mangle = cfg_enum(cfg, "alg.mid_dialog_mode") == 1;
  a->sip = (guint16)cfg_int(cfg, "alg.mid_dialog_sip_port");
  return a;
}

const AlgOps alg_mid_dialog_blocker_ops = {
  .name = "mid-dialog-blocker",
  .summary = "Drops (or mangles the To tag of) re-INVITE and UPDATE: the session refresh fails and "
             "the call drops after 30-60 s (alg.mid_dialog_mode); seed guide, hypothesis",
  .source = "seed guide's dropped calls after 30-60 s (design.md §1); hypothesis for the mechanism",
  .keys = alg_mid_dialog_keys,
  .create = mid_dialog_create,
  .destroy = g_free,
  .packet = mid_dialog_packet,
};
