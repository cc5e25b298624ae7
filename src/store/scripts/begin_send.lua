-- A new attempt on a pending verification, before its code goes to a provider: a resend
-- (MAX_SENDS, cooldown, window) or the auto workflow's next step (exactly once per step, within
-- the per-phone window; no cooldown: a failed step moves on at once). The valid code does not
-- change here: only a code a provider took replaces it (deliver.lua).
-- ARGV: 12 nonce, 13 client id ('' = any), 14 'resend' | 'advance', 15 step moved on from,
-- 16 channel, 17 provider, 18 '1' for no per-phone limits, 19 advance: the step moved to,
-- 20 MAX_SENDS.
local doc = load_doc()
local r = doc.v[ARGV[12]]
if not r or (ARGV[13] ~= '' and r.c ~= ARGV[13]) then return { 'not_found' } end
local expired = refresh(r)
if r.s ~= 'p' then return not_pending(doc, r, expired) end
local unlimited = ARGV[18] == '1'
local refused
if ARGV[14] == 'advance' then
  if (r.w or 0) ~= tonumber(ARGV[15]) then return { 'stale' } end
  if not unlimited then refused = send_refusal(doc, false) end
  if refused then return refused end
  r.w = tonumber(ARGV[19])
else
  if #r.A >= tonumber(ARGV[20]) then return { 'max_sends_reached' } end
  if not unlimited then refused = send_refusal(doc, true) end
  if refused then return refused end
end
r.A[#r.A + 1] = { ARGV[16], ARGV[17], 'q', '', NOW - r.a }
if not unlimited then doc.s[#doc.s + 1] = NOW end
save_doc(doc)
return { 'ok', cjson.encode(r), tostring(#r.A - 1) }
