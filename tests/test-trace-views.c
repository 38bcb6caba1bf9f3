/* test-trace-views.c — what a run's trace becomes for people.  The SIP ladder diagram built from a real run's trace: a request and its answer
 * through the home NAT (addresses translated), a message an ALG hook rewrote on the way (flagged
 * as changed), and an inbound request the NAT dropped for want of a binding (lost, with the NAT's
 * reason); text and SVG both carry it.  The NAT timeline of the same run: the phone's binding
 * created, refreshed and expiring at exactly last refresh + timeout, and the drop. */
#include <stdio.h>
#include <string.h>

#include "call/ladder.h"
#include "call/timeline.h"
#include "nat/nat.h"
#include "sip/sip-txn.h"
#include "test-util.h"
#include "topology.h"

typedef struct {
  SipStack *phone; /* phone0's stack */
  SipStack *pbx;   /* the PBX's stack */
} Pair;

static void
answer_200(void *ctx, SipStack *s, SipTxn *st, const SipMsg *req, const SipFlow *flow)
{
  if (!st)
    return;
  SipBuilder *b = sip_builder_response_to(req, 200, NULL, "t1");
  sip_txn_respond(st, sip_builder_finish(b, NULL, NULL, 0));
}

static const SipStackOps answer_ops = {.request = answer_200};

static SipStack *
stack_on(SimNode host, guint32 addr, const char *name, guint32 stream)
{
  g_autoptr(GError) error = NULL;
  SipStackParams p = {.honour_rport = TRUE, .rand_stream = SIM_STREAM_MODEL + stream};
  p.tl.name = name;
  p.tl.addr = addr;
  p.tl.udp_port = 5060;
  sip_timers_default(&p.timers);
  SipStack *s = sip_stack_new(host, &p, &answer_ops, NULL, &error);
  g_assert_no_error(error);
  return s;
}

static GBytes *
options(SipStack *s, const char *from_host, const char *to_uri, const char *cid)
{
  g_autofree char *branch = sip_stack_branch(s);
  SipBuilder *b = sip_builder_request("OPTIONS", to_uri);
  sip_builder_addf(b, SIP_HDR_VIA, "SIP/2.0/UDP %s:5060;branch=%s;rport", from_host, branch);
  sip_builder_add(b, SIP_HDR_MAX_FORWARDS, "70");
  sip_builder_addf(b, SIP_HDR_FROM, "<sip:a@%s>;tag=f1", from_host);
  sip_builder_addf(b, SIP_HDR_TO, "<%s>", to_uri);
  sip_builder_add(b, SIP_HDR_CALL_ID, cid);
  sip_builder_add(b, SIP_HDR_CSEQ, "1 OPTIONS");
  sip_builder_add(b, SIP_HDR_USER_AGENT, "algsim-test-phone");
  return sip_builder_finish(b, NULL, NULL, 0);
}

/* An "ALG" that rewrites the User-Agent of outbound SIP, changing its length. */
static NatAlgVerdict
rewrite_user_agent(void *ctx, NatAlgPacket *p)
{
  if (p->dir != NAT_DIR_OUT || p->payload_len == 0)
    return NAT_ALG_PASS;
  const guint8 *pl = p->pkt->data + p->payload_off;
  const char *needle = "algsim-test-phone";
  for (gsize i = 0; i + strlen(needle) <= p->payload_len; i++)
    if (memcmp(pl + i, needle, strlen(needle)) == 0)
      nat_alg_mangle(p, i, strlen(needle), (const guint8 *)"rewritten-by-router-alg", 23);
  return NAT_ALG_PASS;
}

static void
send_second(void *data)
{
  Pair *p = data;
  g_autoptr(GBytes) req = options(p->phone, "192.168.1.50", "sip:pbx@203.0.113.10", "cid-2");
  SipFlow to_pbx = {.net = SIP_NET_UDP, .remote = {0xcb00710a, 5060}};
  sip_txn_client(p->phone, req, &to_pbx, NULL, NULL);
}

static void
send_inbound(void *data)
{
  Pair *p = data;
  /* To a public port nobody mapped: the NAT has no binding for it. */
  g_autoptr(GBytes) req = options(p->pbx, "203.0.113.10", "sip:phone@203.0.113.2:5070", "cid-3");
  SipFlow to_home = {.net = SIP_NET_UDP, .remote = {0xcb007102, 5070}};
  sip_txn_client(p->pbx, req, &to_home, NULL, NULL);
}

