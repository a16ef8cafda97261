/*
 * The RADIUS client over libuv against real FreeRADIUS 3.2 servers that
 * this test starts on 127.0.0.1 high ports with configurations generated
 * by freeradius-conf.sh in temporary folders: PAP with password+TOTP
 * (rlm_totp, codes from oathtool), CHAP, MS-CHAPv2, a delayed accept,
 * failover after the primary is killed, accounting records in the detail
 * file, and replies without Message-Authenticator.
 */
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "l2tpsec/auth.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/radius_uv.h"

extern char **environ;

#define SECRET "loopback-test-secret"
#define TOTP_SECRET "JBSWY3DPEHPK3PXP"

struct server {
  char dir[64];
  pid_t pid;
  uint16_t port;
};

struct login_wait {
  bool done;
  l2tpsec_radius_auth_result result;
};

static uint16_t base_port;
static struct server main_server;

/* Every server started, so the group teardown stops those a failed test
 * left running. Servers are static for that reason. */
static struct server *started[8];
static size_t started_count;

/* Runs a shell command and fails the test with its text when it fails. */
static void run(const char *fmt, ...) {
  char cmd[1024];
  va_list ap;
  int rc;

  va_start(ap, fmt);
  vsnprintf(cmd, sizeof(cmd), fmt, ap);
  va_end(ap);
  rc = system(cmd);
  if (rc != 0)
    fail_msg("command failed (%d): %s", rc, cmd);
}

static bool log_contains(const struct server *s, const char *text) {
  char path[128], line[1024];
  bool found = false;
  FILE *f;

  snprintf(path, sizeof(path), "%s/log/radius.log", s->dir);
  f = fopen(path, "r");
  if (f == NULL)
    return false;
  while (!found && fgets(line, sizeof(line), f) != NULL)
    found = strstr(line, text) != NULL;
  fclose(f);
  return found;
}

static int count_in_log(const struct server *s, const char *text) {
  char path[128], line[1024];
  int n = 0;
  FILE *f;

  snprintf(path, sizeof(path), "%s/log/radius.log", s->dir);
  f = fopen(path, "r");
  assert_non_null(f);
  while (fgets(line, sizeof(line), f) != NULL)
    n += strstr(line, text) != NULL;
  fclose(f);
  return n;
}

/* Writes a configuration and starts `freeradius -f` on `port`. */
static void start_server(struct server *s, uint16_t port, const char *mode,
                         const char *delay) {
  char *argv[] = {"freeradius", "-f", "-d", s->dir, "-n", "radiusd", NULL};

  if (system("command -v freeradius >/dev/null") != 0)
    fail_msg("freeradius is not installed: run scripts/install-deps.sh");
  snprintf(s->dir, sizeof(s->dir), "/tmp/l2tpsec-radius-XXXXXX");
  assert_non_null(mkdtemp(s->dir));
  s->port = port;
  run("DELAY_SECONDS=%s %s/tests/auth/freeradius-conf.sh %s %u %s %s %s", delay,
      L2TPSEC_SOURCE_DIR, s->dir, port, SECRET, TOTP_SECRET, mode);
  assert_int_equal(
      posix_spawnp(&s->pid, "freeradius", NULL, NULL, argv, environ), 0);
  if (started_count < sizeof(started) / sizeof(started[0]))
    started[started_count++] = s;

  for (int i = 0; i < 150 && !log_contains(s, "Ready to process"); i++)
    usleep(100 * 1000);
  if (!log_contains(s, "Ready to process"))
    fail_msg("FreeRADIUS in %s did not start; see %s/log/radius.log", s->dir,
             s->dir);
}

static void kill_server(struct server *s) {
  if (s->pid > 0) {
    kill(s->pid, SIGTERM);
    waitpid(s->pid, NULL, 0);
    s->pid = 0;
  }
}

static void stop_server(struct server *s) {
  kill_server(s);
  if (s->dir[0] != '\0')
    run("rm -rf %s", s->dir);
  s->dir[0] = '\0';
}

static void add_server(l2tpsec_radius_settings *rs, const struct server *s) {
  l2tpsec_radius_server *out = &rs->servers[rs->server_count++];
  struct sockaddr_in *a = (struct sockaddr_in *)&out->addr;

  memset(out, 0, sizeof(*out));
  a->sin_family = AF_INET;
  a->sin_addr.s_addr = htonl(0x7f000001);
  out->auth_port = s->port;
  out->acct_port = (uint16_t)(s->port + 1);
  out->secret = (const uint8_t *)SECRET;
  out->secret_len = strlen(SECRET);
}

