-- A new attempt on a pending verification, before its code goes to a provider: a resend
-- (MAX_SENDS, cooldown, window) or the auto workflow's next step (exactly once per step, within
-- the per-phone window; no cooldown: a failed step moves on at once). The valid code does not
-- change here: only a code a provider took replaces it (deliver.lua).
-- ARGV: 2 nonce, 3 client id ('' = any), 4 'resend' | 'advance', 5 step moved on from,
-- 6 channel, 7 provider, 8 '1' for no per-phone limits, 9 advance: the step moved to.
local doc = load_doc()
local r = doc.v[ARGV[2]]
if not r or (ARGV[3] ~= '' and r.c ~= ARGV[3]) then return { 'not_found' } end
local expired = refresh(r)
if r.s ~= 'p' then return not_pending(doc, r, expired) end
local unlimited = ARGV[8] == '1'
local refused
if ARGV[4] == 'advance' then
  if (r.w or 0) ~= tonumber(ARGV[5]) then return { 'stale' } end
  if not unlimited then refused = send_refusal(doc, false) end
  if refused then return refused end
  r.w = tonumber(ARGV[9])
else
  if #r.A >= MAX_SENDS then return { 'max_sends_reached' } end
  if not unlimited then refused = send_refusal(doc, true) end
  if refused then return refused end
end
r.A[#r.A + 1] = { ARGV[6], ARGV[7], 'q', '', NOW - r.a }
if not unlimited then doc.s[#doc.s + 1] = NOW end
save_doc(doc)
return { 'ok', cjson.encode(r), tostring(#r.A - 1) }
