"""PyMySQL client for ClientMatrixIntegrationTest: a transaction per id (a parameterised INSERT, then
COMMIT) in a loop; on an error it prints it, reconnects and goes on. Prints 'ack N' after each commit
and 'error MESSAGE' for each failure; stops after 5 acks following the first error, or after SECONDS."""
import sys
import time

import pymysql

host, port, user, password, client, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], float(sys.argv[6])
start, conn, n, after_error, errored = time.monotonic(), None, 0, 0, False
while time.monotonic() - start < seconds and after_error < 5:
    try:
        if conn is None:
            conn = pymysql.connect(host=host, port=port, user=user, password=password, connect_timeout=3,
                                   read_timeout=15, write_timeout=15, autocommit=False)
        n += 1
        with conn.cursor() as c:
            c.execute("INSERT INTO t.c (client, id) VALUES (%s, %s)", (client, n))
        conn.commit()
        print(f"ack {n}", flush=True)
        if errored:
            after_error += 1
    except Exception as e:
        errored = True
        print("error " + " ".join(str(e).split()), flush=True)
        try:
            conn and conn.close()
        except Exception:
            pass
        conn = None
        time.sleep(0.2)
    time.sleep(0.05)
print("done", flush=True)
