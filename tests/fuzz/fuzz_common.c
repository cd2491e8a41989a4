/* LLVMFuzzerInitialize() of every target, and in-memory files. */
#define _GNU_SOURCE
#include "fuzz_common.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void
quiet_log (const gchar * domain, GLogLevelFlags level, const gchar * message,
    gpointer user_data)
{
  /* Debug and info messages would only slow the fuzzer down. */
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  /* A g_return_if_fail() or g_warning() reached from the input is a bug
   * of ours, as a crash would be: make it abort so the fuzzer sees it. */
  g_log_set_always_fatal (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL
      | G_LOG_LEVEL_WARNING);
  g_log_set_handler ("vgg19", G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO,
      quiet_log, NULL);
  return 0;
}

int
fuzz_memfd (const uint8_t * data, size_t size, char **path)
{
  int fd = memfd_create ("vgg19-fuzz", MFD_CLOEXEC);
  size_t done = 0;

  if (fd < 0)
    g_error ("memfd_create: %s", g_strerror (errno));
  while (done < size) {
    ssize_t n = write (fd, data + done, size - done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      g_error ("writing the in-memory file: %s", g_strerror (errno));
    done += (size_t) n;
  }
  *path = g_strdup_printf ("/proc/self/fd/%d", fd);
  return fd;
}
