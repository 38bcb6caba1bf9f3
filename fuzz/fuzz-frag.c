/* fuzz-frag.c — fuzz target for IPv4 reassembly (models/net/frag.c): the input is a sequence of
 * fragments.
 *
 * Byte 0 chooses the overlap policy and the table size.  Then records follow, each
 * [ctl][a][b][c][d][len][data...]: with ctl bit 7 clear the record describes a fragment that the
 * target builds with a correct header (datagram id ctl & 3, offset (a << 8 | b) & 0x1fff in
 * 8-byte units, MF = c & 1, DF = c & 2, protocol UDP or d, `len` bytes of data, an IP option when
 * c & 4), so that the fuzzer reaches the hole and overlap logic quickly; with bit 7 set the
 * record's data is a raw packet.  Bits 4-6 of ctl advance the clock by that many times 10 s, past
 * the 30 s reassembly timer.  A completed datagram must parse, not be a fragment, be exactly as
 * long as its header says and, when reassembled, carry a correct header checksum.  For datagrams
 * made only of structured records a shadow copy predicts the reassembled payload: each accepted
 * fragment writes its bytes (an exact duplicate is ignored, Linux IPFRAG_DUP; with overlaps
 * accepted later data wins, RFC 815), and a drop or a timeout forgets the datagram.
 */
#include <string.h>

#include "net/frag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_SRC 0xc0a80132u
#define FZ_DST 0xcb00710au
#define FZ_ID 0x1234

/* What a datagram of structured records should reassemble to. */
typedef struct {
  guint8 data[IPV4_MAX_LEN]; /* payload bytes written so far */
  GArray *ranges;            /* guint32 pairs [first, last] accepted */
  gboolean tainted;          /* a raw record may have touched it: no prediction */
} Shadow;

typedef struct {
  GHashTable *shadows; /* (id << 8 | proto) -> Shadow */
  guint n_expired;     /* datagrams timed out */
} State;

static void
shadow_free(gpointer p)
{
  Shadow *sh = p;
  g_array_unref(sh->ranges);
  g_free(sh);
}

static gpointer
shadow_key(guint16 id, guint8 proto)
{
  return GUINT_TO_POINTER(((guint)id << 8) | proto);
}

static Shadow *
shadow_get(State *st, guint16 id, guint8 proto)
{
  Shadow *sh = g_hash_table_lookup(st->shadows, shadow_key(id, proto));
  if (!sh) {
    sh = g_new0(Shadow, 1);
    sh->ranges = g_array_new(FALSE, FALSE, sizeof(guint32));
    g_hash_table_insert(st->shadows, shadow_key(id, proto), sh);
  }
  return sh;
}

static void
expired(void *ctx, const Ipv4Info *key, SimTime at, gboolean had_first)
{
  State *st = ctx;
  st->n_expired++;
  if (key->src == FZ_SRC && key->dst == FZ_DST)
    g_hash_table_remove(st->shadows, shadow_key(key->id, key->proto));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  guint max_pending = 1 + (data[0] >> 1) % 4;
  Reasm *r = reasm_new(max_pending, SIM_S(30),
                       (data[0] & 1) ? REASM_OVERLAP_ACCEPT : REASM_OVERLAP_DISCARD);
  State st = { g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, shadow_free), 0 };
  reasm_set_expired_cb(r, expired, &st);
  SimTime now = 0;
  gsize i = 1;
  guint8 pkt[IPV4_HDR_MAX + 256];
  while (i + 6 <= size) {
    const guint8 *rec = data + i;
    gsize len = MIN((gsize)rec[5], size - i - 6);
    const guint8 *body = rec + 6;
    i += 6 + len;
    now += SIM_S(10) * ((rec[0] >> 4) & 7);
    const guint8 *ip = body;
    gsize ip_len = len;
    if (!(rec[0] & 0x80)) {
      gsize hl = (rec[3] & 4) ? 24 : 20;
      memset(pkt, 0, hl);
      pkt[0] = (guint8)(0x40 | (hl / 4));
      net_put16(pkt + 2, (guint16)(hl + len));
      net_put16(pkt + 4, (guint16)(FZ_ID + (rec[0] & 3)));
      guint16 fl = (guint16)(((rec[1] << 8) | rec[2]) & 0x1fff);
      if (rec[3] & 1)
        fl |= 0x2000;
      if (rec[3] & 2)
        fl |= 0x4000;
      net_put16(pkt + 6, fl);
      pkt[8] = 64;
      pkt[9] = rec[4] ? rec[4] : NET_PROTO_UDP;
      net_put32(pkt + 12, FZ_SRC);
      net_put32(pkt + 16, FZ_DST);
      if (hl == 24)
        pkt[20] = 0x94, pkt[21] = 4; /* router alert, copied into every fragment */
      memcpy(pkt + hl, body, len);
      ipv4_set_header_checksum(pkt);
      ip = pkt;
      ip_len = hl + len;
    }
    /* Expire first, as reasm_add() does, so the shadow forgets timed-out datagrams in time. */
    reasm_expire(r, now);
    Ipv4Info h;
    gboolean parses = ipv4_parse(ip, ip_len, 0, &h) == 1;
    Shadow *sh = NULL;
    if (parses && h.src == FZ_SRC && h.dst == FZ_DST) {
      sh = shadow_get(&st, h.id, h.proto);
      if (rec[0] & 0x80)
        sh->tainted = TRUE;
    }
    NetBuf *out = NULL;
    const char *reason = NULL;
    int rc = reasm_add(r, ip, ip_len, now, &out, &reason);
    if (sh && ipv4_is_fragment(&h) && h.total_len > h.hdr_len) {
      if (rc == -1) {
        /* Dropped (overlap, inconsistent end, too big) or never held (table full). */
        g_hash_table_remove(st.shadows, shadow_key(h.id, h.proto));
        sh = NULL;
      } else {
        guint32 first = h.frag_off, last = (guint32)(h.frag_off + h.total_len - h.hdr_len - 1);
        gboolean dup = FALSE;
        for (guint k = 0; k + 1 < sh->ranges->len && !dup; k += 2)
          dup = g_array_index(sh->ranges, guint32, k) == first &&
                g_array_index(sh->ranges, guint32, k + 1) == last;
        if (!dup) {
          memcpy(sh->data + first, ip + h.hdr_len, last - first + 1);
          g_array_append_val(sh->ranges, first);
          g_array_append_val(sh->ranges, last);
        }
      }
    }
    g_assert(rc >= -1 && rc <= 1);
    g_assert((rc == -1) == (reason != NULL));
    g_assert((rc == 1) == (out != NULL));
    g_assert(reasm_pending(r) <= max_pending);
    if (out) {
      Ipv4Info w;
      g_assert(ipv4_parse(out->data, out->len, 0, &w) == 1);
      g_assert(!ipv4_is_fragment(&w));
      g_assert(w.total_len == out->len);
      /* A reassembled header is rewritten with a fresh checksum; a whole packet passes as is. */
      if (ipv4_is_fragment(&h)) {
        g_assert(ipv4_header_checksum_ok(out->data, w.hdr_len));
        if (sh && !sh->tainted)
          g_assert(memcmp(out->data + w.hdr_len, sh->data, w.total_len - w.hdr_len) == 0);
        g_hash_table_remove(st.shadows, shadow_key(h.id, h.proto));
      }
      netbuf_free(out);
    }
  }
  reasm_expire(r, now + SIM_S(31));
  g_assert(reasm_pending(r) == 0);
  reasm_free(r);
  g_hash_table_unref(st.shadows);
  return 0;
}
