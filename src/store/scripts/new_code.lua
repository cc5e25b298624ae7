-- A new code on a pending verification: a client's resend (MAX_SENDS, cooldown, window) or
-- the auto workflow's next step (exactly once per step, whoever runs it).
-- ARGV: 1 client id, 2 now, 3 channel, 4 provider, 5 code HMAC ('' = provider picks),
-- 6 expiresAt, 7 mode 'resend'|'advance', 8 expected step, 9 cooldown ms, 10 send limit,
-- 11 window ms, 12 retention ms, 13 code length.
local rec = load()
if not rec or rec.clientId ~= ARGV[1] then return { 'not_found' } end
local now = tonumber(ARGV[2])
local retention = tonumber(ARGV[12])
refresh(rec, now, retention)
if rec.status ~= 'pending' then return { 'not_pending', rec.status } end
local cooldown, limit, window = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11])
if ARGV[7] == 'advance' then
  if rec.step ~= tonumber(ARGV[8]) then return { 'stale' } end
  rec.step = rec.step + 1
else
  if rec.sends >= rec.maxSends then return { 'max_sends_reached' } end
  local refused = send_refusal(now, cooldown, limit, window)
  if refused then return refused end
end
rec.gen = rec.gen + 1
rec.sends = rec.sends + 1
rec.channel = ARGV[3]
rec.expiresAt = tonumber(ARGV[6])
rec.codeLength = tonumber(ARGV[13])
if ARGV[5] == '' then rec.codeHmac = nil else rec.codeHmac = ARGV[5] end
rec.attempts[#rec.attempts + 1] = { channel = ARGV[3], provider = ARGV[4], status = 'queued', at = now }
save(rec)
redis.call('PEXPIRE', KEYS[1], rec.expiresAt - now + retention)
redis.call('SET', KEYS[2], rec.id, 'PX', math.max(rec.expiresAt - now, 1))
index_flash(rec, now)
if limit > 0 or ARGV[7] == 'advance' then
  record_send(now, rec.id .. ':' .. rec.gen, math.max(window, 1000), cooldown)
end
return { 'ok', cjson.encode(rec) }