static void on_done(void *user_data, uint64_t login,
                    const l2tpsec_radius_auth_result *result) {
  struct login_wait *w = user_data;

  w->done = true;
  w->result = *result;
}

static void settings_for(l2tpsec_radius_uv_settings *s,
                         const struct server *first,
                         const struct server *second) {
  l2tpsec_radius_uv_settings_default(s);
  s->bind_address = "127.0.0.1";
  s->radius.nas_identifier = "l2tpsec-test";
  s->radius.retry_interval = 5 * L2TPSEC_SECONDS;
  s->radius.server_timeout = 30 * L2TPSEC_SECONDS;
  add_server(&s->radius, first);
  if (second != NULL)
    add_server(&s->radius, second);
}

/* Runs the loop until `done` is set or `seconds` pass. */
static void run_until(uv_loop_t *loop, const bool *done, int seconds) {
  uint64_t end = uv_hrtime() + (uint64_t)seconds * L2TPSEC_SECONDS;

  while (!*done && uv_hrtime() < end)
    uv_run(loop, UV_RUN_ONCE);
}

/* Creates the client, runs one login and closes the client. */
static l2tpsec_radius_auth_result
login_once(const l2tpsec_radius_uv_settings *s,
           const l2tpsec_radius_auth_request *req, l2tpsec_radius_stats *stats,
           int seconds) {
  l2tpsec_radius_uv_callbacks cb = {on_done, NULL, NULL};
  struct login_wait w = {0};
  l2tpsec_radius_uv *r = NULL;
  uv_loop_t loop;
  uint64_t login;

  assert_int_equal(uv_loop_init(&loop), 0);
  assert_int_equal(l2tpsec_radius_uv_new(&r, &loop, s, &cb, &w), 0);
  assert_int_equal(l2tpsec_radius_uv_auth(r, req, &login), 0);
  run_until(&loop, &w.done, seconds);
  assert_true(w.done);
  if (stats != NULL)
    l2tpsec_radius_uv_stats(r, stats);
  l2tpsec_radius_uv_close(r);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
  return w.result;
}

/* Returns the current TOTP code, waiting out the last 3 s of a step. */
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

static l2tpsec_radius_auth_request pap_request(const char *user,
                                               const char *password) {
  l2tpsec_radius_auth_request r;

  memset(&r, 0, sizeof(r));
  r.user_name = user;
  r.method = L2TPSEC_RADIUS_PAP;
  r.password = (const uint8_t *)password;
  r.password_len = strlen(password);
  r.nas_port = 1;
  r.calling_station_id = "203.0.113.5";
  r.called_station_id = "198.51.100.1";
  return r;
}

static void pap_with_totp_accepted(void **state) {
  l2tpsec_radius_uv_settings s;
  l2tpsec_radius_auth_request req;
  l2tpsec_radius_auth_result r;
  char code[7], password[32];

  settings_for(&s, &main_server, NULL);
  current_code(code);
  snprintf(password, sizeof(password), "Secr3t!%s", code);
  req = pap_request("alice", password);
  r = login_once(&s, &req, NULL, 10);

  assert_int_equal(r.outcome, L2TPSEC_RADIUS_ACCEPT);
  assert_true(r.has_framed_ip);
  assert_memory_equal(r.framed_ip, "\xc0\x00\x02\x0a", 4);
  assert_string_equal(r.framed_pool, "pool-a");
  assert_int_equal(r.session_timeout, 3600);
  assert_int_equal(r.idle_timeout, 600);
  assert_int_equal(r.class_count, 1);
  assert_memory_equal(r.classes[0].data, "cls-alice", 9);
  assert_string_equal(r.reply_message, "Welcome alice");
}

static void pap_with_wrong_code_rejected(void **state) {
  l2tpsec_radius_uv_settings s;
  l2tpsec_radius_auth_request req;
  char code[7], password[32];

  settings_for(&s, &main_server, NULL);
  current_code(code);
  code[5] = (char)('0' + (code[5] - '0' + 1) % 10);
  snprintf(password, sizeof(password), "Secr3t!%s", code);
  req = pap_request("alice", password);
  assert_int_equal(login_once(&s, &req, NULL, 10).outcome,
                   L2TPSEC_RADIUS_REJECT);

  current_code(code);
  snprintf(password, sizeof(password), "Wrong!!%s", code);
  req = pap_request("alice", password);
  assert_int_equal(login_once(&s, &req, NULL, 10).outcome,
                   L2TPSEC_RADIUS_REJECT);

  req = pap_request("alice", "Secr3t!");
  assert_int_equal(login_once(&s, &req, NULL, 10).outcome,
                   L2TPSEC_RADIUS_REJECT);
}

