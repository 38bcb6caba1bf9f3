/* test-discovery.c — RFC 5780 NAT behaviour discovery through the full topology: what the probe
 * finds from phone 0 must be what the home router's NAT is configured to do. */
#include <string.h>

#include "stun/probe.h"
#include "test-util.h"

/* Run `algsim probe nat` logic with these "key=value" assignments (NULL-terminated array). */
static void
probe(const char *const *assignments, ProbeResult *out)
{
  g_autoptr(Config) cfg = tu_config(NULL, NULL);
  for (gsize i = 0; assignments[i] != NULL; i++) {
    g_autoptr(GError) error = NULL;
    if (!cfg_set_arg(cfg, assignments[i], &error))
      g_error("%s: %s", assignments[i], error->message);
  }
  g_autoptr(GError) error = NULL;
  if (!probe_nat_run(cfg, out, &error))
    g_error("probe_nat_run: %s", error->message);
  g_test_message("%s", out->discovery.evidence->str);
}

typedef struct {
  const char *mapping;      /* nat.mapping */
  const char *filtering;    /* nat.filtering */
  DiscMapping want_mapping; /* what RFC 5780 §4.3 must find */
  DiscFiltering want_filter; /* what RFC 5780 §4.4 must find */
} BehaviourCase;

static const BehaviourCase behaviour_cases[] = {
  { "eim", "eif", DISC_MAPPING_EIM, DISC_FILTERING_EIF },
  { "eim", "adf", DISC_MAPPING_EIM, DISC_FILTERING_ADF },
  { "eim", "apdf", DISC_MAPPING_EIM, DISC_FILTERING_APDF },
  { "adm", "eif", DISC_MAPPING_ADM, DISC_FILTERING_EIF },
  { "adm", "adf", DISC_MAPPING_ADM, DISC_FILTERING_ADF },
  { "adm", "apdf", DISC_MAPPING_ADM, DISC_FILTERING_APDF },
  { "apdm", "eif", DISC_MAPPING_APDM, DISC_FILTERING_EIF },
  { "apdm", "adf", DISC_MAPPING_APDM, DISC_FILTERING_ADF },
  { "apdm", "apdf", DISC_MAPPING_APDM, DISC_FILTERING_APDF },
};

static void
test_behaviour_matches_configuration(gconstpointer data)
{
  const BehaviourCase *c = data;
  g_autofree char *m = g_strdup_printf("nat.mapping=%s", c->mapping);
  g_autofree char *f = g_strdup_printf("nat.filtering=%s", c->filtering);
  const char *const set[] = { m, f, "stun.probe_lifetime=false", NULL };
  ProbeResult r;
  probe(set, &r);
  g_assert_true(r.discovery.server_reached);
  g_assert_cmpstr(disc_mapping_name(r.discovery.mapping), ==, disc_mapping_name(c->want_mapping));
  g_assert_cmpstr(disc_filtering_name(r.discovery.filtering), ==,
                  disc_filtering_name(c->want_filter));
  /* The mapped address is the router's public address, never the phone's private one. */
  g_assert_cmphex(r.discovery.mapped[0].addr, ==, r.public_addr);
  g_assert_false(r.discovery.lifetime_tested);
  /* Hairpinning is on (nat.hairpin default), and the hairpinned request arrives from the
   * sender's public endpoint (RFC 4787 REQ-9b).  Under EIM that is the receiving mapping itself,
   * which has just sent to it; otherwise it is a new mapping, which only EIF lets in. */
  gboolean want_hp = c->want_mapping == DISC_MAPPING_EIM || c->want_filter == DISC_FILTERING_EIF;
  g_assert_cmpint(r.discovery.hairpin, ==, want_hp ? DISC_HAIRPIN_YES : DISC_HAIRPIN_NO);
  probe_result_clear(&r);
}

typedef struct {
  const char *hairpin; /* nat.hairpin */
  DiscHairpin want;    /* RFC 5780 §4.5 result */
} HairpinCase;

static void
test_hairpin(void)
{
  static const HairpinCase cases[] = {
    { "nat.hairpin=true", DISC_HAIRPIN_YES },
    { "nat.hairpin=false", DISC_HAIRPIN_NO },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    const char *const set[] = { cases[i].hairpin, "stun.probe_lifetime=false", NULL };
    ProbeResult r;
    probe(set, &r);
    g_assert_cmpstr(disc_hairpin_name(r.discovery.hairpin), ==, disc_hairpin_name(cases[i].want));
    probe_result_clear(&r);
  }
}

