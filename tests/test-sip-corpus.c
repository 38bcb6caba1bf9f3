/* test-sip-corpus.c — the SIP/SDP parsers against message corpora and random mutations.
 *
 * tests/data/sip/{y,n,i}_*.sip are named by expectation (json-glib's conformance suite style):
 * y_ must parse and validate (and any SDP in it must parse), n_ must be rejected by the parser or
 * by sip_msg_validate() without harm, i_ is implementation-defined and only must not crash.  A
 * "_tcp_" in the name selects stream framing.  tests/data/sip/linux-alg/ holds the real messages
 * of the Linux ALG corpus (/work/shared/corpus/linux-alg, copied so the tests are self-contained);
 * its INDEX lists each file's transport and expectation.  The mutation test damages those
 * messages thousands of times with a fixed seed and runs every accessor on exactly-sized buffers
 * (an over-read is an ASan failure).
 */
#include "sip/sdp.h"
#include "sip/sip-msg.h"
#include "test-util.h"

#include <string.h>

/* Run every accessor over a parsed message; returns the SDP parse result (or 0 without SDP). */
static int
exercise(const SipMsg *msg)
{
  const guint8 *buf = msg->buf;
  const char *why;
  (void) sip_msg_validate(msg, &why);
  for (guint i = 0; i < msg->n_headers; i++) {
    const SipHeader *h = &msg->headers[i];
    g_assert_cmpuint((gsize) h->value.off + h->value.len, <=, msg->len);
    SipSpan v;
    SipNameAddr na;
    SipVia via;
    SipUri uri;
    for (guint n = 0; sip_msg_value(msg, h->id, n, &v) == 1 && n < 64; n++) {
      g_assert_cmpuint((gsize) v.off + v.len, <=, msg->len);
      switch (h->id) {
      case SIP_HDR_VIA:
        (void) sip_via_parse(buf, v, &via);
        break;
      case SIP_HDR_FROM:
      case SIP_HDR_TO:
      case SIP_HDR_CONTACT:
      case SIP_HDR_ROUTE:
      case SIP_HDR_RECORD_ROUTE:
        if (sip_name_addr_parse(buf, v, &na) == 1) {
          (void) sip_uri_parse(buf, na.uri, &uri);
          (void) sip_param_find(buf, na.params, "tag", &v, NULL);
          (void) sip_param_find(buf, na.params, "expires", &v, NULL);
        }
        break;
      default:
        (void) sip_param_find(buf, v, "x", &v, NULL);
        break;
      }
    }
  }
  if (msg->is_request) {
    SipUri uri;
    if (sip_uri_parse(buf, msg->ruri, &uri) == 1) {
      guint32 a;
      (void) sip_host_ipv4(buf, uri.host, &a);
      g_free(sip_unescape(buf, uri.user));
      (void) sip_param_find(buf, uri.params, "transport", NULL, NULL);
    }
  }
  guint32 u32;
  guint hops;
  SipSpan s;
  SipNameAddr na;
  (void) sip_msg_cseq(msg, &u32, NULL, &s);
  (void) sip_msg_call_id(msg, &s);
  (void) sip_msg_tag(msg, SIP_HDR_FROM, &s);
  (void) sip_msg_tag(msg, SIP_HDR_TO, &s);
  (void) sip_msg_from(msg, &na);
  (void) sip_msg_contact(msg, 0, &na);
  (void) sip_msg_max_forwards(msg, &hops);
  (void) sip_msg_expires(msg, &u32);
  (void) sip_msg_content_type(msg, &s, NULL);
  (void) sip_msg_find_body(msg, "application/pidf+xml", &s);
  int sdp_r = 0;
  if (sip_msg_find_body(msg, "application/sdp", &s) == 1) {
    Sdp *sdp = g_new(Sdp, 1);
    sdp_r = sdp_parse(buf, s, sdp, &why);
    if (sdp_r == 1) {
      for (guint m = 0; m < sdp->n_media; m++) {
        (void) sdp_media_conn(sdp, m);
        (void) sdp_media_dir(sdp, m);
        for (guint f = 0; f < sdp->media[m].n_fmts; f++)
          (void) sdp_rtpmap(sdp, m, sdp->media[m].fmt[f], &s, &hops);
        SdpCandidate c;
        for (guint n = 0; sdp_attr(sdp, (gint) m, "candidate", n, &s) == 1; n++)
          (void) sdp_candidate_parse(buf, s, &c);
      }
    }
    g_free(sdp);
  }
  /* Build and edit: a response to a request, and a proxy's Via work. */
  if (msg->is_request && sip_msg_validate(msg, NULL) == 1) {
    GBytes *b = sip_builder_finish(sip_builder_response_to(msg, 200, NULL, "t"), NULL, NULL, 0);
    SipMsg *r = g_new(SipMsg, 1);
    g_assert_cmpint(sip_msg_parse(g_bytes_get_data(b, NULL), g_bytes_get_size(b), SIP_TP_DGRAM, r,
                                  NULL), ==, 1);
    g_free(r);
    g_bytes_unref(b);
  }
  g_autoptr(SipEdits) e = sip_edits_new();
  SipVia via;
  SipSpan v0;
  (void) sip_edit_add_top_via(e, msg, "SIP/2.0/UDP 198.51.100.1;branch=z9hG4bKm");
  if (sip_msg_via(msg, 0, &via) == 1 && sip_msg_value(msg, SIP_HDR_VIA, 0, &v0) == 1)
    (void) sip_edit_set_param(e, buf, v0, via.params, "received", "203.0.113.2");
  GBytes *out = sip_edits_apply_msg(e, msg);
  if (out)
    g_bytes_unref(out);
  return sdp_r;
}