/* CHAP response: MD5(Identifier | secret | challenge), RFC 1994 4.1. */
static void chap_response(uint8_t id, const char *password,
                          const uint8_t *challenge, size_t len,
                          uint8_t out[16]) {
  l2tpsec__iovec parts[3] = {
      {&id, 1}, {password, strlen(password)}, {challenge, len}};

  assert_int_equal(l2tpsec__hash(L2TPSEC_HASH_MD5, parts, 3, out), 0);
}

static void chap_accepted_and_rejected(void **state) {
  static const uint8_t challenge[16] = "0123456789abcdef";
  l2tpsec_radius_uv_settings s;
  l2tpsec_radius_auth_request req = pap_request("bob", "unused");
  uint8_t response[16];

  settings_for(&s, &main_server, NULL);
  req.method = L2TPSEC_RADIUS_CHAP_MD5;
  req.chap_id = 9;
  req.challenge = challenge;
  req.challenge_len = sizeof(challenge);
  req.response = response;
  req.response_len = 16;

  chap_response(9, "chap-pass", challenge, sizeof(challenge), response);
  assert_int_equal(login_once(&s, &req, NULL, 10).outcome,
                   L2TPSEC_RADIUS_ACCEPT);
  chap_response(9, "chap-pasS", challenge, sizeof(challenge), response);
  assert_int_equal(login_once(&s, &req, NULL, 10).outcome,
                   L2TPSEC_RADIUS_REJECT);
}

/* NtPasswordHash: MD4 of the UTF-16LE password (RFC 2759 section 8.3). */
static void nt_hash(const char *password, uint8_t out[16]) {
  uint8_t unicode[128];
  size_t n = strlen(password);
  l2tpsec__iovec part = {unicode, 2 * n};

  for (size_t i = 0; i < n; i++) {
    unicode[2 * i] = (uint8_t)password[i];
    unicode[2 * i + 1] = 0;
  }
  assert_int_equal(l2tpsec__hash(L2TPSEC_HASH_MD4, &part, 1, out), 0);
}

/* ChallengeHash (RFC 2759 section 8.2): the first 8 bytes of a SHA-1. */
static void challenge_hash(const uint8_t peer[16], const uint8_t auth[16],
                           const char *user, uint8_t out[8]) {
  uint8_t digest[20];
  l2tpsec__iovec parts[3] = {{peer, 16}, {auth, 16}, {user, strlen(user)}};

  assert_int_equal(l2tpsec__hash(L2TPSEC_HASH_SHA1, parts, 3, digest), 0);
  memcpy(out, digest, 8);
}

/* GenerateNTResponse (RFC 2759 section 8.1). */
static void nt_response(const uint8_t chash[8], const char *password,
                        uint8_t out[24]) {
  uint8_t key[21] = {0};

  nt_hash(password, key);
  for (int i = 0; i < 3; i++)
    assert_int_equal(
        l2tpsec__des_ecb_encrypt_7(key + 7 * i, chash, out + 8 * i), 0);
}

/* GenerateAuthenticatorResponse (RFC 2759 section 8.7) as "S=..." text. */
static void authenticator_response(const char *password, const uint8_t nt[24],
                                   const uint8_t chash[8], char out[43]) {
  static const char magic1[] = "Magic server to client signing constant";
  static const char magic2[] = "Pad to make it do more than one iteration";
  uint8_t hash[16], hash_hash[16], digest[20];
  l2tpsec__iovec one = {hash, 16};

  nt_hash(password, hash);
  assert_int_equal(l2tpsec__hash(L2TPSEC_HASH_MD4, &one, 1, hash_hash), 0);
  {
    l2tpsec__iovec parts[3] = {
        {hash_hash, 16}, {nt, 24}, {magic1, sizeof(magic1) - 1}};

    assert_int_equal(l2tpsec__hash(L2TPSEC_HASH_SHA1, parts, 3, digest), 0);
  }
  {
    uint8_t first[20];
    l2tpsec__iovec parts[3] = {
        {first, 20}, {chash, 8}, {magic2, sizeof(magic2) - 1}};

    memcpy(first, digest, 20);
    assert_int_equal(l2tpsec__hash(L2TPSEC_HASH_SHA1, parts, 3, digest), 0);
  }
  out[0] = 'S';
  out[1] = '=';
  for (int i = 0; i < 20; i++)
    sprintf(out + 2 + 2 * i, "%02X", digest[i]);
}

