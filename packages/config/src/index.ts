export { ConfigError } from './errors.ts'
export { loadConfig, describeExpected, type Env, type EnvAnnotations } from './env.ts'
export { sharedEnv, LogLevelSchema } from './shared.ts'
export { runMain } from './run-main.ts'
export { readJsonFile } from './json-file.ts'
export { normalizeOrigin, originPolicy, type OriginPolicy } from './origins.ts'
export {
  assertProductionSafe,
  isLoopbackHost,
  productionChecks,
  productionProblems,
  ProductionConfigError,
  MAX_MESSAGE_BYTES_CAP,
  type CheckStatus,
  type ProductionCheck,
  type ProductionFacts,
} from './production.ts'
