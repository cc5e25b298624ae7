-- What a provider said about an attempt. Idempotent: a status never moves back, and the first
-- final status wins. ARGV: 1 client id, 2 attempt index (0-based), 3 status, 4 provider ref
-- ('' = keep), 5 code HMAC of a provider-chosen code ('' = none), 6 generation it belongs to,
-- 7 '1' to end the verification as failed, 8 now, 9 retention ms.
local rank = { queued = 0, sent = 1, delivered = 2, undelivered = 2, failed = 2 }
local rec = load()
if not rec or rec.clientId ~= ARGV[1] then return { 'not_found' } end
local attempt = rec.attempts[tonumber(ARGV[2]) + 1]
if not attempt then return { 'not_found' } end
local now = tonumber(ARGV[8])
local retention = tonumber(ARGV[9])
local current = rank[attempt.status]
if current < 2 and rank[ARGV[3]] > current then attempt.status = ARGV[3] end
if ARGV[4] ~= '' then attempt.providerRef = ARGV[4] end
if ARGV[5] ~= '' and rec.status == 'pending' and rec.gen == tonumber(ARGV[6]) then
  rec.codeHmac = ARGV[5]
end
if ARGV[7] == '1' and rec.status == 'pending' then
  finish(rec, 'failed', now, retention)
else
  save(rec)
end
return { 'ok', cjson.encode(rec) }
