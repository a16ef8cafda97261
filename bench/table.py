#!/usr/bin/python3
"""Render the JSON lines that bench/run.sh collects as a plain table."""
import json
import sys

rows = []
for line in sys.stdin:
    record = json.loads(line)
    if "case" in record:
        rows.append(record)
    elif record.get("bench") == "host":
        print(f"host: {record['cpu']}; anchor: {record['openssl']}")
    else:
        flags = ", ".join(f"{k}={v}" for k, v in record.items() if k != "bench")
        print(f"{record['bench']}: {flags}")

print()
print(f"{'case':<30} {'bytes':>6} {'ours MB/s':>10} {'openssl MB/s':>13} "
      f"{'ratio':>6}")
for r in rows:
    print(f"{r['case']:<30} {r['bytes']:>6} {r['ours_MBps']:>10.1f} "
          f"{r['openssl_MBps']:>13.1f} {r['ratio']:>6.3f}")
