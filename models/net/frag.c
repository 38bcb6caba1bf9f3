/* frag.c — IPv4 fragmentation (RFC 791 §3.2, "Fragmentation and Reassembly") and reassembly with
 * RFC 815 hole descriptors.
 *
 * Fragmenting keeps the first fragment's full header and gives later fragments only the options
 * whose copy flag is set (RFC 791 §3.1), cuts the data in multiples of 8 bytes and refuses when DF
 * is set.  Reassembly follows RFC 815: a list of holes, each arriving fragment removes the holes
 * it covers and leaves the uncovered parts.  Overlaps are discarded (Linux since 4.19,
 * net/ipv4/inet_fragment.c inet_frag_queue_insert(): overlap => drop the queue, exact duplicate =>
 * drop only the duplicate) or accepted (RFC 815: later data overwrites).  The timer starts at the
 * first fragment and is not refreshed (Linux ip_frag_queue), 30 s by default (ipfrag_time).
 */
#include "frag.h"

#include <string.h>

/* ---- Fragmentation ----------------------------------------------------------------------------- */

/* Options whose copy flag (bit 7 of the type) is set go into every fragment (RFC 791 §3.1). */
static gsize
copied_options(const guint8 *ip, gsize hdr_len, guint8 out[40])
{
  gsize n = 0;
  gsize i = IPV4_HDR_MIN;
  while (i < hdr_len) {
    guint8 type = ip[i];
    if (type == 0)
      break;
    if (type == 1) {
      i++;
      continue;
    }
    if (i + 1 >= hdr_len)
      break;
    gsize olen = ip[i + 1];
    if (olen < 2 || i + olen > hdr_len)
      break;
    if (type & 0x80) {
      memcpy(out + n, ip + i, olen);
      n += olen;
    }
    i += olen;
  }
  while (n % 4) /* pad with end-of-options to a 32-bit boundary */
    out[n++] = 0;
  return n;
}

int
ipv4_fragment(const guint8 *ip, gsize len, guint mtu, GPtrArray *out)
{
  Ipv4Info h;
  if (mtu < 68 || ipv4_parse(ip, len, 0, &h) != 1)
    return -1;
  if (h.total_len <= mtu) {
    g_ptr_array_add(out, netbuf_new(ip, h.total_len, 0));
    return 1;
  }
  if (h.df)
    return 0;
  guint8 opts[40];
  gsize optlen = copied_options(ip, h.hdr_len, opts);
  gsize later_hl = IPV4_HDR_MIN + optlen;
  const guint8 *payload = ip + h.hdr_len;
  gsize plen = h.total_len - h.hdr_len;
  int n = 0;
  for (gsize off = 0; off < plen;) {
    gsize hl = off == 0 ? h.hdr_len : later_hl;
    gsize chunk = MIN(((mtu - hl) / 8) * 8, plen - off);
    gboolean last = off + chunk == plen;
    NetBuf *f = netbuf_new(NULL, 0, hl + chunk);
    if (off == 0) {
      memcpy(f->data, ip, hl);
    } else {
      memcpy(f->data, ip, IPV4_HDR_MIN);
      memcpy(f->data + IPV4_HDR_MIN, opts, optlen);
      f->data[0] = (guint8)(0x40 | (hl / 4));
    }
    memcpy(f->data + hl, payload + off, chunk);
    f->len = hl + chunk;
    net_put16(f->data + 2, (guint16)f->len);
    /* A fragment of a fragment keeps the original MF on its last piece (RFC 791 §3.2). */
    guint16 fl = (guint16)((h.frag_off + off) / 8);
    if (!last || h.mf)
      fl |= 0x2000;
    net_put16(f->data + 6, fl);
    ipv4_set_header_checksum(f->data);
    g_ptr_array_add(out, f);
    n++;
    off += chunk;
  }
  return n;
}

/* ---- Reassembly -------------------------------------------------------------------------------- */

#define HOLE_INF G_MAXUINT32

typedef struct {
  guint32 first; /* first byte of the hole */
  guint32 last;  /* last byte of the hole; HOLE_INF until the last fragment arrives */
} Hole;

typedef struct {
  guint32 src;  /* source address */
  guint32 dst;  /* destination address */
  guint16 id;   /* identification */
  guint8 proto; /* protocol */
  guint8 pad;   /* always 0, so the struct hashes as bytes */
} ReasmKey;

