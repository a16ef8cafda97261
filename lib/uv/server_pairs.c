/*
 * The ESP SA pairs of a connection, oldest first: the current pair, the
 * pairs rekeys made, and halves that wait for the other side of a quick
 * mode. The ESP table owns the SAs; a connection keeps pointers to them.
 *
 * Two halves may wait:
 *  - an inbound SA without its outbound SA, installed when our QM2 goes
 *    out (l2tpsec__server_add_pair with out NULL), because the client's
 *    ESP may overtake its QM3;
 *  - an outbound SA held back after a rekey we started
 *    (l2tpsec__server_add_pair_held), because the client installs the
 *    pair only when it has processed our QM3, and a kernel peer drops
 *    ESP for the new SPI until then. The held half goes into use when
 *    the client's first packet on the new inbound SA shows that it has
 *    the pair, or when no older outbound SA is left.
 */
#include <stdlib.h>
#include <string.h>

#include "core/log_internal.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"
#include "uv/server_internal.h"

static void on_sa_event(void *user_data, l2tpsec_esp_sa *sa,
                        enum l2tpsec_esp_event event) {
  l2tpsec__conn *conn = user_data;

  /* The table deletes a hard-expired SA right after this event. */
  if (event != L2TPSEC_ESP_EVENT_HARD_EXPIRED)
    return;
  for (size_t i = 0; i < conn->pair_count; i++) {
    if (conn->in[i] == sa)
      conn->in[i] = NULL;
    if (conn->out[i] == sa)
      conn->out[i] = NULL;
  }
}

static int add_sa(l2tpsec_server *server, l2tpsec__conn *conn,
                  const l2tpsec_esp_sa_settings *settings,
                  l2tpsec_esp_sa **out) {
  const l2tpsec_esp_callbacks callbacks = {on_sa_event};
  l2tpsec_esp_sa_settings s = *settings;
  l2tpsec_esp_sa *sa;
  int rv;

  s.owner = conn->id;
  s.log = server->log;
  rv = l2tpsec_esp_sa_new(&sa, &s, &callbacks, conn);
  l2tpsec_wipe(&s, sizeof(s));
  if (rv != 0)
    return rv;
  rv = l2tpsec_esp_table_add(server->esp, sa);
  if (rv != 0) {
    l2tpsec_esp_sa_del(sa);
    return rv;
  }
  *out = sa;
  return 0;
}

static void delete_sa(l2tpsec_server *server, l2tpsec_esp_sa *sa) {
  if (sa != NULL && l2tpsec_esp_table_remove(server->esp, sa) == 0)
    l2tpsec_esp_sa_del(sa);
}

static void free_held(l2tpsec__conn *conn, size_t i) {
  if (conn->held_out[i] == NULL)
    return;
  l2tpsec_wipe(conn->held_out[i], sizeof(*conn->held_out[i]));
  free(conn->held_out[i]);
  conn->held_out[i] = NULL;
  conn->held_count--;
}

/* Deletes the SAs of slot i; the caller closes the gap. */
static void clear_slot(l2tpsec_server *server, l2tpsec__conn *conn, size_t i) {
  delete_sa(server, conn->in[i]);
  delete_sa(server, conn->out[i]);
  free_held(conn, i);
  conn->in[i] = NULL;
  conn->out[i] = NULL;
}

static void move_slot(l2tpsec__conn *conn, size_t to, size_t from) {
  conn->in[to] = conn->in[from];
  conn->out[to] = conn->out[from];
  conn->held_out[to] = conn->held_out[from];
}

/* Removes slot i and closes the gap, keeping the order. */
static void remove_slot(l2tpsec_server *server, l2tpsec__conn *conn,
                        size_t i) {
  clear_slot(server, conn, i);
  for (; i + 1 < conn->pair_count; i++)
    move_slot(conn, i, i + 1);
  conn->held_out[conn->pair_count - 1] = NULL;
  conn->pair_count--;
}

void l2tpsec__server_free_pairs(l2tpsec_server *server, l2tpsec__conn *conn) {
  for (size_t i = 0; i < conn->pair_count; i++)
    clear_slot(server, conn, i);
  conn->pair_count = 0;
}

