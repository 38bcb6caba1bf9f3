/* test-alg-replay.c — the simulated Linux SIP ALG against the real one: every case of the shared
 * corpus (tests/data/linux-alg, copied from shared/corpus/linux-alg) is replayed with the
 * testbed-args of its .meta through `algsim alg replay`, and must give byte-identical output, the
 * same exit status and the same media-probe lines as the real kernel.  The same for the --no-nat
 * fixtures (tests/data/alg-nonat, recorded with the testbed's --no-nat: route only, conntrack and
 * the sip helper without nf_nat_sip; make-fixtures.py there re-records them), and for the cases
 * recorded beyond the corpus (tests/data/linux-alg-extra: early media whose conntrack entry
 * shadows the expectation, #39).  Then the kernel's rules
 * beyond the corpus, replayed in-process: the exact-match rule, Content-Length from "v=" to the
 * end, the BYE flush, sip_direct_media and sip_direct_signalling, bare-LF messages, low media
 * ports, the "off" ALG and the "ideal" control.
 */
#include <glib/gstdio.h>
#include <stdarg.h>
#include <string.h>
#include <sys/wait.h>

#include "alg/alg-replay.h"
#include "alg/alg.h"
#include "test-util.h"

/* ---- Helpers ------------------------------------------------------------------------------------ */

/* The report lines a probe prints ("  rtp probe [...]", "    rtp ...", "    rtcp ..."). */
static char *
probe_lines(const char *report)
{
  GString *s = g_string_new(NULL);
  g_auto(GStrv) lines = g_strsplit(report, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    const char *l = lines[i];
    if (strstr(l, "rtp probe [") || g_str_has_prefix(l, "    rtp ") || g_str_has_prefix(l, "    rtcp") ||
        g_str_has_prefix(l, "    rtp:") || g_str_has_prefix(l, "    rtcp:"))
      g_string_append_printf(s, "%s\n", g_strstrip(lines[i]));
  }
  return g_string_free(s, FALSE);
}

static char *
read_text(const char *path)
{
  char *t = NULL;
  g_autoptr(GError) error = NULL;
  g_assert_true(g_file_get_contents(path, &t, NULL, &error));
  g_assert_no_error(error);
  return t;
}

/* ---- The corpus ------------------------------------------------------------------------------- */

/* `data` is "<set>/<case>": a folder of tests/data and a case in it. */
static void
test_corpus_case(gconstpointer data)
{
  g_auto(GStrv) set_name = g_strsplit(data, "/", 2);
  const char *name = set_name[1];
  g_autofree char *dir = tu_data_path(set_name[0]);
  g_autofree char *meta_path = g_strdup_printf("%s/%s.meta", dir, name);
  g_autofree char *out_path = g_strdup_printf("%s/%s.out", dir, name);
  g_autofree char *meta = read_text(meta_path);
  g_autofree char *expected = NULL;
  gsize expected_len = 0;
  g_assert_true(g_file_get_contents(out_path, &expected, &expected_len, NULL));

  const char *a = strstr(meta, "\ntestbed-args: ");
  g_assert_nonnull(a);
  a += strlen("\ntestbed-args: ");
  g_autofree char *args_line = g_strndup(a, strcspn(a, "\n"));
  g_auto(GStrv) args = NULL;
  g_autoptr(GError) error = NULL;
  g_assert_true(g_shell_parse_argv(args_line, NULL, &args, &error));
  /* The --no-nat set was recorded without masquerade, and the corpus with it. */
  g_assert_true(g_strv_contains((const char *const *)args, "--no-nat") ==
                g_str_equal(set_name[0], "alg-nonat"));

  g_autofree char *tmp = g_dir_make_tmp("alg-replay-XXXXXX", &error);
  g_assert_no_error(error);
  g_autofree char *got_path = g_build_filename(tmp, "out", NULL);
  g_autofree char *rep_path = g_build_filename(tmp, "report", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_ptr_array_add(argv, (gpointer)g_getenv("ALGSIM"));
  g_ptr_array_add(argv, "alg");
  g_ptr_array_add(argv, "replay");
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add(argv, args[i]);
  g_ptr_array_add(argv, "-o");
  g_ptr_array_add(argv, got_path);
  g_ptr_array_add(argv, "-r");
  g_ptr_array_add(argv, rep_path);
  g_ptr_array_add(argv, NULL);
  g_autofree char *err = NULL;
  int status = 0;
  g_assert_true(g_spawn_sync(dir, (char **)argv->pdata, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                             &err, &status, &error));
  g_assert_no_error(error);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code != 0 && code != 3)
    g_test_message("stderr: %s", err);
  g_assert_cmpint(code, ==, expected_len ? 0 : 3);

  g_autofree char *got = NULL;
  gsize got_len = 0;
  g_assert_true(g_file_get_contents(got_path, &got, &got_len, NULL));
  if (got_len != expected_len || memcmp(got, expected, got_len) != 0)
    g_test_message("%s: output differs:\n--- expected\n%s\n--- got\n%s", name, expected, got);
  g_assert_cmpmem(got, got_len, expected, expected_len);

  g_autofree char *report = read_text(rep_path);
  const char *real = strstr(meta, "--- testbed report ---");
  g_assert_nonnull(real);
  g_autofree char *want = probe_lines(real);
  g_autofree char *have = probe_lines(report);
  g_assert_cmpstr(have, ==, want);
  g_remove(got_path);
  g_remove(rep_path);
  g_rmdir(tmp);
}

