/* test-tls-wire.c — the TLS model on the wire: tshark decodes its handshakes and records (TLS 1.2
 * and the TLS 1.3 shape) without errors, the certificate chain has the configured size, the
 * handshake parsers refuse every truncation without over-reading, the keys are declared, and
 * the same seed gives the same bytes. */
#include <glib/gstdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "test-tls-util.h"
#include "topology.h"

/* ---- tshark ------------------------------------------------------------------------------------ */

/* tshark with port 5061 decoded as TLS: what it printed of `fields` for `filter`. */
static char *
tshark(const char *file, const char *filter, const char *fields)
{
  g_autofree char *args = g_strdup_printf("-r '%s' -d tcp.port==5061,tls -o tcp.check_checksum:TRUE -Y '%s' -T fields %s",
                                          file, filter, fields);
  return tu_tshark(args);
}

static int
cmp_num(const void *a, const void *b)
{
  return atoi(*(char *const *)a) - atoi(*(char *const *)b);
}

/* The distinct numbers tshark printed (separated by commas, tabs, newlines), sorted: " a b c ". */
static char *
distinct(const char *text)
{
  g_autoptr(GHashTable) set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_auto(GStrv) lines = g_strsplit_set(text, ",\t\n", -1);
  for (char **l = lines; *l; l++)
    if (**l)
      g_hash_table_add(set, g_strdup(*l));
  g_autofree gpointer *keys = g_hash_table_get_keys_as_array(set, NULL);
  guint n = g_hash_table_size(set);
  qsort(keys, n, sizeof *keys, cmp_num);
  GString *s = g_string_new(" ");
  for (guint i = 0; i < n; i++)
    g_string_append_printf(s, "%s ", (char *)keys[i]);
  return g_string_free(s, FALSE);
}

static void rm_pcaps(const char *dir);

/* ---- Scenario over the standard topology ---------------------------------------------------- */

typedef struct {
  char *trace_hash; /* sim_trace_hash() at the end */
  char *dir;        /* pcap directory, or NULL */
  gsize cli_rx;     /* bytes the client got back */
  TlsCloseReason srv_reason; /* how the server saw the end */
  guint srv_closed; /* server closed() calls */
  char *sni;        /* SNI the server saw */
  guint16 version;  /* negotiated version */
} RunOut;

/* Phone 0 registers over TLS with the PBX at 203.0.113.10:5061 through the home NAT: the client
 * sends `len` bytes, the server echoes them, the client closes once all came back. */
static void
run_topology(guint64 seed, gsize len, gboolean pcap, const char *version, RunOut *out)
{
  g_autoptr(GError) error = NULL;
  tu_world(seed);
  g_autofree char *set = g_strdup_printf("tls.version=%s", version);
  g_autoptr(Config) cfg = tu_config(set, NULL);
  Topology *topo = topology_build(cfg, &error);
  g_assert_no_error(error);
  memset(out, 0, sizeof *out);
  if (pcap) {
    out->dir = g_dir_make_tmp("tlspcapXXXXXX", NULL);
    g_assert_true(topology_enable_pcap(topo, out->dir, &error));
  }
  g_autofree guint8 *msg = pattern(len, 1);
  Pair p;
  pair_init(&p);
  p.cli.send_on_est = msg;
  p.cli.send_on_est_len = len;
  p.cli.echo_close_after = len;
  p.srv.echo = TRUE;
  TlsParams params = params_default();
  tls_params_from_config(cfg, &params);
  pair_start(&p, topo->phones[0].node, topo->pbx.node, topo->pbx.addr, &params);
  sim_run(SIM_S(20));
  g_assert_cmpuint(p.cli.established_calls, ==, 1);
  g_assert_true(p.cli.established_ok);
  g_assert_nonnull(p.srv.conn);
  g_assert_cmpuint(p.srv.established_calls, ==, 1);
  g_assert_cmpmem(p.srv.rx->data, p.srv.rx->len, msg, len);
  g_assert_cmpmem(p.cli.rx->data, p.cli.rx->len, msg, len);
  g_assert_cmpuint(p.cli.closed_calls, ==, 0); /* it closed itself: no callback */
  /* The PBX sees the NAT's public address as the peer. */
  g_assert_cmpuint(tls_conn_peer(p.srv.conn).addr, ==, topo->public_addr);
  out->cli_rx = p.cli.rx->len;
  out->srv_reason = p.srv.reason;
  out->srv_closed = p.srv.closed_calls;
  out->sni = g_strdup(tls_conn_server_name(p.srv.conn));
  out->version = tls_conn_stats(p.cli.conn)->version;
  g_assert_cmpuint(out->version, ==, tls_conn_stats(p.srv.conn)->version);
  pair_clear(&p);
  topology_free(topo);
  out->trace_hash = sim_trace_hash();
  sim_reset(); /* closes the pcap files */
}

