/*
 * The system CSPRNG: it produces output, differs between calls, threads
 * and forked processes, and serves requests above mbedTLS's per-call
 * limit. Also the backend's self-description.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/rand.h"

static void draw(uint8_t *out, size_t len) {
  l2tpsec_rand rand = l2tpsec_rand_system();

  assert_int_equal(l2tpsec_rand_bytes(&rand, out, len), 0);
}

static void rand_system_calls_differ(void **state) {
  uint8_t a[32] = {0}, b[32] = {0}, zero[32] = {0};

  draw(a, sizeof(a));
  draw(b, sizeof(b));
  assert_memory_not_equal(a, zero, sizeof(a));
  assert_memory_not_equal(a, b, sizeof(a));
}

/* 5000 bytes needs several DRBG requests; every part must be filled. */
static void rand_system_fills_large_requests(void **state) {
  static uint8_t big[5000];
  size_t zero_runs = 0;

  memset(big, 0, sizeof(big));
  draw(big, sizeof(big));
  for (size_t i = 0; i + 16 <= sizeof(big); i += 16) {
    static const uint8_t zero[16];

    zero_runs += memcmp(big + i, zero, 16) == 0;
  }
  assert_int_equal(zero_runs, 0);
}

static void *draw_in_thread(void *out) {
  draw(out, 32);
  return NULL;
}

static void rand_system_threads_differ(void **state) {
  uint8_t a[32], b[32];
  pthread_t ta, tb;

  assert_int_equal(pthread_create(&ta, NULL, draw_in_thread, a), 0);
  assert_int_equal(pthread_create(&tb, NULL, draw_in_thread, b), 0);
  pthread_join(ta, NULL);
  pthread_join(tb, NULL);
  assert_memory_not_equal(a, b, 32);
}

/*
 * A child inherits the parent's DRBG state; without the reseed on fork
 * both would print the same bytes next.
 */
static void rand_system_reseeds_after_fork(void **state) {
  uint8_t warm[16], parent[16], child[16];
  int fds[2];
  pid_t pid;
  int status;

  draw(warm, sizeof(warm));
  assert_int_equal(pipe(fds), 0);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    draw(child, sizeof(child));
    _exit(write(fds[1], child, sizeof(child)) == sizeof(child) ? 0 : 1);
  }
  draw(parent, sizeof(parent));
  assert_int_equal(read(fds[0], child, sizeof(child)), sizeof(child));
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_int_equal(status, 0);
  close(fds[0]);
  close(fds[1]);
  assert_memory_not_equal(parent, child, sizeof(child));
}

static void backend_names_itself(void **state) {
  bool aesni = true, pclmul = true;

  const char *name = l2tpsec__crypto_backend();

  /* The OpenSSL backend names both libraries it uses. */
  if (strncmp(name, "OpenSSL ", 8) == 0)
    assert_non_null(strstr(name, " + mbedTLS "));
  else
    assert_memory_equal(name, "mbedTLS ", 8);
  l2tpsec__crypto_accel(&aesni, &pclmul);
  /* PCLMULQDQ-accelerated GCM in mbedTLS comes only with AES-NI. */
  assert_true(aesni || !pclmul);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(rand_system_calls_differ),
      cmocka_unit_test(rand_system_fills_large_requests),
      cmocka_unit_test(rand_system_threads_differ),
      cmocka_unit_test(rand_system_reseeds_after_fork),
      cmocka_unit_test(backend_names_itself),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
