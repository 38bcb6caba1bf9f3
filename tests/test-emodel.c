/* test-emodel.c — the simplified ITU-T G.107 E-model (design.md §4): R and MOS for a table of
 * mouth-to-ear delays and loss percentages worked out by hand, the MOS clamps, the codec delay
 * added to the network delay, and the media.* keys. */
#include <math.h>

#include "media/emodel.h"
#include "test-util.h"

static void
test_defaults_give_r0_and_mos_4_41(void)
{
  EmodelParams p;
  emodel_params_default(&p);
  /* No delay, no loss: R = R0 = 93.2; MOS = 1 + 3.262 + 7e-6 * 93.2 * 33.2 * 6.8 = 4.4093. */
  double r = emodel_r_m2e(&p, 0, 0);
  g_assert_cmpfloat_with_epsilon(r, 93.2, 1e-9);
  g_assert_cmpfloat_with_epsilon(emodel_mos(r), 4.41, 0.005);
}

typedef struct {
  double d_ms;    /* mouth-to-ear delay */
  double ppl;     /* packet loss, percent */
  double burst_r; /* BurstR */
  double r;       /* expected R */
  double mos;     /* expected MOS */
} EmodelCase;

static void
test_table_worked_by_hand(void)
{
  /* Ie = 0, Bpl = 25.1, R0 = 93.2, A = 0 (G.711 with PLC, G.113 Appendix I). */
  static const EmodelCase cases[] = {
    /* Id = 0.024 * 100 = 2.4; R = 90.8; MOS = 1 + 3.178 + 0.18010 = 4.3581 */
    {100, 0, 1, 90.8, 4.3581},
    /* Id = 4.8 + 0.11 * (200 - 177.3) = 4.8 + 2.497 = 7.297; R = 85.903;
     * MOS = 1 + 3.00661 + 0.21958 = 4.2262 */
    {200, 0, 1, 85.903, 4.2262},
    /* Ie,eff = 95 * 1 / (1 + 25.1) = 3.63985; R = 89.56015; MOS = 1 + 3.13461 + 0.19347 = 4.3281 */
    {0, 1, 1, 89.56015, 4.3281},
    /* Ie,eff = 95 * 5 / (5 + 25.1) = 15.78073; R = 77.41927; MOS = 1 + 2.70967 + 0.21316 = 3.9228 */
    {0, 5, 1, 77.41927, 3.9228},
    /* Id = 3.6; Ie,eff = 95 * 2 / (2 / 2 + 25.1) = 7.27969; R = 82.32031;
     * MOS = 1 + 2.88121 + 0.22739 = 4.1086 */
    {150, 2, 2, 82.32031, 4.1086},
    /* Id = 9.6 + 0.11 * 222.7 = 34.097; Ie,eff = 950 / 35.1 = 27.06553; R = 32.03747;
     * MOS = 1 + 1.12131 - 0.42619 = 1.6951 */
    {400, 10, 1, 32.03747, 1.6951},
    /* Id = 14.4 + 0.11 * 422.7 = 60.897; Ie,eff = 2850 / 55.1 = 51.72414; R = -19.42114 -> MOS 1 */
    {600, 30, 1, -19.42114, 1.0},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    const EmodelCase *c = &cases[i];
    EmodelParams p;
    emodel_params_default(&p);
    p.burst_r = c->burst_r;
    double r = emodel_r_m2e(&p, c->d_ms, c->ppl);
    g_test_message("d=%g ppl=%g burst=%g: R %.5f MOS %.4f", c->d_ms, c->ppl, c->burst_r, r,
                   emodel_mos(r));
    g_assert_cmpfloat_with_epsilon(r, c->r, 1e-4);
    g_assert_cmpfloat_with_epsilon(emodel_mos(r), c->mos, 1e-4);
  }
}

static void
test_delay_knee_at_177_3_ms(void)
{
  /* Below the knee Id grows by 0.024 per ms; above it by 0.134 per ms. */
  g_assert_cmpfloat_with_epsilon(emodel_id(177.3), 0.024 * 177.3, 1e-9);
  g_assert_cmpfloat_with_epsilon(emodel_id(187.3) - emodel_id(177.3), 1.34, 1e-9);
  g_assert_cmpfloat_with_epsilon(emodel_id(100) - emodel_id(90), 0.24, 1e-9);
}