void l2tpsec__server_forget_pairs(l2tpsec__conn *conn) {
  for (size_t i = 0; i < conn->pair_count; i++)
    free_held(conn, i);
}

/* Drops the slots of pairs the ESP table deleted at their hard expiry,
 * which a connection rekeyed every few minutes would otherwise fill. */
static void drop_expired_pairs(l2tpsec__conn *conn) {
  size_t kept = 0;

  for (size_t i = 0; i < conn->pair_count; i++) {
    if (conn->in[i] == NULL && conn->out[i] == NULL) {
      free_held(conn, i);
      continue;
    }
    move_slot(conn, kept, i);
    kept++;
  }
  for (size_t i = kept; i < conn->pair_count; i++)
    conn->held_out[i] = NULL;
  conn->pair_count = kept;
}

/*
 * Deletes the oldest SA pair to make room for a new one. A client may
 * reconnect from the same address and port without deleting its old SAs,
 * after a rejected password or a crash. It must not be locked out until
 * dead peer detection removes them, and the newest pairs are the ones in
 * use.
 */
static void evict_oldest_pair(l2tpsec_server *server, l2tpsec__conn *conn) {
  l2tpsec_esp_sa *in = conn->in[0];

  L2TPSEC_LOG(&server->log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_ESP,
              "connection %llu has %d ESP SA pairs, the limit: deleting the "
              "oldest, inbound SPI %08x, to install a new one",
              (unsigned long long)conn->id, L2TPSEC__CONN_MAX_PAIRS,
              in != NULL ? l2tpsec_esp_sa_spi(in) : 0);
  remove_slot(server, conn, 0);
}

int l2tpsec__server_add_pair(l2tpsec_server *server, l2tpsec__conn *conn,
                             const l2tpsec_esp_sa_settings *in,
                             const l2tpsec_esp_sa_settings *out) {
  size_t i;
  int rv;

  drop_expired_pairs(conn);
  if (conn->pair_count == L2TPSEC__CONN_MAX_PAIRS)
    evict_oldest_pair(server, conn);
  i = conn->pair_count;

  rv = add_sa(server, conn, in, &conn->in[i]);
  if (rv != 0)
    return rv;
  conn->out[i] = NULL;
  conn->held_out[i] = NULL;
  if (out != NULL)
    rv = add_sa(server, conn, out, &conn->out[i]);
  if (rv != 0) {
    delete_sa(server, conn->in[i]);
    conn->in[i] = NULL;
    return rv;
  }
  conn->pair_count++;
  l2tpsec__server_refresh_timers(server);
  return 0;
}

/* The slot whose inbound SA is `in`, or -1. */
static long slot_of(const l2tpsec__conn *conn, const l2tpsec_esp_sa *in) {
  for (size_t i = 0; i < conn->pair_count; i++) {
    if (conn->in[i] == in)
      return (long)i;
  }
  return -1;
}

static bool has_outbound(const l2tpsec__conn *conn) {
  for (size_t i = 0; i < conn->pair_count; i++) {
    if (conn->out[i] != NULL)
      return true;
  }
  return false;
}

/* Stores `out` in slot i for l2tpsec__server_use_held_out. */
static int hold_out(l2tpsec__conn *conn, size_t i,
                    const l2tpsec_esp_sa_settings *out) {
  conn->held_out[i] = malloc(sizeof(*out));
  if (conn->held_out[i] == NULL)
    return L2TPSEC_ERR_NOMEM;
  *conn->held_out[i] = *out;
  conn->held_count++;
  return 0;
}

int l2tpsec__server_add_pair_held(l2tpsec_server *server, l2tpsec__conn *conn,
                                  const l2tpsec_esp_sa_settings *in,
                                  const l2tpsec_esp_sa_settings *out) {
  int rv;

  if (!has_outbound(conn))
    return l2tpsec__server_add_pair(server, conn, in, out);
  rv = l2tpsec__server_add_pair(server, conn, in, NULL);
  if (rv == 0)
    rv = hold_out(conn, conn->pair_count - 1, out);
  if (rv != 0)
    remove_slot(server, conn, conn->pair_count - 1);
  return rv;
}

