import { portcullisProject } from '@portcullis/testkit/vitest'

// The smoke tests spawn real processes (servers, load generator; the soak's Redis Cluster and apps) on 2 shared
// cores: generous timeouts, and one file at a time so the two smoke tests never starve each other.
export default portcullisProject('bench', { testTimeout: 90_000, fileParallelism: false })
