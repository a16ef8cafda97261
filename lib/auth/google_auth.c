/*
 * The google-authenticator per-user file (~/.google_authenticator as
 * written by Debian's libpam-google-authenticator): a base32 secret on
 * the first line, option lines starting with '"', then 8-digit scratch
 * codes, each usable once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/local_internal.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"

#define GA_FILE_MAX 4096
#define GA_PATH_MAX 4096

long l2tpsec__base32_decode(const char *in, uint8_t *out, size_t cap) {
  uint32_t buffer = 0;
  unsigned bits = 0;
  size_t n = 0;

  for (; *in != '\0'; in++) {
    char c = *in;
    int v;

    if (c == ' ' || c == '=' || c == '-')
      continue;
    if (c >= 'a' && c <= 'z')
      c = (char)(c - 'a' + 'A');
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= '2' && c <= '7')
      v = c - '2' + 26;
    else
      return -1;
    buffer = buffer << 5 | (uint32_t)v;
    bits += 5;
    if (bits >= 8) {
      if (n >= cap)
        return -1;
      out[n++] = (uint8_t)(buffer >> (bits - 8));
      bits -= 8;
    }
  }
  return (long)n;
}

/* A user name is placed into a path: refuse anything that could leave
 * the intended folder. */
static bool safe_name(const char *user) {
  return user[0] != '\0' && user[0] != '.' && strchr(user, '/') == NULL &&
         strlen(user) <= L2TPSEC_AUTH_NAME_MAX;
}

/* Expands each "%u" of the pattern to the user name. */
static bool expand_path(const char *pattern, const char *user, char *out) {
  size_t n = 0, ulen = strlen(user);

  for (const char *p = pattern; *p != '\0'; p++) {
    if (p[0] == '%' && p[1] == 'u') {
      if (n + ulen >= GA_PATH_MAX)
        return false;
      memcpy(out + n, user, ulen);
      n += ulen;
      p++;
      continue;
    }
    if (n + 1 >= GA_PATH_MAX)
      return false;
    out[n++] = *p;
  }
  out[n] = '\0';
  return true;
}

static bool path_for(l2tpsec_local_auth *la, const char *user, char *path) {
  return la->google_auth_path != NULL && safe_name(user) &&
         expand_path(la->google_auth_path, user, path);
}

/* Reads the whole (small) file into buf; returns its length or -1. */
static long read_file(const char *path, char *buf, size_t cap) {
  FILE *f = fopen(path, "r");
  size_t n;

  if (f == NULL)
    return -1;
  n = fread(buf, 1, cap - 1, f);
  fclose(f);
  buf[n] = '\0';
  return (long)n;
}

static bool is_scratch_code(const char *line) {
  if (strlen(line) != SCRATCH_DIGITS)
    return false;
  for (int i = 0; i < SCRATCH_DIGITS; i++)
    if (line[i] < '0' || line[i] > '9')
      return false;
  return true;
}

static void parse_option(struct google_auth *ga, const char *line,
                         bool *counter_based) {
  if (strncmp(line, "\" STEP_SIZE ", 12) == 0) {
    unsigned long step = strtoul(line + 12, NULL, 10);

    if (step > 0 && step <= 3600)
      ga->totp.step_s = (uint32_t)step;
  } else if (strncmp(line, "\" HOTP_COUNTER", 14) == 0) {
    *counter_based = true;
  }
}

static int parse_file(l2tpsec_local_auth *la, const char *path, char *text,
                      struct google_auth *ga) {
  char *save = NULL;
  char *line = strtok_r(text, "\r\n", &save);
  bool counter_based = false;
  long key_len;

  key_len = line != NULL ? l2tpsec__base32_decode(line, ga->key,
                                                  sizeof(ga->key))
                         : -1;
  if (key_len <= 0) {
    L2TPSEC_LOG(&la->settings.log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_AUTH,
                "%s: first line is not a base32 secret", path);
    return L2TPSEC_ERR_CONFIG;
  }
  ga->totp.key = ga->key;
  ga->totp.key_len = (size_t)key_len;
  ga->totp.hash = L2TPSEC_TOTP_SHA1;
  ga->totp.digits = 6;
  ga->totp.step_s = 30;

  while ((line = strtok_r(NULL, "\r\n", &save)) != NULL) {
    if (line[0] == '"')
      parse_option(ga, line, &counter_based);
    else if (is_scratch_code(line) && ga->scratch_count < SCRATCH_MAX)
      memcpy(ga->scratch[ga->scratch_count++], line, SCRATCH_DIGITS + 1);
  }
  if (counter_based) {
    L2TPSEC_LOG(&la->settings.log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_AUTH,
                "%s: counter-based (HOTP) codes are not supported; "
                "regenerate it with time-based codes",
                path);
    return L2TPSEC_ERR_UNSUPPORTED;
  }
  ga->present = true;
  return 0;
}

int l2tpsec__google_auth_load(l2tpsec_local_auth *la, const char *user,
                              struct google_auth *ga) {
  char path[GA_PATH_MAX];
  char text[GA_FILE_MAX];
  int rc;

  memset(ga, 0, sizeof(*ga));
  if (!path_for(la, user, path))
    return 0;
  if (read_file(path, text, sizeof(text)) < 0) {
    if (errno == ENOENT)
      return 0;
    L2TPSEC_LOG(&la->settings.log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_AUTH,
                "cannot read %s: %s", path, strerror(errno));
    return L2TPSEC_ERR_IO;
  }
  rc = parse_file(la, path, text, ga);
  l2tpsec_wipe(text, sizeof(text));
  return rc;
}

/* Writes the file again without the used code, through a temporary file
 * renamed over the original so that a crash leaves one or the other. */
int l2tpsec__google_auth_burn(l2tpsec_local_auth *la, const char *user,
                              const char *code) {
  char path[GA_PATH_MAX], tmp[GA_PATH_MAX + 8];
  char text[GA_FILE_MAX], out[GA_FILE_MAX];
  size_t n = 0;
  char *save = NULL;
  int fd, rc = 0;

  if (!path_for(la, user, path) || read_file(path, text, sizeof(text)) < 0)
    return L2TPSEC_ERR_IO;
  for (char *line = strtok_r(text, "\n", &save); line != NULL;
       line = strtok_r(NULL, "\n", &save)) {
    size_t len = strlen(line);

    if (strcmp(line, code) == 0 || n + len + 1 >= sizeof(out))
      continue;
    memcpy(out + n, line, len);
    out[n + len] = '\n';
    n += len + 1;
  }
  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || write(fd, out, n) != (ssize_t)n || fsync(fd) != 0 ||
      rename(tmp, path) != 0) {
    L2TPSEC_LOG(&la->settings.log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_AUTH,
                "cannot rewrite %s to remove a used scratch code: %s; the "
                "code stays refused until restart",
                path, strerror(errno));
    rc = L2TPSEC_ERR_IO;
  }
  if (fd >= 0)
    close(fd);
  l2tpsec_wipe(text, sizeof(text));
  l2tpsec_wipe(out, sizeof(out));
  return rc;
}
