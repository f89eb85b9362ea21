import { portcullisProject } from './src/vitest-preset.ts'

export default portcullisProject('testkit')
