import { portcullisProject } from '@portcullis/testkit/vitest'

// The smoke test spawns real processes (servers, load generator) on 2 shared cores: generous timeouts.
export default portcullisProject('bench', { testTimeout: 90_000 })
