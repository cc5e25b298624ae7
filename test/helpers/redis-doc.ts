import type { Redis } from 'ioredis';

/** A phone's document as the store keeps it (MessagePack), decoded by Redis's own Lua. */
export async function readDoc(redis: Redis, key: string) {
  const json = (await redis.eval("return cjson.encode(cmsgpack.unpack(redis.call('GET', KEYS[1])))", 1, key)) as string;
  return JSON.parse(json);
}
