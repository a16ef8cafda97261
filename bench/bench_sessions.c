/*
 * Connection setups per second and memory per session of l2tpsec-server,
 * measured with many l2tpsec_client objects on one libuv loop (no TUN
 * devices: tun_open is false). Each client sends from its own IPv4
 * address, FIRST-LOCAL plus its index, because a client uses ports 500
 * and 4500 on both sides. bench/path.sh adds these addresses in the
 * client namespace.
 *
 *   bench_sessions --server IP --first-local IP --server-pid PID[,PID...]
 *                  --psk KEY --user NAME --password PASSWORD
 *                  [--sequential N] [--parallel M] [--hold H]
 *                  [--ike-proposals LIST]
 *
 * A setup is a full connect: IKE main and quick mode, L2TP tunnel and
 * session, PPP LCP, authentication and IPCP, timed from
 * l2tpsec_client_new to the UP event. Three phases, each with new
 * clients:
 * - sequential: N clients, each started when the previous one is up;
 * - parallel: M clients started at once;
 * - hold: H clients, at most M connecting at a time, all held up. The
 *   server's VmRSS then, minus its VmRSS before the first phase, divided
 *   by the sessions up, gives the bytes per held session.
 * After each phase every client disconnects and the program waits for
 * all DOWN events. The server's CPU time comes from the schedstat files
 * of its threads (nanoseconds), summed over every PID given, for a
 * server made of several processes; VmRSS is that of the first PID.
 * Output: one JSON object per phase.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "l2tpsec/client.h"
#include "l2tpsec/common.h"
#include "l2tpsec/errors.h"

struct conn {
  struct bench *bench;
  l2tpsec_client *client;
  char local[INET_ADDRSTRLEN];
  double started, up_at; /* seconds on CLOCK_MONOTONIC; 0 until then */
  bool up, down;
};

struct options {
  const char *server, *first_local, *psk, *user, *password;
  const char *ike_proposals; /* NULL: the client's default offer */
  long server_pid;           /* the first of --server-pid */
  const char *server_pids;   /* all of them, comma-separated */
  unsigned sequential, parallel, hold;
};

struct bench {
  uv_loop_t loop;
  struct options o;
  struct conn *conns; /* one per index, sequential + parallel + hold */
  unsigned total, up_count, down_count, failed;
};