/* ---- Rules beyond the corpus (in-process) ----------------------------------------------------- */

typedef struct {
  char *tmp;    /* directory for message files */
  GString *rep; /* the last report */
} Fx;

static void
fx_setup(Fx *fx, gconstpointer data)
{
  (void)data;
  fx->tmp = g_dir_make_tmp("alg-rules-XXXXXX", NULL);
  g_assert_nonnull(fx->tmp);
  fx->rep = g_string_new(NULL);
}

static void
fx_teardown(Fx *fx, gconstpointer data)
{
  (void)data;
  g_autoptr(GDir) d = g_dir_open(fx->tmp, 0, NULL);
  const char *n;
  while (d && (n = g_dir_read_name(d))) {
    g_autofree char *p = g_build_filename(fx->tmp, n, NULL);
    g_remove(p);
  }
  g_rmdir(fx->tmp);
  g_free(fx->tmp);
  g_string_free(fx->rep, TRUE);
}

/* Write a message file; returns its path (freed with the fixture's directory). */
static char *
msg_file(Fx *fx, const char *name, const char *text)
{
  char *p = g_build_filename(fx->tmp, name, NULL);
  g_assert_true(g_file_set_contents(p, text, -1, NULL));
  return p;
}

/* A corpus message with replacements (pairs of from, to; NULL-terminated). */
static char *
corpus_msg(const char *file, ...)
{
  g_autofree char *dir = tu_data_path("linux-alg");
  g_autofree char *path = g_build_filename(dir, file, NULL);
  g_autofree char *t = read_text(path);
  GString *s = g_string_new(t);
  va_list ap;
  va_start(ap, file);
  const char *from;
  while ((from = va_arg(ap, const char *))) {
    const char *to = va_arg(ap, const char *);
    g_assert_cmpuint(g_string_replace(s, from, to, 0), >, 0);
  }
  va_end(ap);
  return g_string_free(s, FALSE);
}

/* Replay; returns the bytes that arrived as a string ("" if none). */
static char *
replay(Fx *fx, AlgReplayOpts *o)
{
  g_autoptr(GError) error = NULL;
  GBytes *out = NULL;
  g_string_truncate(fx->rep, 0);
  g_assert_true(alg_replay_run(o, &out, fx->rep, &error));
  g_assert_no_error(error);
  gsize n;
  const char *d = g_bytes_get_data(out, &n);
  char *s = g_strndup(d ? d : "", n);
  g_bytes_unref(out);
  return s;
}

