/*
 * The example server's configuration: one INI file (parsed by libinih)
 * or the built-in first-run configuration, validated with line numbers.
 */
#ifndef L2TPSEC_EXAMPLE_SERVER_CONFIG_H
#define L2TPSEC_EXAMPLE_SERVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config_ike.h"
#include "l2tpsec/auth.h"
#include "l2tpsec/log.h"

#define CONFIG_MAX_LIST 16   /* addresses, ranges or servers per key */
#define CONFIG_MAX_VALUE 512 /* bytes of one value, with the NUL */
#define CONFIG_MAX_USERS 16  /* users defined in the file itself */
#define CONFIG_MAX_POOLS 8   /* [pool NAME] sections */

/* A list value: "a, b c" splits at commas and blanks. */
struct config_list {
  char items[CONFIG_MAX_LIST][64];
  size_t count;
};

/* A user defined in [user NAME] (the first-run demo user is one). */
struct config_user {
  char name[64];
  char password[128];
  uint8_t totp_key[64];
  size_t totp_key_len;
};

enum syslog_mode { SYSLOG_AUTO, SYSLOG_ALWAYS, SYSLOG_NEVER };

/* A file's contents read into memory. */
struct config_blob {
  uint8_t *data;
  size_t len;
};

/* [radius] settings beyond the server list and the secret. */
struct radius_config {
  unsigned line;                 /* first line of [radius], for errors */
  uint16_t auth_port, acct_port; /* acct_port 0: no accounting */
  unsigned timeout_s;            /* per server, before the next is asked */
  unsigned retry_s;              /* between copies to one server */
  unsigned dead_time_s;          /* a server that timed out is skipped */
  unsigned interim_s;            /* Interim-Update interval; 0: none */
  char nas_identifier[64];
  bool require_message_authenticator;
  bool acct_require_message_authenticator;
  char dae_listen[64]; /* numeric address for Disconnect-Requests */
  uint16_t dae_port;   /* 0: no Disconnect-Request listener */
  bool require_event_timestamp;
};

struct server_config {
  char path[CONFIG_MAX_VALUE]; /* "" for the built-in configuration */

  /* [server] */
  struct config_list listen;
  uint16_t ike_port, natt_port, l2tp_port;
  unsigned max_plain_peers; /* plain L2TP peers at once */
  bool raw_esp, allow_plain_l2tp;
  char control_socket[108]; /* sun_path size */
  /* Keepalives, in seconds; see l2tpsec_server_settings. */
  unsigned lcp_echo_interval, lcp_echo_failure, dpd_delay, dpd_timeout;

  /* [ipsec] */
  uint8_t psk[256];
  size_t psk_len;
  char psk_file[CONFIG_MAX_VALUE]; /* "" when the key is inline */
  char certificate[CONFIG_MAX_VALUE], private_key[CONFIG_MAX_VALUE];
  char ca[CONFIG_MAX_VALUE];
  char local_id[256]; /* "dn", "address", an FQDN or user@domain */
  struct config_blob cert, private_key_blob, ca_blob; /* file contents */
  char proposals[32];

  /* [ike] */
  struct ike_config ike;

  /* [pool] */
  struct config_list ranges, dns, nbns;
  char local_address[64];

  /* [tun] */
  char tun_name[16];
  unsigned tun_mtu;
  bool tun_configure;

  /* [auth] */
  struct config_list chain;
  char chap_secrets[CONFIG_MAX_VALUE], oath_users[CONFIG_MAX_VALUE];
  char google_authenticator[CONFIG_MAX_VALUE];
  bool require_code, hashed_passwords;
  unsigned totp_digits, totp_window;
  /* Per user name and per peer address: after lockout_failures failures
   * within lockout_window seconds, lockout_time seconds of rejection.
   * lockout_failures 0 turns the lockout off. */
  unsigned lockout_failures, lockout_window, lockout_time;
  struct config_user users[CONFIG_MAX_USERS];
  size_t user_count;

  /* [radius] */
  struct config_list radius_servers;
  char radius_secret[128];
  struct radius_config radius; /* the other [radius] keys: config_auth.c */

  /* [pool NAME]: pools an authenticator selects (RADIUS Framed-Pool) */
  struct config_named_pool {
    char name[64];
    struct config_list ranges;
    unsigned line;   /* first line of the section, for errors */
    bool range_seen; /* a range key was given, even an invalid one */
  } named_pools[CONFIG_MAX_POOLS];
  size_t named_pool_count;

  /* [auth] methods: PPP methods offered; all zero for the default */
  enum l2tpsec_auth_method auth_methods[4];
  unsigned methods_line;

  /* [pam] */
  char pam_service[64];
  bool pam_check_account;

  /* [log] */
  enum l2tpsec_log_level log_level;
  enum syslog_mode syslog;
};

/* One problem found in a configuration, with the line it comes from. */
struct config_error {
  unsigned line; /* 0 when it concerns the file as a whole */
  char message[512];
};

struct config_errors {
  struct config_error items[64];
  size_t count;
};

/* Appends an error at line (0: none) unless the list is full. */
void config_add_error(struct config_errors *errors, unsigned line,
                      const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Fills the values every configuration starts from. */
void config_defaults(struct server_config *config);

/*
 * Reads `path` over the defaults and validates it. Returns 0 when the
 * configuration can run, -1 otherwise; every problem found lands in
 * `errors`.
 */
int config_load(struct server_config *config, const char *path,
                struct config_errors *errors);

/*
 * Reads only control_socket from [server] of the file at `path` into out,
 * or the default socket path when the file does not set it; other keys
 * and their errors are ignored, so --status works with a file that
 * would not load. Returns 0, or -1 with the reason in err.
 */
int config_read_control_socket(const char *path, char *out, size_t cap,
                               char *err, size_t err_cap);

/* Prints a warning to out for each file with secrets that users other
 * than the owner may read (config_perms.c). */
void config_warn_permissions(const struct server_config *config, FILE *out);

/* Prints each error as "PATH:LINE: message", one per line, to stderr. */
void config_print_errors(const char *path, const struct config_errors *errors);

/* Wipes the PSK, passwords and TOTP keys, and frees the certificate
 * files read by config_cert_load. */
void config_wipe(struct server_config *config);

/*
 * Reads the certificate, private_key and ca files into config and checks
 * them with the IKE layer. Returns 0, or -1 with a message naming the
 * files and the fix in err.
 */
int config_cert_load(struct server_config *config, char *err, size_t cap);
void config_cert_free(struct server_config *config);

#endif
