/*
 * How the local authenticator decides one request: lockout first, then
 * the first factor, then the TOTP code with its window, replay check and
 * scratch codes. Logs name the user, peer, method and reason, never a
 * password or code.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/local_internal.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"

/* Everything one decision needs, gathered before anything is changed. */
struct attempt {
  l2tpsec_local_auth *la;
  const l2tpsec_auth_request *req;
  struct local_user *user;
  int64_t now;                /* Unix seconds */
  char peer_key[80];          /* "peer:" + address without the port */
  struct google_auth ga;
  const struct totp_secret *totp; /* NULL: the user has no second factor */
  int64_t matched_step;       /* accepted time step, or -1 */
  int scratch_index;          /* accepted scratch code, or -1 */
  l2tpsec_auth_result result;
};

static int64_t unix_now(const l2tpsec_local_auth *la) {
  if (la->settings.unix_time != NULL)
    return la->settings.unix_time(la->settings.unix_time_user_data);
  return (int64_t)time(NULL);
}

/* Peers behind one NAT share an address, so the port is left out:
 * "198.51.100.7:1701" and "[2001:db8::1]:1701" lose ":1701". */
static void make_peer_key(const char *peer, char *key, size_t cap) {
  const char *colon = strrchr(peer, ':');
  size_t len = strlen(peer);

  if (colon != NULL && (peer[0] == '[' || strchr(peer, ':') == colon))
    len = (size_t)(colon - peer);
  snprintf(key, cap, "peer:%.*s", (int)len, peer);
}

/* ---- The first factor -------------------------------------------------- */

/* Compares a typed password with a stored clear secret or crypt hash. */
static bool password_matches(l2tpsec_local_auth *la,
                             const struct local_user *u, const uint8_t *typed,
                             size_t len) {
  char clear[L2TPSEC_AUTH_PASSWORD_MAX + 1];
  const char *hash;
  bool ok;

  if (len > L2TPSEC_AUTH_PASSWORD_MAX)
    return false;
  if (!u->hashed)
    return strlen(u->secret) == len &&
           l2tpsec_memeq_consttime(u->secret, typed, len);
  memcpy(clear, typed, len);
  clear[len] = '\0';
  hash = crypt_r(clear, u->secret, &la->crypt);
  ok = hash != NULL && hash[0] != '*' && strlen(hash) == strlen(u->secret) &&
       l2tpsec_memeq_consttime(hash, u->secret, strlen(hash));
  l2tpsec_wipe(clear, sizeof(clear));
  return ok;
}

/* CHAP check of secret+suffix; writes the MS-CHAPv2 auth response. */
static bool chap_matches(struct attempt *a, const char *suffix) {
  uint8_t candidate[L2TPSEC_AUTH_PASSWORD_MAX + 16];
  size_t slen = strlen(a->user->secret), xlen = strlen(suffix);
  int rc;

  if (slen + xlen > sizeof(candidate))
    return false;
  memcpy(candidate, a->user->secret, slen);
  memcpy(candidate + slen, suffix, xlen);
  rc = l2tpsec_auth_check_secret(a->req, candidate, slen + xlen,
                                 a->result.auth_response);
  l2tpsec_wipe(candidate, sizeof(candidate));
  return rc == 0;
}

/* ---- The second factor ------------------------------------------------- */

static bool code_for_step(const struct totp_secret *t, int64_t step,
                          char *code) {
  return step >= 0 && l2tpsec_totp_code(t->hash, t->key, t->key_len,
                                        step * (int64_t)t->step_s, t->step_s,
                                        t->digits, code) == 0;
}

/* Tries every step of the window; `test` returns whether a code fits. */
static int64_t find_step(struct attempt *a,
                         bool (*test)(struct attempt *a, const char *code,
                                      const void *ctx),
                         const void *ctx) {
  const struct totp_secret *t = a->totp;
  int64_t current = a->now / (int64_t)t->step_s;
  int window = (int)a->la->settings.totp_window;
  char code[9];

  for (int64_t d = -window; d <= window; d++) {
    if (code_for_step(t, current + d, code) && test(a, code, ctx)) {
      l2tpsec_wipe(code, sizeof(code));
      return current + d;
    }
  }
  l2tpsec_wipe(code, sizeof(code));
  return -1;
}

static bool scratch_used(const struct local_user *u, const char *code) {
  for (unsigned i = 0; i < u->used_scratch_count; i++)
    if (strcmp(u->used_scratch[i], code) == 0)
      return true;
  return false;
}

