#!/bin/sh
# Writes a self-contained FreeRADIUS 3.2 configuration into DIR for the
# RADIUS client tests: an auth listener on 127.0.0.1 port PORT and an
# accounting listener on PORT+1, the client 127.0.0.1 with SECRET, and
# the test users. Nothing under /etc/freeradius is read or changed.
#
#   freeradius-conf.sh DIR PORT SECRET TOTP_BASE32 [no-ma]
#
# Users: alice (PAP, "Secr3t!" followed by a TOTP code checked by
# rlm_totp), bob (CHAP and MS-CHAPv2, "chap-pass"), slow (PAP "slow-pass",
# accepted after an exec module has slept DELAY_SECONDS, default 25).
# With "no-ma" the replies carry no Message-Authenticator, as servers
# without the Blast-RADIUS fixes send them.
set -eu
dir=$1
port=$2
secret=$3
totp_secret=$4
mode=${5:-}
acct_port=$((port + 1))
delay=${DELAY_SECONDS:-25}

mkdir -p "$dir/log" "$dir/run" "$dir/acct"

if [ "$mode" = "no-ma" ]; then
  sign=""
else
  # FreeRADIUS 3.2.1 signs a reply when the attribute is present.
  sign="update reply {
      &Message-Authenticator := 0x00
    }"
fi

printf '$INCLUDE /usr/share/freeradius/dictionary\n' >"$dir/dictionary"

cat >"$dir/users" <<USERS
alice Cleartext-Password := "Secr3t!", TOTP-Secret := "$totp_secret"
      Framed-IP-Address = 192.0.2.10,
      Framed-Pool = "pool-a",
      Session-Timeout = 3600,
      Idle-Timeout = 600,
      Class = "cls-alice",
      Reply-Message = "Welcome alice"

bob Cleartext-Password := "chap-pass"
      Framed-IP-Address = 192.0.2.11

slow Cleartext-Password := "slow-pass"
      Reply-Message = "approved"
USERS

cat >"$dir/radiusd.conf" <<CONF
prefix = /usr
exec_prefix = /usr
sysconfdir = /etc
localstatedir = $dir
sbindir = /usr/sbin
logdir = $dir/log
raddbdir = $dir
radacctdir = $dir/acct
name = freeradius
confdir = $dir
modconfdir = $dir
run_dir = $dir/run
db_dir = $dir
libdir = /usr/lib/freeradius
pidfile = $dir/run/radiusd.pid
max_request_time = 60
cleanup_delay = 5
max_requests = 1024
hostname_lookups = no

log {
  destination = files
  file = $dir/log/radius.log
  auth = yes
  auth_badpass = no
  auth_goodpass = no
}

security {
  allow_core_dumps = no
  max_attributes = 200
  reject_delay = 0
  status_server = no
}

thread pool {
  start_servers = 2
  max_servers = 4
  min_spare_servers = 1
  max_spare_servers = 4
}

client test {
  ipaddr = 127.0.0.1
  secret = $secret
  require_message_authenticator = yes
}

modules {
  always reject {
    rcode = reject
  }
  files {
    filename = $dir/users
  }
  pap {
    normalise = yes
  }
  chap {
  }
  mschap {
    use_mppe = no
  }
  totp {
  }
  exec delay {
    wait = yes
    program = "/bin/sleep $delay"
    input_pairs = request
    shell_escape = yes
    timeout = 40
  }
  detail {
    filename = $dir/acct/detail
    permissions = 0600
    header = "%t"
  }
}

server default {
  listen {
    type = auth
    ipaddr = 127.0.0.1
    port = $port
  }
  listen {
    type = acct
    ipaddr = 127.0.0.1
    port = $acct_port
  }

  authorize {
    files
    # Password and code typed into one field: the last 6 digits are the
    # TOTP code, the rest is the password.
    if (&control:TOTP-Secret && &User-Password) {
      if (&User-Password =~ /^(.*)([0-9]{6})\$/) {
        update request {
          &TOTP-Password := "%{2}"
          &User-Password := "%{1}"
        }
      }
      else {
        reject
      }
    }
    chap
    mschap
    pap
  }

  authenticate {
    Auth-Type PAP {
      if (&control:TOTP-Secret) {
        totp
        if (ok) {
          pap
        }
        else {
          reject
        }
      }
      else {
        pap
      }
    }
    Auth-Type CHAP {
      chap
    }
    Auth-Type MS-CHAP {
      mschap
    }
  }

  preacct {
  }

  accounting {
    detail
    $sign
  }

  post-auth {
    if (&User-Name == "slow") {
      delay
    }
    $sign
    Post-Auth-Type REJECT {
      $sign
    }
  }
}
CONF
