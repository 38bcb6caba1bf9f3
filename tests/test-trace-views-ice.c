/* test-trace-views-ice.c — what a traced call that traverses NATs shows (issue 6 items 6 and 7).
 * The ladder of an ICE call (softphone-ice against the ICE-lite PBX) carries the gathering
 * transactions (STUN Binding, TURN Allocate with its 401 round, CreatePermission) in a STUN/TURN
 * column, the connectivity checks per pair with the nominating USE-CANDIDATE check, the valid and
 * the selected pair; a TURN call's ladder carries ChannelBind.  The timeline lists the candidates,
 * the allocation as a bar with its permissions and channels, the ICE states and the nomination.
 * Hand-written rows check consent loss and a deleted allocation.  tshark decodes the calls' pcaps:
 * ICE Binding requests with their attributes, TURN Allocate, CreatePermission, ChannelBind and
 * ChannelData, nothing malformed and no bad checksum. */
#include <glib/gstdio.h>
#include <string.h>

#include "call/ladder.h"
#include "call/scenario.h"
#include "call/timeline.h"
#include "test-util.h"

/* One traced call with this phone profile against the ICE PBX; returns the trace directory. */
static char *
traced_call(const char *phone_profile)
{
  g_autoptr(Config) cfg = tu_config("router.alg=off", "call.duration_s=12", "pbx.profile=ice", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *assignment = g_strdup_printf("phone.profile=%s", phone_profile);
  g_assert_true(cfg_set_arg(cfg, assignment, &error));
  g_assert_no_error(error);
  char *dir = g_dir_make_tmp("viewsiceXXXXXX", &error);
  g_assert_no_error(error);
  GPtrArray *out = NULL;
  ScenarioOptions opts = {.trace_dir = dir};
  g_assert_true(scenario_run(cfg, &opts, &out, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(out->len, ==, 1);
  g_ptr_array_unref(out);
  return dir;
}

static char *
read_in(const char *dir, const char *name, gsize *len)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, len, NULL));
  return text;
}

static void
rm_dir(const char *dir)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  for (const char *n; d && (n = g_dir_read_name(d));) {
    g_autofree char *p = g_build_filename(dir, n, NULL);
    g_remove(p);
  }
  g_rmdir(dir);
}

/* Well-formed XML: GMarkup always, and xmllint when it is installed. */
static void
assert_well_formed(const char *dir, const char *name)
{
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  g_autofree char *svg = read_in(dir, name, &len);
  g_assert_true(g_str_has_prefix(svg, "<svg "));
  g_autoptr(GMarkupParseContext) ctx = g_markup_parse_context_new(&(GMarkupParser){0}, 0, NULL, NULL);
  g_assert_true(g_markup_parse_context_parse(ctx, svg, len, &error));
  g_assert_true(g_markup_parse_context_end_parse(ctx, &error));
  g_assert_no_error(error);
  g_autofree char *xmllint = g_find_program_in_path("xmllint");
  if (!xmllint)
    return;
  g_autofree char *path = g_build_filename(dir, name, NULL);
  const char *argv[] = {xmllint, "--noout", path, NULL};
  int status = -1;
  g_autofree char *err = NULL;
  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err, &status,
                             &error));
  g_assert_cmpstr(err, ==, "");
  g_assert_true(g_spawn_check_wait_status(status, NULL));
}

static void
assert_has(const char *text, const char *what)
{
  if (!strstr(text, what))
    g_test_fail_printf("no \"%s\" in the view", what);
}

static int
index_of(const Ladder *l, LadderKind kind, const char *prefix)
{
  for (guint i = 0; i < l->msgs->len; i++) {
    const LadderMsg *m = l->msgs->pdata[i];
    if (m->kind == kind && g_str_has_prefix(m->label, prefix))
      return (int)i;
  }
  return -1;
}

