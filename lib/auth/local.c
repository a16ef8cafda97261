/*
 * The local authenticator: the first factor from chap-secrets (or the
 * API), the second from TOTP secrets, typed as password immediately
 * followed by the code. PAP splits the field; CHAP-MD5 and MS-CHAPv2
 * cannot split what they never see in clear, so they try
 * password+code for each time step of the window against the response.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/local_internal.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"

void l2tpsec_local_auth_settings_default(l2tpsec_local_auth_settings *s) {
  memset(s, 0, sizeof(*s));
  s->totp_hash = L2TPSEC_TOTP_SHA1;
  s->totp_digits = 6;
  s->totp_step_s = 30;
  s->totp_window = 1;
  s->max_failures = 5;
  s->failure_window_s = 300;
  s->lockout_s = 900;
}

/* ---- The user table ---------------------------------------------------- */

/* NOTE: a linear search, measured only with a handful of users; a store
 * with many thousands of users would want a hash table here. */
struct local_user *l2tpsec__local_find(l2tpsec_local_auth *la,
                                       const char *name) {
  for (size_t i = 0; i < la->user_count; i++)
    if (strcmp(la->users[i].name, name) == 0)
      return &la->users[i];
  return NULL;
}

struct local_user *l2tpsec__local_add(l2tpsec_local_auth *la,
                                      const char *name) {
  struct local_user *u;

  if (la->user_count == la->user_cap) {
    size_t cap = la->user_cap == 0 ? 16 : 2 * la->user_cap;
    struct local_user *grown = realloc(la->users, cap * sizeof(*grown));

    if (grown == NULL)
      return NULL;
    la->users = grown;
    la->user_cap = cap;
  }
  u = &la->users[la->user_count];
  memset(u, 0, sizeof(*u));
  u->name = strdup(name);
  if (u->name == NULL)
    return NULL;
  u->last_step = -1;
  la->user_count++;
  return u;
}

static void free_secret_string(char *s) {
  if (s != NULL)
    l2tpsec_wipe(s, strlen(s));
  free(s);
}

void l2tpsec__local_free_users(l2tpsec_local_auth *la) {
  for (size_t i = 0; i < la->user_count; i++) {
    struct local_user *u = &la->users[i];

    free(u->name);
    free_secret_string(u->secret);
    if (u->totp.key != NULL)
      l2tpsec_wipe(u->totp.key, u->totp.key_len);
    free(u->totp.key);
  }
  free(la->users);
  la->users = NULL;
  la->user_count = la->user_cap = 0;
}

/* ---- Creation ---------------------------------------------------------- */

static int check_settings(const l2tpsec_local_auth_settings *s) {
  const char *bad = NULL;

  if (s->totp_digits < 6 || s->totp_digits > 8)
    bad = "totp_digits must be 6, 7 or 8";
  else if (s->totp_step_s == 0)
    bad = "totp_step_s must be > 0";
  else if (s->totp_window > 10)
    bad = "totp_window must be at most 10 steps";
  else if ((unsigned)s->totp_hash > L2TPSEC_TOTP_SHA512)
    bad = "totp_hash is not a known hash";
  else if (s->google_auth_dir != NULL &&
           strstr(s->google_auth_dir, "%u") == NULL)
    bad = "google_auth_dir must contain %u for the user name, as in "
          "/home/%u/.google_authenticator";
  if (bad == NULL)
    return 0;
  L2TPSEC_LOG(&s->log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_AUTH,
              "invalid local authenticator settings: %s", bad);
  return L2TPSEC_ERR_CONFIG;
}

static int read_files(l2tpsec_local_auth *la,
                      const l2tpsec_local_auth_settings *s) {
  int rc = 0;

  if (s->chap_secrets_path != NULL)
    rc = l2tpsec__read_chap_secrets(la, s->chap_secrets_path);
  if (rc == 0 && s->oath_users_path != NULL)
    rc = l2tpsec__read_users_oath(la, s->oath_users_path);
  return rc;
}

int l2tpsec_local_auth_new(l2tpsec_local_auth **pauth,
                           const l2tpsec_local_auth_settings *s) {
  l2tpsec_local_auth *la;
  int rc;

  if (pauth == NULL || s == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  *pauth = NULL;
  rc = check_settings(s);
  if (rc != 0)
    return rc;
  la = calloc(1, sizeof(*la));
  if (la == NULL)
    return L2TPSEC_ERR_NOMEM;
  la->settings = *s;
  if (s->google_auth_dir != NULL) {
    la->google_auth_path = strdup(s->google_auth_dir);
    if (la->google_auth_path == NULL) {
      free(la);
      return L2TPSEC_ERR_NOMEM;
    }
  }
  la->settings.chap_secrets_path = NULL;
  la->settings.oath_users_path = NULL;
  la->settings.google_auth_dir = NULL;

  rc = read_files(la, s);
  if (rc != 0) {
    l2tpsec_local_auth_del(la);
    return rc;
  }
  *pauth = la;
  return 0;
}

void l2tpsec_local_auth_del(l2tpsec_local_auth *la) {
  if (la == NULL)
    return;
  l2tpsec__local_free_users(la);
  free(la->google_auth_path);
  l2tpsec_wipe(la, sizeof(*la));
  free(la);
}

int l2tpsec_local_auth_add_user(l2tpsec_local_auth *la, const char *user,
                                const char *secret, const uint8_t *totp_key,
                                size_t totp_key_len, const uint8_t *address) {
  struct local_user *u;

  if (la == NULL || user == NULL || secret == NULL ||
      (totp_key == NULL && totp_key_len > 0) || user[0] == '\0')
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  u = l2tpsec__local_find(la, user);
  if (u == NULL)
    u = l2tpsec__local_add(la, user);
  if (u == NULL)
    return L2TPSEC_ERR_NOMEM;

  free_secret_string(u->secret);
  u->secret = strdup(secret);
  u->hashed = la->settings.hashed_passwords && secret[0] == '$';
  u->has_address = address != NULL;
  if (address != NULL)
    memcpy(u->address, address, 4);
  if (u->totp.key != NULL)
    l2tpsec_wipe(u->totp.key, u->totp.key_len);
  free(u->totp.key);
  memset(&u->totp, 0, sizeof(u->totp));
  if (totp_key != NULL && totp_key_len > 0) {
    u->totp.key = malloc(totp_key_len);
    if (u->totp.key == NULL)
      return L2TPSEC_ERR_NOMEM;
    memcpy(u->totp.key, totp_key, totp_key_len);
    u->totp.key_len = totp_key_len;
    u->totp.hash = la->settings.totp_hash;
    u->totp.digits = la->settings.totp_digits;
    u->totp.step_s = la->settings.totp_step_s;
  }
  return u->secret == NULL ? L2TPSEC_ERR_NOMEM : 0;
}
