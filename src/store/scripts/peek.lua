-- Reads a sliding-window counter without recording anything. KEYS: 1 zset.
-- ARGV: 1 window ms, 2 now. Answers count and ms until the oldest live member leaves.
local window, now = tonumber(ARGV[1]), tonumber(ARGV[2])
-- Exclusive lower bound: a member exactly one window old has left (as in hit.lua).
local from = '(' .. (now - window)
local count = redis.call('ZCOUNT', KEYS[1], from, '+inf')
if count == 0 then return { 0, 0 } end
local first = redis.call('ZRANGEBYSCORE', KEYS[1], from, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
return { count, math.max(tonumber(first[2]) + window - now, 1) }
