// A single-node Redis restarted under live sockets and traffic (SIGKILL, then started again with its data: AOF with
// fsync on every write), with two instances: the counterpart of the cluster failover test in ../cluster.test.ts.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onTestFinished, test } from 'vitest'
import { startRedisServer } from '@portcullis/testkit'
import { shared, startApp } from '../helper.ts'
import { bothReady, expectRecovered, expectRiddenOut, trafficDuring, usersOnBoth } from '../two-instances.ts'

const CHANNELS = ['public:restart']

test(
  'Redis restart within STORE_GRACE_MS: no 1013, upgrades 503 meanwhile (never 500), no app restart; ' +
    'afterwards revocations close exactly the revoked sessions and fan-out flows again',
  { timeout: 60_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-aof-'))
    const redis = await startRedisServer({
      args: ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir],
    })
    onTestFinished(async () => {
      await redis.stop()
      rmSync(dir, { recursive: true, force: true })
    })
    const s = shared()
    const config = { REDIS_URL: redis.url, STORE_GRACE_MS: 20_000, MAX_CONNECTIONS_PER_USER: 10 }
    const a = await startApp(config, { shared: s })
    const b = await startApp(config, { shared: s })
    const users = await usersOnBoth([a, b], 10, 'rs', CHANNELS)
    const traffic = trafficDuring([a, b], users, CHANNELS)
    await new Promise((r) => setTimeout(r, 300))
    await redis.kill()
    await new Promise((r) => setTimeout(r, 1500))
    await redis.start()
    await bothReady([a, b], 20_000)
    await new Promise((r) => setTimeout(r, 1000))
    expectRiddenOut(a, await traffic.stop())
    await expectRecovered(a, users, CHANNELS, 5)
  },
)
