-- Starts a verification: the phone's wrong-guess and send limits, supersede the client's
-- pending verification to the same number, store the new one, log the send.
-- ARGV: 2 nonce, 3 record JSON, 4 '1' for no per-phone send limits (test numbers).
local doc = load_doc()
local unlimited = ARGV[4] == '1'
local refused = failure_refusal(doc) or (not unlimited and send_refusal(doc, true))
if refused then return refused end
local rec = cjson.decode(ARGV[3])
local out = { 'ok', '' , '' }
for nonce, r in pairs(doc.v) do
  if r.c == rec.c and r.s == 'p' then
    if refresh(r) then
      if not gone(r) then
        out[#out + 1] = nonce
        out[#out + 1] = cjson.encode(r)
      end
    else
      finish(r, 'c')
      out[2] = nonce
      out[3] = cjson.encode(r)
    end
  end
end
doc.v[ARGV[2]] = rec
if not unlimited then doc.s[#doc.s + 1] = NOW end
save_doc(doc)
return out
