// pg-boss firing empty jobs, the reference of bench/workers_bench.py
// (docs/scaling.md). Two modes, run by that script:
//
//   node bench.js seed SOCKET_DIR SCHEMA JOBS
//     creates the queue "fire" in SCHEMA and inserts JOBS jobs due in an
//     hour (as the Voronka side's timers: made due at once later by SQL);
//   node bench.js work SOCKET_DIR SCHEMA BATCH [LOOPS]
//     one worker process (LOOPS work() loops in it, 1 by default): pg-boss's own worker API, BATCH jobs per fetch,
//     polling every second as a Voronka worker does (pg-boss: 2 s by default),
//     an empty handler; prints "ready" once it polls. A full batch asks for
//     the next one at once (notifyWorker, pg-boss's way to skip the poll
//     interval), as a Voronka worker claims again at once after a full claim.
//     It also LISTENs on bench_go and asks for a batch at once when told:
//     the caller wakes both sides when it makes the jobs due (the Voronka
//     workers by their store's NOTIFY), so neither waits for a poll.
//
// The caller makes the jobs due, counts completed jobs in SQL, and kills
// the workers.
'use strict'
const PgBoss = require('pg-boss')

const QUEUE = 'fire'

async function open (socketDir, schema, options = {}) {
  const boss = new PgBoss({
    host: socketDir,
    user: 'voronka',
    database: 'postgres',
    schema,
    max: 4,
    ...options
  })
  boss.on('error', e => console.error('pg-boss:', e.message))
  await boss.start()
  return boss
}

async function seed (socketDir, schema, jobs) {
  const boss = await open(socketDir, schema, { supervise: false, schedule: false })
  await boss.createQueue(QUEUE)
  const later = new Date(Date.now() + 3600 * 1000)
  for (let i = 0; i < jobs; i += 1000) {
    const chunk = []
    for (let j = i; j < Math.min(i + 1000, jobs); j++) chunk.push({ name: QUEUE, data: { n: j }, startAfter: later })
    await boss.insert(chunk)
  }
  await boss.stop({ graceful: false })
}

async function work (socketDir, schema, batchSize, loops) {
  const boss = await open(socketDir, schema, { supervise: false, schedule: false, migrate: false })
  // pg-boss 10 runs fetches concurrently in one process as one work() loop per
  // call (later versions call it localConcurrency): LOOPS of them.
  const ids = []
  for (let k = 0; k < loops; k++) {
    let id = null
    id = await boss.work(QUEUE, { batchSize, pollingIntervalSeconds: 1 }, async jobs => {
      if (jobs.length === batchSize && id) boss.notifyWorker(id)
    })
    ids.push(id)
  }
  // pg is pg-boss's own driver (installed with it).
  const { Client } = require('pg')
  const listener = new Client({ host: socketDir, user: 'voronka', database: 'postgres' })
  await listener.connect()
  listener.on('notification', () => ids.forEach(id => boss.notifyWorker(id)))
  await listener.query('LISTEN bench_go')
  console.log('ready')
}

async function main () {
  const [mode, socketDir, schema, count, loops] = process.argv.slice(2)
  if (mode === 'seed') return seed(socketDir, schema, Number(count))
  if (mode === 'work') return work(socketDir, schema, Number(count), Number(loops || 1))
  throw new Error('usage: node bench.js seed SOCKET_DIR SCHEMA JOBS | work SOCKET_DIR SCHEMA BATCH [LOOPS]')
}

main().catch(e => {
  console.error(e)
  process.exit(1)
})
