-- The abuse guard's counters for one paid send, in one step. KEYS (one hash tag, so one
-- Cluster slot): 1 service-wide sends, 2 the end-user IP's sends, 3 the destination prefix's
-- sends, 4 its approvals, 5 its block marker (the block's end). Counters are hashes of fixed buckets (1/60 of
-- their window each), so they grow with time, never with traffic.
-- ARGV: 1 now, 2 'take' | 'release' | 'approve', 3 global limit (0: none), 4 IP limit (0: no
-- IP), 5 IP window ms, 6 '1' to apply the pumping guard, 7 min sends, 8 min conversion,
-- 9 block ms.
local N = 60
local HOUR = 3600000
local NOW = tonumber(ARGV[1])
local glimit, iplimit, ipwindow = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local pumping = ARGV[6] == '1'
local block = tonumber(ARGV[9])

local function width(window) return math.max(math.ceil(window / N), 1) end

-- Sends in the window, and ms until its oldest bucket leaves it.
local function count(key, window)
  local w = width(window)
  local cur = math.floor(NOW / w)
  local flat = redis.call('HGETALL', key)
  local total, oldest = 0, nil
  for i = 1, #flat, 2 do
    local b = tonumber(flat[i])
    if b <= cur - N then
      redis.call('HDEL', key, flat[i])
    else
      total = total + tonumber(flat[i + 1])
      if not oldest or b < oldest then oldest = b end
    end
  end
  return total, oldest and ((oldest + N) * w - NOW) or 0
end

local function add(key, window, delta)
  local w = width(window)
  local b = math.floor(NOW / w)
  if redis.call('HINCRBY', key, b, delta) <= 0 then redis.call('HDEL', key, b) end
  redis.call('PEXPIRE', key, (b + N + 1) * w - NOW)
end

local function apply(delta)
  if glimit > 0 then add(KEYS[1], HOUR, delta) end
  if iplimit > 0 then add(KEYS[2], ipwindow, delta) end
  if pumping then add(KEYS[3], block, delta) end
end

if ARGV[2] == 'approve' then
  add(KEYS[4], block, 1)
  return { 'ok' }
end
if ARGV[2] == 'release' then
  apply(-1)
  return { 'ok' }
end
if pumping then
  -- The marker holds the block's end (the callers' clock, like every other window).
  local till = tonumber(redis.call('GET', KEYS[5]) or '0')
  if till > NOW then return { 'blocked', till - NOW } end
end
if glimit > 0 then
  local n, retry = count(KEYS[1], HOUR)
  if n >= glimit then return { 'global', retry } end
end
if iplimit > 0 then
  local n, retry = count(KEYS[2], ipwindow)
  if n >= iplimit then return { 'ip', retry } end
end
if pumping then
  -- The send that would make conversion collapse is refused and starts the block.
  local sends = count(KEYS[3], block)
  if sends >= tonumber(ARGV[7]) then
    local approvals = count(KEYS[4], block)
    if approvals / sends < tonumber(ARGV[8]) then
      redis.call('SET', KEYS[5], NOW + block, 'PX', block)
      return { 'blocked', block, '1', sends, approvals }
    end
  end
end
apply(1)
return { 'ok' }
