/* CPU detection and ISA choice: the VGG19_DISABLE rule, consistency of the
 * detected features with each other and with Linux's /proc/cpuinfo flags,
 * and the choice made under each VGG19_DISABLE setting.
 *
 * vgg19_cpu_isa() decides once per process, so each environment setting is
 * tried in a child process forked for it, before any call in this one.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cpu.h"

/* For messages: printf's %s must not get NULL. */
static const char *
shown (const char *disable)
{
  return disable != NULL ? disable : "(unset)";
}

START_TEST (test_apply_disable)
{
  static const struct
  {
    Vgg19Isa best;
    const char *disable;
    Vgg19Isa want;
    guint unknown;
  } cases[] = {
    {VGG19_ISA_AVX512, NULL, VGG19_ISA_AVX512, 0},
    {VGG19_ISA_AVX512, "", VGG19_ISA_AVX512, 0},
    {VGG19_ISA_AVX512, " , ", VGG19_ISA_AVX512, 0},
    {VGG19_ISA_AVX512, "avx512", VGG19_ISA_AVX2, 0},
    {VGG19_ISA_AVX512, "AVX512", VGG19_ISA_AVX2, 0},
    {VGG19_ISA_AVX512, "avx2", VGG19_ISA_PORTABLE, 0},
    {VGG19_ISA_AVX512, "avx512,avx2", VGG19_ISA_PORTABLE, 0},
    {VGG19_ISA_AVX512, "avx2 avx512", VGG19_ISA_PORTABLE, 0},
    {VGG19_ISA_AVX512, " avx512 ,\tavx2 ", VGG19_ISA_PORTABLE, 0},
    {VGG19_ISA_AVX512, "avx512, avx512", VGG19_ISA_AVX2, 0},
    {VGG19_ISA_AVX512, "sse9", VGG19_ISA_AVX512, 1},
    {VGG19_ISA_AVX512, "avx5122", VGG19_ISA_AVX512, 1},
    {VGG19_ISA_AVX512, "avx", VGG19_ISA_AVX512, 1},
    {VGG19_ISA_AVX512, "foo,avx512,bar", VGG19_ISA_AVX2, 2},
    {VGG19_ISA_AVX2, "avx512", VGG19_ISA_AVX2, 0},
    {VGG19_ISA_AVX2, "avx2", VGG19_ISA_PORTABLE, 0},
    {VGG19_ISA_PORTABLE, "avx512", VGG19_ISA_PORTABLE, 0},
    {VGG19_ISA_PORTABLE, NULL, VGG19_ISA_PORTABLE, 0},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    guint unknown = 99;
    Vgg19Isa got = vgg19_cpu_apply_disable (cases[i].best, cases[i].disable,
        &unknown);

    ck_assert_msg (got == cases[i].want, "best %s, VGG19_DISABLE=\"%s\": "
        "got %s, expected %s", vgg19_isa_name (cases[i].best),
        shown (cases[i].disable), vgg19_isa_name (got),
        vgg19_isa_name (cases[i].want));
    ck_assert_uint_eq (unknown, cases[i].unknown);
    /* The count is optional. */
    ck_assert_int_eq (vgg19_cpu_apply_disable (cases[i].best,
            cases[i].disable, NULL), cases[i].want);
  }
}
END_TEST

START_TEST (test_names)
{
  ck_assert_str_eq (vgg19_isa_name (VGG19_ISA_PORTABLE), "portable");
  ck_assert_str_eq (vgg19_isa_name (VGG19_ISA_AVX2), "avx2");
  ck_assert_str_eq (vgg19_isa_name (VGG19_ISA_AVX512), "avx512");
}
END_TEST

START_TEST (test_feature_consistency)
{
  ck_assert (vgg19_cpu_supports (VGG19_ISA_PORTABLE));
  /* The AVX-512 kernels also use AVX2 and FMA. */
  if (vgg19_cpu_supports (VGG19_ISA_AVX512))
    ck_assert (vgg19_cpu_supports (VGG19_ISA_AVX2));
  if (vgg19_cpu_has_avx512_bf16 ())
    ck_assert (vgg19_cpu_supports (VGG19_ISA_AVX512));
  printf ("test_cpu: supported: avx2 %s, avx512 %s, avx512_bf16 %s\n",
      vgg19_cpu_supports (VGG19_ISA_AVX2) ? "yes" : "no",
      vgg19_cpu_supports (VGG19_ISA_AVX512) ? "yes" : "no",
      vgg19_cpu_has_avx512_bf16 ()? "yes" : "no");
  fflush (stdout);
}
END_TEST

