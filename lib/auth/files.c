/*
 * Readers for the files admins already have: pppd's chap-secrets (the
 * first factor) and pam_oath's users.oath (TOTP secrets).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/chap.h"
#include "auth/local_internal.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"

#define LINE_MAX_BYTES 4096
#define WORDS_MAX 8

/*
 * Splits a line into words as pppd reads its secrets files: blanks
 * separate words, '#' outside quotes starts a comment, double or single
 * quotes group blanks into a word, and a backslash takes the next
 * character literally. Words are written NUL-terminated into the line
 * buffer itself. Returns the word count, or -1 for an unclosed quote.
 */
static int split_words(char *line, char **words) {
  char *in = line, *out = line;
  int n = 0;

  while (*in != '\0' && n < WORDS_MAX) {
    char quote = 0;

    while (*in == ' ' || *in == '\t' || *in == '\r' || *in == '\n')
      in++;
    if (*in == '\0' || *in == '#')
      break;
    words[n++] = out;
    while (*in != '\0') {
      if (quote == 0 && (*in == ' ' || *in == '\t' || *in == '\r' ||
                         *in == '\n' || *in == '#'))
        break;
      if (quote == 0 && (*in == '"' || *in == '\'')) {
        quote = *in++;
      } else if (*in == quote) {
        quote = 0;
        in++;
      } else if (*in == '\\' && in[1] != '\0') {
        *out++ = in[1];
        in += 2;
      } else {
        *out++ = *in++;
      }
    }
    if (quote != 0)
      return -1;
    if (*in == '#')
      *in = '\0';
    else if (*in != '\0')
      in++;
    *out++ = '\0';
  }
  return n;
}

static FILE *open_file(l2tpsec_local_auth *la, const char *path) {
  FILE *f = fopen(path, "r");

  if (f == NULL)
    L2TPSEC_LOG(&la->settings.log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_AUTH,
                "cannot read %s: %s", path, strerror(errno));
  return f;
}

/* The IP column: the first IPv4 literal gives the user a static address;
 * "*", "-" and anything else give none. */
static void take_address(struct local_user *u, char **words, int n) {
  for (int i = 3; i < n; i++) {
    if (inet_pton(AF_INET, words[i], u->address) == 1) {
      u->has_address = true;
      return;
    }
  }
}

/* One "client server secret [ip...]" line. The server column is not
 * matched against a name: every line is a user of this server. */
static int chap_secrets_line(l2tpsec_local_auth *la, const char *path,
                             unsigned lineno, char **words, int n) {
  struct local_user *u;

  if (n < 3) {
    L2TPSEC_LOG(&la->settings.log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_AUTH,
                "%s:%u: expected 'client server secret [ip...]'", path,
                lineno);
    return L2TPSEC_ERR_CONFIG;
  }
  if (strcmp(words[0], "*") == 0 || words[2][0] == '@') {
    L2TPSEC_LOG(&la->settings.log, L2TPSEC_LOG_WARNING, L2TPSEC_LOG_AUTH,
                "%s:%u: wildcard clients and '@file' secrets are not "
                "supported; line skipped",
                path, lineno);
    return 0;
  }
  if (l2tpsec__local_find(la, words[0]) != NULL) {
    L2TPSEC_LOG(&la->settings.log, L2TPSEC_LOG_WARNING, L2TPSEC_LOG_AUTH,
                "%s:%u: user '%s' appears again; the first line is used",
                path, lineno, words[0]);
    return 0;
  }
  u = l2tpsec__local_add(la, words[0]);
  if (u == NULL || (u->secret = strdup(words[2])) == NULL)
    return L2TPSEC_ERR_NOMEM;
  u->hashed = la->settings.hashed_passwords && words[2][0] == '$';
  take_address(u, words, n);
  return 0;
}

typedef int (*line_fn)(l2tpsec_local_auth *la, const char *path,
                       unsigned lineno, char **words, int n);

