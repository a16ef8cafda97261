/*
 * The certificate keys of [ipsec]: the files are read into memory and
 * handed to the IKE layer once, so --check-config reports what the
 * server itself would reject.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../ike_id.h"
#include "config.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/ike.h"
#include "l2tpsec/mem.h"

/* Largest certificate, key or CA bundle file we read. */
#define CERT_FILE_MAX (1024 * 1024)

static int read_all(const char *path, struct config_blob *out) {
  FILE *f = fopen(path, "rb");
  long size;

  if (f == NULL)
    return -1;
  if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) <= 0 ||
      size > CERT_FILE_MAX || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    errno = EINVAL;
    return -1;
  }
  out->data = malloc((size_t)size);
  if (out->data != NULL && fread(out->data, 1, (size_t)size, f) == (size_t)size)
    out->len = (size_t)size;
  fclose(f);
  return out->len > 0 ? 0 : -1;
}

static int read_named(const char *key, const char *path,
                      struct config_blob *out, char *err, size_t cap) {
  if (read_all(path, out) == 0)
    return 0;
  snprintf(err, cap,
           "cannot read %s '%s': %s; give a PEM or DER file of at most "
           "1 MiB",
           key, path, errno != 0 ? strerror(errno) : "empty file");
  return -1;
}

static int ignore_send(void *user_data, const uint8_t *data, size_t len,
                       const l2tpsec_ike_endpoint *local,
                       const l2tpsec_ike_endpoint *remote) {
  return 0;
}

static int ignore_child(void *user_data, const l2tpsec_ike_child_sa *sa) {
  return 0;
}

/* Keeps the IKE layer's first error message. */
static void keep_error(void *user_data, enum l2tpsec_log_level level,
                       enum l2tpsec_log_category category,
                       const char *message) {
  char *first = user_data;

  if (level == L2TPSEC_LOG_ERROR && first[0] == '\0')
    snprintf(first, 256, "%s", message);
}

/* Creates an IKE endpoint from the loaded files and deletes it again. */
static int try_ike(const struct server_config *c, char *err, size_t cap) {
  const l2tpsec_ike_callbacks cb = {.send = ignore_send,
                                    .child_sa_up = ignore_child};
  char first[256] = "";
  l2tpsec_ike_settings s;
  l2tpsec_ike *ike = NULL;

  l2tpsec_ike_settings_default(&s);
  s.log = (l2tpsec_log){keep_error, first, L2TPSEC_LOG_ERROR};
  s.cert = c->cert.data;
  s.cert_len = c->cert.len;
  s.private_key = c->private_key_blob.data;
  s.private_key_len = c->private_key_blob.len;
  s.ca_certs = c->ca_blob.data;
  s.ca_certs_len = c->ca_blob.len;
  s.unix_time_origin = (int64_t)time(NULL);
  parse_ike_id(c->local_id, &s.local_id_type, &s.local_id);
  int rv = l2tpsec_ike_new(&ike, &s, &cb, NULL);
  l2tpsec_ike_del(ike);
  if (rv == 0)
    return 0;
  snprintf(err, cap, "certificate '%s' with private_key '%s' and ca '%s': %s",
           c->certificate, c->private_key, c->ca,
           first[0] != '\0' ? first : l2tpsec_strerror(rv));
  return -1;
}

int config_cert_load(struct server_config *c, char *err, size_t cap) {
  if (c->private_key[0] == '\0') {
    snprintf(err, cap,
             "certificate '%s' needs private_key in [ipsec]: the key "
             "file issued with it",
             c->certificate);
    return -1;
  }
  if (c->ca[0] == '\0') {
    snprintf(err, cap,
             "certificate '%s' needs ca in [ipsec]: the CA certificates "
             "that issue the clients' certificates",
             c->certificate);
    return -1;
  }
  if (read_named("certificate", c->certificate, &c->cert, err, cap) != 0 ||
      read_named("private_key", c->private_key, &c->private_key_blob, err,
                 cap) != 0 ||
      read_named("ca", c->ca, &c->ca_blob, err, cap) != 0)
    return -1;
  return try_ike(c, err, cap);
}

static void blob_free(struct config_blob *b, bool secret) {
  if (b->data != NULL && secret)
    l2tpsec_wipe(b->data, b->len);
  free(b->data);
  b->data = NULL;
  b->len = 0;
}

void config_cert_free(struct server_config *c) {
  blob_free(&c->cert, false);
  blob_free(&c->private_key_blob, true);
  blob_free(&c->ca_blob, false);
}
