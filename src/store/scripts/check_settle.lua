-- Applies the outcome of a guess reserved by check_begin. ARGV: 1 client id, 2 code
-- generation that was compared, 3 '1' if it matched, 4 now, 5 retention ms, 6 failure
-- window ms, 7 a unique id for this guess.
local rec = load()
if not rec or rec.clientId ~= ARGV[1] then return { 'not_found' } end
local now = tonumber(ARGV[4])
local retention = tonumber(ARGV[5])
rec.inflight = math.max((rec.inflight or 1) - 1, 0)
if ARGV[3] == '1' and rec.status == 'pending' and rec.gen == tonumber(ARGV[2]) then
  finish(rec, 'approved', now, retention)
  return { 'approved', cjson.encode(rec) }
end
if ARGV[3] == '1' and rec.status ~= 'pending' then
  save(rec)
  return { 'not_pending', cjson.encode(rec) }
end
-- A wrong code (or a superseded one: only the latest code is valid). It counts even when a
-- concurrent guess ended the verification meanwhile: it was a guess all the same.
local window = tonumber(ARGV[6])
redis.call('ZADD', KEYS[4], now, ARGV[7])
redis.call('PEXPIRE', KEYS[4], window)
-- The last guess ends it only once no other guess is still being compared: one of those
-- may be the right code.
if rec.status == 'pending' and rec.checks >= rec.maxChecks and rec.inflight == 0 then
  finish(rec, 'max_attempts_reached', now, retention)
else
  save(rec)
end
return { 'wrong', cjson.encode(rec) }
