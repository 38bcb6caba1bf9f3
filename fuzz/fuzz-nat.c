/* fuzz-nat.c — fuzz target for the NAT's packet path (models/nat): the input is one IPv4 packet.
 *
 * A NAT with the fixed configuration of fz_nat_params_fixed() is warmed up with SIP over UDP and
 * TCP (with an ALG rewrite, so sequence corrections exist), a second phone, STUN, an ICMP echo and
 * a media expectation; then the input goes through nat_outbound() as if from the LAN and
 * nat_inbound() as if from the WAN, at three times (before any timer, after the unreplied UDP
 * timeout, after the hold-down).  Malformed packets must be counted and dropped, never crash or
 * over-read (nat.h); passed packets must still parse and keep correct checksums.
 */
#include "fuzz-nat-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static NatParams params;
  static gboolean init;
  if (!init) {
    fz_nat_params_fixed(&params);
    init = TRUE;
  }
  Nat *nat = fz_nat_new(&params);
  fz_nat_warm_up(nat);
  fz_nat_run(nat, data, size, TRUE, SIM_S(1));
  fz_nat_run(nat, data, size, FALSE, SIM_S(2));
  fz_nat_run(nat, data, size, FALSE, SIM_S(45));
  fz_nat_run(nat, data, size, TRUE, SIM_S(46));
  fz_nat_run(nat, data, size, TRUE, SIM_S(400));
  /* Later than every timeout (5 days of established TCP): nothing may be left. */
  nat_expire(nat, SIM_S(1000000));
  g_assert(nat_binding_count(nat) == 0 && nat_mapping_count(nat) == 0);
  nat_flush(nat, SIM_S(100001));
  g_assert(nat_binding_count(nat) == 0 && nat_mapping_count(nat) == 0);
  g_assert(nat_expect_count(nat) == 0);
  nat_free(nat);
  return 0;
}
