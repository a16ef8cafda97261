/*
 * The PAM authenticator against a real PAM stack: a test service whose
 * file this test writes to /etc/pam.d under a name unique to its process
 * and removes at the end. pam_google_authenticator (with forward_pass)
 * checks the TOTP code at the end of the password field, with codes from
 * oathtool, and hands the rest to pam_exec, which runs a script that
 * compares it with the expected password.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "l2tpsec/errors.h"
#include "l2tpsec/pam.h"

#define TOTP_SECRET "JBSWY3DPEHPK3PXP"
#define USER "l2tpsec-pam-user"
#define PAM_MODULE "/lib/x86_64-linux-gnu/security/pam_google_authenticator.so"

static char dir[64];
static char service[64];
static char service_path[128];

static void write_file(const char *path, const char *text, mode_t mode) {
  FILE *f = fopen(path, "w");

  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  assert_int_equal(chmod(path, mode), 0);
}

static int setup(void **state) {
  char path[192], text[512];

  if (access(PAM_MODULE, R_OK) != 0)
    fail_msg("%s is missing: run scripts/install-deps.sh "
             "(libpam-google-authenticator)",
             PAM_MODULE);
  snprintf(dir, sizeof(dir), "/tmp/l2tpsec-pam-XXXXXX");
  assert_non_null(mkdtemp(dir));

  /* google-authenticator's per-user file: the key, then options. */
  snprintf(path, sizeof(path), "%s/%s", dir, USER);
  write_file(path, TOTP_SECRET "\n\" TOTP_AUTH\n\" WINDOW_SIZE 3\n", 0600);

  /* pam_exec writes the password, NUL-terminated, to standard input. */
  snprintf(path, sizeof(path), "%s/check-password.sh", dir);
  write_file(path,
             "#!/bin/sh\n"
             "password=$(tr -d '\\000')\n"
             "[ \"$password\" = 'Secr3t!' ]\n",
             0700);

  snprintf(service, sizeof(service), "l2tpsec-test-%d", (int)getpid());
  snprintf(service_path, sizeof(service_path), "/etc/pam.d/%s", service);
  snprintf(text, sizeof(text),
           "auth required pam_google_authenticator.so secret=%s/${USER} "
           "user=root forward_pass\n"
           "auth required pam_exec.so expose_authtok quiet "
           "%s/check-password.sh\n"
           "account required pam_permit.so\n",
           dir, dir);
  write_file(service_path, text, 0644);
  return 0;
}

static int teardown(void **state) {
  char cmd[128];

  unlink(service_path);
  snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
  return system(cmd) == 0 ? 0 : -1;
}

/* Returns the current code, waiting out the last 3 s of a time step. */
static void current_code(char code[7]) {
  FILE *p;

  while (time(NULL) % 30 >= 27)
    sleep(1);
  p = popen("oathtool --totp -b " TOTP_SECRET, "r");
  if (p == NULL)
    fail_msg("oathtool failed to start: run scripts/install-deps.sh");
  if (fgets(code, 7, p) == NULL || strlen(code) != 6)
    fail_msg("oathtool printed no 6-digit code: run scripts/install-deps.sh");
  pclose(p);
}

struct completion {
  int calls;
  l2tpsec_auth_result result;
};

static void capture(void *owner, const l2tpsec_auth_request *req,
                    const l2tpsec_auth_result *result, l2tpsec_tstamp now) {
  struct completion *c = owner;

  c->calls++;
  c->result = *result;
}