static void mschapv2_accepted_with_authenticator_response(void **state) {
  static const uint8_t auth_challenge[16] = "AuthChallenge-16";
  static const uint8_t peer_challenge[16] = "PeerChallenge-16";
  l2tpsec_radius_uv_settings s;
  l2tpsec_radius_auth_request req = pap_request("bob", "unused");
  l2tpsec_radius_auth_result r;
  uint8_t response[49] = {0}, chash[8];
  char expected[43];

  settings_for(&s, &main_server, NULL);
  challenge_hash(peer_challenge, auth_challenge, "bob", chash);
  memcpy(response, peer_challenge, 16);
  nt_response(chash, "chap-pass", response + 24);
  req.method = L2TPSEC_RADIUS_MSCHAPV2;
  req.chap_id = 3;
  req.challenge = auth_challenge;
  req.challenge_len = 16;
  req.response = response;
  req.response_len = 49;

  r = login_once(&s, &req, NULL, 10);
  assert_int_equal(r.outcome, L2TPSEC_RADIUS_ACCEPT);
  assert_true(r.has_mschap2_success);
  authenticator_response("chap-pass", response + 24, chash, expected);
  assert_string_equal(r.mschap2_success, expected);

  nt_response(chash, "wrong-pass", response + 24);
  r = login_once(&s, &req, NULL, 10);
  assert_int_equal(r.outcome, L2TPSEC_RADIUS_REJECT);
  assert_non_null(strstr(r.mschap_error, "E=691"));
}

/*
 * The server's exec module sleeps 25 s before accepting, as a push
 * approval does. Copies every 5 s reach the server, which handles the
 * login once, and the late Accept is honoured.
 */
static void delayed_accept_honoured(void **state) {
  l2tpsec_radius_uv_settings s;
  l2tpsec_radius_auth_request req = pap_request("slow", "slow-pass");
  l2tpsec_radius_stats stats;
  uint64_t start = uv_hrtime();
  l2tpsec_radius_auth_result r;

  settings_for(&s, &main_server, NULL);
  r = login_once(&s, &req, &stats, 40);
  assert_int_equal(r.outcome, L2TPSEC_RADIUS_ACCEPT);
  assert_true(uv_hrtime() - start >= 25 * L2TPSEC_SECONDS);
  assert_int_equal(stats.failovers, 0);
  assert_true(stats.retransmissions >= 4);
  assert_int_equal(count_in_log(&main_server, "Login OK: [slow]"), 1);
}

static void failover_after_primary_killed(void **state) {
  static struct server primary, backup;
  l2tpsec_radius_uv_callbacks cb = {on_done, NULL, NULL};
  l2tpsec_radius_uv_settings s;
  l2tpsec_radius_auth_request req = pap_request("bob", "chap-pass");
  l2tpsec_radius_stats stats;
  struct login_wait w = {0};
  l2tpsec_radius_uv *r = NULL;
  uv_loop_t loop;
  uint64_t login, start;

  start_server(&primary, (uint16_t)(base_port + 2), "", "1");
  start_server(&backup, (uint16_t)(base_port + 4), "", "1");
  settings_for(&s, &primary, &backup);
  s.radius.retry_interval = 1 * L2TPSEC_SECONDS;
  s.radius.server_timeout = 3 * L2TPSEC_SECONDS;
  assert_int_equal(uv_loop_init(&loop), 0);
  assert_int_equal(l2tpsec_radius_uv_new(&r, &loop, &s, &cb, &w), 0);

  assert_int_equal(l2tpsec_radius_uv_auth(r, &req, &login), 0);
  run_until(&loop, &w.done, 10);
  assert_true(w.done);
  assert_int_equal(w.result.outcome, L2TPSEC_RADIUS_ACCEPT);
  assert_int_equal(count_in_log(&primary, "Login OK: [bob]"), 1);

  kill_server(&primary);
  w.done = false;
  start = uv_hrtime();
  assert_int_equal(l2tpsec_radius_uv_auth(r, &req, &login), 0);
  run_until(&loop, &w.done, 15);
  assert_true(w.done);
  assert_int_equal(w.result.outcome, L2TPSEC_RADIUS_ACCEPT);
  assert_true(uv_hrtime() - start >= 3 * L2TPSEC_SECONDS);
  assert_int_equal(count_in_log(&backup, "Login OK: [bob]"), 1);

  /* The dead primary is skipped: the next login goes to the backup. */
  w.done = false;
  start = uv_hrtime();
  assert_int_equal(l2tpsec_radius_uv_auth(r, &req, &login), 0);
  run_until(&loop, &w.done, 10);
  assert_true(w.done);
  assert_true(uv_hrtime() - start < 2 * L2TPSEC_SECONDS);
  l2tpsec_radius_uv_stats(r, &stats);
  assert_int_equal(stats.failovers, 1);

  l2tpsec_radius_uv_close(r);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
  stop_server(&primary);
  stop_server(&backup);
}

