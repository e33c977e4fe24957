"""Writer for test-install.sh: one autocommit INSERT at a time through the hosts' RW ports, moving to the
next host when one fails (as an application with a host list would). Logs every acknowledged id and the
longest time between two acknowledgements. Stops when STOP_FILE exists or after MAX_SECONDS."""
import json
import os
import sys
import time

import pymysql

hosts, port, user, password, table, stop_file, out_file, max_seconds = (
    sys.argv[1].split(","), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7],
    float(sys.argv[8]))

acked, errors = [], 0
last_ack = start = time.monotonic()
max_gap, gap_at = 0.0, None
conn, h, n = None, 0, 0
while not os.path.exists(stop_file) and time.monotonic() - start < max_seconds:
    try:
        if conn is None:
            conn = pymysql.connect(host=hosts[h], port=port, user=user, password=password, connect_timeout=2,
                                   read_timeout=10, write_timeout=10, autocommit=True)
        n += 1
        with conn.cursor() as c:
            c.execute(f"INSERT INTO {table} VALUES (%s)", (n,))
        now = time.monotonic()
        if now - last_ack > max_gap:
            max_gap, gap_at = now - last_ack, round(last_ack - start, 2)
        last_ack = now
        acked.append(n)
    except Exception as e:  # any failure: this id's outcome is unknown; move on to the next host
        errors += 1
        try:
            if conn is not None:
                conn.close()
        except Exception:
            pass
        conn, h = None, (h + 1) % len(hosts)
        time.sleep(0.1)

with open(out_file, "w") as f:
    json.dump({"acked": acked, "errors": errors, "maxGapS": round(max_gap, 2), "gapAtS": gap_at}, f)