static void
test_ladder_ice(void)
{
  g_autofree char *dir = traced_call("softphone-ice");
  gsize len = 0;
  g_autofree char *trace = read_in(dir, "trace.txt", &len);
  g_autoptr(Ladder) l = ladder_from_trace(trace, len);
  g_autofree char *text = ladder_to_text(l);
  g_test_message("\n%s", text);
  /* phone0 | home | stun/turn | pbx | pbx-media */
  g_assert_cmpuint(l->columns->len, ==, 5);
  g_assert_cmpstr(l->columns->pdata[0], ==, "phone0");
  g_assert_cmpstr(l->columns->pdata[1], ==, "home");
  g_assert_cmpstr(l->columns->pdata[2], ==, "stun/turn");
  g_assert_cmpstr(l->columns->pdata[3], ==, "pbx");
  g_assert_cmpstr(l->columns->pdata[4], ==, "pbx-media");
  static const char *const want[] = {
    "STUN Binding request", "STUN Binding success response mapped 203.0.113.2:", "TURN Allocate request",
    "TURN Allocate error response 401", "TURN Allocate request with credentials",
    "TURN Allocate success response relayed 198.51.100.11:", "TURN CreatePermission request with credentials",
    "* gathered host 192.168.1.50:", "ICE check host 192.168.1.50:", "-> host 203.0.113.20:10000",
    "USE-CANDIDATE (nominate)", "ICE check success: valid pair srflx 203.0.113.2:", "UDP via TURN",
    "* selected pair: srflx 203.0.113.2:", "* selected pair: host 203.0.113.20:10000 -> srflx",
    "* consent freshness:", "INVITE sip:2000@203.0.113.10"};
  for (gsize i = 0; i < G_N_ELEMENTS(want); i++)
    assert_has(text, want[i]);
  /* Gathering finishes before the offer leaves; the nominating check goes phone -> media server
   * and arrives; the selected pair comes after it. */
  int gathered = index_of(l, LADDER_NOTE, "gathered"), invite = index_of(l, LADDER_SIP, "INVITE sip:2000");
  int nominate = -1;
  for (guint i = 0; i < l->msgs->len; i++)
    if (strstr(((LadderMsg *)l->msgs->pdata[i])->label, "USE-CANDIDATE"))
      nominate = (int)i;
  int selected = index_of(l, LADDER_NOTE, "selected pair: srflx");
  g_assert_cmpint(gathered, >=, 0);
  g_assert_cmpint(gathered, <, invite);
  g_assert_cmpint(nominate, >, invite);
  g_assert_cmpint(selected, >, nominate);
  const LadderMsg *n = l->msgs->pdata[nominate];
  g_assert_cmpint(n->kind, ==, LADDER_ICE);
  g_assert_cmpstr(n->from, ==, "phone0");
  g_assert_cmpstr(n->to, ==, "pbx-media");
  g_assert_cmpint(n->t_recv, >, n->t_send);
  /* Messages are in time order. */
  for (guint i = 1; i < l->msgs->len; i++)
    g_assert_cmpint(((LadderMsg *)l->msgs->pdata[i - 1])->t_send, <=, ((LadderMsg *)l->msgs->pdata[i])->t_send);
  assert_well_formed(dir, "ladder.svg");
  g_autofree char *svg = read_in(dir, "ladder.svg", NULL);
  assert_has(svg, "USE-CANDIDATE (nominate)");
  assert_has(svg, "selected pair: srflx 203.0.113.2:");
  /* The file the run wrote is this ladder. */
  g_autofree char *written = read_in(dir, "ladder.txt", NULL);
  g_assert_cmpstr(written, ==, text);
  rm_dir(dir);
}

static void
test_ladder_turn(void)
{
  g_autofree char *dir = traced_call("softphone-turn");
  g_autofree char *text = read_in(dir, "ladder.txt", NULL);
  g_test_message("\n%s", text);
  assert_has(text, "TURN Allocate error response 401");
  assert_has(text, "TURN Allocate success response relayed 198.51.100.11:");
  assert_has(text, "TURN ChannelBind request with credentials");
  assert_has(text, "TURN ChannelBind success response");
  assert_has(text, "* gathered host 192.168.1.50:24264 relay 198.51.100.11:");
  /* Deallocation at the very end of the run is not mistaken for a loss. */
  assert_has(text, "TURN Refresh request lifetime 0 (deallocate) still on its way when the run ended");
  g_assert_null(strstr(text, "ICE check"));
  g_assert_null(strstr(text, "STUN Binding request"));
  assert_well_formed(dir, "ladder.svg");
  rm_dir(dir);
}

