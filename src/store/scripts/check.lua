-- One guess, in one step: expire if due, compare the HMAC the service computed with the
-- stored one, count a wrong guess (on the verification and in the phone's log), approve once
-- or end the verification when no guess is left. Mode 'lookup' (the call-back robot) never
-- approves: a match is only reported, a mismatch counts like a wrong check.
-- A code of the wrong length is malformed: refused before it costs a guess.
-- ARGV: 2 nonce, 3 client id (any for a lookup), 4 candidate HMAC, 5 'check' | 'lookup', 6 candidate length.
local doc = load_doc()
local r = doc.v[ARGV[2]]
if not r or (ARGV[5] ~= 'lookup' and r.c ~= ARGV[3]) then return { 'not_found' } end
local expired = refresh(r)
if r.s ~= 'p' then return not_pending(doc, r, expired) end
if r.n ~= tonumber(ARGV[6]) then return { 'bad_length', tostring(r.n) } end
local refused = failure_refusal(doc)
if refused then return refused end
local match = r.h ~= nil and r.h == ARGV[4]
if match and ARGV[5] == 'lookup' then return { 'match', cjson.encode(r) } end
-- Every compared code uses up a check, the right one included (checksRemaining says so).
r.k = r.k + 1
if match then
  finish(r, 'a')
  save_doc(doc)
  return { 'approved', cjson.encode(r) }
end
count_failure(doc)
if r.k >= r.m then finish(r, 'm') end
save_doc(doc)
return { 'wrong', cjson.encode(r) }