static void
test_exact_match(Fx *fx, gconstpointer data)
{
  (void)data;
  g_autofree char *inv = corpus_msg("04-invite-sdp.in", "Contact: <sip:alice@192.168.1.50:5060>\r\n",
                                    "Contact: <sip:alice@192.168.1.50:5060>, <sip:alice@192.168.1.50:5070>, "
                                    "<sip:alice@192.168.1.51:5060>\r\nP-Asserted-Identity: <sip:alice@192.168.1.50>\r\n"
                                    "Route: <sip:192.168.1.50:5060;lr>\r\n",
                                    NULL);
  g_autofree char *case_path = msg_file(fx, "inv.in", inv);
  AlgReplayOpts o;
  alg_replay_opts_init(&o);
  o.case_file = case_path;
  g_autofree char *out = replay(fx, &o);
  g_assert_nonnull(strstr(out, "Contact: <sip:alice@203.0.113.2:5060>, <sip:alice@192.168.1.50:5070>, "
                               "<sip:alice@192.168.1.51:5060>\r\n"));
  g_assert_nonnull(strstr(out, "P-Asserted-Identity: <sip:alice@192.168.1.50>\r\n"));
  g_assert_nonnull(strstr(out, "Route: <sip:192.168.1.50:5060;lr>\r\n"));
  g_assert_nonnull(strstr(out, "From: \"Alice\" <sip:alice@203.0.113.2:5060>;tag="));
  g_assert_nonnull(strstr(out, "Call-ID: 3848276298220188511@192.168.1.50\r\n"));

  /* From another source port, the headers naming :5060 are not this flow's endpoint. */
  o.sport = 5070;
  g_autofree char *out2 = replay(fx, &o);
  g_assert_nonnull(strstr(out2, "Via: SIP/2.0/UDP 192.168.1.50:5060;"));
  g_assert_nonnull(strstr(out2, "Contact: <sip:alice@192.168.1.50:5060>, <sip:alice@203.0.113.2:5070>, "));
  g_assert_nonnull(strstr(out2, "c=IN IP4 203.0.113.2\r\n"));
}

static void
test_content_length_to_end(Fx *fx, gconstpointer data)
{
  (void)data;
  /* Anything after the SDP (here a multipart epilogue) is counted: bytes from v= to the end. */
  g_autofree char *inv = corpus_msg("04-invite-sdp.in", "a=sendrecv\r\n", "a=sendrecv\r\n--epilogue--\r\n", NULL);
  g_autofree char *case_path = msg_file(fx, "inv.in", inv);
  AlgReplayOpts o;
  alg_replay_opts_init(&o);
  o.case_file = case_path;
  g_autofree char *out = replay(fx, &o);
  const char *v = strstr(out, "\r\nv=");
  g_assert_nonnull(v);
  gsize from_v = strlen(v + 2);
  g_autofree char *want = g_strdup_printf("Content-Length: %" G_GSIZE_FORMAT "\r\n", from_v);
  g_assert_nonnull(strstr(out, want));
  g_assert_cmpuint(from_v, ==, 243 + strlen("--epilogue--\r\n"));
}

static void
test_bye_flushes(Fx *fx, gconstpointer data)
{
  (void)data;
  g_autofree char *dir = tu_data_path("linux-alg");
  g_autofree char *inv = g_build_filename(dir, "04-invite-sdp.in", NULL);
  g_autofree char *bye = msg_file(fx, "bye.in",
                                  "BYE sip:bob@203.0.113.10 SIP/2.0\r\n"
                                  "Via: SIP/2.0/UDP 192.168.1.50:5060;branch=z9hG4bKbye1;rport\r\n"
                                  "From: \"Alice\" <sip:alice@192.168.1.50>;tag=a73kszlfl\r\n"
                                  "To: <sip:bob@203.0.113.10>;tag=b1\r\n"
                                  "Call-ID: 3848276298220188511@192.168.1.50\r\n"
                                  "CSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n");
  g_autofree char *pre = g_strdup_printf("phone2pbx:udp:%s", inv);
  char *pres[] = { pre, NULL };
  AlgReplayOpts o;
  alg_replay_opts_init(&o);
  o.case_file = bye;
  o.pre = pres;
  o.rtp_probe = TRUE;
  g_autofree char *out = replay(fx, &o);
  g_assert_nonnull(strstr(out, "CSeq: 2 BYE"));
  g_assert_nonnull(strstr(fx->rep->str, "20000 -> 203.0.113.2:4000 : not delivered"));
  /* Without the BYE (the INVITE alone) the pinhole is there. */
  o.pre = NULL;
  o.case_file = inv;
  g_autofree char *out2 = replay(fx, &o);
  g_assert_nonnull(strstr(fx->rep->str, "20000 -> 203.0.113.2:4000 : DELIVERED"));
}