static void
test_mos_clamps(void)
{
  g_assert_cmpfloat(emodel_mos(-5), ==, 1.0);
  g_assert_cmpfloat(emodel_mos(0), ==, 1.0);
  g_assert_cmpfloat(emodel_mos(100), ==, 4.5);
  g_assert_cmpfloat(emodel_mos(113.2), ==, 4.5);
  /* A = 20 (mobile advantage, G.107 Table 1) pushes R above 100. */
  EmodelParams p;
  emodel_params_default(&p);
  p.a = 20;
  g_assert_cmpfloat(emodel_mos(emodel_r_m2e(&p, 0, 0)), ==, 4.5);
}

static void
test_loss_is_monotonic_and_bounded(void)
{
  EmodelParams p;
  emodel_params_default(&p);
  double prev = emodel_ie_eff(&p, 0);
  g_assert_cmpfloat(prev, ==, 0);
  for (double ppl = 0.5; ppl <= 100; ppl += 0.5) {
    double ie = emodel_ie_eff(&p, ppl);
    g_assert_cmpfloat(ie, >, prev);
    g_assert_cmpfloat(ie, <, 95);
    prev = ie;
  }
  /* Burstier loss (BurstR > 1) hurts more at the same loss rate. */
  EmodelParams bursty = p;
  bursty.burst_r = 3;
  g_assert_cmpfloat(emodel_ie_eff(&bursty, 5), >, emodel_ie_eff(&p, 5));
}

static void
test_codec_delay_is_added_to_network_delay(void)
{
  g_autoptr(Config) cfg = tu_config("media.codec_delay_ms=40", "media.bpl=10", NULL);
  EmodelParams p;
  g_assert_true(emodel_params_from_config(cfg, &p, NULL));
  g_assert_cmpfloat(p.codec_delay_ms, ==, 40);
  g_assert_cmpfloat(p.bpl, ==, 10);
  /* 60 ms network + 40 ms codec = 100 ms mouth to ear: R = 93.2 - 2.4 = 90.8. */
  g_assert_cmpfloat_with_epsilon(emodel_r(&p, 60, 0), 90.8, 1e-9);
  /* Ie,eff with Bpl 10: 95 * 5 / 15 = 31.667. */
  g_assert_cmpfloat_with_epsilon(emodel_ie_eff(&p, 5), 95.0 * 5 / 15, 1e-9);
}

static void
test_default_keys(void)
{
  g_autoptr(Config) cfg = tu_config(NULL, NULL);
  EmodelParams fromcfg, def;
  g_assert_true(emodel_params_from_config(cfg, &fromcfg, NULL));
  emodel_params_default(&def);
  g_assert_cmpfloat(fromcfg.codec_delay_ms, ==, def.codec_delay_ms);
  g_assert_cmpfloat(fromcfg.bpl, ==, 25.1);
  g_assert_cmpfloat(fromcfg.ie, ==, 0);
  g_assert_cmpfloat(cfg_double(cfg, "media.heard_threshold"), ==, 0.9);
  g_assert_cmpint(cfg_int(cfg, "media.ptime_ms"), ==, 20);
  g_assert_cmpfloat(cfg_double(cfg, "media.rtcp_interval_s"), ==, 5);
  g_autoptr(GError) error = NULL;
  g_assert_false(cfg_set(cfg, "media.burst_r", "0", "--set", &error));
  g_assert_nonnull(error);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/emodel/defaults-give-r-93.2-mos-4.41", test_defaults_give_r0_and_mos_4_41);
  g_test_add_func("/emodel/table-worked-by-hand", test_table_worked_by_hand);
  g_test_add_func("/emodel/delay-knee-at-177.3-ms", test_delay_knee_at_177_3_ms);
  g_test_add_func("/emodel/mos-clamps-to-1-and-4.5", test_mos_clamps);
  g_test_add_func("/emodel/loss-impairment-monotonic-and-below-95", test_loss_is_monotonic_and_bounded);
  g_test_add_func("/emodel/codec-delay-added-to-network-delay", test_codec_delay_is_added_to_network_delay);
  g_test_add_func("/emodel/keys-have-documented-defaults", test_default_keys);
  return g_test_run();
}