static gboolean
has_flag (char *const *flags, const char *name)
{
  return g_strv_contains ((const char *const *) flags, name);
}

/* Linux lists a feature in /proc/cpuinfo only when the CPU has it and the
 * kernel enabled its register state, which is what CPUID + XGETBV check:
 * an independent oracle where it exists. */
START_TEST (test_matches_proc_cpuinfo)
{
  char *text = NULL, **lines, **flags = NULL;
  guint i;

  if (!g_file_get_contents ("/proc/cpuinfo", &text, NULL, NULL)) {
    printf ("test_cpu: /proc/cpuinfo unreadable: comparison NOT RUN\n");
    return;
  }
  lines = g_strsplit (text, "\n", -1);
  for (i = 0; lines[i] != NULL && flags == NULL; i++)
    if (g_str_has_prefix (lines[i], "flags")) {
      const char *colon = strchr (lines[i], ':');

      if (colon != NULL)
        flags = g_strsplit_set (colon + 1, " \t", -1);
    }
  if (flags == NULL) {
    printf ("test_cpu: no flags line in /proc/cpuinfo: comparison NOT RUN\n");
  } else {
    gboolean avx2 = has_flag (flags, "avx2") && has_flag (flags, "fma")
        && has_flag (flags, "avx");
    gboolean avx512 = avx2 && has_flag (flags, "avx512f")
        && has_flag (flags, "avx512dq") && has_flag (flags, "avx512bw")
        && has_flag (flags, "avx512vl");

    ck_assert_int_eq (vgg19_cpu_supports (VGG19_ISA_AVX2), avx2);
    ck_assert_int_eq (vgg19_cpu_supports (VGG19_ISA_AVX512), avx512);
    ck_assert_int_eq (vgg19_cpu_has_avx512_bf16 (), avx512
        && has_flag (flags, "avx512_bf16"));
  }
  g_strfreev (flags);
  g_strfreev (lines);
  g_free (text);
}
END_TEST

static gpointer
isa_in_thread (gpointer data)
{
  return GINT_TO_POINTER ((gint) vgg19_cpu_isa () + 1);
}

typedef struct
{
  guint n_info;                 /* "using <isa> kernels" messages */
  guint n_warnings;
  char *last_info;
} LogCount;

static void
count_log (const gchar * domain, GLogLevelFlags level, const gchar * message,
    gpointer data)
{
  LogCount *c = data;

  if (level & G_LOG_LEVEL_WARNING) {
    c->n_warnings++;
  } else if ((level & G_LOG_LEVEL_INFO) && strstr (message, "using ")) {
    c->n_info++;
    g_free (c->last_info);
    c->last_info = g_strdup (message);
  }
}

/* Exit status of the child, bits: */
#define CHILD_ISA_MASK 0x3      /* the ISA the threads agreed on */
#define CHILD_BAD_INFO 0x4      /* not exactly one "using <isa> kernels" info */
#define CHILD_WARNED 0x8        /* a warning was logged */
#define CHILD_DISAGREE 0x10     /* threads got different ISAs */

/* In a new process: sets VGG19_DISABLE (or unsets it for NULL), lets
 * several threads race for the first vgg19_cpu_isa() call and returns the
 * child's exit status, see above. */