typedef struct {
  int parse;    /* sip_msg_parse() */
  int valid;    /* sip_msg_validate() when parsed, else 0 */
  int sdp;      /* sdp_parse() of any SDP body, else 0 */
  const char *why; /* first rejection reason */
} Outcome;

static Outcome
run_bytes(const guint8 *data, gsize len, SipTransport tp)
{
  Outcome o = {0};
  g_autofree guint8 *buf = g_memdup2(data, len ? len : 1); /* exactly sized */
  SipMsg *msg = g_new(SipMsg, 1);
  o.parse = sip_msg_parse(buf, len, tp, msg, &o.why);
  if (o.parse == 1) {
    g_assert_cmpuint(msg->msg_len, <=, len);
    g_assert_cmpuint((gsize) msg->body.off + msg->body.len, <=, len);
    o.valid = sip_msg_validate(msg, &o.why);
    o.sdp = exercise(msg);
  }
  if (tp == SIP_TP_STREAM) {
    gsize at = 0, fl;
    while (at < len && sip_stream_frame(buf + at, len - at, &fl, NULL) == 1) {
      g_assert_cmpuint(fl, >, 0);
      at += fl;
    }
  }
  g_free(msg);
  return o;
}

static Outcome
run_file(const char *path, SipTransport tp, GBytes **keep)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr(GError) err = NULL;
  if (!g_file_get_contents(path, &data, &len, &err))
    g_error("%s: %s", path, err->message);
  if (keep)
    *keep = g_bytes_new(data, len);
  return run_bytes((const guint8 *) data, len, tp);
}

static void
test_corpus_dir(void)
{
  g_autofree char *dir = tu_data_path("sip");
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  g_assert_nonnull(d);
  const char *name;
  guint counts[3] = {0};
  while ((name = g_dir_read_name(d))) {
    if (!g_str_has_suffix(name, ".sip"))
      continue;
    g_autofree char *path = g_build_filename(dir, name, NULL);
    SipTransport tp = strstr(name, "_tcp_") ? SIP_TP_STREAM : SIP_TP_DGRAM;
    Outcome o = run_file(path, tp, NULL);
    g_test_message("%s: parse %d validate %d sdp %d (%s)", name, o.parse, o.valid, o.sdp,
                   o.why ? o.why : "ok");
    if (name[0] == 'y') {
      if (o.parse != 1 || o.valid != 1 || o.sdp == -1)
        g_error("%s must parse: %s", name, o.why);
      counts[0]++;
    } else if (name[0] == 'n') {
      if (o.parse == 1 && o.valid == 1)
        g_error("%s must be rejected", name);
      counts[1]++;
    } else {
      counts[2]++;
    }
  }
  g_assert_cmpuint(counts[0], >=, 8);
  g_assert_cmpuint(counts[1], >=, 8);
  g_assert_cmpuint(counts[2], >=, 5);
}

/* Rebuild a parsed message with the builder (start line, every header as written, the body) and
 * check that the copy parses to the same fields: build -> parse -> same. */