static void
run_out_clear(RunOut *o)
{
  g_free(o->trace_hash);
  g_free(o->dir);
  g_free(o->sni);
}

typedef struct {
  const char *version;   /* tls.version */
  guint16 negotiated;    /* the version both ends report */
  const char *hs_types;  /* handshake types tshark can see */
  const char *ct_types;  /* record content types it sees */
} WireCase;

static const WireCase wire_cases[] = {
  /* Finished (20) travels encrypted: Wireshark shows "Encrypted Handshake Message". */
  {"1.2", 0x0303, " 1 2 11 12 14 16 ", " 20 21 22 23 "},
  /* TLS 1.3 hides everything after ServerHello, alerts included, in application_data. */
  {"1.3", 0x0304, " 1 2 ", " 20 22 23 "},
};

/* Does the comma-separated list `list` contain `item`? */
static gboolean
list_has(const char *list, const char *item)
{
  g_auto(GStrv) v = g_strsplit(list, ",", -1);
  return g_strv_contains((const char *const *)v, item);
}

/* Columns of the one tshark run per file that reads the TLS fields. */
enum { COL_HS, COL_CT, COL_OPAQUE, COL_SNI, COL_SUITE, COL_SV, COL_NAME, COL_LEN, N_COLS };

static void
check_pcap(const char *path, const WireCase *wc)
{
  gboolean v13 = wc->negotiated == 0x0304;
  g_autofree char *bad = tshark(path, "_ws.malformed || _ws.expert.severity == \"Error\" || "
                                      "tcp.checksum.status == \"Bad\"",
                                "-e frame.number");
  g_assert_cmpstr(bad, ==, "");
  /* TLS 1.3's protected records show their outer type as tls.record.opaque_type. */
  g_autofree char *out = tshark(path, "tls",
                                "-E separator=/t -e tls.handshake.type -e tls.record.content_type "
                                "-e tls.record.opaque_type -e tls.handshake.extensions_server_name "
                                "-e tls.handshake.ciphersuite "
                                "-e tls.handshake.extensions.supported_version "
                                "-e x509sat.uTF8String -e tls.record.length");
  GString *cols[N_COLS];
  for (int i = 0; i < N_COLS; i++)
    cols[i] = g_string_new("");
  gboolean saw_sh = FALSE, saw_fin40 = FALSE;
  g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
  for (char **l = lines; *l && **l; l++) {
    g_auto(GStrv) f = g_strsplit(*l, "\t", N_COLS);
    g_assert_cmpuint(g_strv_length(f), ==, N_COLS);
    for (int i = 0; i < N_COLS; i++)
      g_string_append_printf(cols[i], "%s\n", f[i]);
    if (list_has(f[COL_HS], "1"))
      g_assert_cmpstr(f[COL_SNI], ==, "sip.example.net");
    if (list_has(f[COL_HS], "2") && !list_has(f[COL_HS], "1")) {
      saw_sh = TRUE;
      g_assert_cmpstr(f[COL_SUITE], ==, v13 ? "0x1301" : "0xc02f");
      if (v13)
        g_assert_cmpstr(f[COL_SV], ==, "0x0304");
    }
    /* A TLS 1.2 Finished shows as a 40-byte encrypted handshake record (AES-128-GCM). */
    if (list_has(f[COL_CT], "22") && list_has(f[COL_LEN], "40") && f[COL_HS][0] == '\0')
      saw_fin40 = TRUE;
  }
  g_assert_true(saw_sh);
  g_autofree char *ht = distinct(cols[COL_HS]->str);
  g_assert_cmpstr(ht, ==, wc->hs_types);
  g_autofree char *both = g_strconcat(cols[COL_CT]->str, cols[COL_OPAQUE]->str, NULL);
  g_autofree char *ct = distinct(both);
  g_assert_cmpstr(ct, ==, wc->ct_types);
  if (!v13) {
    /* Wireshark parses both certificates down to their names. */
    g_assert_nonnull(strstr(cols[COL_NAME]->str, "sip.example.net"));
    g_assert_nonnull(strstr(cols[COL_NAME]->str, "algsim model CA"));
    g_assert_true(saw_fin40);
  }
  for (int i = 0; i < N_COLS; i++)
    g_string_free(cols[i], TRUE);
}

