/** Where the demo looks for the stack unless `VITE_API_URL` / `VITE_REALTIME_URL` say otherwise (`pnpm dev`). */
export const DEFAULT_API_URL = 'http://localhost:3001'
export const DEFAULT_REALTIME_URL = 'ws://localhost:3002'
