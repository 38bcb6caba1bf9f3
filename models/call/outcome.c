/* outcome.c — the per-call outcome record: audio classification and table/JSON output. */
#include "outcome.h"

#include <json-glib/json-glib.h>

const char *
audio_class_name(AudioClass c)
{
  static const char *const names[] = {"two-way", "one-way-out", "one-way-in", "none", "not-set-up"};
  return c <= AUDIO_NOT_SET_UP ? names[c] : "?";
}

/* design.md §3: a direction is heard when it received at least `threshold` of what was sent. */
static gboolean
heard(guint64 sent, guint64 recv, double threshold)
{
  return sent > 0 && (double)recv >= threshold * (double)sent;
}

AudioClass
audio_classify(guint64 out_sent, guint64 out_recv, guint64 in_sent, guint64 in_recv, double threshold)
{
  gboolean out = heard(out_sent, out_recv, threshold), in = heard(in_sent, in_recv, threshold);
  if (out && in)
    return AUDIO_TWO_WAY;
  if (out)
    return AUDIO_ONE_WAY_OUT;
  if (in)
    return AUDIO_ONE_WAY_IN;
  return AUDIO_NONE;
}

CallOutcome *
call_outcome_new(guint index, const char *direction)
{
  CallOutcome *o = g_new0(CallOutcome, 1);
  o->index = index;
  o->direction = g_strdup(direction);
  o->reg_time_s = o->setup_time_s = o->drop_time_s = -1;
  o->audio = AUDIO_NOT_SET_UP;
  o->cause = g_strdup("ok");
  o->traversal = g_strdup("none");
  o->ice_state = g_strdup("-");
  o->local_cand = g_strdup("-");
  o->remote_cand = g_strdup("-");
  o->ice_time_s = o->delay_out_ms = o->delay_in_ms = -1;
  return o;
}

void
call_outcome_free(CallOutcome *o)
{
  if (!o)
    return;
  g_free(o->direction);
  g_free(o->setup_timer);
  g_free(o->end_cause);
  g_free(o->cause);
  g_free(o->explanation);
  g_free(o->traversal);
  g_free(o->ice_state);
  g_free(o->local_cand);
  g_free(o->remote_cand);
  g_free(o);
}

static char *
fmt_time(double s)
{
  return s < 0 ? g_strdup("-") : g_strdup_printf("%.3f", s);
}

