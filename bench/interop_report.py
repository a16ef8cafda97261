#!/usr/bin/python3
"""Summarizes the client guest's result lines of bench/interop.sh.

Reads run-guest.sh's JSON lines on stdin, one per connection, named
SERVER-RUN, after an uncounted one named warmup-0. Prints one JSON line
per connection, one per server with the medians and their ratio to
ours, then a table. A connection counts
when ppp0 got its address, even if the ping after it failed; that
failure is shown. Exits 1 when a server has no counted connection.
"""
import argparse
import json
import statistics
import sys

SERVERS = ("ours", "softether", "strongswan")


def phases(guest):
    """Returns the phase times in ms, or None when ppp0 never came up."""
    ike, l2tp, ppp = (guest.get(k) for k in
                      ("ike_up_ms", "l2tp_up_ms", "ppp_up_ms"))
    if ike is None or l2tp is None or ppp is None:
        return None
    return {"ike_ms": ike, "l2tp_ms": l2tp - ike, "ppp_ms": ppp - l2tp,
            "total_ms": ppp}


def read_connections(lines):
    connections = {server: [] for server in SERVERS}
    host = {}
    for line in lines:
        record = json.loads(line)
        guest = record["guest"]
        server, _, run = guest["scenario"].rpartition("-")
        host["accel"] = record["accel"]
        row = {"bench": "interop", "server": server, "run": int(run),
               "status": guest["status"],
               "failed_step": guest.get("failed_step", ""),
               "ike_proposal": guest.get("ike_proposal", ""),
               "esp_encap": guest.get("esp_encap", "")}
        times = phases(guest)
        if times:
            row.update(times)
        connections.setdefault(server, []).append(row)
    return connections, host


def summarize(server, rows, ours_total):
    counted = [r for r in rows if "total_ms" in r]
    summary = {"bench": "interop", "server": server,
               "connections": len(rows), "counted": len(counted)}
    if not counted:
        return summary
    for key in ("ike_ms", "l2tp_ms", "ppp_ms", "total_ms"):
        summary["median_" + key] = statistics.median(r[key] for r in counted)
    if ours_total:
        summary["ratio_to_ours"] = round(
            summary["median_total_ms"] / ours_total, 2)
    return summary


def seconds(value):
    return "-" if value is None else f"{value / 1000:.1f}"


def print_table(summaries, connections, args, host):
    print()
    print(f"client: strongSwan + xl2tpd + pppd in a qemu guest "
          f"(accelerator {host.get('accel', 'unknown')}); CPU {args.cpu}")
    print(f"load average (1, 5, 15 min): {args.load_start} at the start, "
          f"{args.load_end} at the end")
    print("times in s from 'ipsec up' to ppp0 up; medians over the counted"
          " connections; ratio = median total / ours")
    print(f"{'server':<11} {'runs':>5} {'IKE':>6} {'L2TP':>6} {'PPP':>6} "
          f"{'total':>6} {'ratio':>6}   each run (total)")
    for s in summaries:
        per_run = " ".join(seconds(r.get("total_ms")) if "total_ms" in r
                        else f"failed:{r['failed_step']}"
                        for r in connections[s["server"]])
        ratio = s.get("ratio_to_ours")
        print(f"{s['server']:<11} {s['counted']:>2}/{s['connections']:<2} "
              f"{seconds(s.get('median_ike_ms')):>6} "
              f"{seconds(s.get('median_l2tp_ms')):>6} "
              f"{seconds(s.get('median_ppp_ms')):>6} "
              f"{seconds(s.get('median_total_ms')):>6} "
              f"{'-' if ratio is None else f'{ratio:.2f}':>6}   {per_run}")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, required=True)
    parser.add_argument("--load-start", default="")
    parser.add_argument("--load-end", default="")
    parser.add_argument("--cpu", default="")
    args = parser.parse_args()

    connections, host = read_connections(sys.stdin)
    print(json.dumps({"bench": "interop-host", "cpu": args.cpu,
                      "accel": host.get("accel"), "runs": args.runs,
                      "load_start": args.load_start,
                      "load_end": args.load_end}))
    # The warm-up connection is printed but not counted.
    for server in ("warmup",) + SERVERS:
        for row in connections.get(server, []):
            print(json.dumps(row))
    ours = summarize("ours", connections["ours"], None)
    ours_total = ours.get("median_total_ms")
    summaries = [summarize(s, connections[s], ours_total) for s in SERVERS]
    for s in summaries:
        print(json.dumps(s))
    print_table(summaries, connections, args, host)
    missing = [s["server"] for s in summaries if not s["counted"]]
    if missing:
        print(f"bench/interop.sh: no connection to {', '.join(missing)} "
              f"reached ppp0 up; see the failed steps above",
              file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
