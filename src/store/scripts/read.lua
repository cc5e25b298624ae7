-- Reads a verification; one past its expiry is ended as expired by this very read.
-- ARGV: 2 nonce.
local doc = load_doc()
local r = doc.v[ARGV[2]]
if not r then return { 'not_found' } end
local expired = refresh(r)
if expired then save_doc(doc) end
if gone(r) then return { 'not_found' } end
return { 'ok', cjson.encode(r), expired and '1' or '0' }