/* Moves the held outbound half of slot i into the ESP table. */
static int release_held(l2tpsec_server *server, l2tpsec__conn *conn, size_t i,
                        const char *reason) {
  int rv = add_sa(server, conn, conn->held_out[i], &conn->out[i]);

  L2TPSEC_LOG(&server->log, rv == 0 ? L2TPSEC_LOG_INFO : L2TPSEC_LOG_ERROR,
              L2TPSEC_LOG_ESP,
              "connection %llu: outbound ESP SA %08x %s (%s)",
              (unsigned long long)conn->id, conn->held_out[i]->spi,
              rv == 0 ? "now in use" : "could not be installed", reason);
  free_held(conn, i);
  if (rv == 0)
    l2tpsec__server_refresh_timers(server);
  return rv;
}

void l2tpsec__server_use_held_out(l2tpsec_server *server,
                                  l2tpsec_esp_sa *in) {
  l2tpsec__conn *conn = l2tpsec_esp_sa_user_data(in);
  long i;

  if (conn->held_count == 0)
    return;
  i = slot_of(conn, in);
  if (i >= 0 && conn->held_out[i] != NULL)
    (void)release_held(server, conn, (size_t)i,
                       "the client sent on its pair");
}

l2tpsec_esp_sa *l2tpsec__server_release_newest_held(l2tpsec_server *server,
                                                    l2tpsec__conn *conn) {
  for (size_t i = conn->pair_count; i-- > 0;) {
    if (conn->held_out[i] != NULL &&
        release_held(server, conn, i, "no older outbound SA is left") == 0)
      return conn->out[i];
  }
  return NULL;
}

int l2tpsec__server_finish_pair(l2tpsec_server *server, uint32_t spi_in,
                                const l2tpsec_esp_sa_settings *out,
                                bool hold) {
  l2tpsec_esp_sa *in = l2tpsec_esp_table_find_inbound(server->esp, spi_in);
  l2tpsec__conn *conn = in ? l2tpsec_esp_sa_user_data(in) : NULL;
  long i = conn ? slot_of(conn, in) : -1;
  int rv;

  if (i < 0 || conn->out[i] != NULL || conn->held_out[i] != NULL)
    return L2TPSEC_ERR_NOT_FOUND;
  if (hold && has_outbound(conn))
    return hold_out(conn, (size_t)i, out);

  rv = add_sa(server, conn, out, &conn->out[i]);
  if (rv == 0)
    l2tpsec__server_refresh_timers(server);
  return rv;
}

struct spi_search {
  uint32_t spi;
  size_t index;
};

static int holds_spi(void *ctx, uint64_t key, void *value) {
  struct spi_search *search = ctx;
  l2tpsec__conn *conn = value;

  for (size_t i = 0; i < conn->pair_count; i++) {
    if (conn->in[i] != NULL && l2tpsec_esp_sa_spi(conn->in[i]) == search->spi) {
      search->index = i;
      return 1;
    }
  }
  return 0;
}

int l2tpsec__server_remove_pair(l2tpsec_server *server, uint32_t spi_in) {
  struct spi_search search = {spi_in, 0};
  l2tpsec_esp_sa *in = l2tpsec_esp_table_find_inbound(server->esp, spi_in);
  l2tpsec__conn *conn = in ? l2tpsec_esp_sa_user_data(in) : NULL;

  if (conn == NULL)
    conn = l2tpsec__keymap_find(&server->conns, holds_spi, &search);
  if (conn == NULL)
    return L2TPSEC_ERR_NOT_FOUND;
  drop_expired_pairs(conn);
  if (!holds_spi(&search, 0, conn))
    return L2TPSEC_ERR_NOT_FOUND;
  if (conn->pair_count == 1) {
    l2tpsec__server_abort_conn(server, conn, spi_in);
    return 0;
  }

  remove_slot(server, conn, search.index);
  l2tpsec__server_refresh_timers(server);
  return 0;
}