char *
call_outcomes_table(GPtrArray *outcomes)
{
  GString *s = g_string_new(NULL);
  g_string_append_printf(s, "%-4s %-9s %-9s %-9s %-7s %-12s %-13s %-13s %-9s %-22s %-5s %-5s %s\n", "call", "dir",
                         "reg (s)", "setup", "status", "audio", "out rtp", "in rtp", "drop (s)", "end", "MOSo",
                         "MOSi", "cause");
  for (guint i = 0; i < outcomes->len; i++) {
    const CallOutcome *o = outcomes->pdata[i];
    g_autofree char *reg = o->registered ? fmt_time(o->reg_time_s) : g_strdup("no");
    g_autofree char *setup = o->connected ? fmt_time(o->setup_time_s) : g_strdup(o->setup_timer ? o->setup_timer : "failed");
    g_autofree char *status = o->final_status ? g_strdup_printf("%u", o->final_status) : g_strdup("-");
    g_autofree char *out = g_strdup_printf("%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT, o->out_recv, o->out_sent);
    g_autofree char *in = g_strdup_printf("%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT, o->in_recv, o->in_sent);
    g_autofree char *drop = fmt_time(o->drop_time_s);
    g_string_append_printf(s, "%-4u %-9s %-9s %-9s %-7s %-12s %-13s %-13s %-9s %-22s %-5.2f %-5.2f %s\n", o->index,
                           o->direction, reg, setup, status, audio_class_name(o->audio), out, in, drop,
                           o->end_cause ? o->end_cause : "-", o->mos_out, o->mos_in, o->cause);
  }
  gboolean any = FALSE;
  for (guint i = 0; i < outcomes->len; i++) {
    const CallOutcome *o = outcomes->pdata[i];
    if (o->explanation) {
      if (!any)
        g_string_append(s, "\n");
      any = TRUE;
      g_string_append_printf(s, "call %u: %s\n", o->index, o->explanation);
    }
  }
  return g_string_free(s, FALSE);
}

static void
add_opt_time(JsonBuilder *b, const char *name, double v)
{
  json_builder_set_member_name(b, name);
  if (v < 0)
    json_builder_add_null_value(b);
  else
    json_builder_add_double_value(b, v);
}

static void
add_opt_str(JsonBuilder *b, const char *name, const char *v)
{
  json_builder_set_member_name(b, name);
  if (v)
    json_builder_add_string_value(b, v);
  else
    json_builder_add_null_value(b);
}

static void
add_int(JsonBuilder *b, const char *name, gint64 v)
{
  json_builder_set_member_name(b, name);
  json_builder_add_int_value(b, v);
}

char *
call_outcomes_json(GPtrArray *outcomes)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_array(b);
  for (guint i = 0; i < outcomes->len; i++) {
    const CallOutcome *o = outcomes->pdata[i];
    json_builder_begin_object(b);
    add_int(b, "call", o->index);
    add_opt_str(b, "direction", o->direction);
    json_builder_set_member_name(b, "registered");
    json_builder_add_boolean_value(b, o->registered);
    add_int(b, "reg_status", o->reg_status);
    add_opt_time(b, "reg_time_s", o->reg_time_s);
    json_builder_set_member_name(b, "connected");
    json_builder_add_boolean_value(b, o->connected);
    add_int(b, "final_status", o->final_status);
    add_opt_str(b, "setup_timer", o->setup_timer);
    add_opt_time(b, "setup_time_s", o->setup_time_s);
    add_int(b, "rtp_out_sent", (gint64)o->out_sent);
    add_int(b, "rtp_out_received", (gint64)o->out_recv);
    add_int(b, "rtp_in_sent", (gint64)o->in_sent);
    add_int(b, "rtp_in_received", (gint64)o->in_recv);
    add_opt_str(b, "audio", audio_class_name(o->audio));
    json_builder_set_member_name(b, "dropped");
    json_builder_add_boolean_value(b, o->dropped);
    add_opt_time(b, "drop_time_s", o->drop_time_s);
    add_opt_str(b, "end_cause", o->end_cause);
    json_builder_set_member_name(b, "mos_out");
    json_builder_add_double_value(b, o->mos_out);
    json_builder_set_member_name(b, "mos_in");
    json_builder_add_double_value(b, o->mos_in);
    add_opt_str(b, "cause", o->cause);
    add_opt_str(b, "explanation", o->explanation);
    add_opt_str(b, "traversal", o->traversal);
    add_opt_str(b, "ice_state", o->ice_state);
    add_opt_str(b, "local_cand", o->local_cand);
    add_opt_str(b, "remote_cand", o->remote_cand);
    add_opt_time(b, "ice_time_s", o->ice_time_s);
    json_builder_set_member_name(b, "relayed");
    json_builder_add_boolean_value(b, o->relayed);
    add_int(b, "relay_bytes", (gint64)o->relay_bytes);
    add_opt_time(b, "delay_out_ms", o->delay_out_ms);
    add_opt_time(b, "delay_in_ms", o->delay_in_ms);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  g_autoptr(JsonGenerator) gen = json_generator_new();
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  json_generator_set_root(gen, root);
  json_generator_set_pretty(gen, TRUE);
  return json_generator_to_data(gen, NULL);
}

const char *const call_outcome_columns[] = {
  "call", "direction", "registered", "reg_status", "reg_time_s", "connected", "final_status", "setup_timer",
  "setup_time_s", "out_sent", "out_recv", "in_sent", "in_recv", "audio", "dropped", "drop_time_s", "end_cause",
  "mos_out", "mos_in", "delay_out_ms", "delay_in_ms", "traversal", "ice_state", "local_cand", "remote_cand",
  "ice_time_s", "relayed", "relay_bytes", "cause", "explanation", NULL,
};

static char *
fmt_fixed(double v, const char *fmt)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_strdup(g_ascii_formatd(buf, sizeof buf, fmt, v));
}

static char *
fmt_bool(gboolean b)
{
  return g_strdup(b ? "true" : "false");
}

GStrv
call_outcome_row(const CallOutcome *o)
{
  GStrvBuilder *b = g_strv_builder_new();
  char *v[] = {
    g_strdup_printf("%u", o->index),
    g_strdup(o->direction ? o->direction : ""),
    fmt_bool(o->registered),
    g_strdup_printf("%u", o->reg_status),
    fmt_fixed(o->reg_time_s, "%.3f"),
    fmt_bool(o->connected),
    g_strdup_printf("%u", o->final_status),
    g_strdup(o->setup_timer ? o->setup_timer : ""),
    fmt_fixed(o->setup_time_s, "%.3f"),
    g_strdup_printf("%" G_GUINT64_FORMAT, o->out_sent),
    g_strdup_printf("%" G_GUINT64_FORMAT, o->out_recv),
    g_strdup_printf("%" G_GUINT64_FORMAT, o->in_sent),
    g_strdup_printf("%" G_GUINT64_FORMAT, o->in_recv),
    g_strdup(audio_class_name(o->audio)),
    fmt_bool(o->dropped),
    fmt_fixed(o->drop_time_s, "%.3f"),
    g_strdup(o->end_cause ? o->end_cause : ""),
    fmt_fixed(o->mos_out, "%.2f"),
    fmt_fixed(o->mos_in, "%.2f"),
    fmt_fixed(o->delay_out_ms, "%.1f"),
    fmt_fixed(o->delay_in_ms, "%.1f"),
    g_strdup(o->traversal ? o->traversal : ""),
    g_strdup(o->ice_state ? o->ice_state : ""),
    g_strdup(o->local_cand ? o->local_cand : ""),
    g_strdup(o->remote_cand ? o->remote_cand : ""),
    fmt_fixed(o->ice_time_s, "%.3f"),
    fmt_bool(o->relayed),
    g_strdup_printf("%" G_GUINT64_FORMAT, o->relay_bytes),
    g_strdup(o->cause ? o->cause : ""),
    g_strdup(o->explanation ? o->explanation : ""),
  };
  G_STATIC_ASSERT(G_N_ELEMENTS(v) == G_N_ELEMENTS(call_outcome_columns) - 1);
  for (gsize i = 0; i < G_N_ELEMENTS(v); i++) {
    g_strv_builder_add(b, v[i]);
    g_free(v[i]);
  }
  GStrv row = g_strv_builder_end(b);
  g_strv_builder_unref(b);
  return row;
}