static void
test_single_use(Fx *fx, gconstpointer data)
{
  (void)data;
  g_autofree char *dir = tu_data_path("linux-alg");
  g_autofree char *inv = g_build_filename(dir, "04-invite-sdp.in", NULL);
  g_autofree char *ack = msg_file(fx, "ack.in",
                                  "ACK sip:bob@203.0.113.10 SIP/2.0\r\n"
                                  "Via: SIP/2.0/UDP 192.168.1.50:5060;branch=z9hG4bKack1;rport\r\n"
                                  "From: \"Alice\" <sip:alice@192.168.1.50>;tag=a73kszlfl\r\n"
                                  "To: <sip:bob@203.0.113.10>;tag=b1\r\n"
                                  "Call-ID: 3848276298220188511@192.168.1.50\r\n"
                                  "CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n");
  g_autofree char *pre = g_strdup_printf("phone2pbx:udp:%s", inv);
  char *pres[] = { pre, NULL };
  AlgReplayOpts o;
  alg_replay_opts_init(&o);
  o.case_file = ack;
  o.pre = pres;
  o.rtp_probe = TRUE;
  o.probe_each = TRUE; /* after step 1 from :20000, after step 2 from :20100 */
  g_autofree char *out = replay(fx, &o);
  g_assert_nonnull(strstr(out, "Via: SIP/2.0/UDP 203.0.113.2:5060;"));
  g_assert_nonnull(strstr(fx->rep->str, "rtp  203.0.113.10:20000 -> 203.0.113.2:4000 : DELIVERED"));
  /* The first flow consumed the expectation: a new source port finds none. */
  g_assert_nonnull(strstr(fx->rep->str, "rtp  203.0.113.10:20100 -> 203.0.113.2:4000 : not delivered"));
}

static void
test_direct_media(Fx *fx, gconstpointer data)
{
  (void)data;
  g_autofree char *dir = tu_data_path("linux-alg");
  g_autofree char *inv = g_build_filename(dir, "04-invite-sdp.in", NULL);
  AlgReplayOpts o;
  alg_replay_opts_init(&o);
  o.case_file = inv;
  o.rtp_probe = TRUE;
  o.probe_src = "203.0.113.20";
  g_autofree char *out = replay(fx, &o);
  g_assert_nonnull(strstr(fx->rep->str, "rtp  203.0.113.20:20000 -> 203.0.113.2:4000 : not delivered"));
  char *params[] = { "sip_direct_media=0", NULL };
  o.params = params;
  g_autofree char *out2 = replay(fx, &o);
  g_assert_nonnull(strstr(fx->rep->str, "rtp  203.0.113.20:20000 -> 203.0.113.2:4000 : DELIVERED"));
  /* Media of a third party: no pinhole and no c= rewrite with direct media, o= takes it (#24). */
  o.params = NULL;
  g_autofree char *third = corpus_msg("04-invite-sdp.in", "c=IN IP4 192.168.1.50", "c=IN IP4 198.51.100.7", NULL);
  g_autofree char *tp = msg_file(fx, "third.in", third);
  o.case_file = tp;
  g_autofree char *out3 = replay(fx, &o);
  g_assert_nonnull(strstr(out3, "c=IN IP4 198.51.100.7\r\n"));
  g_assert_nonnull(strstr(out3, "o=alice 2890844526 2890844526 IN IP4 198.51.100.7\r\n"));
}

static void
test_bare_lf(Fx *fx, gconstpointer data)
{
  (void)data;
  g_autofree char *dir = tu_data_path("linux-alg");
  g_autofree char *p = g_build_filename(dir, "04-invite-sdp.in", NULL);
  g_autofree char *crlf = read_text(p);
  GString *s = g_string_new(crlf);
  g_string_replace(s, "\r\n", "\n", 0);
  g_autofree char *lf = g_string_free(s, FALSE);
  g_autofree char *case_path = msg_file(fx, "lf.in", lf);
  AlgReplayOpts o;
  alg_replay_opts_init(&o);
  o.case_file = case_path;
  o.rtp_probe = TRUE;
  g_autofree char *out = replay(fx, &o);
  g_assert_nonnull(strstr(out, "Via: SIP/2.0/UDP 203.0.113.2:5060;branch"));
  g_assert_nonnull(strstr(out, "Contact: <sip:alice@203.0.113.2:5060>\n"));
  g_assert_nonnull(strstr(out, "c=IN IP4 192.168.1.50\n"));
  g_assert_nonnull(strstr(out, "Content-Length: 245\n"));
}

