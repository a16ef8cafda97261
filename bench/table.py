#!/usr/bin/python3
"""Render the JSON lines that bench/run.sh collects as a plain table."""
import json
import sys

rows = []
esp_rows = []
path_rows = []
session_rows = []
for line in sys.stdin:
    record = json.loads(line)
    if record.get("bench") == "path":
        path_rows.append(record)
    elif record.get("bench") in ("setup", "sessions_rss"):
        session_rows.append(record)
    elif "raw_MBps" in record:
        esp_rows.append(record)
    elif "case" in record:
        rows.append(record)
    elif record.get("bench") == "host":
        print(f"host: {record['cpu']}; anchor: {record['openssl']}")
    else:
        flags = ", ".join(f"{k}={v}" for k, v in record.items() if k != "bench")
        print(f"{record['bench']}: {flags}")

if path_rows:
    print()
    print("path: iperf3 through the VPN; ratio = VPN rate / the anchor's")
    print("rate (the same namespaces and veth pair without a VPN); CPU =")
    print("CPU time of both VPN ends per MB received, in ms; null = the")
    print("null VPN loop of the same backend and suite: its rate, our rate")
    print("/ its rate, our CPU per MB / its CPU per MB; load = 1-minute")
    print("load average when the case started")
    print(f"{'vpn':<16} {'suite':<12} {'case':<8} {'Mbit/s':>9} "
          f"{'packets/s':>10} {'anchor Mbit/s':>14} {'ratio':>7} "
          f"{'CPU':>8} {'null Mbit/s':>11} {'vs null':>7} "
          f"{'CPU/null':>8} {'load':>5}")
    for r in path_rows:
        if "error" in r:
            print(f"{r['vpn']:<16} {r['suite']:<12} {r['case']:<8} "
                  f"failed: {r['error']}")
            continue
        pps = f"{r['pps']:>10}" if "pps" in r else f"{'':>10}"
        cpu = (f"{r['cpu_ms_per_MB']:>8.2f}" if "cpu_ms_per_MB" in r
               else f"{'':>8}")
        null = (f"{r['null_Mbps']:>11.1f} {r['null_ratio'] or 0:>7.3f}"
                if "null_Mbps" in r else f"{'':>11} {'':>7}")
        cpu_null = (f"{r['cpu_vs_null']:>8.2f}" if "cpu_vs_null" in r
                    else f"{'':>8}")
        load = f"{r['load'][0]:>5.1f}" if r.get("load") else f"{'':>5}"
        print(f"{r['vpn']:<16} {r['suite']:<12} {r['case']:<8} "
              f"{r['Mbps']:>9.1f} {pps} {r['anchor_Mbps']:>14.1f} "
              f"{r['ratio']:>7.3f} {cpu} {null} {cpu_null} {load}")

for r in session_rows:
    load = f"load {r['load'][0]:.1f}" if r.get("load") else "load unknown"
    if r["bench"] == "setup":
        anchor = (f"{r['setup_cpu_in_handshakes']:.2f} IKE handshakes of "
                  f"{r['anchor_handshake_cpu_ms']:.2f} ms"
                  if "setup_cpu_in_handshakes" in r else "no bench_ike anchor")
        softether = (f"; SoftEther {r['softether_setups_per_s']:.2f}/s "
                     f"(ratio {r['softether_ratio']:.2f}), CPU "
                     f"{r['softether_server_cpu_ms_per_setup']:.3f} ms"
                     if "softether_ratio" in r else "")
        print(f"setups {r['mode']:<10} {r['up']:>4}/{r['clients']:<4} up: "
              f"{r['setups_per_s']:7.2f}/s, median {r['median_ms']:.1f} ms, "
              f"server CPU {r['server_cpu_ms_per_setup']:.3f} ms per setup "
              f"= {anchor}{softether}; {load}")
    else:
        anchor = (f"{r['session_in_ike_sas']:.2f} x the "
                  f"{r['anchor_bytes_per_ike_sa']} bytes of one IKE SA"
                  if "session_in_ike_sas" in r else "no bench_ike anchor")
        print(f"sessions   {r['up']:>4}/{r['sessions']:<4} held: server "
              f"VmRSS {r['idle_rss_kB']} kB idle, {r['held_rss_kB']} kB "
              f"held, {r['after_rss_kB']} kB after; "
              f"{r['bytes_per_session']:.0f} bytes per session = {anchor}; "
              f"{load}")

if not rows and not esp_rows:
    sys.exit(0)
print()
print(f"{'case':<30} {'bytes':>6} {'ours MB/s':>10} {'openssl MB/s':>13} "
      f"{'ratio':>6}")
for r in rows:
    print(f"{r['case']:<30} {r['bytes']:>6} {r['ours_MBps']:>10.1f} "
          f"{r['openssl_MBps']:>13.1f} {r['ratio']:>6.3f}")

if esp_rows:
    print()
    print("ESP: ours = through the ESP layer, raw = the backend's cipher and")
    print("HMAC calls alone, overhead = raw rate / ESP rate - 1, ratio = ours")
    print("/ openssl speed")
    print(f"{'case':<44} {'bytes':>6} {'ours MB/s':>10} {'raw MB/s':>9} "
          f"{'overhead':>8} {'openssl MB/s':>13} {'ratio':>6}")
    for r in esp_rows:
        print(f"{r['case']:<44} {r['bytes']:>6} {r['ours_MBps']:>10.1f} "
              f"{r['raw_MBps']:>9.1f} {r['esp_overhead']:>8.1%} "
              f"{r['openssl_MBps']:>13.1f} {r['ratio']:>6.3f}")
