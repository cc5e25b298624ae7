-- What a provider said about an attempt. A status never moves back and the first final one
-- wins. A code the provider took becomes the valid one if its attempt is newer than the
-- valid one's; a refused send leaves the previous code valid.
-- ARGV: 12 nonce, 13 attempt index (0-based), 14 status, 15 provider ref ('' = keep),
-- 16 provider ('' = keep), 17 code HMAC ('' = none), 18 code length, 19 code expiry,
-- 20 '1' to end the verification as failed.
local rank = { q = 0, s = 1, d = 2, u = 2, f = 2 }
local doc = load_doc()
local r = doc.v[ARGV[12]]
if not r then return { 'not_found' } end
local idx = tonumber(ARGV[13])
local a = r.A[idx + 1]
if not a then return { 'not_found' } end
local expired = refresh(r)
if gone(r) then return { 'not_found' } end
local changed, committed, failed = '0', '0', '0'
if rank[a[3]] < 2 and rank[ARGV[14]] > rank[a[3]] then
  a[3] = ARGV[14]
  changed = '1'
end
if ARGV[15] ~= '' then a[4] = ARGV[15] end
if ARGV[16] ~= '' then a[2] = ARGV[16] end
if ARGV[17] ~= '' and r.s == 'p' and idx > r.u then
  r.h = ARGV[17]
  r.u = idx
  r.n = tonumber(ARGV[18])
  r.x = tonumber(ARGV[19]) - r.a
  r.m = checks_for(a[1], r.k)
  committed = '1'
end
if ARGV[20] == '1' and r.s == 'p' then
  finish(r, 'f')
  failed = '1'
end
save_doc(doc)
return { 'ok', cjson.encode(r), changed, committed, failed, expired and '1' or '0' }