/* Runs one request through the authenticator until the loop is idle. */
static struct completion decide(enum l2tpsec_auth_method method,
                                const char *user, const char *password) {
  struct completion c = {0};
  l2tpsec_pam_authenticator *a = NULL;
  l2tpsec_pam_settings s;
  l2tpsec_auth_request req;
  uv_loop_t loop;

  memset(&req, 0, sizeof(req));
  req.method = method;
  req.user = user;
  req.user_len = strlen(user);
  req.password = (const uint8_t *)password;
  req.password_len = strlen(password);
  req.peer = "203.0.113.5:1701";
  req.complete_fn = capture;
  req.owner = &c;

  l2tpsec_pam_settings_default(&s);
  s.service = service;
  assert_int_equal(uv_loop_init(&loop), 0);
  assert_int_equal(l2tpsec_pam_authenticator_new(&a, &loop, &s), 0);
  l2tpsec_pam_authenticator_request(a, &req);
  uv_run(&loop, UV_RUN_DEFAULT);
  l2tpsec_pam_authenticator_close(a);
  assert_int_equal(uv_loop_close(&loop), 0);
  return c;
}

static void password_and_code_accepted(void **state) {
  char code[7], field[32];
  struct completion c;

  current_code(code);
  snprintf(field, sizeof(field), "Secr3t!%s", code);
  c = decide(L2TPSEC_AUTH_PAP, USER, field);
  assert_int_equal(c.calls, 1);
  assert_true(c.result.accept);
}

static void wrong_code_rejected(void **state) {
  char code[7], field[32];
  struct completion c;

  current_code(code);
  code[5] = (char)('0' + (code[5] - '0' + 5) % 10);
  snprintf(field, sizeof(field), "Secr3t!%s", code);
  c = decide(L2TPSEC_AUTH_PAP, USER, field);
  assert_int_equal(c.calls, 1);
  assert_false(c.result.accept);
  assert_int_equal(c.result.reason, L2TPSEC_AUTH_REASON_WRONG_PASSWORD_OR_CODE);
}

static void wrong_password_rejected(void **state) {
  char code[7], field[32];
  struct completion c;

  current_code(code);
  snprintf(field, sizeof(field), "Secr3t?%s", code);
  c = decide(L2TPSEC_AUTH_PAP, USER, field);
  assert_int_equal(c.calls, 1);
  assert_false(c.result.accept);
}

static void missing_code_rejected(void **state) {
  struct completion c = decide(L2TPSEC_AUTH_PAP, USER, "Secr3t!");

  assert_int_equal(c.calls, 1);
  assert_false(c.result.accept);
}

static void chap_rejected_as_unusable(void **state) {
  struct completion c = decide(L2TPSEC_AUTH_CHAP_MD5, USER, "");

  assert_int_equal(c.calls, 1);
  assert_false(c.result.accept);
  assert_int_equal(c.result.reason, L2TPSEC_AUTH_REASON_METHOD_UNUSABLE);
}

static void cancelled_request_not_completed(void **state) {
  struct completion c = {0};
  l2tpsec_pam_authenticator *a = NULL;
  l2tpsec_pam_settings s;
  l2tpsec_auth_request req;
  uv_loop_t loop;

  memset(&req, 0, sizeof(req));
  req.method = L2TPSEC_AUTH_PAP;
  req.user = USER;
  req.user_len = strlen(USER);
  req.password = (const uint8_t *)"Secr3t!000000";
  req.password_len = 13;
  req.complete_fn = capture;
  req.owner = &c;

  l2tpsec_pam_settings_default(&s);
  s.service = service;
  assert_int_equal(uv_loop_init(&loop), 0);
  assert_int_equal(l2tpsec_pam_authenticator_new(&a, &loop, &s), 0);
  l2tpsec_pam_authenticator_request(a, &req);
  l2tpsec_pam_authenticator_cancel(a, &req);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(c.calls, 0);

  /* Closing with a job in flight frees the authenticator after it. */
  l2tpsec_pam_authenticator_request(a, &req);
  l2tpsec_pam_authenticator_close(a);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(c.calls, 0);
  assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(password_and_code_accepted),
      cmocka_unit_test(wrong_code_rejected),
      cmocka_unit_test(wrong_password_rejected),
      cmocka_unit_test(missing_code_rejected),
      cmocka_unit_test(chap_rejected_as_unusable),
      cmocka_unit_test(cancelled_request_not_completed),
  };

  return cmocka_run_group_tests(tests, setup, teardown);
}
