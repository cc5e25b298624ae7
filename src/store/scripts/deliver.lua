-- What a provider said about an attempt. A status never moves back and the first final one
-- wins. A code the provider took becomes the valid one if its attempt is newer than the
-- valid one's; a refused send leaves the previous code valid.
-- ARGV: 2 nonce, 3 attempt index (0-based), 4 status, 5 provider ref ('' = keep),
-- 6 provider ('' = keep), 7 code HMAC ('' = none), 8 code length, 9 code expiry,
-- 10 '1' to end the verification as failed.
local rank = { q = 0, s = 1, d = 2, u = 2, f = 2 }
local doc = load_doc()
local r = doc.v[ARGV[2]]
if not r then return { 'not_found' } end
local idx = tonumber(ARGV[3])
local a = r.A[idx + 1]
if not a then return { 'not_found' } end
local expired = refresh(r)
if gone(r) then return { 'not_found' } end
local changed, committed, failed = '0', '0', '0'
if rank[a[3]] < 2 and rank[ARGV[4]] > rank[a[3]] then
  a[3] = ARGV[4]
  changed = '1'
end
if ARGV[5] ~= '' then a[4] = ARGV[5] end
if ARGV[6] ~= '' then a[2] = ARGV[6] end
if ARGV[7] ~= '' and r.s == 'p' and idx > r.u then
  r.h = ARGV[7]
  r.u = idx
  r.n = tonumber(ARGV[8])
  r.x = tonumber(ARGV[9]) - r.a
  r.m = checks_for(a[1], r.k)
  committed = '1'
end
if ARGV[10] == '1' and r.s == 'p' then
  finish(r, 'f')
  failed = '1'
end
save_doc(doc)
return { 'ok', cjson.encode(r), changed, committed, failed, expired and '1' or '0' }
