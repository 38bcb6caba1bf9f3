/* alg-off.c — no ALG: the router forwards SIP untouched and opens no pinholes, like a Linux
 * router without a "ct helper" rule (corpus case #52: nothing is rewritten) or a router whose
 * "SIP ALG" switch is off.
 */
#include "alg.h"

const AlgOps alg_off_ops = {
  .name = "off",
  .summary = "No ALG: SIP passes untouched, no pinholes (the NAT's own filtering decides)",
  .source = "Linux without a ct helper rule (corpus #52); a router with SIP ALG disabled",
  .keys = NULL,
  .create = NULL,
  .destroy = NULL,
  .packet = NULL,
};
