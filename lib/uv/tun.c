/*
 * TUN device setup through ioctl(2): TUNSETIFF on /dev/net/tun, then the
 * classic SIOCSIF* requests on a datagram socket. The IPv6 address uses
 * SIOCSIFADDR on an AF_INET6 socket with struct in6_ifreq, which Linux
 * has accepted since 2.2, so no netlink code is needed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/ipv6.h>
#include <net/route.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "l2tpsec/errors.h"
#include "uv/tun.h"

static int copy_name(struct ifreq *ifr, const char *name) {
  memset(ifr, 0, sizeof(*ifr));
  if (strlen(name) >= IFNAMSIZ)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  strcpy(ifr->ifr_name, name);
  return 0;
}

int l2tpsec__tun_open(const char *name, char name_out[IFNAMSIZ]) {
  struct ifreq ifr;
  int fd;

  if (copy_name(&ifr, name) != 0)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;

  fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return L2TPSEC_ERR_IO;
  if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
    int err = errno;

    close(fd);
    errno = err;
    return L2TPSEC_ERR_IO;
  }
  memcpy(name_out, ifr.ifr_name, IFNAMSIZ);
  name_out[IFNAMSIZ - 1] = '\0';
  return fd;
}

/* Runs one interface ioctl on a throw-away socket of `family`. */
static int if_ioctl(int family, unsigned long request, void *arg) {
  int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int rv, err;

  if (fd < 0)
    return L2TPSEC_ERR_IO;
  rv = ioctl(fd, request, arg);
  err = errno;
  close(fd);
  errno = err;
  return rv == 0 ? 0 : L2TPSEC_ERR_IO;
}

int l2tpsec__tun_set_mtu(const char *name, unsigned mtu) {
  struct ifreq ifr;

  if (copy_name(&ifr, name) != 0)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  ifr.ifr_mtu = (int)mtu;
  return if_ioctl(AF_INET, SIOCSIFMTU, &ifr);
}

static void set_sin(struct sockaddr *sa, uint32_t addr) {
  struct sockaddr_in sin = {.sin_family = AF_INET};

  sin.sin_addr.s_addr = addr;
  memcpy(sa, &sin, sizeof(sin));
}

int l2tpsec__tun_add_ipv4(const char *name, uint32_t addr, unsigned prefix) {
  uint32_t mask = prefix == 0 ? 0 : htonl(~(uint32_t)0 << (32 - prefix));
  struct ifreq ifr;
  int rv;

  if (prefix > 32 || copy_name(&ifr, name) != 0)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  set_sin(&ifr.ifr_addr, addr);
  rv = if_ioctl(AF_INET, SIOCSIFADDR, &ifr);
  if (rv != 0)
    return rv;

  set_sin(&ifr.ifr_netmask, mask);
  return if_ioctl(AF_INET, SIOCSIFNETMASK, &ifr);
}

static int if_index(const char *name) {
  unsigned index = if_nametoindex(name);

  return index == 0 ? L2TPSEC_ERR_IO : (int)index;
}

int l2tpsec__tun_add_ipv6(const char *name, const uint8_t addr[16],
                          unsigned prefix) {
  struct in6_ifreq req;
  int index = if_index(name);

  if (prefix > 128)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  if (index < 0)
    return index;

  memset(&req, 0, sizeof(req));
  memcpy(&req.ifr6_addr, addr, 16);
  req.ifr6_prefixlen = prefix;
  req.ifr6_ifindex = index;
  return if_ioctl(AF_INET6, SIOCSIFADDR, &req);
}

int l2tpsec__tun_up(const char *name) {
  struct ifreq ifr;
  int rv;

  if (copy_name(&ifr, name) != 0)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  rv = if_ioctl(AF_INET, SIOCGIFFLAGS, &ifr);
  if (rv != 0)
    return rv;
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  return if_ioctl(AF_INET, SIOCSIFFLAGS, &ifr);
}

int l2tpsec__tun_set_peer(const char *name, uint32_t addr) {
  struct ifreq ifr;

  if (copy_name(&ifr, name) != 0)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  set_sin(&ifr.ifr_dstaddr, addr);
  return if_ioctl(AF_INET, SIOCSIFDSTADDR, &ifr);
}

int l2tpsec__tun_add_route(const char *name, uint32_t net, unsigned prefix) {
  struct rtentry rt;
  char dev[IFNAMSIZ];
  uint32_t mask = prefix == 0 ? 0 : htonl(~(uint32_t)0 << (32 - prefix));

  if (prefix > 32 || strlen(name) >= IFNAMSIZ)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  memset(&rt, 0, sizeof(rt));
  strcpy(dev, name);
  set_sin(&rt.rt_dst, net & mask);
  set_sin(&rt.rt_genmask, mask);
  rt.rt_flags = RTF_UP;
  rt.rt_dev = dev;
  return if_ioctl(AF_INET, SIOCADDRT, &rt);
}