static int
isa_in_child (const char *disable)
{
  pid_t pid;
  int status;

  fflush (stdout);
  fflush (stderr);
  pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0) {
    GThread *threads[4];
    LogCount log = { 0, 0, NULL };
    gint first = -1;
    gboolean agree = TRUE;
    char *want_info;
    int code;
    guint i;

    /* Warnings are counted here, not made fatal by G_DEBUG. */
    g_log_set_always_fatal (G_LOG_FATAL_MASK);
    g_log_set_handler ("vgg19", G_LOG_LEVEL_WARNING | G_LOG_LEVEL_INFO,
        count_log, &log);
    if (disable != NULL)
      setenv ("VGG19_DISABLE", disable, 1);
    else
      unsetenv ("VGG19_DISABLE");
    for (i = 0; i < G_N_ELEMENTS (threads); i++)
      threads[i] = g_thread_new ("isa", isa_in_thread, NULL);
    for (i = 0; i < G_N_ELEMENTS (threads); i++) {
      gint isa = GPOINTER_TO_INT (g_thread_join (threads[i])) - 1;

      if (first < 0)
        first = isa;
      agree = agree && isa == first && isa == (gint) vgg19_cpu_isa ();
    }
    want_info = g_strdup_printf ("using %s kernels",
        vgg19_isa_name ((Vgg19Isa) first));
    code = first & CHILD_ISA_MASK;
    if (log.n_info != 1 || !g_str_has_prefix (log.last_info, want_info))
      code |= CHILD_BAD_INFO;
    if (log.n_warnings > 0)
      code |= CHILD_WARNED;
    if (!agree)
      code |= CHILD_DISAGREE;
    _exit (code);
  }
  ck_assert_int_eq (waitpid (pid, &status, 0), pid);
  ck_assert_msg (WIFEXITED (status), "child for VGG19_DISABLE=\"%s\" died",
      shown (disable));
  return WEXITSTATUS (status);
}

START_TEST (test_choice_per_environment)
{
  static const struct
  {
    const char *disable;
    Vgg19Isa cap;               /* the choice must not exceed this */
    gboolean warns;             /* an unknown name is reported */
  } cases[] = {
    {NULL, VGG19_ISA_AVX512, FALSE},
    {"", VGG19_ISA_AVX512, FALSE},
    {"avx512", VGG19_ISA_AVX2, FALSE},
    {"avx2", VGG19_ISA_PORTABLE, FALSE},
    {"AVX512,avx2", VGG19_ISA_PORTABLE, FALSE},
    {"not-an-isa", VGG19_ISA_AVX512, TRUE},
  };
  Vgg19Isa best = VGG19_ISA_PORTABLE;
  guint i;

  if (vgg19_cpu_supports (VGG19_ISA_AVX512))
    best = VGG19_ISA_AVX512;
  else if (vgg19_cpu_supports (VGG19_ISA_AVX2))
    best = VGG19_ISA_AVX2;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    int code = isa_in_child (cases[i].disable);
    Vgg19Isa got = (Vgg19Isa) (code & CHILD_ISA_MASK);

    ck_assert_msg (!(code & CHILD_DISAGREE), "VGG19_DISABLE=\"%s\": threads "
        "racing for the first call got different ISAs",
        shown (cases[i].disable));
    /* The best supported ISA that the setting allows: never one the CPU
     * lacks, never one that was disabled, never a needlessly lower one. */
    ck_assert_msg (vgg19_cpu_supports (got), "VGG19_DISABLE=\"%s\" chose "
        "%s, which this CPU does not support", shown (cases[i].disable),
        vgg19_isa_name (got));
    ck_assert_msg (got == MIN (best, cases[i].cap), "VGG19_DISABLE=\"%s\": "
        "chose %s, expected %s", shown (cases[i].disable),
        vgg19_isa_name (got), vgg19_isa_name (MIN (best, cases[i].cap)));
    ck_assert_msg (!(code & CHILD_BAD_INFO), "VGG19_DISABLE=\"%s\": the "
        "choice was not logged exactly once as \"using %s kernels\"",
        shown (cases[i].disable), vgg19_isa_name (got));
    ck_assert_msg (!!(code & CHILD_WARNED) == cases[i].warns,
        "VGG19_DISABLE=\"%s\": %s", shown (cases[i].disable), cases[i].warns ?
        "the unknown name was not reported" : "unexpected warning");
  }
}
END_TEST

static Suite *
cpu_suite (void)
{
  Suite *s = suite_create ("cpu");
  TCase *tc = tcase_create ("core");

  tcase_add_test (tc, test_apply_disable);
  tcase_add_test (tc, test_names);
  tcase_add_test (tc, test_feature_consistency);
  tcase_add_test (tc, test_matches_proc_cpuinfo);
  tcase_add_test (tc, test_choice_per_environment);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (cpu_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