/* One datagram being reassembled.  Invariant: `holes` lists exactly the byte ranges not yet
 * received below `total` (or below infinity before the last fragment), and `ranges` lists the
 * fragments received, for overlap detection. */
typedef struct {
  ReasmKey key;        /* hash key */
  SimTime deadline;    /* first fragment's arrival + timeout */
  guint8 *data;        /* payload bytes at their offsets */
  gsize data_len;      /* bytes allocated for data */
  guint8 hdr[IPV4_HDR_MAX]; /* header of the offset-0 fragment */
  gsize hdr_len;       /* its length; 0 until it arrives */
  gboolean have_last;  /* the MF = 0 fragment arrived */
  guint32 total;       /* payload length, known once have_last */
  GArray *holes;       /* Hole, RFC 815 */
  GArray *ranges;      /* Hole-shaped ranges received */
  GList *link;         /* our node in Reasm.order */
} Pending;

struct Reasm {
  GHashTable *pending;   /* ReasmKey -> Pending */
  GQueue order;          /* Pending by creation time, hence by deadline */
  guint max_pending;     /* datagrams held at most */
  SimTime timeout;       /* reassembly timer */
  ReasmOverlap overlap;  /* overlap policy */
  ReasmExpiredFn expired_fn; /* told about timeouts */
  void *expired_ctx;     /* its context */
};

static guint
key_hash(gconstpointer k)
{
  const ReasmKey *key = k;
  return key->src * 2654435761u ^ key->dst * 40503u ^ ((guint)key->id << 8) ^ key->proto;
}

static gboolean
key_equal(gconstpointer a, gconstpointer b)
{
  return memcmp(a, b, sizeof(ReasmKey)) == 0;
}

static void
pending_free(gpointer p)
{
  Pending *d = p;
  g_free(d->data);
  g_array_unref(d->holes);
  g_array_unref(d->ranges);
  g_free(d);
}

Reasm *
reasm_new(guint max_pending, SimTime timeout, ReasmOverlap overlap)
{
  Reasm *r = g_new0(Reasm, 1);
  r->pending = g_hash_table_new_full(key_hash, key_equal, NULL, pending_free);
  g_queue_init(&r->order);
  r->max_pending = max_pending;
  r->timeout = timeout;
  r->overlap = overlap;
  return r;
}

void
reasm_clear(Reasm *r)
{
  g_queue_clear(&r->order);
  g_hash_table_remove_all(r->pending);
}

void
reasm_free(Reasm *r)
{
  if (!r)
    return;
  reasm_clear(r);
  g_hash_table_unref(r->pending);
  g_free(r);
}

void
reasm_set_expired_cb(Reasm *r, ReasmExpiredFn fn, void *ctx)
{
  r->expired_fn = fn;
  r->expired_ctx = ctx;
}

guint
reasm_pending(const Reasm *r)
{
  return g_hash_table_size(r->pending);
}

static void
drop_pending(Reasm *r, Pending *d)
{
  g_queue_delete_link(&r->order, d->link);
  g_hash_table_remove(r->pending, &d->key);
}

void
reasm_expire(Reasm *r, SimTime now)
{
  while (r->order.head) {
    Pending *d = r->order.head->data;
    if (d->deadline > now)
      break;
    if (r->expired_fn) {
      Ipv4Info k = { .src = d->key.src, .dst = d->key.dst, .id = d->key.id,
                     .proto = d->key.proto };
      r->expired_fn(r->expired_ctx, &k, d->deadline, d->hdr_len != 0);
    }
    drop_pending(r, d);
  }
}

/* RFC 815 steps 1-6 for the fragment [first, last]. */
static void
fill_holes(Pending *d, guint32 first, guint32 last, gboolean more)
{
  GArray *next = g_array_new(FALSE, FALSE, sizeof(Hole));
  for (guint i = 0; i < d->holes->len; i++) {
    Hole h = g_array_index(d->holes, Hole, i);
    if (first > h.last || last < h.first) {
      g_array_append_val(next, h);
      continue;
    }
    if (first > h.first) {
      Hole a = { h.first, first - 1 };
      g_array_append_val(next, a);
    }
    if (last < h.last && more) {
      Hole b = { last + 1, h.last };
      g_array_append_val(next, b);
    }
  }
  g_array_unref(d->holes);
  d->holes = next;
}