static bool detail_contains(const struct server *srv, const char *text) {
  char path[128], line[1024];
  bool found = false;
  FILE *f;

  snprintf(path, sizeof(path), "%s/acct/detail", srv->dir);
  f = fopen(path, "r");
  if (f == NULL)
    return false;
  while (!found && fgets(line, sizeof(line), f) != NULL)
    found = strstr(line, text) != NULL;
  fclose(f);
  return found;
}

static void accounting_lands_in_detail_file(void **state) {
  static const l2tpsec_radius_class cls = {9, "cls-alice"};
  l2tpsec_radius_uv_callbacks cb = {on_done, NULL, NULL};
  l2tpsec_radius_uv_settings s;
  l2tpsec_radius_acct_record rec;
  l2tpsec_radius_stats stats;
  l2tpsec_radius_uv *r = NULL;
  uv_loop_t loop;

  settings_for(&s, &main_server, NULL);
  assert_int_equal(uv_loop_init(&loop), 0);
  assert_int_equal(l2tpsec_radius_uv_new(&r, &loop, &s, &cb, NULL), 0);
  memset(&rec, 0, sizeof(rec));
  rec.session_id = "l2tpsec-acct-0001";
  rec.user_name = "alice";
  rec.has_framed_ip = true;
  memcpy(rec.framed_ip, "\xc0\x00\x02\x0a", 4);
  rec.classes = &cls;
  rec.class_count = 1;

  rec.status = L2TPSEC_RADIUS_ACCT_START;
  assert_int_equal(l2tpsec_radius_uv_acct(r, &rec), 0);
  rec.status = L2TPSEC_RADIUS_ACCT_INTERIM;
  rec.input_octets = 1000;
  rec.output_octets = 2000;
  rec.session_time = 60;
  assert_int_equal(l2tpsec_radius_uv_acct(r, &rec), 0);
  rec.status = L2TPSEC_RADIUS_ACCT_STOP;
  rec.input_octets = 5ULL * 4294967296ULL + 1234;
  rec.output_octets = 987654;
  rec.input_packets = 4321;
  rec.output_packets = 8765;
  rec.session_time = 3661;
  rec.terminate_cause = L2TPSEC_RADIUS_TERM_USER_REQUEST;
  assert_int_equal(l2tpsec_radius_uv_acct(r, &rec), 0);

  for (int i = 0; i < 50; i++) {
    l2tpsec_radius_uv_stats(r, &stats);
    if (stats.replies_accepted == 3)
      break;
    uv_run(&loop, UV_RUN_NOWAIT);
    usleep(100 * 1000);
  }
  assert_int_equal(stats.replies_accepted, 3);
  l2tpsec_radius_uv_close(r);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);

  assert_true(detail_contains(&main_server, "Acct-Status-Type = Start"));
  assert_true(
      detail_contains(&main_server, "Acct-Status-Type = Interim-Update"));
  assert_true(detail_contains(&main_server, "Acct-Status-Type = Stop"));
  assert_true(
      detail_contains(&main_server, "Acct-Session-Id = \"l2tpsec-acct-0001\""));
  assert_true(detail_contains(&main_server, "Acct-Input-Octets = 1234"));
  assert_true(detail_contains(&main_server, "Acct-Input-Gigawords = 5"));
  assert_true(detail_contains(&main_server, "Acct-Output-Octets = 987654"));
  assert_true(detail_contains(&main_server, "Acct-Input-Packets = 4321"));
  assert_true(detail_contains(&main_server, "Acct-Output-Packets = 8765"));
  assert_true(detail_contains(&main_server, "Acct-Session-Time = 3661"));
  assert_true(
      detail_contains(&main_server, "Acct-Terminate-Cause = User-Request"));
  assert_true(detail_contains(&main_server, "Class = 0x636c732d616c696365"));
  assert_true(detail_contains(&main_server, "NAS-Port-Type = Virtual"));
  assert_true(
      detail_contains(&main_server, "NAS-Identifier = \"l2tpsec-test\""));
}

