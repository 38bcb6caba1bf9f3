/* outcome.h — the record every call yields (design.md §3), and how it is shown.
 *
 * Outcomes are measured, never copied from the configuration: the audio class comes from what the
 * RTP receivers counted (a direction is heard when it received at least media.heard_threshold of
 * what was sent), the drop from what the dialog state machines did.  "out" is the phone's voice
 * travelling out to the far end; "in" is the far end's voice coming in to the phone.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  AUDIO_TWO_WAY,     /* both directions heard */
  AUDIO_ONE_WAY_OUT, /* only the phone's voice got through: the phone heard nothing */
  AUDIO_ONE_WAY_IN,  /* only the far end's voice got through */
  AUDIO_NONE,        /* neither */
  AUDIO_NOT_SET_UP,  /* the call never connected, so there was no audio to hear */
} AudioClass;

const char *audio_class_name(AudioClass c); /* "two-way", "one-way-out", ... */
/* The class from per-direction counts; threshold is the fraction that counts as heard (0.9). */
AudioClass audio_classify(guint64 out_sent, guint64 out_recv, guint64 in_sent, guint64 in_recv, double threshold);

typedef struct {
  guint index;            /* call number in the plan, from 0 */
  char *direction;        /* "outbound" or "inbound" */
  gboolean registered;    /* the phone was registered when the call was placed */
  guint reg_status;       /* final status of the first REGISTER, 0 if none */
  double reg_time_s;      /* first REGISTER to 200 OK, -1 if it never succeeded */
  gboolean connected;     /* the INVITE got a 2xx and the ACK went out */
  guint final_status;     /* the INVITE's final status, 0 if none */
  char *setup_timer;      /* the timer that ended the setup ("timer B"), or NULL */
  double setup_time_s;    /* INVITE to 2xx, -1 if not connected */
  guint64 out_sent;       /* RTP packets the phone sent */
  guint64 out_recv;       /* of them, received by the far end */
  guint64 in_sent;        /* RTP packets the far end sent */
  guint64 in_recv;        /* of them, received by the phone */
  AudioClass audio;       /* audio_classify() of the four counts */
  gboolean dropped;       /* ended before the scripted hang-up */
  double drop_time_s;     /* when (from the call's start), -1 if not dropped */
  char *end_cause;        /* "hangup", "remote BYE", "timer H", "session timer expired", ... */
  double mos_out;         /* E-model MOS of the phone's voice at the far end, 0 if not heard */
  double mos_in;          /* E-model MOS of the far end's voice at the phone, 0 if not heard */
  char *cause;            /* machine-readable failure cause ("ok", "no-audio-in", ...) */
  char *explanation;      /* one line: which device did what to which packet */
  /* NAT traversal (phone.traversal, phone-traversal.c). */
  char *traversal;        /* "none", "stun", "turn", "ice" */
  char *ice_state;        /* "completed", "failed", ... or "-" without ICE */
  char *local_cand;       /* selected pair's local candidate type, "-" if none */
  char *remote_cand;      /* selected pair's remote candidate type, "-" if none */
  double ice_time_s;      /* start of the checks to the nomination, -1 if none */
  gboolean relayed;       /* the phone's media went through the TURN relay */
  guint64 relay_bytes;    /* data bytes the TURN server relayed (both directions) */
  double delay_out_ms;    /* mean one-way delay of the phone's RTP at the far end, -1 if none */
  double delay_in_ms;     /* mean one-way delay of the far end's RTP at the phone, -1 if none */
} CallOutcome;

CallOutcome *call_outcome_new(guint index, const char *direction);
void call_outcome_free(CallOutcome *o);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CallOutcome, call_outcome_free)

/* The record's columns in calls.csv (results/README.md), NULL-terminated. */
extern const char *const call_outcome_columns[];
/* The record's values in that order, formatted once and locale-independently: booleans true/false,
 * times in s with three decimals, MOS with two, absent text as "" (caller g_strfreev). */
GStrv call_outcome_row(const CallOutcome *o);

/* A readable table of outcomes (CallOutcome* array), one row per call, explanations below. */
char *call_outcomes_table(GPtrArray *outcomes);
/* The same as a JSON array (json-glib), one object per call with every field. */
char *call_outcomes_json(GPtrArray *outcomes);

G_END_DECLS