static double now_seconds(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Returns the CPU time of every thread of PID so far, in seconds, from
 * the first field of /proc/PID/task/TID/schedstat (nanoseconds). */
static double server_cpu_seconds(long pid) {
  char path[64];
  DIR *dir;
  struct dirent *task;
  double total = 0;

  snprintf(path, sizeof(path), "/proc/%ld/task", pid);
  dir = opendir(path);
  if (dir == NULL)
    return -1;
  while ((task = readdir(dir)) != NULL) {
    unsigned long long ns = 0;
    char file[384];
    FILE *f;

    if (task->d_name[0] == '.')
      continue;
    snprintf(file, sizeof(file), "%s/%s/schedstat", path, task->d_name);
    f = fopen(file, "r");
    if (f != NULL && fscanf(f, "%llu", &ns) == 1)
      total += (double)ns / 1e9;
    if (f != NULL)
      fclose(f);
  }
  closedir(dir);
  return total;
}

/* Returns the CPU time of every thread of every PID in the
 * comma-separated list so far, in seconds, or -1 if one is missing. */
static double server_cpu_seconds_all(const char *pids) {
  const char *p = pids;
  double total = 0;

  while (*p != '\0') {
    char *end;
    long pid = strtol(p, &end, 10);
    double cpu = server_cpu_seconds(pid);

    if (end == p || cpu < 0)
      return -1;
    total += cpu;
    p = *end == ',' ? end + 1 : end;
  }
  return total;
}

/* Returns the server's VmRSS from /proc/PID/status in kB, or -1. */
static long server_rss_kb(long pid) {
  char path[64], line[256];
  long kb = -1;
  FILE *f;

  snprintf(path, sizeof(path), "/proc/%ld/status", pid);
  f = fopen(path, "r");
  if (f == NULL)
    return -1;
  while (fgets(line, sizeof(line), f) != NULL)
    if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
      break;
  fclose(f);
  return kb;
}

static void on_event(void *user_data, const l2tpsec_client_event *event) {
  struct conn *c = user_data;

  if (event->type == L2TPSEC_CLIENT_UP && !c->up) {
    c->up = true;
    c->up_at = now_seconds();
    c->bench->up_count++;
    return;
  }
  if (event->type != L2TPSEC_CLIENT_DOWN || c->down)
    return;
  c->down = true;
  c->bench->down_count++;
  if (!c->up) {
    c->bench->failed++;
    fprintf(stderr, "bench_sessions: client from %s failed: %s\n", c->local,
            event->reason ? event->reason : "no reason given");
  }
}

/* Starts the client of index i; a client that cannot start counts as
 * failed and as down. */
static void start_client(struct bench *b, unsigned i) {
  static const l2tpsec_client_callbacks callbacks = {.event = on_event};
  struct conn *c = &b->conns[i];
  l2tpsec_client_settings s;
  struct in_addr first;
  int rv;

  inet_pton(AF_INET, b->o.first_local, &first);
  first.s_addr = htonl(ntohl(first.s_addr) + i);
  inet_ntop(AF_INET, &first, c->local, sizeof(c->local));
  l2tpsec_client_settings_default(&s);
  s.server = b->o.server;
  s.local_address = c->local;
  s.psk = (const uint8_t *)b->o.psk;
  s.psk_len = strlen(b->o.psk);
  s.user = b->o.user;
  s.password = b->o.password;
  s.ike_proposals = b->o.ike_proposals;
  s.tun_open = false;
  c->bench = b;
  c->started = now_seconds();
  rv = l2tpsec_client_new(&c->client, &b->loop, &s, &callbacks, c);
  if (rv != 0) {
    fprintf(stderr, "bench_sessions: cannot start a client from %s: %s\n",
            c->local, l2tpsec_strerror(rv));
    c->down = true;
    b->down_count++;
    b->failed++;
  }
}

/* Runs the loop until done(b) or the deadline; returns false on timeout. */
static bool run_until(struct bench *b, bool (*done)(const struct bench *),
                      double deadline) {
  while (!done(b)) {
    if (now_seconds() > deadline)
      return false;
    uv_run(&b->loop, UV_RUN_ONCE);
  }
  return true;
}

static unsigned started;   /* clients started so far in this phase's range */
static unsigned phase_end; /* one past the last index of the phase */
static unsigned window;    /* clients allowed to connect at the same time */

/* True while fewer than `window` started clients are still connecting;
 * every client of earlier phases is up or failed by now. */
static bool window_open(const struct bench *b) {
  return started - (b->up_count + b->failed) < window;
}

static bool all_settled(const struct bench *b) {
  return b->up_count + b->failed == b->total;
}

/* Connects clients [first, first + count), at most `width` connecting at a
 * time, and waits until every one is up or failed. */
static bool connect_range(struct bench *b, unsigned first, unsigned count,
                          unsigned width) {
  double deadline = now_seconds() + 60 + count * 0.5;

  started = first;
  phase_end = first + count;
  window = width;
  b->total = phase_end;
  while (started < phase_end) {
    if (!run_until(b, window_open, deadline))
      return false;
    while (started < phase_end && window_open(b))
      start_client(b, started++);
  }
  return run_until(b, all_settled, deadline);
}

static bool all_down(const struct bench *b) {
  return b->down_count == b->total;
}

/* Disconnects every client that is up, waits for DOWN, frees them all. */
static void disconnect_all(struct bench *b, unsigned first, unsigned count) {
  for (unsigned i = first; i < first + count; i++)
    if (b->conns[i].up && !b->conns[i].down &&
        l2tpsec_client_disconnect(b->conns[i].client) != 0) {
      b->conns[i].down = true;
      b->down_count++;
    }
  if (!run_until(b, all_down, now_seconds() + 60))
    fprintf(stderr,
            "bench_sessions: %u clients did not report DOWN within "
            "60 s; freeing them anyway\n",
            b->total - b->down_count);
  for (unsigned i = first; i < first + count; i++) {
    if (!b->conns[i].down) {
      b->conns[i].down = true;
      b->down_count++;
    }
    l2tpsec_client_del(b->conns[i].client);
  }
  uv_run(&b->loop, UV_RUN_NOWAIT);
  uv_run(&b->loop, UV_RUN_NOWAIT);
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;

  return (x > y) - (x < y);
}

/* Returns the median time to UP in ms over the clients that came up. */
static double median_setup_ms(const struct bench *b, unsigned first,
                              unsigned count) {
  double *times = calloc(count ? count : 1, sizeof(*times));
  unsigned n = 0;
  double median;

  for (unsigned i = first; i < first + count; i++)
    if (b->conns[i].up)
      times[n++] = (b->conns[i].up_at - b->conns[i].started) * 1000;
  qsort(times, n, sizeof(*times), compare_doubles);
  median = n ? times[n / 2] : 0;
  free(times);
  return median;
}

/* Runs one setup phase and prints its figures. */
static void setup_phase(struct bench *b, const char *mode, unsigned first,
                        unsigned count, unsigned width) {
  unsigned failed_before = b->failed, up_before = b->up_count;
  double cpu = server_cpu_seconds_all(b->o.server_pids);
  double start = now_seconds();
  bool complete = connect_range(b, first, count, width);
  double wall = now_seconds() - start;
  double server_cpu = server_cpu_seconds_all(b->o.server_pids) - cpu;
  unsigned up = b->up_count - up_before;

  printf("{\"bench\":\"setup\",\"mode\":\"%s\",\"clients\":%u,"
         "\"concurrency\":%u,\"up\":%u,\"failed\":%u,\"complete\":%s,"
         "\"seconds\":%.3f,\"setups_per_s\":%.2f,\"median_ms\":%.1f,"
         "\"server_cpu_ms_per_setup\":%.3f}\n",
         mode, count, width, up, b->failed - failed_before,
         complete ? "true" : "false", wall, up ? up / wall : 0.0,
         median_setup_ms(b, first, count), up ? server_cpu * 1000 / up : 0.0);
  fflush(stdout);
  disconnect_all(b, first, count);
}

/* Holds `count` sessions up and prints the server's VmRSS per session. */
static void hold_phase(struct bench *b, unsigned first, unsigned count,
                       long idle_kb) {
  unsigned up_before = b->up_count;
  double start = now_seconds();
  bool complete = connect_range(b, first, count, b->o.parallel);
  double wall = now_seconds() - start;
  unsigned up = b->up_count - up_before;
  long held_kb;

  /* Let the last connects' retransmissions and acknowledgements finish
   * before reading the server's memory. */
  double settle = now_seconds() + 2;
  while (now_seconds() < settle) {
    uv_run(&b->loop, UV_RUN_NOWAIT);
    usleep(10000);
  }
  held_kb = server_rss_kb(b->o.server_pid);
  disconnect_all(b, first, count);
  printf("{\"bench\":\"sessions_rss\",\"sessions\":%u,\"up\":%u,"
         "\"complete\":%s,\"connect_seconds\":%.2f,\"idle_rss_kB\":%ld,"
         "\"held_rss_kB\":%ld,\"after_rss_kB\":%ld,"
         "\"bytes_per_session\":%.0f}\n",
         count, up, complete ? "true" : "false", wall, idle_kb, held_kb,
         server_rss_kb(b->o.server_pid),
         up ? (double)(held_kb - idle_kb) * 1024 / up : 0.0);
  fflush(stdout);
}

static void usage(void) {
  fprintf(stderr,
          "usage: bench_sessions --server IP --first-local IP "
          "--server-pid PID[,PID...] --psk KEY --user NAME "
          "--password PASSWORD [--sequential N] [--parallel M] [--hold H] "
          "[--ike-proposals LIST]\n");
  exit(2);
}

static void parse_options(int argc, char **argv, struct options *o) {
  *o = (struct options){.sequential = 20, .parallel = 20, .hold = 1000};
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *k = argv[i], *v = argv[i + 1];

    if (strcmp(k, "--server") == 0)
      o->server = v;
    else if (strcmp(k, "--first-local") == 0)
      o->first_local = v;
    else if (strcmp(k, "--psk") == 0)
      o->psk = v;
    else if (strcmp(k, "--user") == 0)
      o->user = v;
    else if (strcmp(k, "--password") == 0)
      o->password = v;
    else if (strcmp(k, "--server-pid") == 0)
      o->server_pids = v;
    else if (strcmp(k, "--sequential") == 0)
      o->sequential = (unsigned)atoi(v);
    else if (strcmp(k, "--parallel") == 0)
      o->parallel = (unsigned)atoi(v);
    else if (strcmp(k, "--hold") == 0)
      o->hold = (unsigned)atoi(v);
    else if (strcmp(k, "--ike-proposals") == 0)
      o->ike_proposals = v;
    else
      usage();
  }
  o->server_pid = o->server_pids ? atol(o->server_pids) : 0;
  if (argc % 2 == 0 || !o->server || !o->first_local || !o->psk || !o->user ||
      !o->password || o->server_pid <= 0 || o->parallel == 0)
    usage();
}

