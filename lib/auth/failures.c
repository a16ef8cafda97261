/* Failure counting and lockout, per user name and per peer address. */
#include <string.h>

#include "auth/local_internal.h"

static struct failure_record *find(l2tpsec_local_auth *la, const char *key) {
  for (size_t i = 0; i < FAILURE_TABLE_SIZE; i++)
    if (la->failures[i].key[0] != '\0' &&
        strcmp(la->failures[i].key, key) == 0)
      return &la->failures[i];
  return NULL;
}

/* A free slot, or else the one whose window started longest ago and that
 * is not locked. NOTE: a flood of distinct keys can still evict a
 * locked record once every slot is locked; the table has 1024 slots. */
static struct failure_record *slot_for(l2tpsec_local_auth *la, int64_t now) {
  struct failure_record *oldest = &la->failures[0];

  for (size_t i = 0; i < FAILURE_TABLE_SIZE; i++) {
    struct failure_record *r = &la->failures[i];

    if (r->key[0] == '\0')
      return r;
    if (r->locked_until <= now &&
        (oldest->locked_until > now || r->window_start < oldest->window_start))
      oldest = r;
  }
  return oldest;
}

bool l2tpsec__failures_locked(l2tpsec_local_auth *la, const char *key,
                              int64_t now) {
  const struct failure_record *r = find(la, key);

  return r != NULL && r->locked_until > now;
}

void l2tpsec__failures_record(l2tpsec_local_auth *la, const char *key,
                              int64_t now) {
  const l2tpsec_local_auth_settings *s = &la->settings;
  struct failure_record *r = find(la, key);

  if (r == NULL) {
    r = slot_for(la, now);
    memset(r, 0, sizeof(*r));
    strncpy(r->key, key, sizeof(r->key) - 1);
    r->window_start = now;
  }
  if (now - r->window_start >= (int64_t)s->failure_window_s) {
    r->window_start = now;
    r->count = 0;
  }
  r->count++;
  if (s->max_failures > 0 && r->count >= s->max_failures) {
    r->locked_until = now + s->lockout_s;
    r->count = 0;
    r->window_start = now;
  }
}

void l2tpsec__failures_clear(l2tpsec_local_auth *la, const char *key) {
  struct failure_record *r = find(la, key);

  if (r != NULL)
    memset(r, 0, sizeof(*r));
}
