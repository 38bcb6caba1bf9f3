/* engine-util.c — the engine's pure-C helpers: the error domain, IPv4 address text, and the
 * seeded random streams.
 *
 * Random streams follow the house rule that randomness comes from (seed, cell, replica, stream)
 * only, never from creation order: each GRand is seeded with the SHA-256 (GChecksum) of those four
 * numbers, so adding a model or reordering its construction never shifts another model's stream.
 */
#include "engine-private.h"

#include <string.h>

GQuark
sim_error_quark(void)
{
  return g_quark_from_static_string("sim-error-quark");
}

gboolean
sim_fail_internal(GError **error, SimError code, const char *fmt, ...)
{
  va_list ap;

  if (error == NULL)
    return FALSE;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error_literal(error, SIM_ERROR, code, msg);
  return FALSE;
}

gboolean
sim_link_params_check_internal(const SimLinkParams *p, GError **error)
{
  const char *what = "sim_link_new";
  guint32 mtu;

  if (p == NULL)
    return sim_fail_internal(error, SIM_ERROR_INVALID, "%s: params is NULL", what);
  if (p->rate_ab_bps == 0 || p->rate_ba_bps == 0)
    return sim_fail_internal(error, SIM_ERROR_INVALID, "%s: rates must be > 0 bit/s", what);
  if (p->delay < 0 || p->delay_ba < 0 || p->delay > SIM_S(3600) || p->delay_ba > SIM_S(3600))
    return sim_fail_internal(error, SIM_ERROR_INVALID, "%s: delays must be in 0 .. 3600 s", what);
  if (p->queue_a_pkts > 1000000 || p->queue_b_pkts > 1000000)
    return sim_fail_internal(error, SIM_ERROR_INVALID,
                             "%s: device queues hold at most 1000000 packets", what);
  mtu = p->mtu ? p->mtu : 1500;
  if (mtu < 68 || mtu > 65535) /* 68: the IPv4 minimum (RFC 791) */
    return sim_fail_internal(error, SIM_ERROR_INVALID, "%s: mtu %u not in 68 .. 65535", what,
                             mtu);
  /* Written so that NaN fails too. */
  if (!(p->loss_ab >= 0.0 && p->loss_ab <= 1.0) || !(p->loss_ba >= 0.0 && p->loss_ba <= 1.0))
    return sim_fail_internal(error, SIM_ERROR_INVALID,
                             "%s: loss probabilities must be in [0, 1]", what);
  /* Streams 1 .. 2^32-1; the b->a direction uses stream + 2^32, so the two directions never
   * share a stream.  0 is refused: it is what a forgotten field holds. */
  if ((p->loss_ab > 0.0 || p->loss_ba > 0.0) &&
      (p->loss_stream <= 0 || p->loss_stream >= G_GINT64_CONSTANT(1) << 32))
    return sim_fail_internal(error, SIM_ERROR_INVALID,
                             "%s: a lossy link needs loss_stream in 1 .. 2^32-1 "
                             "(SIM_STREAM_LINK_LOSS + link index)",
                             what);
  return TRUE;
}

guint32
sim_prefix_mask_internal(guint8 prefix_len)
{
  if (prefix_len == 0)
    return 0;
  return prefix_len >= 32 ? G_MAXUINT32 : G_MAXUINT32 << (32 - prefix_len);
}

static void
put_le64(guint8 *p, guint64 v)
{
  for (int i = 0; i < 8; i++)
    p[i] = (guint8)(v >> (8 * i));
}

void
sim_derive_digest_internal(const char *label, const SimWorldParams *world, guint64 stream,
                           guint8 out[32])
{
  guint8 buf[32];
  gsize len = 32;
  g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);

  g_checksum_update(sum, (const guchar *)label, (gssize)strlen(label) + 1);
  put_le64(buf, world->seed);
  put_le64(buf + 8, world->cell);
  put_le64(buf + 16, world->replica);
  put_le64(buf + 24, stream);
  g_checksum_update(sum, buf, sizeof buf);
  g_checksum_get_digest(sum, out, &len);
  g_assert(len == 32);
}

GRand *
sim_rand_new_for(const SimWorldParams *world, guint32 stream)
{
  guint8 digest[32];
  guint32 words[8];

  g_return_val_if_fail(world != NULL, NULL);
  sim_derive_digest_internal("algsim-rand", world, stream, digest);
  for (int i = 0; i < 8; i++)
    words[i] = (guint32)digest[4 * i] | (guint32)digest[4 * i + 1] << 8 |
               (guint32)digest[4 * i + 2] << 16 | (guint32)digest[4 * i + 3] << 24;
  return g_rand_new_with_seed_array(words, G_N_ELEMENTS(words));
}

GRand *
sim_rand_new(guint32 stream)
{
  const SimWorldParams *world = sim_world_params_internal();

  /* Outside a world there are no params to derive from: NULL, not a creation-order seed. */
  if (world == NULL)
    return NULL;
  return sim_rand_new_for(world, stream);
}

gboolean
sim_addr_parse(const char *text, guint32 *addr)
{
  guint32 value = 0;
  const char *p = text;

  if (text == NULL)
    return FALSE;
  /* Exactly four decimal octets 0..255 separated by dots, no spaces, no leading '+' or '-'. */
  for (int octet = 0; octet < 4; octet++) {
    guint v = 0;
    int digits = 0;

    while (*p >= '0' && *p <= '9') {
      v = v * 10 + (guint)(*p - '0');
      if (++digits > 3 || v > 255)
        return FALSE;
      p++;
    }
    if (digits == 0)
      return FALSE;
    value = value << 8 | v;
    if (octet < 3) {
      if (*p != '.')
        return FALSE;
      p++;
    }
  }
  if (*p != '\0')
    return FALSE;
  if (addr != NULL)
    *addr = value;
  return TRUE;
}

char *
sim_addr_format(guint32 addr, char buf[16])
{
  g_snprintf(buf, 16, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff,
             addr & 0xff);
  return buf;
}
