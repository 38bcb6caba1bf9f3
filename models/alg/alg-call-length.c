/* alg-call-length.c — archetype A6 of field-notes §4, "call-length killer": the ALG ends a call
 * alg.max_call_s after its first INVITE, whatever the endpoints are doing.  Juniper's SIP ALG
 * "maximum-call-duration" (default 720 min) and D-Link's signal timeout (43200 s) tear the call's
 * state down; this box then forwards nothing more of the call — neither its SIP (same Call-ID,
 * so the hang-up's BYE is lost too) nor its media — and sends nothing itself.  Everything else is
 * the ideal ALG.
 */
#include "alg-arch-private.h"

const CfgKeyDef alg_call_length_keys[] = {
  { "alg.max_call_s", CFG_INT, "s", "43200", "1..",
    "Call length after which the call-length-killer ALG forwards nothing more of a call (Juniper "
    "maximum-call-duration 720 min; D-Link signal timeout 43200 s, field-notes §4 A6)." },
  { NULL },
};

/* One call the ALG saw start. */
typedef struct {
  SimTime start;   /* its first INVITE */
  gboolean killed; /* past alg.max_call_s */
} CallRec;

typedef struct {
  ArchBase base;      /* the ideal ALG */
  SimTime max_call;   /* alg.max_call_s */
  GHashTable *calls;  /* Call-ID -> CallRec* */
  GHashTable *media;  /* arch_ep_key of the phone's media -> its Call-ID (a copy) */
} CallLenAlg;

static gpointer
cl_create(const Config *cfg, Nat *nat, GError **error)
{
  CallLenAlg *a = g_new0(CallLenAlg, 1);
  a->max_call = SIM_S(cfg_int(cfg, "alg.max_call_s"));
  if (!arch_base_init(&a->base, cfg, nat, error)) {
    g_free(a);
    return NULL;
  }
  a->calls = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  a->media = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
  return a;
}

static void
cl_destroy(gpointer state)
{
  CallLenAlg *a = state;
  arch_base_clear(&a->base);
  g_hash_table_unref(a->calls);
  g_hash_table_unref(a->media);
  g_free(a);
}

/* Is the call past its allowed length?  Marks and traces it the first time. */
static gboolean
over(CallLenAlg *a, const char *cid, CallRec *c, SimTime now)
{
  if (!c->killed && now - c->start >= a->max_call) {
    c->killed = TRUE;
    sim_trace("alg", "call-length-killer ended call %s after %" G_GINT64_FORMAT " s", cid,
              (gint64)((now - c->start) / SIM_S(1)));
  }
  return c->killed;
}

static NatAlgVerdict
cl_packet(gpointer state, NatAlgPacket *p)
{
  CallLenAlg *a = state;
  const NatTuple *t = nat_binding_tuple(p->binding);
  if (p->payload_len > 0 && arch_is_sip(p)) {
    g_autofree char *cid = arch_call_id(p);
    if (!cid)
      return arch_base_packet(&a->base, p);
    CallRec *c = g_hash_table_lookup(a->calls, cid);
    if (!c && arch_starts(p, "INVITE ")) {
      c = g_new0(CallRec, 1);
      c->start = p->now;
      g_hash_table_insert(a->calls, g_strdup(cid), c);
    }
    if (c && over(a, cid, c, p->now))
      return NAT_ALG_DROP;
    guint16 port = c && p->dir == NAT_DIR_OUT ? arch_sdp_audio_port(p) : 0;
    for (guint k = 0; port && k < 2; k++) { /* RTP and RTCP (RFC 3550 §11) */
      guint64 key = arch_ep_key(t->internal.addr, (guint16)(port + k));
      g_hash_table_replace(a->media, g_memdup2(&key, sizeof key), g_strdup(cid));
    }
    return arch_base_packet(&a->base, p);
  }
  if (p->proto == NET_PROTO_UDP) {
    guint64 key = arch_ep_key(t->internal.addr, t->internal.port);
    const char *cid = g_hash_table_lookup(a->media, &key);
    CallRec *c = cid ? g_hash_table_lookup(a->calls, cid) : NULL;
    if (c && over(a, cid, c, p->now))
      return NAT_ALG_DROP;
  }
  return arch_base_packet(&a->base, p);
}

const AlgOps alg_call_length_killer_ops = {
  .name = "call-length-killer",
  .summary = "A6: ideal ALG that forwards nothing more of a call (SIP with its Call-ID, its media) "
             "alg.max_call_s after its INVITE",
  .source = "Juniper SIP ALG maximum-call-duration 720 min; D-Link signal timeout 43200 s "
            "(field-notes §4 A6)",
  .keys = alg_call_length_keys,
  .create = cl_create,
  .destroy = cl_destroy,
  .packet = cl_packet,
};
