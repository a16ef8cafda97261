/* Building l2tpsec_local_auth from the configuration. */
#include <stddef.h>

#include "authenticator.h"

static const char *path_or_null(const char *path) {
  return path[0] != '\0' ? path : NULL;
}

int authenticator_open(l2tpsec_local_auth **pauth,
                       const struct server_config *c, l2tpsec_log log) {
  l2tpsec_local_auth_settings s;
  l2tpsec_local_auth *auth;
  int rv;

  l2tpsec_local_auth_settings_default(&s);
  s.log = log;
  s.chap_secrets_path = path_or_null(c->chap_secrets);
  s.oath_users_path = path_or_null(c->oath_users);
  s.google_auth_dir = path_or_null(c->google_authenticator);
  s.hashed_passwords = c->hashed_passwords;
  s.require_code = c->require_code;
  s.totp_digits = c->totp_digits;
  s.totp_window = c->totp_window;
  s.max_failures = c->lockout_failures;
  s.failure_window_s = c->lockout_window;
  s.lockout_s = c->lockout_time;
  rv = l2tpsec_local_auth_new(&auth, &s);
  if (rv != 0)
    return rv;

  for (size_t i = 0; i < c->user_count && rv == 0; i++) {
    const struct config_user *u = &c->users[i];

    rv = l2tpsec_local_auth_add_user(auth, u->name, u->password,
                                     u->totp_key_len ? u->totp_key : NULL,
                                     u->totp_key_len, NULL);
  }
  if (rv != 0) {
    l2tpsec_local_auth_del(auth);
    return rv;
  }
  *pauth = auth;
  return 0;
}
