import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import type { RedisClientType } from 'redis'

const require = createRequire(import.meta.url)

function pkgVersion(name: string): string {
  try {
    // Resolve the entry, then walk up to its package.json (some packages do not export ./package.json).
    let dir = require.resolve(name)
    for (let i = 0; i < 6; i++) {
      dir = dir.slice(0, dir.lastIndexOf('/'))
      try {
        const pkg = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')) as {
          name?: string
          version?: string
        }
        if (pkg.name === name && pkg.version) return pkg.version
      } catch {
        // keep walking up
      }
    }
  } catch {
    // not installed
  }
  return 'unknown'
}

/** The machine a run measured on. */
export function machine(): { cpuModel: string; cpus: number; memoryGB: number; os: string } {
  const cpus = os.cpus()
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpus: cpus.length,
    memoryGB: os.totalmem() / 1024 ** 3,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  }
}

/** Versions of everything measured: Node, the servers' libraries, redis-server, and the checkout's commit. */
export async function versions(redis: Pick<RedisClientType, 'info'>): Promise<Record<string, string>> {
  const info = String(await redis.info('server'))
  let commit = 'unknown'
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
  } catch {
    // not a git checkout
  }
  return {
    node: process.version,
    ws: pkgVersion('ws'),
    fastify: pkgVersion('fastify'),
    '@fastify/websocket': pkgVersion('@fastify/websocket'),
    'socket.io': pkgVersion('socket.io'),
    '@socket.io/redis-adapter': pkgVersion('@socket.io/redis-adapter'),
    '@portcullis/tokens': pkgVersion('@portcullis/tokens'),
    redis: pkgVersion('redis'),
    'redis-server': /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
    portcullis: commit,
  }
}
