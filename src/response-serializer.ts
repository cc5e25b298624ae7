import fastJson from 'fast-json-stringify';
import { z } from 'zod';

// Responses leave through fast-json-stringify compiled from the route's response schema (the
// zod schemas of schemas.ts, as JSON Schema), not through zod: the service builds every
// answer itself, so re-validating it on each request (what the zod type provider's serializer
// does) cost more than the rest of the serialization. The schema stays the allow-list of what
// can leave: properties it does not name are never written, so no code material, phone tag
// or internal field can slip into an answer. Properties are written required first.

type RouteSchema = { schema: unknown };

function jsonSchemaOf(schema: unknown): Record<string, unknown> {
  if (!(schema instanceof z.ZodType)) return schema as Record<string, unknown>;
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any', target: 'draft-7' });
  return json;
}

export function responseSerializerCompiler({ schema }: RouteSchema): (data: unknown) => string {
  return fastJson(jsonSchemaOf(schema) as unknown as Parameters<typeof fastJson>[0]) as (data: unknown) => string;
}