static void
assert_rebuild_same(const SipMsg *msg)
{
  SipBuilder *b;
  if (msg->is_request) {
    g_autofree char *method = sip_span_dup(msg->buf, msg->method);
    g_autofree char *ruri = sip_span_dup(msg->buf, msg->ruri);
    b = sip_builder_request(method, ruri);
  } else {
    g_autofree char *reason = sip_span_dup(msg->buf, msg->reason);
    b = sip_builder_response(msg->status, reason);
  }
  g_autofree char *ctype = NULL;
  for (guint i = 0; i < msg->n_headers; i++) {
    const SipHeader *h = &msg->headers[i];
    if (h->id == SIP_HDR_CONTENT_LENGTH)
      continue;
    if (h->id == SIP_HDR_CONTENT_TYPE && !ctype) {
      ctype = sip_span_dup(msg->buf, h->value); /* sip_builder_finish() writes it */
      continue;
    }
    sip_builder_add_raw(b, msg, h);
  }
  GBytes *bytes = sip_builder_finish(b, ctype, msg->buf + msg->body.off, msg->body.len);
  gsize n;
  const guint8 *d = g_bytes_get_data(bytes, &n);
  SipMsg *copy = g_new(SipMsg, 1);
  g_assert_cmpint(sip_msg_parse(d, n, SIP_TP_STREAM, copy, NULL), ==, 1);
  g_assert_cmpint(copy->is_request, ==, msg->is_request);
  g_assert_cmpuint(copy->status, ==, msg->status);
  g_assert_cmpint(copy->method_id, ==, msg->method_id);
  g_assert_cmpint(copy->eol, ==, SIP_EOL_CRLF);
  g_assert_cmpuint(copy->body.len, ==, msg->body.len);
  g_assert_cmpmem(copy->buf + copy->body.off, copy->body.len, msg->buf + msg->body.off, msg->body.len);
  for (SipHdr id = SIP_HDR_OTHER; id < SIP_HDR_COUNT; id++) {
    if (id == SIP_HDR_CONTENT_LENGTH)
      continue;
    g_assert_cmpuint(sip_msg_value_count(copy, id), ==, sip_msg_value_count(msg, id));
  }
  g_assert_cmpint(sip_msg_validate(copy, NULL), ==, sip_msg_validate(msg, NULL));
  SipSpan a, c;
  if (sip_msg_call_id(msg, &a) == 1) {
    g_assert_cmpint(sip_msg_call_id(copy, &c), ==, 1);
    g_assert_cmpmem(msg->buf + a.off, a.len, copy->buf + c.off, c.len);
  }
  SipVia va, vc;
  for (guint k = 0; sip_msg_via(msg, k, &va) == 1; k++) {
    g_assert_cmpint(sip_msg_via(copy, k, &vc), ==, 1);
    g_assert_cmpmem(msg->buf + va.branch.off, va.branch.len, copy->buf + vc.branch.off, vc.branch.len);
    g_assert_cmpuint(va.port, ==, vc.port);
  }
  g_free(copy);
  g_bytes_unref(bytes);
}

/* INDEX lines: "<file> <udp|tcp> <y|n|i>". */
static GPtrArray *
read_index(void)
{
  g_autofree char *path = tu_data_path("sip/linux-alg/INDEX");
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify) g_strfreev);
  for (guint i = 0; lines[i]; i++) {
    if (lines[i][0] == '\0' || lines[i][0] == '#')
      continue;
    char **f = g_strsplit_set(lines[i], " \t", -1);
    g_assert_cmpuint(g_strv_length(f), ==, 3);
    g_ptr_array_add(rows, f);
  }
  return rows;
}

static void
test_linux_alg_corpus(void)
{
  g_autoptr(GPtrArray) rows = read_index();
  g_assert_cmpuint(rows->len, >=, 40);
  for (guint i = 0; i < rows->len; i++) {
    char **f = rows->pdata[i];
    g_autofree char *rel = g_build_filename("sip", "linux-alg", f[0], NULL);
    g_autofree char *path = tu_data_path(rel);
    SipTransport tp = g_str_equal(f[1], "tcp") ? SIP_TP_STREAM : SIP_TP_DGRAM;
    Outcome o = run_file(path, tp, NULL);
    g_test_message("%s (%s): parse %d validate %d sdp %d (%s)", f[0], f[1], o.parse, o.valid,
                   o.sdp, o.why ? o.why : "ok");
    if (f[2][0] == 'y' && (o.parse != 1 || o.valid != 1 || o.sdp == -1))
      g_error("%s must parse: %s", f[0], o.why);
    if (f[2][0] == 'n' && o.parse == 1 && o.valid == 1)
      g_error("%s must be rejected", f[0]);
    if (f[2][0] != 'y')
      continue;
    g_autofree char *data = NULL;
    gsize len;
    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    g_autofree guint8 *buf = g_memdup2(data, len);
    SipMsg *msg = g_new(SipMsg, 1);
    g_assert_cmpint(sip_msg_parse(buf, len, tp, msg, NULL), ==, 1);
    assert_rebuild_same(msg);
    g_free(msg);
    if (tp == SIP_TP_STREAM) {
      /* One whole message on a stream is exactly one frame. */
      gsize fl;
      g_assert_cmpint(sip_stream_frame(buf, len, &fl, NULL), ==, 1);
      g_assert_cmpuint(fl, ==, len);
    }
  }
}

