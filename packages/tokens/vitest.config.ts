import { portcullisProject } from '@portcullis/testkit/vitest'

// No Redis here: the package's tests use real HTTP servers on loopback and nothing else.
export default portcullisProject('tokens', { globalSetup: [] })
