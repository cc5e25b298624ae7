-- Reserves one guess before the code is compared (in Node, with timingSafeEqual), so that
-- concurrent checks can never be granted more guesses than allowed.
-- ARGV: 1 client id, 2 now, 3 retention ms, 4 failure limit, 5 failure window ms.
local rec = load()
if not rec or rec.clientId ~= ARGV[1] then return { 'not_found' } end
local now = tonumber(ARGV[2])
refresh(rec, now, tonumber(ARGV[3]))
if rec.status ~= 'pending' then return { 'not_pending', rec.status } end
local refused = failure_refusal(now, tonumber(ARGV[4]), tonumber(ARGV[5]))
if refused then return refused end
if rec.checks >= rec.maxChecks then return { 'exhausted', cjson.encode(rec) } end
rec.checks = rec.checks + 1
rec.inflight = (rec.inflight or 0) + 1
save(rec)
return { 'ok', cjson.encode(rec) }