static int find_scratch(struct attempt *a,
                        bool (*test)(struct attempt *a, const char *code,
                                     const void *ctx),
                        const void *ctx) {
  for (unsigned i = 0; i < a->ga.scratch_count; i++)
    if (!scratch_used(a->user, a->ga.scratch[i]) &&
        test(a, a->ga.scratch[i], ctx))
      return (int)i;
  return -1;
}

/* PAP: the typed code (ctx) equals the candidate. */
static bool typed_code_equals(struct attempt *a, const char *code,
                              const void *ctx) {
  (void)a;
  return l2tpsec_memeq_consttime(code, ctx, strlen(code) + 1);
}

/* CHAP: secret+candidate reproduces the peer's response. */
static bool chap_with_code(struct attempt *a, const char *code,
                           const void *ctx) {
  (void)ctx;
  return chap_matches(a, code);
}

static void reject(struct attempt *a, enum l2tpsec_auth_reason reason) {
  a->result.accept = false;
  a->result.reason = reason;
}

/* ---- Per method -------------------------------------------------------- */

/* Splits the PAP field with `digits` code digits and checks both parts.
 * Returns whether the password part matches; *found gets the matching
 * step or scratch index, or -1. */
static bool check_split(struct attempt *a, unsigned digits, bool scratch,
                        int64_t *found) {
  const l2tpsec_auth_request *req = a->req;
  long pw_len = l2tpsec_auth_split_code(req->password, req->password_len,
                                        digits);
  char typed[9];
  bool password_ok;

  *found = -1;
  if (pw_len < 0)
    return false;
  password_ok =
      password_matches(a->la, a->user, req->password, (size_t)pw_len);
  memcpy(typed, req->password + pw_len, digits);
  typed[digits] = '\0';
  if (scratch)
    *found = find_scratch(a, typed_code_equals, typed);
  else
    *found = find_step(a, typed_code_equals, typed);
  l2tpsec_wipe(typed, sizeof(typed));
  return password_ok;
}

/* PAP with a code: "password" + "code" split from the right. A TOTP code
 * has the configured digits, a scratch code 8; both splits are tried. */
static void decide_pap_with_code(struct attempt *a) {
  int64_t step, scratch = -1;
  bool totp_password_ok = check_split(a, a->totp->digits, false, &step);
  bool scratch_password_ok = false;

  if (totp_password_ok && step >= 0) {
    a->matched_step = step;
    return;
  }
  if (a->ga.scratch_count > 0)
    scratch_password_ok = check_split(a, SCRATCH_DIGITS, true, &scratch);
  if (scratch_password_ok && scratch >= 0) {
    a->scratch_index = (int)scratch;
    return;
  }

  if (totp_password_ok || scratch_password_ok)
    reject(a, L2TPSEC_AUTH_REASON_WRONG_CODE);
  else if (l2tpsec_auth_split_code(a->req->password, a->req->password_len,
                                   a->totp->digits) < 0)
    reject(a, L2TPSEC_AUTH_REASON_MISSING_CODE);
  else
    reject(a, L2TPSEC_AUTH_REASON_WRONG_PASSWORD);
}

/* CHAP-MD5 / MS-CHAPv2 with a code: the response covers secret+code, so
 * each candidate code of the window is tried (2 * window + 1 hashes). */
static void decide_chap_with_code(struct attempt *a) {
  a->matched_step = find_step(a, chap_with_code, NULL);
  if (a->matched_step < 0)
    a->scratch_index = find_scratch(a, chap_with_code, NULL);
  if (a->matched_step >= 0 || a->scratch_index >= 0)
    return;
  /* Only the password: the user forgot to append the code. */
  if (chap_matches(a, ""))
    reject(a, L2TPSEC_AUTH_REASON_MISSING_CODE);
  else
    reject(a, L2TPSEC_AUTH_REASON_WRONG_PASSWORD_OR_CODE);
}

static void decide_without_code(struct attempt *a) {
  const l2tpsec_auth_request *req = a->req;
  bool ok;

  if (req->method == L2TPSEC_AUTH_PAP)
    ok = password_matches(a->la, a->user, req->password, req->password_len);
  else
    ok = chap_matches(a, "");
  if (!ok)
    reject(a, L2TPSEC_AUTH_REASON_WRONG_PASSWORD);
}

/* ---- Putting it together ----------------------------------------------- */