static int read_lines(l2tpsec_local_auth *la, const char *path, line_fn fn) {
  char line[LINE_MAX_BYTES];
  char *words[WORDS_MAX];
  unsigned lineno = 0;
  int rc = 0;
  FILE *f = open_file(la, path);

  if (f == NULL)
    return L2TPSEC_ERR_IO;
  while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
    int n;

    lineno++;
    n = split_words(line, words);
    if (n < 0) {
      L2TPSEC_LOG(&la->settings.log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_AUTH,
                  "%s:%u: unclosed quote", path, lineno);
      rc = L2TPSEC_ERR_CONFIG;
    } else if (n > 0) {
      rc = fn(la, path, lineno, words, n);
    }
  }
  l2tpsec_wipe(line, sizeof(line));
  fclose(f);
  return rc;
}

int l2tpsec__read_chap_secrets(l2tpsec_local_auth *la, const char *path) {
  return read_lines(la, path, chap_secrets_line);
}

/*
 * users.oath token types: "HOTP/T<step>" and "HOTP/T<step>/<digits>" are
 * time-based (TOTP); plain "HOTP" and "HOTP/E" count events, which this
 * authenticator does not support.
 */
static bool parse_oath_type(const char *type, uint32_t *step,
                            unsigned *digits) {
  char *end;
  unsigned long v;

  if (strncmp(type, "HOTP/T", 6) != 0)
    return false;
  v = strtoul(type + 6, &end, 10);
  if (v == 0 || v > 3600)
    return false;
  *step = (uint32_t)v;
  *digits = 6;
  if (*end == '\0')
    return true;
  if (*end != '/' || end[1] < '6' || end[1] > '8' || end[2] != '\0')
    return false;
  *digits = (unsigned)(end[1] - '0');
  return true;
}

/* One "type user pin secret-hex [...]" line. The PIN column is not used:
 * the password comes from chap-secrets. */
static int users_oath_line(l2tpsec_local_auth *la, const char *path,
                           unsigned lineno, char **words, int n) {
  struct local_user *u;
  struct totp_secret t = {0};
  size_t hex_len;

  if (n < 4 || !parse_oath_type(words[0], &t.step_s, &t.digits)) {
    L2TPSEC_LOG(&la->settings.log, L2TPSEC_LOG_WARNING, L2TPSEC_LOG_AUTH,
                "%s:%u: not a 'HOTP/T30[/digits] user pin hexsecret' line; "
                "skipped (only time-based tokens are supported)",
                path, lineno);
    return 0;
  }
  hex_len = strlen(words[3]);
  if (hex_len == 0 || hex_len % 2 != 0 || hex_len > 128) {
    L2TPSEC_LOG(&la->settings.log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_AUTH,
                "%s:%u: secret of '%s' must be an even number of hex "
                "digits (at most 128)",
                path, lineno, words[1]);
    return L2TPSEC_ERR_CONFIG;
  }
  t.key_len = hex_len / 2;
  t.key = malloc(t.key_len);
  if (t.key == NULL)
    return L2TPSEC_ERR_NOMEM;
  if (!l2tpsec__hex_decode(words[3], t.key_len, t.key)) {
    free(t.key);
    L2TPSEC_LOG(&la->settings.log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_AUTH,
                "%s:%u: secret of '%s' is not hex", path, lineno, words[1]);
    return L2TPSEC_ERR_CONFIG;
  }
  t.hash = la->settings.totp_hash;

  u = l2tpsec__local_find(la, words[1]);
  if (u == NULL)
    u = l2tpsec__local_add(la, words[1]);
  if (u == NULL) {
    l2tpsec_wipe(t.key, t.key_len);
    free(t.key);
    return L2TPSEC_ERR_NOMEM;
  }
  if (u->totp.key != NULL) {
    l2tpsec_wipe(u->totp.key, u->totp.key_len);
    free(u->totp.key);
  }
  u->totp = t;
  return 0;
}

int l2tpsec__read_users_oath(l2tpsec_local_auth *la, const char *path) {
  return read_lines(la, path, users_oath_line);
}
