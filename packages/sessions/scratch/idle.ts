import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { startRedisCluster } from '@portcullis/testkit'

const cluster = await startRedisCluster()
const cpu = (pid: number) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(' '); return (Number(f[13]) + Number(f[14])) * 10 }
try {
  const child = spawn(process.execPath, ['--import', './dist/instrument.js', 'dist/server.js'], {
    cwd: '/work/wt-cluster/apps/realtime',
    env: { PATH: process.env.PATH, REDIS_CLUSTER_NODES: cluster.seeds, REALTIME_PORT: '39123', LOG_LEVEL: 'info', JWKS_URL: 'http://127.0.0.1:1/jwks' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let lines = 0
  child.stdout.on('data', (d: Buffer) => { lines += d.toString().split('\n').length - 1; if (lines < 15) process.stdout.write(d.toString().slice(0, 600)) })
  await new Promise((r) => setTimeout(r, 4000))
  const c0 = cpu(child.pid!); await new Promise((r) => setTimeout(r, 5000)); const c1 = cpu(child.pid!)
  console.log('idle cpu ms over 5 s:', c1 - c0, 'log lines', lines)
  child.kill('SIGKILL')
} finally { await cluster.stop() }