/* Finds the user and their second factor. Returns false after rejecting. */
static bool prepare(struct attempt *a) {
  l2tpsec_local_auth *la = a->la;
  const l2tpsec_auth_request *req = a->req;

  if (l2tpsec__failures_locked(la, req->user, a->now) ||
      l2tpsec__failures_locked(la, a->peer_key, a->now)) {
    reject(a, L2TPSEC_AUTH_REASON_LOCKED_OUT);
    return false;
  }
  a->user = l2tpsec__local_find(la, req->user);
  if (a->user == NULL || a->user->secret == NULL) {
    reject(a, L2TPSEC_AUTH_REASON_UNKNOWN_USER);
    return false;
  }
  if (a->user->hashed && req->method != L2TPSEC_AUTH_PAP) {
    reject(a, L2TPSEC_AUTH_REASON_METHOD_UNUSABLE);
    return false;
  }
  if (l2tpsec__google_auth_load(la, req->user, &a->ga) != 0) {
    reject(a, L2TPSEC_AUTH_REASON_BACKEND_ERROR);
    return false;
  }
  a->totp = a->user->totp.key != NULL ? &a->user->totp
            : a->ga.present           ? &a->ga.totp
                                      : NULL;
  if (a->totp == NULL && la->settings.require_code) {
    reject(a, L2TPSEC_AUTH_REASON_POLICY);
    return false;
  }
  return true;
}

/* A time step accepted once is refused afterwards (RFC 6238 5.2). */
static void check_replay(struct attempt *a) {
  if (!a->result.accept || a->matched_step < 0)
    return;
  if (a->matched_step <= a->user->last_step)
    reject(a, L2TPSEC_AUTH_REASON_REPLAYED_CODE);
}

/* Records the outcome: used step or scratch code, failure counters. */
static void commit(struct attempt *a) {
  l2tpsec_local_auth *la = a->la;
  struct local_user *u = a->user;

  if (!a->result.accept) {
    if (a->result.reason != L2TPSEC_AUTH_REASON_LOCKED_OUT) {
      l2tpsec__failures_record(la, a->req->user, a->now);
      l2tpsec__failures_record(la, a->peer_key, a->now);
    }
    return;
  }
  l2tpsec__failures_clear(la, a->req->user);
  if (a->matched_step >= 0)
    u->last_step = a->matched_step;
  if (a->scratch_index >= 0) {
    const char *code = a->ga.scratch[a->scratch_index];

    if (u->used_scratch_count < SCRATCH_MAX)
      memcpy(u->used_scratch[u->used_scratch_count++], code,
             SCRATCH_DIGITS + 1);
    if (la->settings.google_auth_rewrite)
      l2tpsec__google_auth_burn(la, a->req->user, code);
  }
  a->result.has_auth_response = a->req->method == L2TPSEC_AUTH_MSCHAPV2;
  if (u->has_address) {
    a->result.attributes.has_address = true;
    memcpy(a->result.attributes.address, u->address, 4);
  }
}

static void log_outcome(const struct attempt *a) {
  const l2tpsec_auth_request *req = a->req;
  const char *second = a->totp == NULL          ? "no code"
                       : a->scratch_index >= 0 ? "scratch code"
                                               : "TOTP code";

  if (a->result.accept)
    L2TPSEC_LOG(&a->la->settings.log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_AUTH,
                "user '%s' from %s accepted by %s with password and %s",
                req->user, req->peer, l2tpsec_auth_method_name(req->method),
                second);
  else
    L2TPSEC_LOG(&a->la->settings.log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_AUTH,
                "user '%s' from %s rejected by %s: %s", req->user, req->peer,
                l2tpsec_auth_method_name(req->method),
                l2tpsec_auth_reason_name(a->result.reason));
}

static void decide(struct attempt *a) {
  a->result.accept = true;
  if (!prepare(a))
    return;
  if (a->totp == NULL)
    decide_without_code(a);
  else if (a->req->method == L2TPSEC_AUTH_PAP)
    decide_pap_with_code(a);
  else
    decide_chap_with_code(a);
  check_replay(a);
}

void l2tpsec_local_auth_request(void *auth, const l2tpsec_auth_request *req) {
  struct attempt a;

  memset(&a, 0, sizeof(a));
  a.la = auth;
  a.req = req;
  a.now = unix_now(a.la);
  a.matched_step = -1;
  a.scratch_index = -1;
  make_peer_key(req->peer != NULL ? req->peer : "", a.peer_key,
                sizeof(a.peer_key));

  decide(&a);
  if (a.user != NULL)
    commit(&a);
  else if (a.result.reason != L2TPSEC_AUTH_REASON_LOCKED_OUT) {
    l2tpsec__failures_record(a.la, req->user, a.now);
    l2tpsec__failures_record(a.la, a.peer_key, a.now);
  }
  log_outcome(&a);
  l2tpsec_wipe(&a.ga, sizeof(a.ga));
  l2tpsec_auth_complete(req, &a.result, req->now);
}
