/* test-outcome.c — audio classification by the 90 % rule of design.md §3, and the outcome record's
 * table and JSON forms (JSON parsed back with json-glib). */
#include <json-glib/json-glib.h>
#include <string.h>

#include "call/outcome.h"
#include "test-util.h"

typedef struct {
  guint64 out_sent, out_recv, in_sent, in_recv;
  AudioClass expect;
} ClassCase;

static const ClassCase class_cases[] = {
  {500, 500, 500, 500, AUDIO_TWO_WAY},
  {500, 450, 500, 450, AUDIO_TWO_WAY},    /* exactly 90 % counts as heard */
  {500, 449, 500, 500, AUDIO_ONE_WAY_IN}, /* just under 90 % does not */
  {500, 500, 500, 0, AUDIO_ONE_WAY_OUT},  /* the naive-PBX symptom: the phone hears nothing */
  {500, 0, 500, 500, AUDIO_ONE_WAY_IN},
  {500, 0, 500, 0, AUDIO_NONE},
  {0, 0, 0, 0, AUDIO_NONE},               /* nothing sent is nothing heard */
  {500, 600, 500, 500, AUDIO_TWO_WAY},    /* duplicates do not break it */
};

static void
test_classify(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(class_cases); i++) {
    const ClassCase *c = &class_cases[i];
    AudioClass got = audio_classify(c->out_sent, c->out_recv, c->in_sent, c->in_recv, 0.9);
    g_test_message("case %zu: %s", i, audio_class_name(got));
    g_assert_cmpint(got, ==, c->expect);
  }
  g_assert_cmpstr(audio_class_name(AUDIO_ONE_WAY_OUT), ==, "one-way-out");
}

static void
test_table_and_json(void)
{
  g_autoptr(GPtrArray) outs = g_ptr_array_new_with_free_func((GDestroyNotify)call_outcome_free);
  CallOutcome *a = call_outcome_new(0, "outbound");
  a->registered = TRUE;
  a->reg_status = 200;
  a->reg_time_s = 0.125;
  a->connected = TRUE;
  a->final_status = 200;
  a->setup_time_s = 0.3;
  a->out_sent = a->out_recv = 1500;
  a->in_sent = 1500;
  a->audio = audio_classify(a->out_sent, a->out_recv, a->in_sent, a->in_recv, 0.9);
  g_free(a->cause);
  a->cause = g_strdup("no-audio-in");
  a->explanation = g_strdup("PBX sent RTP to 192.168.1.50:4000 from the SDP c= line; that address is private, "
                            "so the phone heard nothing");
  g_ptr_array_add(outs, a);
  CallOutcome *b = call_outcome_new(1, "inbound");
  b->setup_timer = g_strdup("timer B");
  g_ptr_array_add(outs, b);

  g_autofree char *table = call_outcomes_table(outs);
  g_test_message("\n%s", table);
  g_assert_nonnull(strstr(table, "one-way-out"));
  g_assert_nonnull(strstr(table, "timer B"));
  g_assert_nonnull(strstr(table, "call 0: PBX sent RTP to 192.168.1.50:4000"));

  g_autofree char *json = call_outcomes_json(outs);
  g_autoptr(JsonParser) p = json_parser_new();
  g_autoptr(GError) error = NULL;
  g_assert_true(json_parser_load_from_data(p, json, -1, &error));
  JsonArray *arr = json_node_get_array(json_parser_get_root(p));
  g_assert_cmpuint(json_array_get_length(arr), ==, 2);
  JsonObject *o0 = json_array_get_object_element(arr, 0);
  g_assert_cmpstr(json_object_get_string_member(o0, "audio"), ==, "one-way-out");
  g_assert_cmpint(json_object_get_int_member(o0, "rtp_in_received"), ==, 0);
  g_assert_cmpfloat(json_object_get_double_member(o0, "reg_time_s"), ==, 0.125);
  JsonObject *o1 = json_array_get_object_element(arr, 1);
  g_assert_true(json_object_get_null_member(o1, "setup_time_s"));
  g_assert_cmpstr(json_object_get_string_member(o1, "setup_timer"), ==, "timer B");
  g_assert_cmpstr(json_object_get_string_member(o1, "audio"), ==, "not-set-up");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/outcome/audio-class-by-90-percent-rule", test_classify);
  g_test_add_func("/outcome/table-and-json", test_table_and_json);
  return g_test_run();
}