static void
test_tshark_decodes(void)
{
  if (!tu_have_tshark()) {
    g_test_skip("tshark is not installed");
    return;
  }
  for (gsize c = 0; c < G_N_ELEMENTS(wire_cases); c++) {
    const WireCase *wc = &wire_cases[c];
    RunOut o;
    g_test_message("tls.version = %s", wc->version);
    run_topology(1, 40000, TRUE, wc->version, &o);
    g_assert_cmpuint(o.version, ==, wc->negotiated);
    g_assert_cmpuint(o.srv_closed, ==, 1);
    g_assert_cmpint(o.srv_reason, ==, TLS_CLOSED_PEER);
    g_assert_cmpstr(o.sni, ==, "sip.example.net");
    /* Before the NAT, after it, and at the PBX. */
    const char *files[] = {"phone0-home.pcap", "home-isp.pcap", "pbx-isp.pcap"};
    for (gsize i = 0; i < G_N_ELEMENTS(files); i++) {
      g_autofree char *path = g_build_filename(o.dir, files[i], NULL);
      g_test_message("checking %s", path);
      check_pcap(path, wc);
    }
    if (!g_getenv("TLS_KEEP_PCAP")) /* set it to look at the captures by hand */
      rm_pcaps(o.dir);
    run_out_clear(&o);
  }
}

static void
test_cert_chain_size_follows_parameter(void)
{
  /* 20000 needs a Certificate message split over two records, reassembled by the client. */
  const guint sizes[] = {0, 2000, 3000, 8000, 20000};
  for (gsize i = 0; i < G_N_ELEMENTS(sizes); i++) {
    tu_world(3);
    Net n;
    net_build(&n, 100000000, SIM_MS(1), 0);
    Pair p;
    pair_init(&p);
    TlsParams params = params_default();
    params.cert_chain_bytes = sizes[i];
    pair_start(&p, n.c, n.s, S_ADDR, &params);
    sim_run(SIM_S(10));
    g_assert_true(p.cli.established_ok);
    guint got = tls_conn_stats(p.cli.conn)->cert_chain_bytes;
    g_test_message("asked %u, got %u", sizes[i], got);
    if (sizes[i] < 1500) {
      g_assert_cmpuint(got, >, 1400); /* the two bare certificates */
      g_assert_cmpuint(got, <, 2000);
    } else {
      g_assert_cmpuint(got, <=, sizes[i]);
      g_assert_cmpuint(got, >=, sizes[i] - 8);
    }
    pair_clear(&p);
    net_clear(&n);
    sim_reset();
  }
}

/* ---- Determinism ------------------------------------------------------------------------------ */

