-- Sliding-window counter. KEYS: 1 zset. ARGV: 1 limit, 2 window ms, 3 member, 4 now.
-- Records the hit only when under the limit; answers allowed, count, retry-after ms.
local limit, window, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count >= limit then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if not first[2] then return { 0, count, window } end
  return { 0, count, math.max(tonumber(first[2]) + window - now, 1) }
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return { 1, count + 1, 0 }
