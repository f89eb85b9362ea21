import type { Measurement } from '../context.ts'
import type { ControlCost } from './controls.ts'
import type { Row } from './model.ts'
import type { TargetResult } from './targets.ts'

/** The JSON a run writes (`schema: portcullis-bench/1`); NaN figures are written as null. */
export interface BenchReport {
  schema: 'portcullis-bench/1'
  mode: 'quick' | 'full'
  startedAt: string
  durationS: number
  command: string
  machine: {
    cpuModel: string
    cpus: number
    memoryGB: number
    os: string
    loadavgStart: number[]
    loadavgEnd: number[]
  }
  versions: Record<string, string>
  settings: Record<string, unknown>
  servers: Record<string, { label: string; instances: number }>
  rows: Row[]
  controls: ControlCost[]
  alwaysOn: string[]
  targets: TargetResult[]
  measurements: Measurement[]
  skipped: string[]
  notes: string[]
}
