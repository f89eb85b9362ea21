import { expect, test } from 'vitest'
import { faultPlan } from '../../src/soak/schedule.ts'
import { soakDefaults, withDerived } from '../../src/soak/options.ts'

test('ramps over the first 20 %, spreads the faults evenly after it, each with time to recover', () => {
  const plan = faultPlan(600_000, ['realtime', 'redis', 'api'])
  expect(plan.rampMs).toBe(120_000)
  expect(plan.faults.map((f) => [f.kind, f.atMs])).toEqual([
    ['realtime', 240_000],
    ['redis', 360_000],
    ['api', 480_000],
  ])
  // A killed instance stays down 10 % of the run, at most 30 s; the Redis node comes back half a slot later.
  expect(plan.faults.map((f) => f.repairAfterMs)).toEqual([30_000, 60_000, 0])
  expect(plan.endMs).toBe(600_000)
  expect(plan.settleMs).toBe(30_000)
  for (const f of plan.faults) expect(f.atMs + f.repairAfterMs).toBeLessThan(plan.endMs)
})

test('a one-minute run keeps the same shape, scaled; a run without faults only ramps and churns', () => {
  const quick = faultPlan(60_000, ['realtime', 'redis', 'api'])
  expect(quick.rampMs).toBe(12_000)
  expect(quick.faults.map((f) => f.atMs)).toEqual([24_000, 36_000, 48_000])
  expect(quick.faults[0]!.repairAfterMs).toBe(6000)
  expect(quick.settleMs).toBe(8000)
  expect(faultPlan(60_000, []).faults).toEqual([])
  expect(() => faultPlan(5000, [])).toThrow(RangeError)
})

test('defaults: 10 minutes at 10 000 connections, 50 users per source address; quick is a minute at 1 000', () => {
  const full = soakDefaults('full')
  expect(full).toMatchObject({ minutes: 10, connections: 10_000, instances: 2, sourceIps: 200, rooms: 1000 })
  expect(full.publishPerS).toBe(100)
  expect(full.writeDocs).toBe(true)
  expect(soakDefaults('quick')).toMatchObject({
    minutes: 1,
    connections: 1000,
    sourceIps: 20,
    writeDocs: false,
  })
  // Derived figures follow a changed connection count; never fewer than 2 addresses, at most 250.
  expect(withDerived({ mode: 'quick', minutes: 1, connections: 40, instances: 2 }).sourceIps).toBe(2)
  expect(withDerived({ mode: 'full', minutes: 1, connections: 50_000, instances: 4 }).sourceIps).toBe(250)
})