static char *
file_contents(const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  char *data = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(path, &data, &len, NULL));
  char *hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)data, len);
  g_free(data);
  return hex;
}

static void
rm_pcaps(const char *dir)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  for (const char *f; d && (f = g_dir_read_name(d));) {
    g_autofree char *path = g_build_filename(dir, f, NULL);
    g_unlink(path);
  }
  g_rmdir(dir);
}

static void
test_same_seed_same_bytes(void)
{
  RunOut a, b, c;
  run_topology(7, 20000, TRUE, "1.2", &a);
  run_topology(7, 20000, TRUE, "1.2", &b);
  run_topology(8, 20000, TRUE, "1.2", &c);
  g_assert_cmpstr(a.trace_hash, ==, b.trace_hash);
  g_assert_cmpstr(a.trace_hash, !=, c.trace_hash);
  g_autofree char *fa = file_contents(a.dir, "home-isp.pcap");
  g_autofree char *fb = file_contents(b.dir, "home-isp.pcap");
  g_autofree char *fc = file_contents(c.dir, "home-isp.pcap");
  g_assert_cmpstr(fa, ==, fb);
  g_assert_cmpstr(fa, !=, fc);
  rm_pcaps(a.dir);
  rm_pcaps(b.dir);
  rm_pcaps(c.dir);
  run_out_clear(&a);
  run_out_clear(&b);
  run_out_clear(&c);
}

/* ---- Handshake message parsers: every truncation is refused without over-reading ------------ */

static guint8
parse_ch(const guint8 *b, gsize len)
{
  TlsHello h;
  return tls_parse_client_hello(b, len, &h);
}

static guint8
parse_sh(const guint8 *b, gsize len)
{
  TlsHello h;
  return tls_parse_server_hello(b, len, &h);
}

static guint8
parse_cert(const guint8 *b, gsize len)
{
  guint n;
  return tls_parse_certificate(b, len, FALSE, &n);
}

static guint8
parse_ske(const guint8 *b, gsize len)
{
  guint8 share[TLS_SHARE_LEN];
  return tls_parse_server_key_exchange(b, len, share);
}

static guint8
parse_cke(const guint8 *b, gsize len)
{
  guint8 share[TLS_SHARE_LEN];
  return tls_parse_client_key_exchange(b, len, share);
}

