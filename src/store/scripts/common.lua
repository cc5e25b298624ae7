-- Prepended to every verification script. KEYS[1] is the phone's document, one MessagePack
-- string under the number's keyed tag: every verification of that number (v, by id nonce), its send
-- log (s: times), its wrong guesses (f: counts per hour bucket) and its call-back lookups
-- (r: {minute bucket, count}). One key per number keeps Redis small and every rule atomic.
-- ARGV[1] is the time; a script's own arguments start at ARGV[2]. The rules (store/types.ts
-- StoreRules) are written into the script's text as numbers (redis-store.ts): they are the same
-- for every call of an instance, so no call sends or converts them. Records use short field
-- names and keep times as ms after their creation (store/record.ts): compact, because Redis
-- holds one per pending verification.
local NOW = tonumber(ARGV[1])
local RETENTION = {{retentionMs}}
local COOLDOWN = {{cooldownMs}}
local SEND_LIMIT = {{sendLimit}}
local SEND_WINDOW = {{sendWindowMs}}
local FAIL_LIMIT = {{failureLimit}}
local FAIL_WINDOW = {{failureWindowMs}}
local MAX_CHECKS = {{maxChecks}}
local FLASH_CHECKS = {{flashMaxChecks}}
local ROBOT_LIMIT = {{robotLimit}}
local ROBOT_WINDOW = {{robotWindowMs}}
local MAX_SENDS = {{maxSends}}
local FAIL_BUCKETS = 24
local FAIL_WIDTH = math.max(math.floor(FAIL_WINDOW / FAIL_BUCKETS), 1)

local function load_doc()
  local raw = redis.call('GET', KEYS[1])
  local doc = raw and cmsgpack.unpack(raw) or {}
  doc.v = doc.v or {}
  doc.s = doc.s or {}
  doc.f = doc.f or {}
  return doc
end

-- Writes the document back, dropping what no rule needs any more, and lets the key live
-- exactly as long as its longest-lived part.
local function save_doc(doc)
  local keep = 0
  for nonce, r in pairs(doc.v) do
    local till = r.a + (r.s == 'p' and r.x or r.e) + RETENTION
    if till <= NOW then doc.v[nonce] = nil else keep = math.max(keep, till - NOW) end
  end
  local span = math.max(SEND_WINDOW, COOLDOWN)
  local s = {}
  for _, t in ipairs(doc.s) do
    if t > NOW - span then
      s[#s + 1] = t
      keep = math.max(keep, t + span - NOW)
    end
  end
  doc.s = s
  local cur = math.floor(NOW / FAIL_WIDTH)
  for b, _ in pairs(doc.f) do
    local bi = tonumber(b)
    if bi <= cur - FAIL_BUCKETS then doc.f[b] = nil else keep = math.max(keep, (bi + FAIL_BUCKETS) * FAIL_WIDTH - NOW) end
  end
  if doc.r and doc.r[1] ~= math.floor(NOW / ROBOT_WINDOW) then doc.r = nil end
  if doc.r then keep = math.max(keep, (doc.r[1] + 1) * ROBOT_WINDOW - NOW) end
  -- Empty parts are left out.
  if #doc.s == 0 then doc.s = nil end
  if next(doc.f) == nil then doc.f = nil end
  if keep <= 0 then
    redis.call('DEL', KEYS[1])
  else
    redis.call('SET', KEYS[1], cmsgpack.pack(doc), 'PX', keep)
  end
end

-- Ends a verification: no code material survives it.
local function finish(r, status, at)
  r.s = status
  r.e = (at or NOW) - r.a
  r.h = nil
end

local function expires_at(r)
  return r.a + r.x
end

-- A pending verification past its expiry is expired, whoever looks at it first. True when
-- this call ended it.
local function refresh(r)
  if r.s == 'p' and NOW >= expires_at(r) then
    finish(r, 'e', expires_at(r))
    return true
  end
  return false
end

-- Ended and past its retention: as if it never existed.
local function gone(r)
  return r.s ~= 'p' and r.a + r.e + RETENTION <= NOW
end

local function failure_refusal(doc)
  if FAIL_LIMIT <= 0 then return nil end
  local cur = math.floor(NOW / FAIL_WIDTH)
  local count, oldest = 0, nil
  for b, n in pairs(doc.f) do
    local bi = tonumber(b)
    if bi > cur - FAIL_BUCKETS then
      count = count + n
      if not oldest or bi < oldest then oldest = bi end
    end
  end
  if count >= FAIL_LIMIT then return { 'rate_limited', (oldest + FAIL_BUCKETS) * FAIL_WIDTH - NOW } end
  return nil
end

local function count_failure(doc)
  local b = tostring(math.floor(NOW / FAIL_WIDTH))
  doc.f[b] = (doc.f[b] or 0) + 1
end

-- Per-phone cooldown (when asked) and sliding window. Returns a refusal or nil.
local function send_refusal(doc, cooldown)
  local last, count, first = nil, 0, nil
  for _, t in ipairs(doc.s) do
    if not last or t > last then last = t end
    if t > NOW - SEND_WINDOW then
      count = count + 1
      if not first or t < first then first = t end
    end
  end
  if cooldown and COOLDOWN > 0 and last and last + COOLDOWN > NOW then
    return { 'resend_too_soon', last + COOLDOWN - NOW }
  end
  if count >= SEND_LIMIT then return { 'rate_limited', first + SEND_WINDOW - NOW } end
  return nil
end

-- Guesses a code gets: a 4-digit flash-call code fewer, within the verification's total.
local function checks_for(channel, checks)
  if channel == 'f' then return math.min(MAX_CHECKS, checks + FLASH_CHECKS) end
  return MAX_CHECKS
end

local function not_pending(doc, r, expired)
  if expired then save_doc(doc) end
  if gone(r) then return { 'not_found' } end
  return { 'not_pending', cjson.encode(r), expired and '1' or '0' }
end
