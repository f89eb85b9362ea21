import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { METRIC } from '../src/index.ts'

// The local observability stack lives in infra/ (no Docker here): these tests keep it consistent with the code.
const infra = (path: string) => fileURLToPath(new URL(`../../../infra/${path}`, import.meta.url))
const readYaml = (path: string) => parse(readFileSync(infra(path), 'utf8')) as Record<string, any> // oxlint-disable-line typescript/no-explicit-any

/** The Prometheus name the collector gives an OTel metric (dots → underscores, `_total`, unit suffix). */
const HISTOGRAMS: ReadonlySet<string> = new Set([METRIC.MESSAGE_DURATION, METRIC.REVOCATION_LATENCY])
function promName(name: string): string {
  const base = name.replaceAll('.', '_')
  if (HISTOGRAMS.has(name)) return `${base}_milliseconds_bucket`
  return name === METRIC.ACTIVE_CONNECTIONS ? base : `${base}_total`
}

describe('infra/ observability stack', () => {
  it('has a compose file whose mounted configs exist', () => {
    const compose = readYaml('compose.observability.yaml')
    expect(Object.keys(compose.services).toSorted()).toEqual([
      'grafana',
      'jaeger',
      'otel-collector',
      'prometheus',
    ])
    for (const service of Object.values(compose.services) as Array<{ volumes?: string[] }>)
      for (const volume of service.volumes ?? [])
        expect(existsSync(infra(volume.split(':')[0] as string))).toBe(true)
  })

  it('routes traces to Jaeger and metrics to the Prometheus exporter', () => {
    const collector = readYaml('otel/collector.yaml')
    expect(collector.service.pipelines.traces.exporters).toEqual(['otlp/jaeger'])
    expect(collector.service.pipelines.metrics.exporters).toEqual(['prometheus'])
    expect(collector.exporters['otlp/jaeger'].endpoint).toBe('jaeger:4317')
    const prom = readYaml('prometheus/prometheus.yml')
    expect(prom.scrape_configs[0].static_configs[0].targets).toEqual(['otel-collector:8889'])
  })

  it('charts every Portcullis metric on the dashboard', () => {
    const dashboard = readFileSync(infra('grafana/dashboards/portcullis.json'), 'utf8')
    const exprs = (JSON.parse(dashboard) as { panels: Array<{ targets: Array<{ expr: string }> }> }).panels
      .flatMap((p) => p.targets.map((t) => t.expr))
      .join('\n')
    for (const name of Object.values(METRIC)) expect(exprs, name).toContain(promName(name))
  })

  it('alerts on repeated unauthorized attempts', () => {
    const rules = readYaml('prometheus/alerts.yml').groups.flatMap(
      (g: { rules: unknown[] }) => g.rules,
    ) as Array<{
      alert: string
      expr: string
    }>
    const alert = rules.find((r) => r.alert === 'PortcullisRepeatedUnauthorizedAttempts')
    expect(alert?.expr).toContain(promName(METRIC.AUTH_FAILURES))
  })
})