/* The run both views are built from; returns its trace (caller frees). */
static char *
traced_run(gsize *size_out)
{
  g_autoptr(GError) error = NULL;
  char *buf = NULL;
  size_t size = 0;
  FILE *mem = open_memstream(&buf, &size);
  tu_world(3);
  sim_trace_set_file(mem);
  g_autoptr(Config) cfg = tu_config("nat.port_alloc=preserve", "nat.udp_timeout_s=30", "nat.trace_refresh=true", NULL);
  Topology *topo = topology_build(cfg, &error);
  g_assert_no_error(error);
  Pair p = {
    .phone = stack_on(topo->phones[0].node, topo->phones[0].addr, "phone0", 1),
    .pbx = stack_on(topo->pbx.node, topo->pbx.addr, "pbx", 2),
  };
  g_autoptr(GBytes) req = options(p.phone, "192.168.1.50", "sip:pbx@203.0.113.10", "cid-1");
  SipFlow to_pbx = {.net = SIP_NET_UDP, .remote = {topo->pbx.addr, 5060}};
  sip_txn_client(p.phone, req, &to_pbx, NULL, NULL);
  sim_run(SIM_MS(900));
  nat_set_alg_hook(router_nat(topo->home), rewrite_user_agent, NULL);
  sim_schedule(SIM_MS(100), send_second, &p);
  sim_schedule(SIM_S(1), send_inbound, &p);
  sim_run(SIM_S(100));
  sip_stack_free(p.phone);
  sip_stack_free(p.pbx);
  topology_free(topo);
  sim_trace_set_file(NULL);
  sim_reset();
  fclose(mem);
  *size_out = size;
  return buf;
}

static void
test_ladder_through_nat(void)
{
  g_autoptr(GError) error = NULL;
  gsize size = 0;
  char *buf = traced_run(&size);
  g_autoptr(Ladder) l = ladder_from_trace(buf, size);
  g_assert_cmpuint(l->columns->len, ==, 3);
  g_assert_cmpstr(l->columns->pdata[0], ==, "phone0");
  g_assert_cmpstr(l->columns->pdata[1], ==, "home");
  g_assert_cmpstr(l->columns->pdata[2], ==, "pbx");
  /* cid-1 request and 200, cid-2 request (rewritten) and 200, cid-3 request (retransmitted, lost). */
  guint arrived = 0, modified = 0, lost = 0, translated = 0;
  for (guint i = 0; i < l->msgs->len; i++) {
    const LadderMsg *m = l->msgs->pdata[i];
    g_test_message("%.3f %s -> %s %s%s%s", m->t_send / 1e9, m->from, m->to ? m->to : "?", m->label,
                   m->modified ? " [modified]" : "", m->t_recv < 0 ? " [lost]" : "");
    if (m->t_recv >= 0)
      arrived++;
    if (m->modified)
      modified++;
    if (m->t_recv < 0) {
      lost++;
      g_assert_nonnull(m->drop_reason);
      g_assert_nonnull(strstr(m->drop_reason, "home drop"));
    }
    if (m->recv_src && strcmp(m->sent_src, "192.168.1.50:5060") == 0) {
      g_assert_cmpstr(m->recv_src, ==, "203.0.113.2:5060");
      translated++;
    }
  }
  g_assert_cmpuint(arrived, ==, 4);
  g_assert_cmpuint(modified, ==, 1);
  g_assert_cmpuint(translated, ==, 2);
  g_assert_cmpuint(lost, >=, 2); /* the first send and retransmissions of cid-3 */

  g_autofree char *text = ladder_to_text(l);
  g_test_message("\n%s", text);
  g_assert_nonnull(strstr(text, "OPTIONS sip:pbx@203.0.113.10 SIP/2.0  [changed in transit]"));
  g_assert_nonnull(strstr(text, "translated 192.168.1.50:5060 -> 203.0.113.10:5060 into 203.0.113.2:5060 -> 203.0.113.10:5060"));
  g_assert_nonnull(strstr(text, "never arrived: home drop"));
  g_autofree char *svg = ladder_to_svg(l);
  if (g_getenv("ALGSIM_KEEP_LADDER")) /* for looking at it: ALGSIM_KEEP_LADDER=/tmp/ladder.svg */
    g_file_set_contents(g_getenv("ALGSIM_KEEP_LADDER"), svg, -1, NULL);
  g_assert_true(g_str_has_prefix(svg, "<svg "));
  g_assert_nonnull(strstr(svg, "changed in transit"));
  g_assert_nonnull(strstr(svg, "lost: home drop"));
  /* The SVG is well-formed XML. */
  g_autoptr(GMarkupParseContext) ctx = g_markup_parse_context_new(&(GMarkupParser){0}, 0, NULL, NULL);
  g_assert_true(g_markup_parse_context_parse(ctx, svg, -1, &error));
  g_assert_true(g_markup_parse_context_end_parse(ctx, &error));
  g_assert_no_error(error);
  free(buf);
}

