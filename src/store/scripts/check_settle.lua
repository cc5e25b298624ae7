-- Applies the outcome of a reserved guess. ARGV: 1 client id, 2 code generation that was
-- compared, 3 '1' if it matched, 4 now, 5 retention ms, 6 failure window ms.
local rec = load()
if not rec or rec.clientId ~= ARGV[1] then return { 'not_found' } end
local now = tonumber(ARGV[4])
local retention = tonumber(ARGV[5])
if rec.status ~= 'pending' then return { 'not_pending', cjson.encode(rec) } end
if ARGV[3] == '1' and rec.gen == tonumber(ARGV[2]) then
  finish(rec, 'approved', now, retention)
  return { 'approved', cjson.encode(rec) }
end
-- A wrong code (or a superseded one: only the latest code is valid).
local window = tonumber(ARGV[6])
redis.call('ZADD', KEYS[4], now, rec.id .. ':' .. rec.checks .. ':' .. now)
redis.call('PEXPIRE', KEYS[4], window)
if rec.checks >= rec.maxChecks then
  finish(rec, 'max_attempts_reached', now, retention)
end
return { 'wrong', cjson.encode(rec) }
