/** JSON Schema fragments (TypeBox output) described in words and flattened into field rows, for Markdown. */

/** The parts of a JSON Schema this project's message schemas use. */
export interface JsonSchema {
  type?: string
  const?: unknown
  enum?: unknown[]
  anyOf?: JsonSchema[]
  items?: JsonSchema
  properties?: Record<string, JsonSchema>
  required?: string[]
  description?: string
  pattern?: string
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  maxItems?: number
  [key: string]: unknown
}

/** One field of a message, with a dotted path for nested objects (`user.id`). */
export interface FieldRow {
  readonly path: string
  readonly required: boolean
  readonly type: string
  readonly description: string
}

const literal = (v: unknown) => `\`${JSON.stringify(v)}\``

/** A schema's type in words: `string (1–64 chars)`, `"admin" | "user"`, `integer ≥ 0`, `array of role`. */
export function typeWords(schema: JsonSchema): string {
  if (schema.const !== undefined) return literal(schema.const)
  if (schema.enum) return schema.enum.map(literal).join(' \\| ')
  if (schema.anyOf) return schema.anyOf.map(typeWords).join(' \\| ')
  if (schema.type === 'array') {
    const max = schema.maxItems === undefined ? '' : ` (≤ ${schema.maxItems})`
    return `array of ${schema.items ? typeWords(schema.items) : 'any'}${max}`
  }
  const bounds: string[] = []
  if (schema.minLength !== undefined || schema.maxLength !== undefined)
    bounds.push(`${schema.minLength ?? 0}–${schema.maxLength ?? '∞'} chars`)
  if (schema.minimum !== undefined) bounds.push(`≥ ${schema.minimum}`)
  if (schema.exclusiveMinimum !== undefined) bounds.push(`> ${schema.exclusiveMinimum}`)
  if (schema.maximum !== undefined) bounds.push(`≤ ${schema.maximum}`)
  if (schema.pattern !== undefined) bounds.push(`pattern \`${schema.pattern}\``)
  return `${schema.type ?? 'any'}${bounds.length > 0 ? ` (${bounds.join(', ')})` : ''}`
}

/** Every field of an object schema, nested objects flattened (`user.roles`). */
export function fieldRows(schema: JsonSchema, prefix = ''): FieldRow[] {
  const required = new Set(schema.required ?? [])
  return Object.entries(schema.properties ?? {}).flatMap(([name, prop]) => {
    const path = `${prefix}${name}`
    const row: FieldRow = {
      path,
      required: required.has(name),
      type: prop.type === 'object' ? 'object' : typeWords(prop),
      description: prop.description ?? '',
    }
    return prop.type === 'object' && prop.properties ? [row, ...fieldRows(prop, `${path}.`)] : [row]
  })
}

/** A copy of a schema without `$id` (documents embed the schemas inline; ids would clash with their keys). */
export function withoutIds(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutIds)
  if (typeof schema !== 'object' || schema === null) return schema
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([key]) => key !== '$id')
      .map(([key, value]) => [key, withoutIds(value)]),
  )
}

/** A TypeBox schema seen as the plain JSON Schema it is at run time. */
export function jsonSchema(schema: unknown): JsonSchema {
  return schema as JsonSchema
}
