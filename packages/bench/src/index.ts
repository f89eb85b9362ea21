/** `@portcullis/bench`: the harness behind `pnpm bench`, exported for its smoke test. */
export { runBench } from './run.ts'
export { defaults, SCENARIOS, type BenchOptions, type ScenarioName } from './options.ts'
export { SERVER_NAMES, type ServerName } from './targets.ts'
export type { BenchReport } from './report/types.ts'
export { renderMarkdown } from './report/markdown.ts'
export { renderSvg } from './report/svg.ts'
export { toJson } from './output.ts'