/* RFC 5780 §4.6: the binding lifetime found must bracket nat.udp_timeout_s within one step.  The
 * unreplied timeout stays short (30 s) so that a search which let the binding fall back to
 * "unreplied" would find 30 s instead of the configured value. */
static void
test_lifetime_within_one_step(void)
{
  static const char *const timeouts[] = { "30", "120" };
  const guint step = 10;
  for (gsize i = 0; i < G_N_ELEMENTS(timeouts); i++) {
    g_autofree char *t = g_strdup_printf("nat.udp_timeout_s=%s", timeouts[i]);
    const char *const set[] = { t, "stun.lifetime_step_s=10", "stun.lifetime_max_s=300", NULL };
    ProbeResult r;
    probe(set, &r);
    guint want = (guint)g_ascii_strtoull(timeouts[i], NULL, 10);
    g_assert_true(r.discovery.lifetime_tested);
    g_assert_false(r.discovery.lifetime_at_max);
    /* Alive after L s of idleness, gone after L + step: the timeout lies in (L, L + step]. */
    g_assert_cmpuint(r.discovery.lifetime_s, <, want);
    g_assert_cmpuint(r.discovery.lifetime_s + step, >=, want);
    probe_result_clear(&r);
  }
}

static void
test_lifetime_search_limit(void)
{
  const char *const set[] = { "nat.udp_timeout_s=300", "stun.lifetime_step_s=20",
                              "stun.lifetime_max_s=100", NULL };
  ProbeResult r;
  probe(set, &r);
  g_assert_true(r.discovery.lifetime_at_max);
  g_assert_cmpuint(r.discovery.lifetime_s, ==, 100);
  probe_result_clear(&r);
}

static void
test_bypass_reports_no_nat(void)
{
  const char *const set[] = { "topology.mode=bypass", NULL };
  ProbeResult r;
  probe(set, &r);
  g_assert_true(r.discovery.server_reached);
  g_assert_cmpint(r.discovery.mapping, ==, DISC_MAPPING_NO_NAT);
  g_assert_cmpint(r.discovery.filtering, ==, DISC_FILTERING_EIF); /* nothing filters */
  g_assert_false(r.discovery.lifetime_tested);
  probe_result_clear(&r);
}

static void
test_report_compares_with_configuration(void)
{
  const char *const set[] = { "nat.mapping=apdm", "nat.filtering=adf", "nat.udp_timeout_s=60",
                              "stun.lifetime_max_s=120", NULL };
  g_autoptr(Config) cfg = tu_config(set[0], set[1], set[2], set[3], NULL);
  ProbeResult r;
  g_autoptr(GError) error = NULL;
  g_assert_true(probe_nat_run(cfg, &r, &error));
  g_autofree char *text = probe_result_format(&r, cfg);
  g_test_message("%s", text);
  g_assert_nonnull(strstr(text, "APDM"));
  g_assert_nonnull(strstr(text, "ADF"));
  g_assert_nonnull(strstr(text, "matches"));
  g_assert_null(strstr(text, "DIFFERS"));
  g_assert_nonnull(strstr(text, "Evidence:"));
  probe_result_clear(&r);
}

static void
test_same_seed_same_evidence(void)
{
  const char *const set[] = { "nat.mapping=adm", "stun.lifetime_max_s=60", NULL };
  ProbeResult a, b;
  probe(set, &a);
  probe(set, &b);
  g_assert_cmpstr(a.discovery.evidence->str, ==, b.discovery.evidence->str);
  g_assert_cmpuint(a.events, ==, b.events);
  probe_result_clear(&a);
  probe_result_clear(&b);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS(behaviour_cases); i++) {
    g_autofree char *path = g_strdup_printf("/discovery/behaviour/%s-%s-found-as-configured",
                                            behaviour_cases[i].mapping,
                                            behaviour_cases[i].filtering);
    g_test_add_data_func(path, &behaviour_cases[i], test_behaviour_matches_configuration);
  }
  g_test_add_func("/discovery/hairpin/found-as-configured", test_hairpin);
  g_test_add_func("/discovery/lifetime/within-one-step-of-udp-timeout", test_lifetime_within_one_step);
  g_test_add_func("/discovery/lifetime/stops-at-search-limit", test_lifetime_search_limit);
  g_test_add_func("/discovery/bypass/reports-no-nat", test_bypass_reports_no_nat);
  g_test_add_func("/discovery/report/compares-with-configuration", test_report_compares_with_configuration);
  g_test_add_func("/discovery/trace/same-seed-same-evidence", test_same_seed_same_evidence);
  return g_test_run();
}