/* Sends a Start record and returns how many replies were accepted. */
static uint64_t send_one_record(const l2tpsec_radius_uv_settings *s) {
  l2tpsec_radius_uv_callbacks cb = {on_done, NULL, NULL};
  l2tpsec_radius_acct_record rec;
  l2tpsec_radius_stats stats;
  l2tpsec_radius_uv *r = NULL;
  uv_loop_t loop;

  memset(&rec, 0, sizeof(rec));
  rec.status = L2TPSEC_RADIUS_ACCT_START;
  rec.session_id = "l2tpsec-acct-unsigned";
  assert_int_equal(uv_loop_init(&loop), 0);
  assert_int_equal(l2tpsec_radius_uv_new(&r, &loop, s, &cb, NULL), 0);
  assert_int_equal(l2tpsec_radius_uv_acct(r, &rec), 0);
  for (int i = 0; i < 20; i++) {
    uv_run(&loop, UV_RUN_NOWAIT);
    usleep(100 * 1000);
  }
  l2tpsec_radius_uv_stats(r, &stats);
  l2tpsec_radius_uv_close(r);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
  return stats.replies_accepted;
}

static void reply_without_ma_dropped(void **state) {
  static struct server old;
  l2tpsec_radius_uv_settings s;
  l2tpsec_radius_auth_request req = pap_request("bob", "chap-pass");
  l2tpsec_radius_stats stats;

  start_server(&old, (uint16_t)(base_port + 6), "no-ma", "1");
  settings_for(&s, &old, NULL);
  s.radius.retry_interval = 1 * L2TPSEC_SECONDS;
  s.radius.server_timeout = 3 * L2TPSEC_SECONDS;
  assert_int_equal(login_once(&s, &req, &stats, 10).outcome,
                   L2TPSEC_RADIUS_TIMEOUT);
  assert_true(stats.dropped_no_message_authenticator >= 1);
  assert_int_equal(stats.replies_accepted, 0);

  /* The same server is accepted once the check is switched off. */
  s.radius.require_message_authenticator = false;
  assert_int_equal(login_once(&s, &req, NULL, 10).outcome,
                   L2TPSEC_RADIUS_ACCEPT);

  /* Its unsigned Accounting-Responses count only when allowed. */
  assert_int_equal(send_one_record(&s), 0);
  s.radius.acct_require_message_authenticator = false;
  assert_int_equal(send_one_record(&s), 1);
  stop_server(&old);
}

/* ---- The authenticator behind PPP's request interface ------------------ */

struct completion {
  int calls;
  l2tpsec_auth_result result;
  char message[128];
};

static void capture_completion(void *owner, const l2tpsec_auth_request *req,
                               const l2tpsec_auth_result *result,
                               l2tpsec_tstamp now) {
  struct completion *c = owner;

  c->calls++;
  c->result = *result;
  snprintf(c->message, sizeof(c->message), "%s",
           result->message ? result->message : "");
  c->result.message = NULL;
}

static l2tpsec_auth_request ppp_request(enum l2tpsec_auth_method method,
                                        const char *user,
                                        struct completion *c) {
  l2tpsec_auth_request req;

  memset(&req, 0, sizeof(req));
  req.method = method;
  req.user = user;
  req.user_len = strlen(user);
  req.peer = "203.0.113.5:1701";
  req.complete_fn = capture_completion;
  req.owner = c;
  return req;
}

static void stop_loop(uv_timer_t *timer) {
  uv_stop(timer->loop);
}

