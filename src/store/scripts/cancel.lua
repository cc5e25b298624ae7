-- ARGV: 2 nonce, 3 client id.
local doc = load_doc()
local r = doc.v[ARGV[2]]
if not r or r.c ~= ARGV[3] then return { 'not_found' } end
local expired = refresh(r)
if r.s ~= 'p' then return not_pending(doc, r, expired) end
finish(r, 'c')
save_doc(doc)
return { 'ok', cjson.encode(r) }