static void
test_timeline_ice(void)
{
  g_autofree char *dir = traced_call("softphone-ice");
  gsize len = 0;
  g_autofree char *trace = read_in(dir, "trace.txt", &len);
  g_autoptr(Timeline) tl = timeline_from_trace(trace, len);
  g_autofree char *text = timeline_to_text(tl);
  g_test_message("\n%s", text);
  /* host, srflx and relay for the phone; host for the media server. */
  guint phone_types = 0;
  for (guint i = 0; i < tl->candidates->len; i++) {
    const TimelineCandidate *c = tl->candidates->pdata[i];
    g_assert_cmpint(c->t, >, 0);
    if (strcmp(c->agent, "phone0-call0") == 0)
      phone_types |= strcmp(c->type, "host") == 0 ? 1 : strcmp(c->type, "srflx") == 0 ? 2 : strcmp(c->type, "relay") == 0 ? 4 : 8;
  }
  g_assert_cmpuint(phone_types, ==, 7);
  g_assert_cmpuint(tl->allocations->len, ==, 1);
  const TimelineAlloc *a = tl->allocations->pdata[0];
  g_assert_true(g_str_has_prefix(a->relay, "198.51.100.11:"));
  g_assert_cmpint(a->created, >, 0);
  g_assert_cmpint(a->ended, ==, -1);
  gboolean permission = FALSE;
  for (guint i = 0; i < a->marks->len; i++)
    permission |= g_str_has_prefix(((TimelineMark *)a->marks->pdata[i])->text, "permission 203.0.113.20 ");
  g_assert_true(permission);
  gboolean nominated = FALSE, completed = FALSE;
  for (guint i = 0; i < tl->ice->len; i++) {
    const TimelineIce *e = tl->ice->pdata[i];
    if (strcmp(e->agent, "phone0-call0") != 0)
      continue;
    nominated |= strcmp(e->event, "nominated") == 0 && g_str_has_prefix(e->text, "srflx 203.0.113.2:") &&
                 g_str_has_suffix(e->text, "-> host 203.0.113.20:10000");
    completed |= strcmp(e->event, "state") == 0 && strcmp(e->text, "completed") == 0;
  }
  g_assert_true(nominated);
  g_assert_true(completed);
  assert_has(text, "Candidates gathered");
  assert_has(text, "TURN allocation #1 for UDP 203.0.113.2:");
  assert_has(text, "selected     srflx 203.0.113.2:");
  assert_well_formed(dir, "timeline.svg");
  g_autofree char *svg = read_in(dir, "timeline.svg", NULL);
  assert_has(svg, "TURN #1 relay 198.51.100.11:");
  assert_has(svg, "ICE phone0-call0: selected srflx 203.0.113.2:");
  rm_dir(dir);
}

static void
test_timeline_turn(void)
{
  g_autofree char *dir = traced_call("softphone-turn");
  gsize len = 0;
  g_autofree char *trace = read_in(dir, "trace.txt", &len);
  g_autoptr(Timeline) tl = timeline_from_trace(trace, len);
  g_assert_cmpuint(tl->allocations->len, ==, 1);
  const TimelineAlloc *a = tl->allocations->pdata[0];
  gboolean channel = FALSE;
  for (guint i = 0; i < a->marks->len; i++)
    channel |= g_str_has_prefix(((TimelineMark *)a->marks->pdata[i])->text, "channel 0x4000 peer 203.0.113.20:10000");
  g_assert_true(channel);
  /* Without ICE the candidates come from the phone's gathered row; no ICE rows. */
  g_assert_cmpuint(tl->candidates->len, ==, 2);
  g_assert_cmpuint(tl->ice->len, ==, 0);
  assert_well_formed(dir, "timeline.svg");
  rm_dir(dir);
}

/* Hand-written rows: consent lost on the selected pair, an allocation deleted, a check that got
 * no answer. */
