-- Prepended to every verification script. KEYS are always, in this order:
--   1 record hash {r = record JSON, m = metadata JSON}, 2 the client's pending index,
--   3 the phone's send log (zset), 4 the phone's failed-check log (zset), 5 the phone's
--   flash-call index. All five share the phone's hash tag, so they live in one Cluster slot.
local function load()
  local r = redis.call('HGET', KEYS[1], 'r')
  if not r then return nil end
  return cjson.decode(r)
end

local function save(rec)
  redis.call('HSET', KEYS[1], 'r', cjson.encode(rec))
end

local function unindex(id)
  if redis.call('GET', KEYS[2]) == id then redis.call('DEL', KEYS[2]) end
  if redis.call('GET', KEYS[5]) == id then redis.call('DEL', KEYS[5]) end
end

-- Ends a verification: no code material survives, and it stays readable for the retention.
local function finish(rec, status, now, retention)
  rec.status = status
  rec.endedAt = now
  rec.codeHmac = nil
  unindex(rec.id)
  save(rec)
  redis.call('PEXPIRE', KEYS[1], retention)
end

-- A pending verification past its expiry is expired, whoever looks at it first.
local function refresh(rec, now, retention)
  if rec.status == 'pending' and now >= rec.expiresAt then
    finish(rec, 'expired', now, retention)
  end
end

-- Per-phone cooldown and sliding window. Returns a refusal or nil.
local function send_refusal(now, cooldown, limit, window)
  if limit <= 0 then return nil end
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - math.max(window, cooldown))
  if cooldown > 0 then
    local last = redis.call('ZREVRANGE', KEYS[3], 0, 0, 'WITHSCORES')
    if last[2] and tonumber(last[2]) + cooldown > now then
      return { 'resend_too_soon', tonumber(last[2]) + cooldown - now }
    end
  end
  local in_window = redis.call('ZCOUNT', KEYS[3], now - window, '+inf')
  if in_window >= limit then
    local first = redis.call('ZRANGEBYSCORE', KEYS[3], now - window, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
    return { 'rate_limited', tonumber(first[2]) + window - now }
  end
  return nil
end

local function record_send(now, member, window, cooldown)
  redis.call('ZADD', KEYS[3], now, member)
  redis.call('PEXPIRE', KEYS[3], math.max(window, cooldown, 1000))
end

-- Wrong codes per phone across verifications. Returns a refusal or nil.
local function failure_refusal(now, limit, window)
  if limit <= 0 then return nil end
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - window)
  if redis.call('ZCARD', KEYS[4]) >= limit then
    local first = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
    return { 'rate_limited', tonumber(first[2]) + window - now }
  end
  return nil
end

local function index_flash(rec, now)
  if rec.channel == 'flash_call' then
    redis.call('SET', KEYS[5], rec.id, 'PX', math.max(rec.expiresAt - now, 1))
  elseif redis.call('GET', KEYS[5]) == rec.id then
    redis.call('DEL', KEYS[5])
  end
end
