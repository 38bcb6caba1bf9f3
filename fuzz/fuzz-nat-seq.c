/* fuzz-nat-seq.c — fuzz target for the NAT with a configuration and a sequence of packets from
 * the input.
 *
 * Bytes 0 and 1 choose the configuration (fz_nat_params_from_bytes: every mapping x filtering x
 * allocation combination, refresh direction, hairpinning, overflow policy, a tiny port range,
 * hold-down, table size).  Then records follow, each [ctl][len hi][len lo][len bytes]: ctl bit 0
 * is the direction (1 outbound), bits 1-6 advance the clock by that many seconds times
 * (bit 7 ? 60 : 1); a record of length 0 runs nat_expire() instead, or nat_flush() when bit 0
 * is set.  Bindings, mappings, expectations and hold-downs carry over between packets, so the
 * fuzzer explores the tables' life cycle, not only one parse.
 */
#include "fuzz-nat-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECORDS 64

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 2)
    return 0;
  NatParams params;
  fz_nat_params_from_bytes(&params, data[0], data[1]);
  Nat *nat = fz_nat_new(&params);
  if (params.mapping == NAT_MAP_EIM && (data[1] & 0x40))
    fz_nat_warm_up(nat);
  SimTime now = 0;
  gsize i = 2;
  for (guint r = 0; r < MAX_RECORDS && i + 3 <= size; r++) {
    guint8 ctl = data[i];
    gsize len = MIN((gsize)net_get16(data + i + 1), size - i - 3);
    const guint8 *pkt = data + i + 3;
    i += 3 + len;
    now += SIM_S((ctl >> 1) & 0x3f) * ((ctl & 0x80) ? 60 : 1);
    if (len == 0) {
      if (ctl & 1)
        nat_flush(nat, now);
      else
        nat_expire(nat, now);
      continue;
    }
    fz_nat_run(nat, pkt, len, (ctl & 1) != 0, now);
    g_assert(nat_binding_count(nat) <= params.max_bindings);
  }
  nat_flush(nat, now);
  g_assert(nat_binding_count(nat) == 0 && nat_mapping_count(nat) == 0);
  nat_free(nat);
  return 0;
}
