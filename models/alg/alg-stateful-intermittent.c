/* alg-stateful-intermittent.c — hypothesis for the seed guide's "SIP ALG behavior can vary based
 * on NAT table state, making problems appear randomly and disappear on router reboot — until the
 * next call" (reference/seed-guide.txt): an ALG whose per-flow state goes bad with use.  It keeps,
 * per signalling binding (one conntrack entry, kept alive by the phone's keepalives), the calls it
 * has seen and the binding's age; once the binding has carried alg.intermittent_calls calls, or is
 * older than alg.intermittent_after_s, it drops the INVITEs of every new call on it (the setup
 * times out, Timer B).  A reboot (router.reboot_at_s) flushes the bindings, and with them the bad
 * state: the next call works again.  Everything else is the ideal ALG.
 */
#include "alg-arch-private.h"

const CfgKeyDef alg_intermittent_keys[] = {
  { "alg.intermittent_calls", CFG_INT, "calls", "3", "0..",
    "Calls one signalling binding carries before the stateful-intermittent ALG drops the INVITEs "
    "of new calls on it; 0 for no limit (hypothesis)." },
  { "alg.intermittent_after_s", CFG_INT, "s", "0", "0..",
    "Age of a signalling binding after which the stateful-intermittent ALG drops the INVITEs of "
    "new calls on it; 0 for no limit (hypothesis)." },
  { NULL },
};

enum { CALL_GOOD = 1, CALL_BAD = 2 }; /* the verdict kept for each Call-ID */

/* What the ALG remembers of one signalling binding. */
typedef struct {
  SimTime born;      /* first packet seen */
  GHashTable *calls; /* Call-ID of each INVITE it carried -> CALL_GOOD or CALL_BAD */
  guint good;        /* calls admitted before it went bad */
} FlowRec;

typedef struct {
  ArchBase base;       /* the ideal ALG */
  guint max_calls;     /* alg.intermittent_calls */
  SimTime max_age;     /* alg.intermittent_after_s */
  GHashTable *flows;   /* binding id -> FlowRec* */
} InterAlg;

static void
flow_rec_free(gpointer p)
{
  FlowRec *f = p;
  g_hash_table_unref(f->calls);
  g_free(f);
}

static gpointer
inter_create(const Config *cfg, Nat *nat, GError **error)
{
  InterAlg *a = g_new0(InterAlg, 1);
  a->max_calls = (guint)cfg_int(cfg, "alg.intermittent_calls");
  a->max_age = SIM_S(cfg_int(cfg, "alg.intermittent_after_s"));
  if (!arch_base_init(&a->base, cfg, nat, error)) {
    g_free(a);
    return NULL;
  }
  a->flows = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, flow_rec_free);
  return a;
}

static void
inter_destroy(gpointer state)
{
  InterAlg *a = state;
  arch_base_clear(&a->base);
  g_hash_table_unref(a->flows);
  g_free(a);
}

/* Forget bindings that are gone (expired, flushed by a reboot). */
static gboolean
gone(gpointer key, gpointer value, gpointer nat)
{
  (void)value;
  return nat_binding_find(nat, *(const guint64 *)key) == NULL;
}

static NatAlgVerdict
inter_packet(gpointer state, NatAlgPacket *p)
{
  InterAlg *a = state;
  if (!(p->payload_len > 0 && arch_is_sip(p)))
    return arch_base_packet(&a->base, p);
  guint64 id = nat_binding_id(p->binding);
  FlowRec *f = g_hash_table_lookup(a->flows, &id);
  if (!f) {
    if (g_hash_table_size(a->flows) >= 64)
      g_hash_table_foreach_remove(a->flows, gone, a->base.nat);
    f = g_new0(FlowRec, 1);
    f->born = p->now;
    f->calls = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_hash_table_insert(a->flows, g_memdup2(&id, sizeof id), f);
  }
  g_autofree char *cid = arch_starts(p, "INVITE ") ? arch_call_id(p) : NULL;
  if (!cid)
    return arch_base_packet(&a->base, p);
  gpointer verdict = g_hash_table_lookup(f->calls, cid);
  if (!verdict) {
    gboolean bad = (a->max_calls && f->good >= a->max_calls) ||
                   (a->max_age && p->now - f->born >= a->max_age);
    verdict = GINT_TO_POINTER(bad ? CALL_BAD : CALL_GOOD);
    g_hash_table_insert(f->calls, g_strdup(cid), verdict);
    if (!bad)
      f->good++;
    else
      sim_trace("alg", "stateful-intermittent: binding %" G_GUINT64_FORMAT " went bad after %u calls, "
                "%" G_GINT64_FORMAT " s; dropping call %s", id, f->good,
                (gint64)((p->now - f->born) / SIM_S(1)), cid);
  }
  /* Re-INVITEs and retransmissions follow their call's first verdict. */
  if (GPOINTER_TO_INT(verdict) == CALL_BAD)
    return NAT_ALG_DROP;
  return arch_base_packet(&a->base, p);
}

const AlgOps alg_stateful_intermittent_ops = {
  .name = "stateful-intermittent",
  .summary = "Hypothesis: ideal ALG whose per-binding state goes bad after alg.intermittent_calls "
             "calls or alg.intermittent_after_s s (new INVITEs dropped) until a reboot",
  .source = "hypothesis from the seed guide's \"intermittent ... disappear on router reboot\" "
            "(reference/seed-guide.txt)",
  .keys = alg_intermittent_keys,
  .create = inter_create,
  .destroy = inter_destroy,
  .packet = inter_packet,
};