/* Each client needs a UDP socket per port and a raw ESP socket. */
static void raise_file_limit(void) {
  struct rlimit r;

  if (getrlimit(RLIMIT_NOFILE, &r) == 0) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

int main(int argc, char **argv) {
  static struct bench b;
  struct in_addr probe;
  long idle_kb;
  unsigned n;

  parse_options(argc, argv, &b.o);
  if (inet_pton(AF_INET, b.o.first_local, &probe) != 1)
    usage();
  n = b.o.sequential + b.o.parallel + b.o.hold;
  b.conns = calloc(n, sizeof(*b.conns));
  if (b.conns == NULL || uv_loop_init(&b.loop) != 0)
    return 1;
  raise_file_limit();
  idle_kb = server_rss_kb(b.o.server_pid);
  if (idle_kb < 0 || server_cpu_seconds_all(b.o.server_pids) < 0) {
    fprintf(stderr,
            "bench_sessions: cannot read /proc/%ld; is --server-pid the "
            "server's PID?\n",
            b.o.server_pid);
    return 1;
  }
  if (b.o.sequential > 0)
    setup_phase(&b, "sequential", 0, b.o.sequential, 1);
  setup_phase(&b, "parallel", b.o.sequential, b.o.parallel, b.o.parallel);
  if (b.o.hold > 0)
    hold_phase(&b, b.o.sequential + b.o.parallel, b.o.hold, idle_kb);
  free(b.conns);
  return b.failed ? 1 : 0;
}
