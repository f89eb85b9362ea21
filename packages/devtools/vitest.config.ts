import { portcullisProject } from '@portcullis/testkit/vitest'

export default portcullisProject('devtools')