/* Runs the loop for `ms` milliseconds even when nothing is scheduled. */
static void run_for(uv_loop_t *loop, uint64_t ms) {
  uv_timer_t timer;

  assert_int_equal(uv_timer_init(loop, &timer), 0);
  assert_int_equal(uv_timer_start(&timer, stop_loop, ms, 0), 0);
  uv_run(loop, UV_RUN_DEFAULT);
  uv_close((uv_handle_t *)&timer, NULL);
  uv_run(loop, UV_RUN_NOWAIT);
}

/* Runs the authenticator on one request until it completes or 10 s pass. */
static void decide(const l2tpsec_auth_request *req, struct completion *c,
                   bool cancel) {
  l2tpsec_radius_uv_callbacks cb = {NULL, NULL, NULL};
  l2tpsec_radius_authenticator *a = NULL;
  l2tpsec_radius_uv_settings s;
  uint64_t end = uv_hrtime() + 10 * L2TPSEC_SECONDS;
  uv_loop_t loop;

  settings_for(&s, &main_server, NULL);
  assert_int_equal(uv_loop_init(&loop), 0);
  assert_int_equal(l2tpsec_radius_authenticator_new(&a, &loop, &s, &cb, NULL),
                   0);
  l2tpsec_radius_authenticator_request(a, req);
  if (cancel) {
    l2tpsec_radius_authenticator_cancel(a, req);
    run_for(&loop, 2000);
  }
  while (!cancel && c->calls == 0 && uv_hrtime() < end)
    uv_run(&loop, UV_RUN_ONCE);
  l2tpsec_radius_authenticator_close(a);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
}

static void authenticator_pap_accept_carries_address(void **state) {
  struct completion c = {0};
  l2tpsec_auth_request req = ppp_request(L2TPSEC_AUTH_PAP, "alice", &c);
  char code[7], password[32];

  current_code(code);
  snprintf(password, sizeof(password), "Secr3t!%s", code);
  req.password = (const uint8_t *)password;
  req.password_len = strlen(password);
  decide(&req, &c, false);

  assert_int_equal(c.calls, 1);
  assert_true(c.result.accept);
  assert_true(c.result.attributes.has_address);
  assert_memory_equal(c.result.attributes.address, "\xc0\x00\x02\x0a", 4);
  assert_int_equal(c.result.attributes.session_timeout_s, 3600);
  assert_int_equal(c.result.attributes.idle_timeout_s, 600);
  assert_string_equal(c.result.attributes.pool, "pool-a");
  assert_int_equal(c.result.attributes.class_count, 1);
  assert_int_equal(c.result.attributes.classes[0].len, 9);
  assert_memory_equal(c.result.attributes.classes[0].data, "cls-alice", 9);
  assert_string_equal(c.message, "Welcome alice");
}

static void authenticator_pap_reject(void **state) {
  struct completion c = {0};
  l2tpsec_auth_request req = ppp_request(L2TPSEC_AUTH_PAP, "alice", &c);

  req.password = (const uint8_t *)"Secr3t!000000";
  req.password_len = 13;
  decide(&req, &c, false);
  assert_int_equal(c.calls, 1);
  assert_false(c.result.accept);
  assert_int_equal(c.result.reason, L2TPSEC_AUTH_REASON_WRONG_PASSWORD_OR_CODE);
}

static void authenticator_mschapv2_auth_response(void **state) {
  static const uint8_t auth_challenge[16] = "AuthChallenge-16";
  static const uint8_t peer_challenge[16] = "PeerChallenge-16";
  struct completion c = {0};
  l2tpsec_auth_request req = ppp_request(L2TPSEC_AUTH_MSCHAPV2, "bob", &c);
  uint8_t nt[24], chash[8], expected_bytes[20];
  char expected[43];

  challenge_hash(peer_challenge, auth_challenge, "bob", chash);
  nt_response(chash, "chap-pass", nt);
  req.chap_id = 5;
  req.challenge = auth_challenge;
  req.challenge_len = 16;
  req.peer_challenge = peer_challenge;
  req.nt_response = nt;
  decide(&req, &c, false);

  assert_int_equal(c.calls, 1);
  assert_true(c.result.accept);
  assert_true(c.result.has_auth_response);
  authenticator_response("chap-pass", nt, chash, expected);
  for (int i = 0; i < 20; i++) {
    unsigned byte;

    sscanf(expected + 2 + 2 * i, "%2X", &byte);
    expected_bytes[i] = (uint8_t)byte;
  }
  assert_memory_equal(c.result.auth_response, expected_bytes, 20);

  memset(&c, 0, sizeof(c));
  nt_response(chash, "wrong-pass", nt);
  decide(&req, &c, false);
  assert_int_equal(c.calls, 1);
  assert_false(c.result.accept);
  assert_int_equal(c.result.mschap_error, 691);
}