static void
test_low_media_port_drops(Fx *fx, gconstpointer data)
{
  (void)data;
  g_autofree char *inv = corpus_msg("04-invite-sdp.in", "m=audio 4000 ", "m=audio 1000 ", NULL);
  g_autofree char *case_path = msg_file(fx, "low.in", inv);
  AlgReplayOpts o;
  alg_replay_opts_init(&o);
  o.case_file = case_path;
  g_autofree char *out = replay(fx, &o);
  g_assert_cmpstr(out, ==, "");
  g_assert_nonnull(strstr(fx->rep->str, "NOTHING RECEIVED"));
}

static void
test_direct_signalling(Fx *fx, gconstpointer data)
{
  (void)data;
  g_autofree char *dir = tu_data_path("linux-alg");
  g_autofree char *reg = g_build_filename(dir, "32-incoming-invite-new-flow-after-register.pre1.in", NULL);
  g_autofree char *ok = g_build_filename(dir, "32-incoming-invite-new-flow-after-register.pre2.in", NULL);
  g_autofree char *inv = g_build_filename(dir, "32-incoming-invite-new-flow-after-register.in", NULL);
  g_autofree char *p1 = g_strdup_printf("phone2pbx:udp:%s", reg);
  g_autofree char *p2 = g_strdup_printf("pbx2phone:udp:%s", ok);
  char *pres[] = { p1, p2, NULL };
  AlgReplayOpts o;
  alg_replay_opts_init(&o);
  o.dir = "pbx2phone";
  o.sport = 5070;
  o.dport = 5060;
  o.pre = pres;
  o.case_file = inv;
  o.case_pbx_addr = "203.0.113.20"; /* not the registrar (#36) */
  g_autofree char *out = replay(fx, &o);
  g_assert_cmpstr(out, ==, "");
  char *params[] = { "sip_direct_signalling=0", NULL }; /* from anyone (#37) */
  o.params = params;
  g_autofree char *out2 = replay(fx, &o);
  g_assert_nonnull(strstr(out2, "INVITE sip:alice@192.168.1.50:5060 SIP/2.0\r\n"));
}

static void
test_off_passes(Fx *fx, gconstpointer data)
{
  (void)data;
  g_autofree char *dir = tu_data_path("linux-alg");
  g_autofree char *inv = g_build_filename(dir, "04-invite-sdp.in", NULL);
  g_autofree char *in = read_text(inv);
  AlgReplayOpts o;
  alg_replay_opts_init(&o);
  o.alg = "off";
  o.case_file = inv;
  o.rtp_probe = TRUE;
  g_autofree char *out = replay(fx, &o);
  g_assert_cmpstr(out, ==, in);
  /* The private c= reaches the pbx, so the probe cannot even be sent (#14). */
  g_assert_nonnull(strstr(fx->rep->str, "rtp  -> 192.168.1.50:4000 : not sent from the WAN side"));
}

static void
test_ideal(Fx *fx, gconstpointer data)
{
  (void)data;
  g_autofree char *dir = tu_data_path("linux-alg");
  g_autofree char *inv = g_build_filename(dir, "19-multipart-sdp.in", NULL);
  AlgReplayOpts o;
  alg_replay_opts_init(&o);
  o.alg = "ideal";
  o.case_file = inv;
  o.rtp_probe = TRUE;
  o.probe_src = "203.0.113.20"; /* a media server that is not the signalling peer */
  g_autofree char *out = replay(fx, &o);
  const char *body = strstr(out, "\r\n\r\n");
  g_assert_nonnull(body);
  g_autofree char *cl = g_strdup_printf("Content-Length: %" G_GSIZE_FORMAT "\r\n", strlen(body + 4));
  g_assert_nonnull(strstr(out, cl));
  g_assert_nonnull(strstr(out, "Contact: <sip:alice@203.0.113.2:5060>"));
  g_assert_null(strstr(out, "IN IP4 192.168.1.50"));
  g_assert_nonnull(strstr(fx->rep->str, "rtp  203.0.113.20:20000 -> 203.0.113.2:4000 : DELIVERED"));
  g_assert_nonnull(strstr(fx->rep->str, "rtcp 203.0.113.20:20001 -> 203.0.113.2:4001 : DELIVERED"));
}