static void
test_consent_loss_and_deletion(void)
{
  static const char trace[] =
    "1000 ice a-call0 candidate local c=1 host 10.0.0.1:1000 prio=1 foundation=1 related=0.0.0.0:0\n"
    "1000 ice b-call0 candidate local c=1 host 10.0.0.2:2000 prio=1 foundation=1 related=0.0.0.0:0\n"
    "2000 ice a-call0 state checking\n"
    "2000 ice a-call0 check-sent c=1 10.0.0.1:1000 -> 10.0.0.2:2000 tid=aa controlling\n"
    "3000 ice a-call0 check-timeout tid=aa after 7 sends\n"
    "4000 ice a-call0 selected c=1 host 10.0.0.1:1000 -> host 10.0.0.2:2000 prio=1 state=succeeded\n"
    "5000 turn server allocation 3 UDP 10.0.0.1:5 relay 10.0.0.9:6 lifetime 600 created\n"
    "6000 turn server allocation 3 UDP 10.0.0.1:5 relay 10.0.0.9:6 deleted: lifetime expired\n"
    "7000 ice a-call0 consent-lost c=1 host 10.0.0.1:1000 -> host 10.0.0.2:2000 prio=1 state=succeeded\n"
    "7000 ice a-call0 state disconnected\n";
  g_autoptr(Timeline) tl = timeline_from_trace(trace, sizeof trace - 1);
  g_assert_cmpuint(tl->allocations->len, ==, 1);
  const TimelineAlloc *a = tl->allocations->pdata[0];
  g_assert_cmpint(a->ended, ==, 6000);
  g_assert_cmpstr(a->how, ==, "lifetime expired");
  g_assert_cmpuint(tl->ice->len, ==, 4);
  const TimelineIce *lost = tl->ice->pdata[2];
  g_assert_cmpstr(lost->event, ==, "consent-lost");
  g_assert_cmpstr(lost->text, ==, "host 10.0.0.1:1000 -> host 10.0.0.2:2000");
  g_autofree char *svg = timeline_to_svg(tl);
  g_autoptr(GMarkupParseContext) ctx = g_markup_parse_context_new(&(GMarkupParser){0}, 0, NULL, NULL);
  g_assert_true(g_markup_parse_context_parse(ctx, svg, -1, NULL));
  g_autoptr(Ladder) l = ladder_from_trace(trace, sizeof trace - 1);
  g_autofree char *text = ladder_to_text(l);
  g_test_message("\n%s", text);
  assert_has(text, "ICE check host 10.0.0.1:1000 -> host 10.0.0.2:2000: no answer after 7 sends");
  assert_has(text, "* consent lost on host 10.0.0.1:1000 -> host 10.0.0.2:2000");
  g_assert_cmpstr(l->columns->pdata[0], ==, "a");
  g_assert_cmpstr(l->columns->pdata[1], ==, "b");
}

/* ---- tshark ----------------------------------------------------------------------------------- */

/* tshark with checksum validation on one pcap: `field` of the packets `filter` selects.  No
 * decode-as hints are needed: STUN's UDP heuristic (on by default in tshark 4.0) finds Binding
 * checks on the media ports and the relayed address, and TURN's own port 3478 carries the rest,
 * ChannelData included (RFC 8656 §12.4). */
static char *
tshark(const char *dir, const char *file, const char *filter, const char *fields)
{
  g_autofree char *path = g_build_filename(dir, file, NULL);
  g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
  g_autofree char *args = g_strdup_printf("-r '%s' -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE "
                                          "-o tcp.check_checksum:TRUE -Y '%s' -T fields %s",
                                          path, filter, fields);
  return tu_tshark(args);
}

static void
assert_clean(const char *dir)
{
  static const char *const files[] = {"phone0-home.pcap", "home-isp.pcap", "isp-stun.pcap", "isp-pbx.pcap"};
  for (gsize i = 0; i < G_N_ELEMENTS(files); i++) {
    g_autofree char *bad = tshark(dir, files[i],
                                  "_ws.malformed || ip.checksum.status == \"Bad\" || udp.checksum.status == \"Bad\" "
                                  "|| tcp.checksum.status == \"Bad\" || _ws.expert.severity == \"Error\"",
                                  "-e frame.number -e _ws.expert.message");
    if (strcmp(bad, "") != 0)
      g_test_fail_printf("%s: malformed or bad checksum: %s", files[i], bad);
  }
}

