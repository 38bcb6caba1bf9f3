/* test-alg-conformance.c — every registered ALG against the SIP message corpus (tests/data/sip):
 * each message goes out from the phone through a NAT running the ALG, and the same bytes come back
 * in from the PBX.  y_ messages must still parse after the ALG, with a Content-Length that matches
 * the body; n_ and i_ messages must be survived (no crash, no over-read: the sanitizer build runs
 * this too); every packet that passes must carry correct IP and UDP checksums. */
#include <string.h>

#include "alg/alg.h"
#include "nat/nat.h"
#include "net/ipv4.h"
#include "sip/sip-msg.h"
#include "test-util.h"

#define PHONE 0xc0a80132u  /* 192.168.1.50 */
#define PUBLIC 0xcb007102u /* 203.0.113.2 */
#define PBX 0xcb00710au    /* 203.0.113.10 */

typedef struct {
  char *name;   /* file name */
  GBytes *data; /* its bytes */
} Msg;

static GPtrArray *corpus; /* Msg* */

static void
msg_free(gpointer p)
{
  Msg *m = p;
  g_free(m->name);
  g_bytes_unref(m->data);
  g_free(m);
}

static void
load_corpus(void)
{
  corpus = g_ptr_array_new_with_free_func(msg_free);
  g_autofree char *dir = tu_data_path("sip");
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  g_assert_nonnull(d);
  for (const char *n; (n = g_dir_read_name(d));) {
    if (!g_str_has_suffix(n, ".sip") || strstr(n, "_tcp_")) /* stream-only cases need a TCP flow */
      continue;
    g_autofree char *path = g_build_filename(dir, n, NULL);
    char *text = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(path, &text, &len, NULL));
    Msg *m = g_new0(Msg, 1);
    m->name = g_strdup(n);
    m->data = g_bytes_new_take(text, len);
    g_ptr_array_add(corpus, m);
  }
  g_assert_cmpuint(corpus->len, >=, 20);
}

/* The transport payload of a packet that passed, checking its checksums on the way. */
static GBytes *
payload_of(const NetBuf *b)
{
  Ipv4Info ip;
  UdpInfo u;
  g_assert_cmpint(ipv4_parse(b->data, b->len, 0, &ip), ==, 1);
  g_assert_true(ipv4_header_checksum_ok(b->data, ip.hdr_len));
  g_assert_cmpint(udp_parse(b->data, b->len, &ip, &u), ==, 1);
  g_assert_cmpuint(u.length, ==, ip.total_len - ip.hdr_len);
  if (u.csum) {
    guint8 pseudo[12];
    net_put32(pseudo, ip.src);
    net_put32(pseudo + 4, ip.dst);
    pseudo[8] = 0;
    pseudo[9] = NET_PROTO_UDP;
    net_put16(pseudo + 10, u.length);
    guint32 sum = inet_sum(pseudo, sizeof pseudo, 0);
    sum = inet_sum(b->data + u.off, u.length, sum);
    g_assert_cmpuint(inet_fold(sum), ==, 0xffff);
  }
  return g_bytes_new(b->data + u.payload_off, u.payload_len);
}

/* A y_ message after the ALG: it parses, and its Content-Length matches what follows the head. */
static void
check_valid(const char *alg, const char *name, GBytes *out)
{
  gsize len;
  const guint8 *data = g_bytes_get_data(out, &len);
  SipMsg m;
  const char *reason = NULL;
  int r = sip_msg_parse(data, len, SIP_TP_DGRAM, &m, &reason);
  if (r != 1)
    g_error("%s: %s no longer parses after the ALG: %s", alg, name, reason ? reason : "?");
  if (m.cl_state != SIP_CL_ABSENT && m.cl_state != SIP_CL_EXACT)
    g_error("%s: %s: Content-Length %u does not match the %u body bytes after the ALG", alg, name,
            m.content_length, (guint)(len - m.head_len));
}

static void
test_alg_on_corpus(gconstpointer data)
{
  const AlgOps *ops = data;
  g_autoptr(GError) error = NULL;
  tu_world(1);
  g_autofree char *set = g_strdup_printf("router.alg=%s", ops->name);
  g_autoptr(Config) cfg = tu_config(set, NULL);
  NatParams p;
  g_assert_true(nat_params_from_config(cfg, "nat", &p, &error));
  Nat *nat = nat_new("home", PUBLIC, &p, sim_rand_new(SIM_STREAM_NAT));
  Alg *alg = alg_attach(cfg, nat, &error);
  g_assert_no_error(error);
  guint passed = 0, valid = 0;
  for (guint i = 0; i < corpus->len; i++) {
    const Msg *m = corpus->pdata[i];
    gsize len;
    const guint8 *bytes = g_bytes_get_data(m->data, &len);
    gboolean y = g_str_has_prefix(m->name, "y_");
    SimTime now = SIM_MS(10) * (i + 1);
    /* Out from the phone. */
    guint8 buf[4096];
    Ipv4Build ib = {.src = PHONE, .dst = PBX, .id = (guint16)i};
    gsize n = ipv4_build_udp(buf, sizeof buf, &ib, 5060, 5060, bytes, len, FALSE);
    g_assert_cmpuint(n, >, 0);
    g_autoptr(NetBuf) pkt = netbuf_new(buf, n, 512);
    NatVerdict v;
    if (nat_outbound(nat, pkt, now, &v) == NAT_PASS) {
      passed++;
      g_autoptr(GBytes) out = payload_of(pkt);
      if (y) {
        check_valid(ops->name, m->name, out);
        valid++;
      }
    }
    /* The same bytes in from the PBX, to the phone's public mapping. */
    Ipv4Build rb = {.src = PBX, .dst = PUBLIC, .id = (guint16)i};
    n = ipv4_build_udp(buf, sizeof buf, &rb, 5060, 5060, bytes, len, FALSE);
    g_autoptr(NetBuf) back = netbuf_new(buf, n, 512);
    if (nat_inbound(nat, back, now + SIM_MS(1), &v) == NAT_PASS) {
      g_autoptr(GBytes) in = payload_of(back);
      if (y)
        check_valid(ops->name, m->name, in);
    }
  }
  g_test_message("%s: %u of %u messages passed outbound, %u valid ones checked", ops->name, passed, corpus->len,
                 valid);
  /* The NAT and any ALG pass at least the valid messages; a broken ALG may drop some, but not all. */
  g_assert_cmpuint(passed, >, 0);
  nat_free(nat);
  alg_free(alg);
  sim_reset();
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  tu_world(1); /* registers the keys and the ALGs */
  load_corpus();
  for (const AlgOps *const *a = alg_list(); *a; a++) {
    g_autofree char *path = g_strdup_printf("/alg/conformance/%s/survives-corpus", (*a)->name);
    g_test_add_data_func(path, *a, test_alg_on_corpus);
  }
  int rc = g_test_run();
  g_ptr_array_unref(corpus);
  return rc;
}
