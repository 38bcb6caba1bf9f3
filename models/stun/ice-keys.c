/* ice-keys.c — the configuration keys of the ICE agent (RFC 8445, RFC 7675), read by
 * ice_agent_params_from_config(). */
#include "config.h"

const CfgKeyDef ice_keys[] = {
  {"ice.ta_ms", CFG_INT, "ms", "50", "5..1000",
   "Ta: pacing of new connectivity checks; 50 ms is the RFC 8445 §14.2 default, 5 ms its floor."},
  {"ice.rto_ms", CFG_INT, "ms", "500", "1..60000",
   "Lower bound of a check's RTO, MAX(rto, Ta x (Waiting + In-Progress pairs)) (RFC 8445 §14.3)."},
  {"ice.max_sends", CFG_INT, "", "7", "1..16",
   "Transmissions of a connectivity check before it fails (Rc of RFC 8489 §6.2.1)."},
  {"ice.max_checks", CFG_INT, "", "100", "1..1000",
   "Checklist size limit: lower-priority pairs beyond it are pruned (RFC 8445 §6.1.2.5)."},
  {"ice.nomination", CFG_ENUM, "", "regular", "regular",
   "Nomination: regular, a USE-CANDIDATE check on the chosen valid pair (RFC 8445 §8.1.1; RFC 8445 "
   "dropped aggressive nomination)."},
  {"ice.nomination_wait_ms", CFG_INT, "ms", "1000", "0..60000",
   "How long the controlling agent waits for higher-priority pairs once every component has a "
   "valid pair before it nominates (RFC 8445 §8.1.1 leaves the stopping criterion open)."},
  {"ice.consent_interval_s", CFG_INT, "s", "5", "1..3600",
   "Consent freshness request period, each drawn from 0.8 to 1.2 times it (RFC 7675 §5.1)."},
  {"ice.consent_timeout_s", CFG_INT, "s", "30", "1..3600",
   "Consent is lost when no consent response arrived for this long (RFC 7675 §5.1)."},
  {NULL},
};
