// Limits on a start's `metadata`, the one free-form object a caller stores with a verification.
// Checked by an iterative walk that stops at the first problem, so no input, however deep or
// wide, costs more than a few dozen steps (and nothing deeper is ever stored, serialized or
// hashed: the idempotency hash and the stores only see metadata that passed).

export const METADATA_LIMITS = {
  /** Bytes of the metadata serialized as JSON. */
  bytes: 4096,
  /** Levels of nesting: the metadata object itself is level 1. */
  depth: 5,
  /** Characters of any string, key or value. */
  stringLength: 512,
  /** Keys and array items, counted over all levels. */
  entries: 50,
} as const;

const L = METADATA_LIMITS;

/** What is wrong with `metadata`, or undefined when it is within the limits. */
export function metadataProblem(metadata: unknown): string | undefined {
  const stack: Array<{ value: unknown; depth: number }> = [{ value: metadata, depth: 1 }];
  let entries = 0;
  while (stack.length) {
    const { value, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.length > L.stringLength) return `strings may have at most ${L.stringLength} characters`;
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth > L.depth) return `may be nested at most ${L.depth} levels deep`;
    const children = Array.isArray(value) ? value : Object.values(value as Record<string, unknown>);
    if (!Array.isArray(value)) {
      for (const key of Object.keys(value as object)) {
        if (key.length > L.stringLength) return `keys may have at most ${L.stringLength} characters`;
      }
    }
    entries += children.length;
    if (entries > L.entries) return `may have at most ${L.entries} keys and array items in all`;
    for (const child of children) stack.push({ value: child, depth: depth + 1 });
  }
  // Bounded now (≤ 50 entries of ≤ 512 characters, ≤ 5 levels): safe to serialize.
  if (Buffer.byteLength(JSON.stringify(metadata)) > L.bytes) return `may have at most ${L.bytes} bytes as JSON`;
  return undefined;
}
