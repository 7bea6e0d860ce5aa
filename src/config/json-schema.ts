/**
 * The JSON Schema of a config, from its zod 4 schema (`z.toJSONSchema`), for
 * `classifier-training config schema`: editors then validate and complete
 * the YAML. It describes the input side (what a user writes), so keys with
 * defaults are optional.
 *
 * @example
 * writeFileSync('config.schema.json', JSON.stringify(configJsonSchema(schema), null, 2));
 */
import { z } from 'zod';

/** A draft 2020-12 JSON Schema of what `schema` accepts; parts JSON Schema cannot express become `{}`. */
export function configJsonSchema(schema: z.ZodType, options: { title?: string } = {}): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return options.title === undefined ? json : { ...json, title: options.title };
}
