/**
 * Reads a password for a command-line tool: from the terminal without echo (typed twice when `confirm`), or, when
 * stdin is not a terminal, the first line of stdin (`printf '%s\n' "$PW" | pnpm users add alice`). Never from argv.
 */
export async function readPassword(options: { confirm: boolean }): Promise<string> {
  if (!process.stdin.isTTY) return await firstLine()
  const first = await prompt('Password: ')
  if (options.confirm && (await prompt('Repeat password: ')) !== first)
    throw new Error('the passwords differ')
  return first
}

async function firstLine(): Promise<string> {
  let text = ''
  for await (const chunk of process.stdin) {
    text += String(chunk)
    const end = text.indexOf('\n')
    if (end >= 0) return text.slice(0, end).replace(/\r$/, '')
    if (text.length > 4096) break
  }
  return text.replace(/\r?\n$/, '')
}

/** One line from the terminal in raw mode, echoing nothing; Ctrl-C aborts with exit code 130. */
function prompt(question: string): Promise<string> {
  const { stdin, stderr } = process
  stderr.write(question)
  stdin.setRawMode(true)
  stdin.resume()
  stdin.setEncoding('utf8')
  return new Promise((resolve) => {
    let value = ''
    const done = (): void => {
      stdin.off('data', onData)
      stdin.setRawMode(false)
      stdin.pause()
      stderr.write('\n')
    }
    function onData(chunk: string): void {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          done()
          return resolve(value)
        }
        if (ch === '\u0003') {
          done()
          process.exit(130)
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1)
        else if (ch >= ' ') value += ch
      }
    }
    stdin.on('data', onData)
  })
}
