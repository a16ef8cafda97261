/*
 * Warnings about files that hold secrets but that other local users
 * may read: the PSK file, and a configuration with an inline psk, user
 * passwords or the RADIUS secret.
 */
#include <stdio.h>
#include <sys/stat.h>

#include "config.h"

static bool has_inline_secrets(const struct server_config *c) {
  return (c->psk_len > 0 && c->psk_file[0] == '\0') || c->user_count > 0 ||
         c->radius_secret[0] != '\0';
}

static void warn_if_exposed(FILE *out, const char *path, const char *what) {
  struct stat st;

  if (path[0] == '\0' || stat(path, &st) != 0 ||
      (st.st_mode & (S_IRGRP | S_IROTH)) == 0)
    return;
  fprintf(out,
          "%s: warning: %s is readable by other users (mode %03o): run "
          "'chmod 600 %s'\n",
          path, what, (unsigned)(st.st_mode & 0777), path);
}

void config_warn_permissions(const struct server_config *c, FILE *out) {
  warn_if_exposed(out, c->psk_file, "the PSK file");
  if (has_inline_secrets(c))
    warn_if_exposed(out, c->path, "this configuration holds secrets and");
}
