-- Starts a verification: per-phone limits, supersede the client's pending verification to the
-- same number, store the new one, index it. ARGV: 1 record JSON, 2 metadata JSON, 3 now,
-- 4 cooldown ms, 5 send limit (0 = none), 6 window ms, 7 retention ms, 8 failure limit,
-- 9 failure window ms.
local rec = cjson.decode(ARGV[1])
local now = tonumber(ARGV[3])
local cooldown, limit, window = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local retention = tonumber(ARGV[7])

local refused = failure_refusal(now, tonumber(ARGV[8]), tonumber(ARGV[9]))
  or send_refusal(now, cooldown, limit, window)
if refused then return refused end

local superseded = ''
local old_id = redis.call('GET', KEYS[2])
if old_id and old_id ~= rec.id then
  -- Same hash tag as KEYS[1], so the same slot: only the id differs.
  local old_key = string.sub(KEYS[1], 1, #KEYS[1] - #rec.id) .. old_id
  local raw = redis.call('HGET', old_key, 'r')
  if raw then
    local old = cjson.decode(raw)
    if old.status == 'pending' then
      old.status = 'canceled'
      old.endedAt = now
      old.codeHmac = nil
      redis.call('HSET', old_key, 'r', cjson.encode(old))
      redis.call('PEXPIRE', old_key, retention)
      if redis.call('GET', KEYS[5]) == old_id then redis.call('DEL', KEYS[5]) end
      superseded = old_id
    end
  end
end

redis.call('HSET', KEYS[1], 'r', ARGV[1], 'm', ARGV[2])
redis.call('PEXPIRE', KEYS[1], rec.expiresAt - now + retention)
redis.call('SET', KEYS[2], rec.id, 'PX', math.max(rec.expiresAt - now, 1))
index_flash(rec, now)
if limit > 0 then record_send(now, rec.id .. ':' .. rec.gen, window, cooldown) end
return { 'ok', ARGV[1], superseded }
