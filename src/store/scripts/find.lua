-- Finds a pending verification of a number. ARGV: 2 'pending' (3: client id) or 'flash'
-- (the call-back robot: the latest whose valid code is a flash call; a caller with none uses
-- up one of ROBOT_LIMIT lookups per ROBOT_WINDOW, so probing numbers stays cheap and bounded).
local doc = load_doc()
local found, latest = '', -1
for nonce, r in pairs(doc.v) do
  if r.s == 'p' and NOW < expires_at(r) then
    if ARGV[2] == 'pending' then
      if r.c == ARGV[3] then found = nonce end
    elseif r.u >= 0 and r.A[r.u + 1][1] == 'f' and r.a > latest then
      found, latest = nonce, r.a
    end
  end
end
if found ~= '' or ARGV[2] == 'pending' then return { found } end
local bucket = math.floor(NOW / ROBOT_WINDOW)
if not doc.r or doc.r[1] ~= bucket then doc.r = { bucket, 0 } end
if doc.r[2] >= ROBOT_LIMIT then return { '', 'limited' } end
doc.r[2] = doc.r[2] + 1
save_doc(doc)
return { '' }
