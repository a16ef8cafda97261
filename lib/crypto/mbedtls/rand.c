/*
 * The system CSPRNG: mbedTLS's CTR-DRBG (AES-256, NIST SP 800-90A),
 * seeded from getrandom(2). Each thread owns one DRBG, created on first
 * use and wiped when the thread exits, so no lock is shared between
 * threads. A DRBG reseeds itself every RESEED_INTERVAL requests and
 * after fork(), so parent and child never produce the same bytes.
 */
#include "crypto/mbedtls/compat.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/random.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>

#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"
#include "l2tpsec/rand.h"

/* Requests between reseeds; mbedTLS's own default is 10000. */
#define RESEED_INTERVAL 1024

/* Distinguishes this DRBG's instantiations from other users of mbedTLS. */
static const unsigned char personalization[] = "libl2tpsec system rand";

struct thread_drbg {
  mbedtls_ctr_drbg_context ctx;
  pid_t pid; /* the process that seeded ctx */
};

static pthread_key_t drbg_key;
static pthread_once_t drbg_key_once = PTHREAD_ONCE_INIT;

/* Entropy callback for mbedTLS: blocks until the kernel pool is ready. */
static int getrandom_entropy(void *unused, unsigned char *out, size_t len) {
  while (len > 0) {
    ssize_t n = getrandom(out, len, 0);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
    out += n;
    len -= (size_t)n;
  }
  return 0;
}

static void free_drbg(void *p) {
  struct thread_drbg *drbg = p;

  mbedtls_ctr_drbg_free(&drbg->ctx);
  l2tpsec_wipe(drbg, sizeof(*drbg));
  free(drbg);
}

static void make_key(void) {
  pthread_key_create(&drbg_key, free_drbg);
}

static struct thread_drbg *new_drbg(void) {
  struct thread_drbg *drbg = calloc(1, sizeof(*drbg));

  if (drbg == NULL)
    return NULL;
  mbedtls_ctr_drbg_init(&drbg->ctx);
  if (mbedtls_ctr_drbg_seed(&drbg->ctx, getrandom_entropy, NULL,
                            personalization, sizeof(personalization)) != 0) {
    free_drbg(drbg);
    return NULL;
  }
  mbedtls_ctr_drbg_set_reseed_interval(&drbg->ctx, RESEED_INTERVAL);
  drbg->pid = getpid();
  if (pthread_setspecific(drbg_key, drbg) != 0) {
    free_drbg(drbg);
    return NULL;
  }
  return drbg;
}

static struct thread_drbg *thread_drbg(void) {
  struct thread_drbg *drbg;

  pthread_once(&drbg_key_once, make_key);
  drbg = pthread_getspecific(drbg_key);
  if (drbg == NULL)
    return new_drbg();

  /* A forked child inherits the parent's state: give it fresh entropy. */
  if (drbg->pid != getpid()) {
    if (mbedtls_ctr_drbg_reseed(&drbg->ctx, NULL, 0) != 0)
      return NULL;
    drbg->pid = getpid();
  }
  return drbg;
}

static int system_fill(void *unused, uint8_t *out, size_t len) {
  struct thread_drbg *drbg = thread_drbg();

  if (drbg == NULL)
    return L2TPSEC_ERR_CRYPTO;
  /* mbedTLS caps one request at MBEDTLS_CTR_DRBG_MAX_REQUEST bytes. */
  while (len > 0) {
    size_t n =
        len < MBEDTLS_CTR_DRBG_MAX_REQUEST ? len : MBEDTLS_CTR_DRBG_MAX_REQUEST;

    if (mbedtls_ctr_drbg_random(&drbg->ctx, out, n) != 0)
      return L2TPSEC_ERR_CRYPTO;
    out += n;
    len -= n;
  }
  return 0;
}

l2tpsec_rand l2tpsec_rand_system(void) {
  l2tpsec_rand rand = {system_fill, NULL};

  return rand;
}

int l2tpsec__mbedtls_rng(void *rand, unsigned char *out, size_t len) {
  if (l2tpsec_rand_bytes(rand, out, len) != 0)
    return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
  return 0;
}