static void authenticator_cancel_never_completes(void **state) {
  struct completion c = {0};
  l2tpsec_auth_request req = ppp_request(L2TPSEC_AUTH_PAP, "bob", &c);

  req.password = (const uint8_t *)"chap-pass";
  req.password_len = 9;
  decide(&req, &c, true);
  assert_int_equal(c.calls, 0);
}

static int end_alice(void *user_data, const l2tpsec_radius_disconnect *sel) {
  int *calls = user_data;

  (*calls)++;
  return sel->user_name != NULL && strcmp(sel->user_name, "alice") == 0;
}

/*
 * FreeRADIUS's radclient sends Disconnect-Requests and checks our
 * Disconnect-ACK and -NAK, authenticators included.
 */
static void disconnect_request_from_radclient(void **state) {
  l2tpsec_radius_uv_callbacks cb = {on_done, NULL, end_alice};
  uint16_t dae_port = (uint16_t)(base_port + 7);
  struct sockaddr_in *peer;
  l2tpsec_radius_uv_settings s;
  l2tpsec_radius_uv *r = NULL;
  const char *users[2] = {"alice", "mallory"};
  const char *expected[2] = {"Received Disconnect-ACK",
                             "Received Disconnect-NAK"};
  int calls = 0;
  uv_loop_t loop;

  settings_for(&s, &main_server, NULL);
  s.dae_address = "127.0.0.1";
  s.dae_port = dae_port;
  peer = (struct sockaddr_in *)&s.radius.dae_clients[0].addr;
  peer->sin_family = AF_INET;
  peer->sin_addr.s_addr = htonl(0x7f000001);
  s.radius.dae_clients[0].secret = (const uint8_t *)"dae-secret";
  s.radius.dae_clients[0].secret_len = 10;
  s.radius.dae_client_count = 1;
  assert_int_equal(uv_loop_init(&loop), 0);
  assert_int_equal(l2tpsec_radius_uv_new(&r, &loop, &s, &cb, &calls), 0);

  for (int i = 0; i < 2; i++) {
    char cmd[256], output[4096] = "";
    size_t used = 0;
    FILE *p;

    snprintf(cmd, sizeof(cmd),
             "echo 'User-Name=%s,Message-Authenticator=0x00' | "
             "radclient -x -r 1 -t 2 127.0.0.1:%u disconnect dae-secret 2>&1",
             users[i], dae_port);
    p = popen(cmd, "r");
    assert_non_null(p);
    run_for(&loop, 1500);
    while (used + 1 < sizeof(output) &&
           fgets(output + used, (int)(sizeof(output) - used), p) != NULL)
      used = strlen(output);
    pclose(p);
    if (strstr(output, expected[i]) == NULL)
      fail_msg("radclient did not report '%s':\n%s", expected[i], output);
  }
  assert_int_equal(calls, 2);

  l2tpsec_radius_uv_close(r);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
}

static int start_main(void **state) {
  /* Below Linux's default ephemeral range (32768-60999), so no client
   * socket of this or another test can hold a server's port. */
  base_port = (uint16_t)(20000 + (getpid() % 1500) * 8);
  start_server(&main_server, base_port, "", "25");
  return 0;
}

static int stop_main(void **state) {
  for (size_t i = 0; i < started_count; i++)
    stop_server(started[i]);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(pap_with_totp_accepted),
      cmocka_unit_test(pap_with_wrong_code_rejected),
      cmocka_unit_test(chap_accepted_and_rejected),
      cmocka_unit_test(mschapv2_accepted_with_authenticator_response),
      cmocka_unit_test(accounting_lands_in_detail_file),
      cmocka_unit_test(authenticator_pap_accept_carries_address),
      cmocka_unit_test(authenticator_pap_reject),
      cmocka_unit_test(authenticator_mschapv2_auth_response),
      cmocka_unit_test(authenticator_cancel_never_completes),
      cmocka_unit_test(disconnect_request_from_radclient),
      cmocka_unit_test(delayed_accept_honoured),
      cmocka_unit_test(failover_after_primary_killed),
      cmocka_unit_test(reply_without_ma_dropped),
  };

  return cmocka_run_group_tests(tests, start_main, stop_main);
}
