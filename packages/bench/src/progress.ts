/** A scenario's share of the run: how many measurements it records and roughly how long each takes (s). */
export interface Plan {
  steps: number
  seconds: number
}

/**
 * `step k of n`, elapsed and an estimate of the time left, for the one-line-per-step progress on stderr.
 * The estimate is the planned seconds of the steps left, scaled by how the steps so far compared with their plan
 * (a busy machine runs long throughout), so it settles after the first few steps.
 */
export class Progress {
  readonly #plans: Plan[]
  readonly #t0 = Date.now()
  #scenario = 0
  #doneInScenario = 0
  #done = 0
  #plannedDone = 0

  constructor(plans: Plan[]) {
    this.#plans = plans
  }

  /** Total steps planned (at least the steps done: a plan that undercounts never shows `step 9 of 8`). */
  get total(): number {
    return Math.max(
      this.#done,
      this.#plans.reduce((sum, p) => sum + p.steps, 0),
    )
  }

  /** Moves on to scenario `index` (its plan in the constructor's order). */
  enter(index: number): void {
    // Steps a scenario planned but did not record still count as done, so the total stays honest.
    for (let i = this.#scenario; i < index; i++) {
      const p = this.#plans[i]
      if (!p) continue
      const missing = Math.max(0, p.steps - (i === this.#scenario ? this.#doneInScenario : 0))
      this.#done += missing
      this.#plannedDone += missing * p.seconds
    }
    this.#scenario = index
    this.#doneInScenario = 0
  }

  /** Records one finished step; returns `step k of n · elapsed · ~left`. */
  step(): string {
    this.#done++
    this.#doneInScenario++
    this.#plannedDone += this.#plans[this.#scenario]?.seconds ?? 0
    const elapsedS = (Date.now() - this.#t0) / 1000
    let plannedLeft = 0
    this.#plans.forEach((p, i) => {
      if (i < this.#scenario) return
      const left = i === this.#scenario ? Math.max(0, p.steps - this.#doneInScenario) : p.steps
      plannedLeft += left * p.seconds
    })
    const pace = this.#plannedDone > 0 ? elapsedS / this.#plannedDone : 1
    return `step ${this.#done} of ${this.total} · ${clock(elapsedS)} elapsed · ~${clock(plannedLeft * pace)} left`
  }
}

const pad = (n: number): string => String(n).padStart(2, '0')

/** `m:ss` (or `h:mm:ss`). */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`
}
