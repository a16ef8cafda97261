/* Helpers for the ESP tests that run an external program. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "esp_interop_util.h"

char *run_with_input(const char *command, const char *input) {
  size_t line_len = strlen(command) + strlen(input) + 4;
  char *line = malloc(line_len);
  size_t cap = 1 << 16, len = 0;
  char *out = malloc(cap);
  FILE *f;

  snprintf(line, line_len, "%s < %s", command, input);
  f = popen(line, "r");
  free(line);
  if (f == NULL || out == NULL) {
    free(out);
    return NULL;
  }
  for (;;) {
    size_t n = fread(out + len, 1, cap - len - 1, f);

    if (n == 0)
      break;
    len += n;
    if (cap - len < 4096)
      out = realloc(out, cap *= 2);
  }
  out[len] = '\0';
  if (pclose(f) != 0) {
    free(out);
    return NULL;
  }
  return out;
}

void require_program(const char *path, const char *package) {
  if (access(path, X_OK) != 0)
    fail_msg("%s is missing: install %s (scripts/install-deps.sh does)", path,
             package);
}
