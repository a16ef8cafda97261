/* Internal state of the local authenticator (chap-secrets + TOTP). */
#ifndef L2TPSEC_AUTH_LOCAL_INTERNAL_H
#define L2TPSEC_AUTH_LOCAL_INTERNAL_H

#include <crypt.h>

#include "core/log_internal.h"
#include "l2tpsec/auth.h"

/* A TOTP secret and its parameters. */
struct totp_secret {
  uint8_t *key;
  size_t key_len;
  enum l2tpsec_totp_hash hash;
  unsigned digits;
  uint32_t step_s;
};

/* google-authenticator files hold at most a handful of scratch codes. */
#define SCRATCH_MAX 16
#define SCRATCH_DIGITS 8

struct local_user {
  char *name;
  char *secret; /* clear password, or a crypt(3) hash when hashed */
  bool hashed;
  bool has_address;
  uint8_t address[4];
  struct totp_secret totp; /* key NULL: none from users.oath or the API */
  int64_t last_step;       /* highest accepted time step, -1 for none */
  /* Scratch codes used while the file could not be rewritten. */
  char used_scratch[SCRATCH_MAX][SCRATCH_DIGITS + 1];
  unsigned used_scratch_count;
};

/* Failures of one user or one peer address (RFC 6238 section 5.2 asks
 * for throttling of failed attempts). */
struct failure_record {
  char key[L2TPSEC_AUTH_NAME_MAX + 8];
  unsigned count;
  int64_t window_start; /* Unix seconds */
  int64_t locked_until;
};

#define FAILURE_TABLE_SIZE 1024

struct l2tpsec_local_auth {
  l2tpsec_local_auth_settings settings;
  char *google_auth_path; /* owned copy of the pattern */
  struct local_user *users;
  size_t user_count, user_cap;
  struct failure_record failures[FAILURE_TABLE_SIZE];
  struct crypt_data crypt; /* crypt_r scratch space: one thread only */
};

/* ---- users.c ---- */
struct local_user *l2tpsec__local_find(l2tpsec_local_auth *la,
                                       const char *name);
struct local_user *l2tpsec__local_add(l2tpsec_local_auth *la,
                                      const char *name);
void l2tpsec__local_free_users(l2tpsec_local_auth *la);

/* ---- files.c ---- */
int l2tpsec__read_chap_secrets(l2tpsec_local_auth *la, const char *path);
int l2tpsec__read_users_oath(l2tpsec_local_auth *la, const char *path);

/* ---- google_auth.c ---- */
struct google_auth {
  bool present;
  struct totp_secret totp;
  uint8_t key[64];
  char scratch[SCRATCH_MAX][SCRATCH_DIGITS + 1];
  unsigned scratch_count;
};

/* Reads the user's google-authenticator file when one is configured and
 * exists. Returns 0 (present may be false) or a negative error. */
int l2tpsec__google_auth_load(l2tpsec_local_auth *la, const char *user,
                              struct google_auth *ga);
/* Removes a used scratch code from the user's file. */
int l2tpsec__google_auth_burn(l2tpsec_local_auth *la, const char *user,
                              const char *code);
/* Decodes RFC 4648 base32 (spaces and padding ignored, any case);
 * returns the byte count or -1. */
long l2tpsec__base32_decode(const char *in, uint8_t *out, size_t cap);

/* ---- failures.c ---- */
bool l2tpsec__failures_locked(l2tpsec_local_auth *la, const char *key,
                              int64_t now);
void l2tpsec__failures_record(l2tpsec_local_auth *la, const char *key,
                              int64_t now);
void l2tpsec__failures_clear(l2tpsec_local_auth *la, const char *key);

#endif