/* --no-nat with ALGs other than linux: the hook runs on untranslated packets whose binding maps
 * the phone to itself, so an ALG that maps the private address to the public one writes back what
 * was there (ideal), and "off" passes everything; the pbx reaches the phone's own media address. */
static void
test_no_nat_other_algs(Fx *fx, gconstpointer data)
{
  (void)data;
  g_autofree char *dir = tu_data_path("alg-nonat");
  g_autofree char *inv = g_build_filename(dir, "19-multipart-sdp.in", NULL);
  g_autofree char *in = read_text(inv);
  const char *algs[] = { "off", "ideal" };
  for (guint i = 0; i < G_N_ELEMENTS(algs); i++) {
    AlgReplayOpts o;
    alg_replay_opts_init(&o);
    o.alg = algs[i];
    o.no_nat = TRUE;
    o.case_file = inv;
    o.rtp_probe = TRUE;
    g_autofree char *out = replay(fx, &o);
    g_assert_cmpstr(out, ==, in);
    g_assert_nonnull(strstr(fx->rep->str, "nat: none\n"));
    g_assert_nonnull(strstr(fx->rep->str, "rtp  203.0.113.10:21000 -> 203.0.113.2:4000 : not delivered"));
    g_assert_nonnull(strstr(fx->rep->str, "rtp  203.0.113.10:20000 -> 192.168.1.50:4000 : DELIVERED to phone "
                                          "192.168.1.50:4000 (phone sees source 203.0.113.10:20000)"));
  }
}

/* Without NAT a pbx that answers the router's address reaches nobody, whatever the ALG; with it,
 * the same answer is mapped back to the phone (corpus #05). */
static void
test_no_nat_router_address(Fx *fx, gconstpointer data)
{
  (void)data;
  g_autofree char *dir = tu_data_path("linux-alg");
  g_autofree char *inv = g_build_filename(dir, "05-invite-200ok-sdp-reverse.pre1.in", NULL);
  g_autofree char *ok = g_build_filename(dir, "05-invite-200ok-sdp-reverse.in", NULL);
  g_autofree char *pre = g_strdup_printf("phone2pbx:udp:%s", inv);
  char *pres[] = { pre, NULL };
  AlgReplayOpts o;
  alg_replay_opts_init(&o);
  o.dir = "pbx2phone";
  o.pre = pres;
  o.case_file = ok;
  g_autofree char *natted = replay(fx, &o);
  g_assert_nonnull(strstr(natted, "SIP/2.0 200 OK\r\n"));
  o.no_nat = TRUE;
  g_autofree char *routed = replay(fx, &o);
  g_assert_cmpstr(routed, ==, "");
  g_assert_nonnull(strstr(fx->rep->str, "for the router itself or not routed 1;"));
  o.to_addr = "192.168.1.50";
  g_autofree char *direct = replay(fx, &o);
  g_autofree char *sent = read_text(ok);
  g_assert_cmpstr(direct, ==, sent);
}

/* Without NAT the registration expectation is for the Contact as written: a 200 OK naming the
 * phone activates it and it admits the registrar's call from a new port (x3); a 200 OK naming the
 * router's address flushes it, and the same call is a new flow that nothing stops (#32). */
static void
test_no_nat_registration(Fx *fx, gconstpointer data)
{
  (void)data;
  const struct {
    const char *fixture; /* in tests/data/alg-nonat */
    const char *admitted; /* report text */
  } cases[] = {
    { "x3-incoming-invite-after-private-registration", "expectations now 1, flows they admitted 1\n" },
    { "32-incoming-invite-new-flow-after-register-to-phone", "expectations now 0, flows they admitted 0\n" },
  };
  g_autofree char *dir = tu_data_path("alg-nonat");
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *reg = g_strdup_printf("phone2pbx:udp:%s/%s.pre1.in", dir, cases[i].fixture);
    g_autofree char *ok = g_strdup_printf("pbx2phone:udp:%s/%s.pre2.in", dir, cases[i].fixture);
    g_autofree char *inv = g_strdup_printf("%s/%s.in", dir, cases[i].fixture);
    char *pres[] = { reg, ok, NULL };
    AlgReplayOpts o;
    alg_replay_opts_init(&o);
    o.no_nat = TRUE;
    o.dir = "pbx2phone";
    o.to_addr = "192.168.1.50";
    o.sport = 5070;
    o.dport = 5060;
    o.pre = pres;
    o.case_file = inv;
    g_autofree char *out = replay(fx, &o);
    g_autofree char *sent = read_text(inv);
    g_assert_cmpstr(out, ==, sent);
    g_assert_nonnull(strstr(fx->rep->str, cases[i].admitted));
  }
}