static void
test_parsers_refuse_truncation(void)
{
  static const guint8 rnd[TLS_RANDOM_LEN] = {1, 2, 3}, sid[32] = {4}, share[TLS_SHARE_LEN] = {5};
  g_autoptr(GRand) rand = g_rand_new_with_seed(1);
  GByteArray *msg[5];
  for (int i = 0; i < 5; i++)
    msg[i] = g_byte_array_new();
  tls_msg_client_hello(msg[0], rnd, sid, "sip.example.net", NULL);
  tls_msg_server_hello(msg[1], rnd, sid);
  tls_msg_certificate(msg[2], rand, 2500, FALSE);
  tls_msg_server_key_exchange(msg[3], share, rand);
  tls_msg_client_key_exchange(msg[4], share);
  struct {
    guint8 (*parse)(const guint8 *, gsize); /* parser */
    guint8 type;                            /* handshake type */
    gsize no_ext;                           /* a valid prefix: the hello without extensions */
  } cases[] = {
    {parse_ch, TLS_HS_CLIENT_HELLO, 2 + 32 + 1 + 32 + 2 + 16 + 2},
    {parse_sh, TLS_HS_SERVER_HELLO, 2 + 32 + 1 + 32 + 2 + 1},
    {parse_cert, TLS_HS_CERTIFICATE, 0},
    {parse_ske, TLS_HS_SERVER_KEY_EXCHANGE, 0},
    {parse_cke, TLS_HS_CLIENT_KEY_EXCHANGE, 0},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    GByteArray *m = msg[i];
    g_assert_cmpuint(m->data[0], ==, cases[i].type);
    gsize blen = (gsize)m->data[1] << 16 | (gsize)m->data[2] << 8 | m->data[3];
    g_assert_cmpuint(blen + 4, ==, m->len);
    g_assert_cmpuint(cases[i].parse(m->data + 4, blen), ==, 0);
    for (gsize cut = 0; cut < blen; cut++) {
      /* An exact-size copy, so that a sanitizer catches any over-read. */
      g_autofree guint8 *b = g_memdup2(m->data + 4, cut ? cut : 1);
      guint8 alert = cases[i].parse(b, cut);
      if (cut == cases[i].no_ext && cut > 0)
        g_assert_cmpuint(alert, ==, 0);
      else
        g_assert_cmpuint(alert, !=, 0);
    }
  }
  /* The SNI went through. */
  TlsHello h;
  g_assert_cmpuint(tls_parse_client_hello(msg[0]->data + 4, msg[0]->len - 4, &h), ==, 0);
  g_assert_cmpstr(h.server_name, ==, "sip.example.net");
  g_assert_cmpmem(h.random, 3, rnd, 3);
  /* A server choosing a suite the model does not speak; a client offering none it takes (the
   * server decides: see /tls/handshake/no-common-suite-gets-handshake-failure). */
  gsize suite_off = 4 + 2 + 32 + 1 + 32;
  msg[1]->data[suite_off + 1] = 0x30;
  g_assert_cmpuint(parse_sh(msg[1]->data + 4, msg[1]->len - 4), ==, TLS_ALERT_ILLEGAL_PARAMETER);
  for (gsize off = suite_off + 2; off < suite_off + 2 + 16; off += 2)
    if (msg[0]->data[off] == 0xc0 && msg[0]->data[off + 1] == 0x2f)
      msg[0]->data[off + 1] = 0x31;
  g_assert_cmpuint(tls_parse_client_hello(msg[0]->data + 4, msg[0]->len - 4, &h), ==, 0);
  g_assert_false(h.suite12);
  g_assert_false(h.suite13);
  g_assert_false(h.tls13);
  for (int i = 0; i < 5; i++)
    g_byte_array_unref(msg[i]);
}

static void
test_keys_registered(void)
{
  g_autoptr(Config) cfg = tu_config("tls.cert_chain_bytes=5000", NULL);
  TlsParams p = params_default();
  tls_params_from_config(cfg, &p);
  g_assert_cmpuint(p.cert_chain_bytes, ==, 5000);
  g_assert_cmpint(p.handshake_timeout, ==, SIM_S(60));
  g_assert_cmpstr(p.server_name, ==, "sip.example.net"); /* left alone */
  g_autoptr(Config) d = tu_config(NULL, NULL);
  TlsParams q;
  tls_params_default(&q);
  TlsParams r = q;
  tls_params_from_config(d, &r);
  g_assert_cmpuint(q.cert_chain_bytes, ==, r.cert_chain_bytes);
  g_assert_cmpint(q.handshake_timeout, ==, r.handshake_timeout);
  g_assert_cmpint(q.protocol, ==, r.protocol);
  g_assert_cmpint(r.protocol, ==, TLS_PROTO_1_2);
  g_autoptr(Config) v = tu_config("tls.version=1.3", NULL);
  tls_params_from_config(v, &r);
  g_assert_cmpint(r.protocol, ==, TLS_PROTO_1_3);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/tls/wire/tshark-decodes-handshake-and-records", test_tshark_decodes);
  g_test_add_func("/tls/wire/cert-chain-size-follows-parameter", test_cert_chain_size_follows_parameter);
  g_test_add_func("/tls/wire/same-seed-same-bytes", test_same_seed_same_bytes);
  g_test_add_func("/tls/wire/truncated-messages-refused", test_parsers_refuse_truncation);
  g_test_add_func("/tls/wire/keys", test_keys_registered);
  return g_test_run();
}