static void
test_tshark_decodes_traversal(void)
{
  if (!tu_have_tshark()) {
    g_test_skip("tshark is not installed");
    return;
  }
  /* ICE: Binding requests from the phone's media port to the PBX's media port carry USERNAME
   * 0x0006, PRIORITY 0x0024, ICE-CONTROLLING 0x802a, MESSAGE-INTEGRITY 0x0008 and FINGERPRINT
   * 0x8028 (RFC 8445 §7.1.1), the nominating one USE-CANDIDATE 0x0025 too. */
  g_autofree char *ice = traced_call("softphone-ice");
  g_autofree char *checks = tshark(ice, "phone0-home.pcap", "stun.type.method == 0x0001 && stun.type.class == 0x0000 "
                                   "&& udp.dstport == 10000", "-e stun.att.type");
  g_test_message("ICE checks:\n%s", checks);
  assert_has(checks, "0x0006,0x0024,0x802a,0x0008,0x8028");
  assert_has(checks, "0x0006,0x0024,0x802a,0x0025,0x0008,0x8028");
  g_autofree char *answers = tshark(ice, "phone0-home.pcap", "stun.type.method == 0x0001 && stun.type.class == 0x0010 "
                                    "&& udp.srcport == 10000", "-e frame.number");
  g_assert_cmpstr(answers, !=, "");
  /* The relayed check reaches the media server from the relayed address. */
  g_autofree char *relayed = tshark(ice, "isp-pbx.pcap", "stun.type.method == 0x0001 && ip.src == 198.51.100.11",
                                    "-e udp.srcport");
  g_assert_cmpstr(relayed, !=, "");
  /* TURN for ICE: Allocate request, 401, success; CreatePermission request and success. */
  g_autofree char *turn = tshark(ice, "isp-stun.pcap", "stun", "-e stun.type.method -e stun.type.class");
  static const char *const ice_turn[] = {"0x0003\t0x0000", "0x0003\t0x0011", "0x0003\t0x0010", "0x0008\t0x0000",
                                         "0x0008\t0x0010"};
  for (gsize i = 0; i < G_N_ELEMENTS(ice_turn); i++)
    assert_has(turn, ice_turn[i]);
  assert_clean(ice);
  rm_dir(ice);

  /* TURN only: ChannelBind request and success, then media as ChannelData on channel 0x4000. */
  g_autofree char *relay = traced_call("softphone-turn");
  g_autofree char *msgs = tshark(relay, "phone0-home.pcap", "stun", "-e stun.type.method -e stun.type.class -e stun.channel");
  static const char *const want[] = {"0x0003\t0x0000", "0x0003\t0x0011", "0x0003\t0x0010", "0x0009\t0x0000",
                                     "0x0009\t0x0010", "\t\t0x4000"};
  for (gsize i = 0; i < G_N_ELEMENTS(want); i++)
    assert_has(msgs, want[i]);
  g_autofree char *cd = tshark(relay, "isp-stun.pcap", "stun.channel == 0x4000 && udp.dstport == 3478", "-e frame.number");
  g_assert_cmpstr(cd, !=, "");
  assert_clean(relay);
  rm_dir(relay);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/ladder/ice/gathering-checks-nomination-and-selected-pair", test_ladder_ice);
  g_test_add_func("/ladder/turn/allocate-401-channelbind", test_ladder_turn);
  g_test_add_func("/timeline/ice/candidates-allocation-states-and-nomination", test_timeline_ice);
  g_test_add_func("/timeline/turn/allocation-with-channel", test_timeline_turn);
  g_test_add_func("/trace-views/consent-loss-deleted-allocation-unanswered-check", test_consent_loss_and_deletion);
  g_test_add_func("/traversal/pcap/tshark-decodes-stun-turn-ice", test_tshark_decodes_traversal);
  return g_test_run();
}