static void
test_registry(void)
{
  g_assert_nonnull(alg_lookup("linux"));
  g_assert_nonnull(alg_lookup("off"));
  g_assert_nonnull(alg_lookup("ideal"));
  g_assert_null(alg_lookup("nonesuch"));
  guint n = 0;
  for (const AlgOps *const *l = alg_list(); *l; l++, n++)
    g_assert_true((*l)->name && (*l)->summary && (*l)->source);
  g_assert_cmpuint(n, >=, 2);
}

static void
test_plugin_flag(void)
{
  const char *argv[] = { g_getenv("ALGSIM"), "alg", "replay", "--alg-plugin", "x.so", "case.in", NULL };
  g_autofree char *err = NULL;
  int status = 0;
  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
                             &status, NULL));
  g_assert_true(WIFEXITED(status));
  g_assert_cmpint(WEXITSTATUS(status), ==, 2);
  g_assert_nonnull(strstr(err, "algsim: x.so: no such file")); /* test-alg-plugin.c has the rest */
}

static gint
cmp_names(gconstpointer a, gconstpointer b)
{
  return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  /* Every case of the recorded sets: {data folder, test path prefix, fewest cases}. */
  static const struct {
    const char *dir, *prefix;
    guint min;
  } sets[] = {
    { "linux-alg", "/alg/linux/corpus/", 6 },
    { "alg-nonat", "/alg/linux/no-nat/", 6 },
    { "linux-alg-extra", "/alg/linux/extra/", 2 },
  };
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  for (guint s = 0; s < G_N_ELEMENTS(sets); s++) {
    g_autofree char *dir = tu_data_path(sets[s].dir);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    g_assert_nonnull(d);
    g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func(g_free);
    const char *n;
    while ((n = g_dir_read_name(d)))
      if (g_str_has_suffix(n, ".meta"))
        g_ptr_array_add(cases, g_strndup(n, strlen(n) - 5));
    g_ptr_array_sort(cases, cmp_names);
    g_assert_cmpuint(cases->len, >=, sets[s].min);
    for (guint i = 0; i < cases->len; i++) {
      char *data = g_strdup_printf("%s/%s", sets[s].dir, (char *)cases->pdata[i]);
      g_ptr_array_add(names, data);
      g_autofree char *path = g_strdup_printf("%s%s", sets[s].prefix, (char *)cases->pdata[i]);
      g_test_add_data_func(path, data, test_corpus_case);
    }
  }
  g_test_add_func("/alg/registry/lists-linux-and-off", test_registry);
  g_test_add_func("/alg/replay/plugin-flag-missing-file-exits-2", test_plugin_flag);
#define ADD(path, fn) g_test_add(path, Fx, NULL, fx_setup, fn, fx_teardown)
  ADD("/alg/linux/rewrites-contact-only-for-own-tuple", test_exact_match);
  ADD("/alg/linux/content-length-counts-from-v-to-end", test_content_length_to_end);
  ADD("/alg/linux/bye-flushes-media-pinholes", test_bye_flushes);
  ADD("/alg/linux/direct-media-restricts-source", test_direct_media);
  ADD("/alg/linux/media-pinhole-is-single-use", test_single_use);
  ADD("/alg/linux/bare-lf-rewrites-headers-not-sdp", test_bare_lf);
  ADD("/alg/linux/media-port-below-1024-drops", test_low_media_port_drops);
  ADD("/alg/linux/direct-signalling-restricts-incoming-calls", test_direct_signalling);
  ADD("/alg/off/passes-sip-untouched", test_off_passes);
  ADD("/alg/ideal/maps-contact-and-sdp-with-exact-length-and-open-pinholes", test_ideal);
  ADD("/alg/replay/no-nat/other-algs-see-untranslated-packets", test_no_nat_other_algs);
  ADD("/alg/replay/no-nat/router-address-reaches-nobody", test_no_nat_router_address);
  ADD("/alg/linux/no-nat/registration-expectation-for-the-contact-as-written", test_no_nat_registration);
  return g_test_run();
}