int
reasm_add(Reasm *r, const guint8 *ip, gsize len, SimTime now, NetBuf **out, const char **reason)
{
  *out = NULL;
  *reason = NULL;
  reasm_expire(r, now);
  Ipv4Info h;
  if (ipv4_parse(ip, len, 0, &h) != 1) {
    *reason = "reasm-malformed";
    return -1;
  }
  if (!ipv4_is_fragment(&h)) {
    *out = netbuf_new(ip, h.total_len, 0);
    return 1;
  }
  guint32 plen = (guint32)(h.total_len - h.hdr_len);
  if (plen == 0) {
    *reason = "reasm-malformed";
    return -1;
  }
  guint32 first = h.frag_off;
  guint32 last = first + plen - 1;
  ReasmKey key = { .src = h.src, .dst = h.dst, .id = h.id, .proto = h.proto };
  Pending *d = g_hash_table_lookup(r->pending, &key);
  if (!d) {
    if (g_hash_table_size(r->pending) >= r->max_pending) {
      *reason = "reasm-full";
      return -1;
    }
    d = g_new0(Pending, 1);
    d->key = key;
    d->deadline = now + r->timeout;
    d->holes = g_array_new(FALSE, FALSE, sizeof(Hole));
    d->ranges = g_array_new(FALSE, FALSE, sizeof(Hole));
    Hole all = { 0, HOLE_INF };
    g_array_append_val(d->holes, all);
    g_hash_table_insert(r->pending, &d->key, d);
    g_queue_push_tail(&r->order, d);
    d->link = r->order.tail;
  }
  /* Consistency of the end: one last fragment, and nothing beyond it. */
  gboolean bad = FALSE;
  if (!h.mf) {
    if (d->have_last && d->total != last + 1)
      bad = TRUE;
    for (guint i = 0; i < d->ranges->len && !bad; i++)
      if (g_array_index(d->ranges, Hole, i).last > last)
        bad = TRUE;
  } else if (d->have_last && last >= d->total) {
    bad = TRUE;
  }
  if (bad) {
    drop_pending(r, d);
    *reason = "reasm-malformed";
    return -1;
  }
  for (guint i = 0; i < d->ranges->len; i++) {
    Hole g = g_array_index(d->ranges, Hole, i);
    if (first > g.last || last < g.first)
      continue;
    if (first == g.first && last == g.last)
      return 0; /* an exact duplicate: ignore it, keep the datagram (Linux IPFRAG_DUP) */
    if (r->overlap == REASM_OVERLAP_DISCARD) {
      drop_pending(r, d);
      *reason = "reasm-overlap";
      return -1;
    }
  }
  if (last + 1 > d->data_len) {
    gsize n = MAX((gsize)last + 1, d->data_len * 2);
    n = MIN(n, (gsize)IPV4_MAX_LEN);
    d->data = g_realloc(d->data, n);
    d->data_len = n;
  }
  memcpy(d->data + first, ip + h.hdr_len, plen);
  if (first == 0) {
    memcpy(d->hdr, ip, h.hdr_len);
    d->hdr_len = h.hdr_len;
  }
  if (!h.mf) {
    d->have_last = TRUE;
    d->total = last + 1;
  }
  Hole got = { first, last };
  g_array_append_val(d->ranges, got);
  fill_holes(d, first, last, h.mf);
  if (d->holes->len > 0 || !d->hdr_len || !d->have_last)
    return 0;
  gsize total = d->hdr_len + d->total;
  if (total > IPV4_MAX_LEN) {
    drop_pending(r, d);
    *reason = "reasm-too-big";
    return -1;
  }
  NetBuf *b = netbuf_new(NULL, 0, total);
  memcpy(b->data, d->hdr, d->hdr_len);
  memcpy(b->data + d->hdr_len, d->data, d->total);
  b->len = total;
  net_put16(b->data + 2, (guint16)total);
  net_put16(b->data + 6, net_get16(b->data + 6) & 0x4000); /* keep DF, clear MF and offset */
  ipv4_set_header_checksum(b->data);
  drop_pending(r, d);
  *out = b;
  return 1;
}
