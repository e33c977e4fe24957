// Node.js mysql2 client for ClientMatrixIntegrationTest: a transaction per id (a prepared INSERT via
// execute(), then COMMIT) in a loop; on an error it prints it, reconnects and goes on. Prints 'ack N' after
// each commit and 'error MESSAGE' for each failure; stops after 5 acks following the first error, or after
// SECONDS.
const mysql = require('mysql2/promise');

const [host, port, user, password, client, seconds] = process.argv.slice(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

(async () => {
  const start = Date.now();
  let conn = null;
  let n = 0;
  let afterError = 0;
  let errored = false;
  while (Date.now() - start < Number(seconds) * 1000 && afterError < 5) {
    try {
      if (conn === null) {
        conn = await mysql.createConnection({ host, port: Number(port), user, password, connectTimeout: 3000 });
        conn.on('error', () => {}); // a dropped connection is reported by the next call
      }
      n += 1;
      await conn.beginTransaction();
      await conn.execute('INSERT INTO t.c (client, id) VALUES (?, ?)', [client, n]);
      await conn.commit();
      console.log(`ack ${n}`);
      if (errored) afterError += 1;
    } catch (e) {
      errored = true;
      console.log('error ' + String(e.message).split(/\s+/).join(' '));
      if (conn !== null) conn.destroy();
      conn = null;
      await sleep(200);
    }
    await sleep(50);
  }
  if (conn !== null) await conn.end().catch(() => {});
  console.log('done');
})();
