/* alg-media-inactivity.c — archetype A5 of field-notes §4, "media-inactivity closer": the ALG
 * closes a call's media pinhole after alg.media_inactivity_s (120 s) with no media coming in, but
 * does not tear the call down, and does not reopen it for the same call.  Juniper's SIP ALG
 * "inactive-media-timeout" (default 120 s) and D-Link's data-channel timeout behave so (field-notes
 * §4 A5).  A call held longer than that (the far end stops sending, RFC 3264 §8.4) hears nothing
 * after the resume.  Everything else is the ideal ALG.
 *
 * The phone's media endpoint is learnt from the m=audio port of the SDP it sends; the inbound
 * direction to that endpoint and to its RTCP port + 1 is the pinhole that idles: RTP or RTCP
 * coming in keeps it open ("no RTP/RTCP", field-notes §4 A5).
 */
#include "alg-arch-private.h"

#include <string.h>

const CfgKeyDef alg_media_inactivity_keys[] = {
  { "alg.media_inactivity_s", CFG_INT, "s", "120", "1..",
    "Silence after which the media-inactivity-closer ALG closes a call's inbound media pinhole "
    "(Juniper inactive-media-timeout default 120 s, field-notes §4 A5)." },
  { NULL },
};

/* One media endpoint of the phone. */
typedef struct {
  char *call_id;    /* the call whose SDP named it */
  SimTime last_in;  /* last inbound media (or when the SDP named it) */
  gboolean closed;  /* the pinhole was closed */
} MediaEp;

typedef struct {
  ArchBase base;       /* the ideal ALG */
  SimTime idle;        /* alg.media_inactivity_s */
  GHashTable *media;   /* arch_ep_key of the RTP endpoint -> MediaEp* */
} InactAlg;

static void
media_free(gpointer p)
{
  MediaEp *m = p;
  g_free(m->call_id);
  g_free(m);
}

static gpointer
inact_create(const Config *cfg, Nat *nat, GError **error)
{
  InactAlg *a = g_new0(InactAlg, 1);
  a->idle = SIM_S(cfg_int(cfg, "alg.media_inactivity_s"));
  if (!arch_base_init(&a->base, cfg, nat, error)) {
    g_free(a);
    return NULL;
  }
  a->media = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, media_free);
  return a;
}

static void
inact_destroy(gpointer state)
{
  InactAlg *a = state;
  arch_base_clear(&a->base);
  g_hash_table_unref(a->media);
  g_free(a);
}

/* The SDP of call `cid` names phone:port: a new call's stream starts open.  One entry per stream,
 * keyed by its RTP port: RTCP (port + 1, RFC 3550 §11) counts as activity of the same stream. */
static void
learn(InactAlg *a, guint32 phone, guint16 port, const char *cid, SimTime now)
{
  guint64 key = arch_ep_key(phone, port);
  MediaEp *m = g_hash_table_lookup(a->media, &key);
  if (m && g_strcmp0(m->call_id, cid) == 0)
    return; /* a re-INVITE of the same call does not reopen a closed pinhole */
  m = g_new0(MediaEp, 1);
  m->call_id = g_strdup(cid);
  m->last_in = now;
  g_hash_table_replace(a->media, g_memdup2(&key, sizeof key), m);
}

/* The stream phone:port belongs to, as its RTP or its RTCP port. */
static MediaEp *
find_stream(InactAlg *a, guint32 phone, guint16 port)
{
  guint64 key = arch_ep_key(phone, port);
  MediaEp *m = g_hash_table_lookup(a->media, &key);
  if (!m && port > 0) {
    key = arch_ep_key(phone, (guint16)(port - 1));
    m = g_hash_table_lookup(a->media, &key);
  }
  return m;
}

static NatAlgVerdict
inact_packet(gpointer state, NatAlgPacket *p)
{
  InactAlg *a = state;
  const NatTuple *t = nat_binding_tuple(p->binding);
  if (p->proto == NET_PROTO_UDP && p->dir == NAT_DIR_IN) {
    MediaEp *m = find_stream(a, t->internal.addr, t->internal.port);
    if (m) {
      if (!m->closed && p->now - m->last_in > a->idle) {
        m->closed = TRUE;
        sim_trace("alg", "media-inactivity-closer closed the pinhole to port %u after %" G_GINT64_FORMAT
                  " s without media", t->internal.port, (gint64)((p->now - m->last_in) / SIM_S(1)));
      }
      if (m->closed)
        return NAT_ALG_DROP;
      m->last_in = p->now;
      return NAT_ALG_PASS;
    }
  }
  if (p->dir == NAT_DIR_OUT && p->payload_len > 0 && arch_is_sip(p)) {
    guint16 port = arch_sdp_audio_port(p);
    g_autofree char *cid = arch_call_id(p);
    if (port && cid)
      learn(a, t->internal.addr, port, cid, p->now);
  }
  return arch_base_packet(&a->base, p);
}

const AlgOps alg_media_inactivity_closer_ops = {
  .name = "media-inactivity-closer",
  .summary = "A5: ideal ALG whose inbound media pinhole closes after alg.media_inactivity_s without "
             "media and stays closed for the call (hold > 120 s => no audio in after resume)",
  .source = "Juniper SIP ALG inactive-media-timeout; D-Link data-channel timeout (field-notes §4 A5)",
  .keys = alg_media_inactivity_keys,
  .create = inact_create,
  .destroy = inact_destroy,
  .packet = inact_packet,
};
