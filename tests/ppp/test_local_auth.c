/*
 * The local authenticator: chap-secrets, users.oath and
 * google-authenticator files, password+code for PAP, CHAP-MD5 and
 * MS-CHAPv2, the ±1 step window, replay refusal, lockout, hashed
 * passwords, and cross-checks of codes with oathtool.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <crypt.h>

#include <cmocka.h>

#include "auth/chap.h"
#include "l2tpsec/auth.h"
#include "l2tpsec/errors.h"
#include "ppp_harness.h"

/* RFC 6238's SHA-1 seed. */
static const uint8_t key20[] = "12345678901234567890";
static int64_t fake_now = 1111111109; /* an RFC 6238 Appendix B time */
static char dir[64];

static int64_t clock_fn(void *user_data) {
  (void)user_data;
  return fake_now;
}

/* The decision a synchronous authenticator hands to complete(). */
struct capture {
  int calls;
  l2tpsec_auth_result result;
};

static void capture_hook(void *owner, const l2tpsec_auth_request *req,
                         const l2tpsec_auth_result *result,
                         l2tpsec_tstamp now) {
  struct capture *c = owner;

  (void)req;
  (void)now;
  c->calls++;
  c->result = *result;
}

static void write_file(const char *name, const char *text) {
  char path[128];
  FILE *f;

  snprintf(path, sizeof(path), "%s/%s", dir, name);
  f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static char *path_of(const char *name) {
  static char path[4][128];
  static int next;
  char *p = path[next++ % 4];

  snprintf(p, 128, "%s/%s", dir, name);
  return p;
}

static int setup_dir(void **state) {
  snprintf(dir, sizeof(dir), "/tmp/l2tpsec-auth-XXXXXX");
  assert_non_null(mkdtemp(dir));
  fake_now = 1111111109;
  return 0;
}

static int remove_dir(void **state) {
  char cmd[128];

  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  return system(cmd) == 0 ? 0 : -1;
}

static l2tpsec_local_auth *new_auth(l2tpsec_local_auth_settings *s) {
  l2tpsec_local_auth *la = NULL;

  s->unix_time = clock_fn;
  assert_int_equal(l2tpsec_local_auth_new(&la, s), 0);
  return la;
}

static l2tpsec_local_auth *auth_with_alice(unsigned digits) {
  l2tpsec_local_auth_settings s;
  l2tpsec_local_auth *la;

  l2tpsec_local_auth_settings_default(&s);
  s.totp_digits = digits;
  la = new_auth(&s);
  assert_int_equal(
      l2tpsec_local_auth_add_user(la, "alice", "Secr3t!", key20, 20, NULL),
      0);
  assert_int_equal(
      l2tpsec_local_auth_add_user(la, "bob", "pass2024", key20, 20, NULL), 0);
  return la;
}

static const char *code_at(int64_t t, unsigned digits) {
  static char code[9];

  assert_int_equal(
      l2tpsec_totp_code(L2TPSEC_TOTP_SHA1, key20, 20, t, 30, digits, code), 0);
  return code;
}

/* Runs one PAP request with the typed field through the authenticator. */
static struct capture run_pap(l2tpsec_local_auth *la, const char *user,
                              const char *field, const char *peer) {
  struct capture c = {0};
  l2tpsec_auth_request req;

  memset(&req, 0, sizeof(req));
  req.method = L2TPSEC_AUTH_PAP;
  req.user = user;
  req.user_len = strlen(user);
  req.peer = peer;
  req.password = (const uint8_t *)field;
  req.password_len = strlen(field);
  req.complete_fn = capture_hook;
  req.owner = &c;
  l2tpsec_local_auth_request(la, &req);
  assert_int_equal(c.calls, 1);
  return c;
}

static struct capture pap_typed(l2tpsec_local_auth *la, const char *user,
                                const char *password, const char *code) {
  char field[128];

  snprintf(field, sizeof(field), "%s%s", password, code);
  return run_pap(la, user, field, "203.0.113.5:1701");
}

/* A CHAP-MD5 or MS-CHAPv2 request as a client typing `typed` sends it. */
static struct capture run_chap(l2tpsec_local_auth *la,
                               enum l2tpsec_auth_method method,
                               const char *user, const char *typed,
                               uint8_t expected_auth[20]) {
  static const uint8_t challenge[16] = {1, 2, 3, 4, 5, 6, 7, 8,
                                        9, 10, 11, 12, 13, 14, 15, 16};
  static const uint8_t peer_challenge[16] = {9, 9, 9, 9, 8, 8, 8, 8,
                                             7, 7, 7, 7, 6, 6, 6, 6};
  uint8_t response[16], nt[24], hash[16];
  struct capture c = {0};
  l2tpsec_auth_request req;

  memset(&req, 0, sizeof(req));
  req.method = method;
  req.user = user;
  req.user_len = strlen(user);
  req.peer = "203.0.113.6:1701";
  req.chap_id = 7;
  req.challenge = challenge;
  req.challenge_len = 16;
  if (method == L2TPSEC_AUTH_CHAP_MD5) {
    l2tpsec__chap_md5_response(7, (const uint8_t *)typed, strlen(typed),
                               challenge, 16, response);
    req.response = response;
    req.response_len = 16;
  } else {
    l2tpsec__nt_password_hash((const uint8_t *)typed, strlen(typed), hash);
    l2tpsec__mschapv2_nt_response(challenge, peer_challenge, user,
                                  strlen(user), hash, nt);
    if (expected_auth != NULL)
      l2tpsec__mschapv2_auth_response(hash, nt, peer_challenge, challenge,
                                      user, strlen(user), expected_auth);
    req.peer_challenge = peer_challenge;
    req.nt_response = nt;
  }
  req.complete_fn = capture_hook;
  req.owner = &c;
  l2tpsec_local_auth_request(la, &req);
  assert_int_equal(c.calls, 1);
  return c;
}

static void assert_rejected(struct capture c, enum l2tpsec_auth_reason why) {
  assert_false(c.result.accept);
  assert_int_equal(c.result.reason, why);
}

/* ---- Splitting password and code --------------------------------------- */

static void split_takes_digits_from_right(void **state) {
  const uint8_t *f1 = (const uint8_t *)"Secr3t!123456";
  const uint8_t *f2 = (const uint8_t *)"pass2024654321";

  assert_int_equal(l2tpsec_auth_split_code(f1, 13, 6), 7);
  assert_int_equal(l2tpsec_auth_split_code(f2, 14, 6), 8);
  assert_int_equal(l2tpsec_auth_split_code(f2, 14, 8), 6);
  assert_int_equal(l2tpsec_auth_split_code((const uint8_t *)"12345", 5, 6),
                   -1);
  assert_int_equal(l2tpsec_auth_split_code((const uint8_t *)"abcdefg", 7, 6),
                   -1);
  assert_int_equal(l2tpsec_auth_split_code((const uint8_t *)"123456", 6, 6),
                   0);
}

/* ---- PAP with a code ---------------------------------------------------- */

static void pap_password_and_code_accepted(void **state) {
  l2tpsec_local_auth *la = auth_with_alice(6);

  assert_true(pap_typed(la, "alice", "Secr3t!", code_at(fake_now, 6))
                  .result.accept);
  /* A password ending in digits is split by exactly six from the right. */
  assert_true(pap_typed(la, "bob", "pass2024", code_at(fake_now, 6))
                  .result.accept);
  l2tpsec_local_auth_del(la);
}

static void pap_eight_digit_codes(void **state) {
  l2tpsec_local_auth *la = auth_with_alice(8);

  assert_string_equal(code_at(fake_now, 8), "07081804");
  assert_true(pap_typed(la, "alice", "Secr3t!", "07081804").result.accept);
  l2tpsec_local_auth_del(la);
}

static void pap_wrong_password_or_code(void **state) {
  l2tpsec_local_auth *la = auth_with_alice(6);
  const char *good = code_at(fake_now, 6);
  char bad[16];

  snprintf(bad, sizeof(bad), "%06d", (atoi(good) + 1) % 1000000);
  assert_rejected(pap_typed(la, "alice", "Secr3t?", good),
                  L2TPSEC_AUTH_REASON_WRONG_PASSWORD);
  assert_rejected(pap_typed(la, "alice", "Secr3t!", bad),
                  L2TPSEC_AUTH_REASON_WRONG_CODE);
  assert_rejected(pap_typed(la, "alice", "", "12345"),
                  L2TPSEC_AUTH_REASON_MISSING_CODE);
  assert_rejected(pap_typed(la, "alice", "Secr3t!", ""),
                  L2TPSEC_AUTH_REASON_MISSING_CODE);
  assert_rejected(pap_typed(la, "carol", "x", good),
                  L2TPSEC_AUTH_REASON_UNKNOWN_USER);
  l2tpsec_local_auth_del(la);
}

static void replayed_code_refused(void **state) {
  l2tpsec_local_auth *la = auth_with_alice(6);
  char code[16];

  snprintf(code, sizeof(code), "%s", code_at(fake_now, 6));
  assert_true(pap_typed(la, "alice", "Secr3t!", code).result.accept);
  assert_rejected(pap_typed(la, "alice", "Secr3t!", code),
                  L2TPSEC_AUTH_REASON_REPLAYED_CODE);
  /* An older step inside the window is refused too once a newer one was
   * used. */
  assert_rejected(pap_typed(la, "alice", "Secr3t!", code_at(fake_now - 30, 6)),
                  L2TPSEC_AUTH_REASON_REPLAYED_CODE);
  fake_now += 30;
  assert_true(pap_typed(la, "alice", "Secr3t!", code_at(fake_now, 6))
                  .result.accept);
  l2tpsec_local_auth_del(la);
}

static void clock_skew_one_step_only(void **state) {
  static const int offsets[] = {-30, 30};

  for (int i = 0; i < 2; i++) {
    l2tpsec_local_auth *la = auth_with_alice(6);

    assert_true(pap_typed(la, "alice", "Secr3t!",
                          code_at(fake_now + offsets[i], 6))
                    .result.accept);
    assert_rejected(pap_typed(la, "bob", "pass2024",
                              code_at(fake_now + 2 * offsets[i], 6)),
                    L2TPSEC_AUTH_REASON_WRONG_CODE);
    l2tpsec_local_auth_del(la);
  }
}

static void lockout_per_user_and_peer(void **state) {
  l2tpsec_local_auth *la = auth_with_alice(6);
  char good[16];

  snprintf(good, sizeof(good), "%s", code_at(fake_now, 6));
  for (int i = 0; i < 5; i++)
    assert_rejected(run_pap(la, "alice", "nope000000", "198.51.100.7:1"),
                    L2TPSEC_AUTH_REASON_WRONG_PASSWORD);
  /* Locked: even the right password and code are refused now. */
  assert_rejected(pap_typed(la, "alice", "Secr3t!", good),
                  L2TPSEC_AUTH_REASON_LOCKED_OUT);
  /* The peer address is locked too, for every user and port. */
  assert_rejected(run_pap(la, "bob", "pass2024000000", "198.51.100.7:9"),
                  L2TPSEC_AUTH_REASON_LOCKED_OUT);
  fake_now += 901;
  assert_true(pap_typed(la, "alice", "Secr3t!", code_at(fake_now, 6))
                  .result.accept);
  l2tpsec_local_auth_del(la);
}

/* ---- CHAP-MD5 and MS-CHAPv2 with a code --------------------------------- */

static void chap_methods_try_each_step(void **state) {
  enum l2tpsec_auth_method methods[] = {L2TPSEC_AUTH_CHAP_MD5,
                                        L2TPSEC_AUTH_MSCHAPV2};

  for (int i = 0; i < 2; i++) {
    l2tpsec_local_auth *la = auth_with_alice(6);
    uint8_t expected[20];
    char typed[32];
    struct capture c;

    snprintf(typed, sizeof(typed), "Secr3t!%s", code_at(fake_now + 30, 6));
    c = run_chap(la, methods[i], "alice", typed, expected);
    assert_true(c.result.accept);
    if (methods[i] == L2TPSEC_AUTH_MSCHAPV2) {
      assert_true(c.result.has_auth_response);
      assert_memory_equal(c.result.auth_response, expected, 20);
    }
    assert_rejected(run_chap(la, methods[i], "alice", typed, NULL),
                    L2TPSEC_AUTH_REASON_REPLAYED_CODE);
    assert_rejected(run_chap(la, methods[i], "alice", "Secr3t!", NULL),
                    L2TPSEC_AUTH_REASON_MISSING_CODE);
    snprintf(typed, sizeof(typed), "Secr3t!%s", code_at(fake_now + 60, 6));
    assert_rejected(run_chap(la, methods[i], "bob", typed, NULL),
                    L2TPSEC_AUTH_REASON_WRONG_PASSWORD_OR_CODE);
    l2tpsec_local_auth_del(la);
  }
}

/* ---- Files -------------------------------------------------------------- */

static void chap_secrets_format(void **state) {
  l2tpsec_local_auth_settings s;
  l2tpsec_local_auth *la;
  struct capture c;
  uint8_t expected[20];

  write_file("chap-secrets",
             "# client  server  secret  IP addresses\n"
             "alice * \"pass word\" 198.51.100.77\n"
             "\"bob\" l2tpsec b\\\"q *   # comment\n"
             "* * ignored *\n");
  l2tpsec_local_auth_settings_default(&s);
  s.chap_secrets_path = path_of("chap-secrets");
  la = new_auth(&s);

  c = run_pap(la, "alice", "pass word", "192.0.2.1:1701");
  assert_true(c.result.accept);
  assert_true(c.result.attributes.has_address);
  assert_int_equal(c.result.attributes.address[3], 77);
  c = run_chap(la, L2TPSEC_AUTH_MSCHAPV2, "bob", "b\"q", expected);
  assert_true(c.result.accept);
  assert_false(c.result.attributes.has_address);
  assert_memory_equal(c.result.auth_response, expected, 20);
  l2tpsec_local_auth_del(la);

  write_file("broken", "alice * \"unclosed\n");
  s.chap_secrets_path = path_of("broken");
  assert_int_equal(l2tpsec_local_auth_new(&la, &s), L2TPSEC_ERR_CONFIG);
  s.chap_secrets_path = path_of("missing");
  assert_int_equal(l2tpsec_local_auth_new(&la, &s), L2TPSEC_ERR_IO);
  /* One file for every user would share one secret: refused. */
  s.chap_secrets_path = NULL;
  s.google_auth_dir = "/home/.google_authenticator";
  assert_int_equal(l2tpsec_local_auth_new(&la, &s), L2TPSEC_ERR_CONFIG);
}

/* crypt(3) hashes work for PAP; CHAP needs the clear secret. */
static void hashed_password_pap_only(void **state) {
  l2tpsec_local_auth_settings s;
  l2tpsec_local_auth *la;
  char line[256];
  struct crypt_data cd;
  const char *hash;

  memset(&cd, 0, sizeof(cd));
  hash = crypt_r("Secr3t!", "$6$saltsalt$", &cd);
  assert_non_null(hash);
  snprintf(line, sizeof(line), "alice * %s\n", hash);
  write_file("hashed", line);
  l2tpsec_local_auth_settings_default(&s);
  s.chap_secrets_path = path_of("hashed");
  s.hashed_passwords = true;
  la = new_auth(&s);

  assert_true(run_pap(la, "alice", "Secr3t!", "192.0.2.2:1").result.accept);
  assert_rejected(run_pap(la, "alice", "Secr3t?", "192.0.2.2:1"),
                  L2TPSEC_AUTH_REASON_WRONG_PASSWORD);
  assert_rejected(run_chap(la, L2TPSEC_AUTH_MSCHAPV2, "alice", "Secr3t!",
                           NULL),
                  L2TPSEC_AUTH_REASON_METHOD_UNUSABLE);
  assert_rejected(run_chap(la, L2TPSEC_AUTH_CHAP_MD5, "alice", "Secr3t!",
                           NULL),
                  L2TPSEC_AUTH_REASON_METHOD_UNUSABLE);
  l2tpsec_local_auth_del(la);
}

/* Runs oathtool (Debian's oath-toolkit) for a hex key at a Unix time. */
static void oathtool_code(const char *args, int64_t t, char *out) {
  char cmd[256];
  FILE *p;

  snprintf(cmd, sizeof(cmd), "oathtool --totp%s -N @%lld", args,
           (long long)t);
  p = popen(cmd, "r");
  if (p == NULL || fgets(out, 16, p) == NULL)
    fail_msg("oathtool is missing or failed; install oathtool "
             "(scripts/install-deps.sh)");
  pclose(p);
  out[strcspn(out, "\n")] = '\0';
}

static void users_oath_and_oathtool_agree(void **state) {
  l2tpsec_local_auth_settings s;
  l2tpsec_local_auth *la;
  char code[16], field[64];

  write_file("chap-secrets", "alice * pw\ncarol * pw2\n");
  write_file("users.oath",
             "# type user pin secret\n"
             "HOTP/T30 alice - 3132333435363738393031323334353637383930\n"
             "HOTP/T30/8 carol - 3132333435363738393031323334353637383930\n"
             "HOTP dave - 00\n");
  l2tpsec_local_auth_settings_default(&s);
  s.chap_secrets_path = path_of("chap-secrets");
  s.oath_users_path = path_of("users.oath");
  s.require_code = true;
  la = new_auth(&s);

  oathtool_code(" -d 6 3132333435363738393031323334353637383930", fake_now,
                code);
  assert_string_equal(code, code_at(fake_now, 6));
  snprintf(field, sizeof(field), "pw%s", code);
  assert_true(run_pap(la, "alice", field, "192.0.2.3:1").result.accept);

  oathtool_code(" -d 8 3132333435363738393031323334353637383930",
                fake_now + 30, code);
  snprintf(field, sizeof(field), "pw2%s", code);
  assert_true(run_pap(la, "carol", field, "192.0.2.3:1").result.accept);

  /* SHA-256 from oathtool against ours, RFC 6238's 32-byte seed. */
  oathtool_code("=sha256 -d 8 3132333435363738393031323334353637383930"
                "313233343536373839303132",
                1234567890, code);
  assert_string_equal(code, "91819424");
  l2tpsec_local_auth_del(la);
}

static void google_authenticator_scratch_once(void **state) {
  l2tpsec_local_auth_settings s;
  l2tpsec_local_auth *la;
  char path[128], text[512];
  FILE *f;
  size_t n;

  snprintf(path, sizeof(path), "%s/alice", dir);
  assert_int_equal(mkdir(path, 0700), 0);
  /* base32 of "12345678901234567890" */
  write_file("alice/.google_authenticator",
             "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n"
             "\" RATE_LIMIT 3 30\n"
             "\" WINDOW_SIZE 3\n"
             "\" DISALLOW_REUSE\n"
             "\" TOTP_AUTH\n"
             "11112222\n"
             "33334444\n");
  write_file("chap-secrets", "alice * pw\n");
  l2tpsec_local_auth_settings_default(&s);
  s.chap_secrets_path = path_of("chap-secrets");
  snprintf(text, sizeof(text), "%s/%%u/.google_authenticator", dir);
  s.google_auth_dir = text;
  s.google_auth_rewrite = true;
  la = new_auth(&s);

  assert_true(pap_typed(la, "alice", "pw", code_at(fake_now, 6))
                  .result.accept);
  assert_true(run_pap(la, "alice", "pw11112222", "192.0.2.4:1")
                  .result.accept);
  assert_rejected(run_pap(la, "alice", "pw11112222", "192.0.2.4:1"),
                  L2TPSEC_AUTH_REASON_WRONG_CODE);

  snprintf(path, sizeof(path), "%s/alice/.google_authenticator", dir);
  f = fopen(path, "r");
  assert_non_null(f);
  n = fread(text, 1, sizeof(text) - 1, f);
  fclose(f);
  text[n] = '\0';
  assert_null(strstr(text, "11112222"));
  assert_non_null(strstr(text, "33334444"));
  /* A user name that would leave the folder is never used in a path. */
  assert_rejected(run_pap(la, "../alice", "pw33334444", "192.0.2.4:1"),
                  L2TPSEC_AUTH_REASON_UNKNOWN_USER);
  l2tpsec_local_auth_del(la);
}

/* ---- Logs --------------------------------------------------------------- */

static char log_text[16384];

static void collect_log(void *user_data, enum l2tpsec_log_level level,
                        enum l2tpsec_log_category category,
                        const char *message) {
  (void)user_data;
  (void)level;
  (void)category;
  strncat(log_text, message, sizeof(log_text) - strlen(log_text) - 2);
  strcat(log_text, "\n");
}

/* Logs say who failed and why, but never the password or the code. */
static void logs_never_show_secrets(void **state) {
  l2tpsec_local_auth_settings s;
  l2tpsec_local_auth *la;
  char code[16], wrong[16];

  log_text[0] = '\0';
  l2tpsec_local_auth_settings_default(&s);
  s.log.fn = collect_log;
  s.log.max_level = L2TPSEC_LOG_DEBUG;
  la = new_auth(&s);
  assert_int_equal(
      l2tpsec_local_auth_add_user(la, "alice", "Secr3t!", key20, 20, NULL),
      0);
  snprintf(code, sizeof(code), "%s", code_at(fake_now, 6));
  snprintf(wrong, sizeof(wrong), "%06d", (atoi(code) + 7) % 1000000);
  assert_true(pap_typed(la, "alice", "Secr3t!", code).result.accept);
  pap_typed(la, "alice", "Secr3t!", code);
  pap_typed(la, "alice", "Secr3t!", wrong);
  pap_typed(la, "alice", "Wrong!!", wrong);
  run_chap(la, L2TPSEC_AUTH_MSCHAPV2, "alice", "Secr3t!", NULL);

  assert_non_null(strstr(log_text, "code already used"));
  assert_non_null(strstr(log_text, "wrong code"));
  assert_non_null(strstr(log_text, "wrong password"));
  assert_non_null(strstr(log_text, "code missing"));
  assert_non_null(strstr(log_text, "'alice'"));
  assert_null(strstr(log_text, "Secr3t"));
  assert_null(strstr(log_text, "Wrong!!"));
  assert_null(strstr(log_text, code));
  assert_null(strstr(log_text, wrong));
  l2tpsec_local_auth_del(la);
}

/* ---- Through PPP ------------------------------------------------------- */

static void ppp_auth_fn(struct harness *h, const l2tpsec_auth_request *req) {
  l2tpsec_local_auth_request(h->auth_ctx, req);
}

static void ppp_login_with_code(void **state) {
  enum l2tpsec_auth_method methods[] = {
      L2TPSEC_AUTH_PAP, L2TPSEC_AUTH_CHAP_MD5, L2TPSEC_AUTH_MSCHAPV2};

  for (int i = 0; i < 3; i++) {
    static struct harness h;
    l2tpsec_ppp_settings server, client;
    l2tpsec_local_auth *la = auth_with_alice(6);
    char typed[32];

    memset(&h, 0, sizeof(h));
    h.auth_mode = AUTH_MODE_CALLBACK;
    h.auth_fn = ppp_auth_fn;
    h.auth_ctx = la;
    harness_settings(&h, 0, &server);
    harness_settings(&h, 1, &client);
    memset(server.methods, 0, sizeof(server.methods));
    server.methods[0] = methods[i];
    snprintf(typed, sizeof(typed), "Secr3t!%s", code_at(fake_now, 6));
    client.password = typed;
    harness_start(&h, 31, &server, &client);
    assert_true(harness_run(&h, 60 * L2TPSEC_SECONDS, harness_both_up));
    harness_stop(&h);

    /* The same code again: replay refused, the link fails. */
    memset(&h, 0, sizeof(h));
    h.auth_mode = AUTH_MODE_CALLBACK;
    h.auth_fn = ppp_auth_fn;
    h.auth_ctx = la;
    harness_start(&h, 32, &server, &client);
    assert_true(harness_run(&h, 60 * L2TPSEC_SECONDS, harness_any_dead));
    assert_int_equal(h.end[0].last_auth_reason,
                     L2TPSEC_AUTH_REASON_REPLAYED_CODE);
    harness_stop(&h);
    l2tpsec_local_auth_del(la);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(split_takes_digits_from_right),
      cmocka_unit_test_setup_teardown(pap_password_and_code_accepted,
                                      setup_dir, remove_dir),
      cmocka_unit_test_setup_teardown(pap_eight_digit_codes, setup_dir,
                                      remove_dir),
      cmocka_unit_test_setup_teardown(pap_wrong_password_or_code, setup_dir,
                                      remove_dir),
      cmocka_unit_test_setup_teardown(replayed_code_refused, setup_dir,
                                      remove_dir),
      cmocka_unit_test_setup_teardown(clock_skew_one_step_only, setup_dir,
                                      remove_dir),
      cmocka_unit_test_setup_teardown(lockout_per_user_and_peer, setup_dir,
                                      remove_dir),
      cmocka_unit_test_setup_teardown(chap_methods_try_each_step, setup_dir,
                                      remove_dir),
      cmocka_unit_test_setup_teardown(chap_secrets_format, setup_dir,
                                      remove_dir),
      cmocka_unit_test_setup_teardown(hashed_password_pap_only, setup_dir,
                                      remove_dir),
      cmocka_unit_test_setup_teardown(users_oath_and_oathtool_agree,
                                      setup_dir, remove_dir),
      cmocka_unit_test_setup_teardown(google_authenticator_scratch_once,
                                      setup_dir, remove_dir),
      cmocka_unit_test_setup_teardown(logs_never_show_secrets, setup_dir,
                                      remove_dir),
      cmocka_unit_test_setup_teardown(ppp_login_with_code, setup_dir,
                                      remove_dir),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
