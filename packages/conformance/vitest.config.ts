import { portcullisProject } from '@portcullis/testkit/vitest'

// The stack runs start real processes (api, realtime, HAProxy) and wait out token lifetimes: generous timeouts.
export default portcullisProject('conformance', { testTimeout: 120_000, hookTimeout: 60_000 })