/* Damage a copy of msg with 1-4 random edits biased to SIP's structural bytes. */
static GByteArray *
mutate(GRand *rng, GBytes *msg)
{
  static const char special[] = "\r\n\0 \t:;,=<>\"@[]/%-\\0123456789";
  gsize n;
  const guint8 *d = g_bytes_get_data(msg, &n);
  GByteArray *a = g_byte_array_new();
  g_byte_array_append(a, d, (guint) n);
  guint ops = (guint) g_rand_int_range(rng, 1, 5);
  for (guint k = 0; k < ops && a->len > 0; k++) {
    guint at = (guint) g_rand_int_range(rng, 0, (gint32) a->len);
    guint8 c = g_rand_boolean(rng) ? (guint8) special[g_rand_int_range(rng, 0, sizeof special - 1)]
                                   : (guint8) g_rand_int_range(rng, 0, 256);
    switch (g_rand_int_range(rng, 0, 6)) {
    case 0: /* overwrite */
      a->data[at] = c;
      break;
    case 1: /* insert */
      g_array_insert_vals((GArray *) a, at, &c, 1); /* a GByteArray is a GArray of bytes */
      break;
    case 2: { /* delete a run (MIN() evaluates twice: draw first) */
      guint len = (guint) g_rand_int_range(rng, 1, 16);
      g_byte_array_remove_range(a, at, MIN(a->len - at, len));
      break;
    }
    case 3: /* truncate */
      g_byte_array_set_size(a, at);
      break;
    case 4: { /* duplicate a run */
      guint len = (guint) g_rand_int_range(rng, 1, 64);
      len = MIN(a->len - at, len);
      g_autofree guint8 *copy = g_memdup2(a->data + at, len);
      g_array_insert_vals((GArray *) a, at, copy, len);
      break;
    }
    default: /* swap a digit for a big number */
      g_array_insert_vals((GArray *) a, at, "4294967296", 10);
      break;
    }
  }
  return a;
}

static gint
cmp_bytes(gconstpointer a, gconstpointer b)
{
  return g_bytes_compare(*(GBytes *const *) a, *(GBytes *const *) b);
}

static void
test_mutations_never_crash(void)
{
  g_autoptr(GPtrArray) seeds = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
  g_autoptr(GPtrArray) rows = read_index();
  for (guint i = 0; i < rows->len; i++) {
    char **f = rows->pdata[i];
    if (f[2][0] != 'y')
      continue;
    g_autofree char *rel = g_build_filename("sip", "linux-alg", f[0], NULL);
    g_autofree char *path = tu_data_path(rel);
    GBytes *b = NULL;
    run_file(path, SIP_TP_DGRAM, &b);
    g_ptr_array_add(seeds, b);
  }
  g_autofree char *dir = tu_data_path("sip");
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *name;
  while ((name = g_dir_read_name(d))) {
    if (name[0] != 'y' || !g_str_has_suffix(name, ".sip"))
      continue;
    g_autofree char *path = g_build_filename(dir, name, NULL);
    GBytes *b = NULL;
    run_file(path, SIP_TP_DGRAM, &b);
    g_ptr_array_add(seeds, b);
  }
  g_ptr_array_sort(seeds, cmp_bytes); /* directory order is not stable; the seed list must be */
  g_assert_cmpuint(seeds->len, >, 10);
  g_autoptr(GRand) rng = g_rand_new_with_seed(20261123);
  guint parsed = 0, rejected = 0;
  for (guint iter = 0; iter < 6000; iter++) {
    GBytes *seed = seeds->pdata[g_rand_int_range(rng, 0, (gint32) seeds->len)];
    g_autoptr(GByteArray) m = mutate(rng, seed);
    Outcome o = run_bytes(m->data, m->len, iter % 2 ? SIP_TP_STREAM : SIP_TP_DGRAM);
    if (o.parse == 1)
      parsed++;
    else
      rejected++;
  }
  /* Both outcomes must occur, or the mutations are not exercising anything. */
  g_test_message("mutations: %u parsed, %u rejected", parsed, rejected);
  g_assert_cmpuint(parsed, >, 500);
  g_assert_cmpuint(rejected, >, 500);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/sip/corpus/y-parse-n-rejected-i-survive", test_corpus_dir);
  g_test_add_func("/sip/corpus/linux-alg-messages-parse-rebuild-or-are-rejected", test_linux_alg_corpus);
  g_test_add_func("/sip/corpus/random-mutations-never-crash-or-over-read", test_mutations_never_crash);
  return g_test_run();
}