static void
test_timeline(void)
{
  gsize size = 0;
  char *buf = traced_run(&size);
  g_autoptr(Timeline) tl = timeline_from_trace(buf, size);
  free(buf);
  const TimelineItem *phone = NULL;
  for (guint i = 0; i < tl->items->len; i++) {
    const TimelineItem *it = tl->items->pdata[i];
    g_test_message("%s #%" G_GUINT64_FORMAT " %s %.3f..%.3f %s (%u refreshes)", it->nat, it->id, it->flow,
                   it->created / 1e9, it->ended / 1e9, it->how, it->refreshes->len);
    if (g_str_has_prefix(it->flow, "udp 192.168.1.50:5060 -> 203.0.113.2:5060"))
      phone = it;
  }
  g_assert_nonnull(phone);
  g_assert_cmpstr(phone->nat, ==, "home");
  g_assert_cmpint(phone->created, >, 0);
  g_assert_cmpuint(phone->refreshes->len, >=, 3); /* the 200, the second OPTIONS and its 200 */
  g_assert_cmpstr(phone->how, ==, "expired");
  /* Replied binding, 30 s after the last packet (nat.udp_timeout_s, refresh both ways). */
  gint64 last = g_array_index(phone->refreshes, gint64, phone->refreshes->len - 1);
  g_assert_cmpint(phone->ended, ==, last + G_GINT64_CONSTANT(30000000000));
  g_assert_cmpuint(tl->drops->len, >=, 2);
  g_autofree char *text = timeline_to_text(tl);
  g_test_message("\n%s", text);
  g_assert_nonnull(strstr(text, "no-binding udp 203.0.113.10:5060 -> 203.0.113.2:5070"));
  g_autofree char *svg = timeline_to_svg(tl);
  if (g_getenv("ALGSIM_KEEP_TIMELINE"))
    g_file_set_contents(g_getenv("ALGSIM_KEEP_TIMELINE"), svg, -1, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GMarkupParseContext) ctx = g_markup_parse_context_new(&(GMarkupParser){0}, 0, NULL, NULL);
  g_assert_true(g_markup_parse_context_parse(ctx, svg, -1, &error));
  g_assert_true(g_markup_parse_context_end_parse(ctx, &error));
}

static void
test_ladder_ignores_garbage(void)
{
  static const char junk[] = "12 sip phone0 send UDP\n"
                             "x y z\n"
                             "13 sip a recv UDP 1:1 2:2 len=1 h=zz cid=c cseq=1/X | SIP/2.0 200 OK\n"
                             "\n14";
  g_autoptr(Ladder) l = ladder_from_trace(junk, sizeof junk - 1);
  g_assert_cmpuint(l->msgs->len, ==, 0);
  g_autoptr(Timeline) tl = timeline_from_trace(junk, sizeof junk - 1);
  g_assert_cmpuint(tl->items->len, ==, 0);
  g_autofree char *tt = timeline_to_text(tl);
  g_autofree char *ts = timeline_to_svg(tl);
  g_autofree char *text = ladder_to_text(l);
  g_autofree char *svg = ladder_to_svg(l);
  g_assert_nonnull(text);
  g_assert_nonnull(svg);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/ladder/through-nat-translated-changed-and-lost", test_ladder_through_nat);
  g_test_add_func("/timeline/binding-created-refreshed-expired-and-drops", test_timeline);
  g_test_add_func("/trace-views/ignore-what-they-do-not-know", test_ladder_ignores_garbage);
  return g_test_run();
}
